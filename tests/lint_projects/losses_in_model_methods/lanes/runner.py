import torch

from lanes.criterion import build_criterion
from lanes.nets import build_net


class Runner:
    def __init__(self, gpus):
        self.net = build_net()
        self.net = torch.nn.parallel.DataParallel(self.net, device_ids=range(gpus)).cuda()
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=0.01)
        self.criterion = build_criterion()

    def train_epoch(self, loader):
        self.net.train()
        for batch in loader:
            loss = self.criterion.forward(self.net, batch)  # expect: forward-called-directly
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
