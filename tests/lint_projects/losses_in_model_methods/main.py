import torch

from model import PolicyNet


class Trainer:
    @classmethod
    def fit(cls, batches, net, optimizer):
        net.train()
        for boards, values, policies in batches:
            optimizer.zero_grad()
            out = net(boards)
            loss = net.joint_loss(out, values, policies)
            loss.backward()
            optimizer.step()


net = PolicyNet()
Trainer.fit([], net, torch.optim.SGD(net.parameters(), lr=0.1))
