# from D-X-Y/AutoDL-Projects exps/NATS-algos/search-cell.py:389
# network.eval() already puts the registered submodule network.controller in eval mode
# (and the controller is LSTM/Embedding/Linear only, so the mode changes nothing).
import torch
import torch.nn as nn


class Controller(nn.Module):
    def __init__(self):
        super().__init__()
        self.w_lstm = nn.LSTM(input_size=32, hidden_size=32, num_layers=2)
        self.w_pred = nn.Linear(32, 5)

    def forward(self):
        out, _ = self.w_lstm(torch.zeros(1, 1, 32))
        return self.w_pred(out)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))

    def set_algo(self, algo):
        if algo == "enas":
            self.controller = Controller()


def train_controller(network, optimizer):
    network.eval()
    network.controller.train()
    for _ in range(10):
        loss = network.controller().sum()
        loss.backward()
        optimizer.step()
        network.controller.zero_grad()


def get_best_arch(network, n_samples):
    with torch.no_grad():
        network.eval()
        archs = []
        for _ in range(n_samples):
            sampled_arch = network.controller()
            archs.append(sampled_arch)
        return archs


def main():
    network = Net()
    network.set_algo("enas")
    optimizer = torch.optim.Adam(network.controller.parameters())
    for epoch in range(3):
        train_controller(network, optimizer)
        get_best_arch(network, 10)
