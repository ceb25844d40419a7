import copy

from fed.nets import MLP
from fed.update import LocalUpdate


def main(clients, rounds, device):
    net_glob = MLP(dim_in=784, dim_hidden=200, dim_out=10).to(device)
    for _ in range(rounds):
        for loader in clients:
            local = LocalUpdate(loader, lr=0.01)
            local.train(net=copy.deepcopy(net_glob).to(device))
            local.train_nll(copy.deepcopy(net_glob))
