# from alibaba/FederatedScope federatedscope/autotune/fedex/server.py:89 (and :320)
# The "loop" is a list comprehension over the outputs of ONE forward call:
# the comprehension's iterable self._policy_net(...) is evaluated once, and each
# output is detached at once; nothing is run per iteration.
import torch
from torch import nn


class HyperNet(nn.Module):
    def __init__(self, input_dim, sizes):
        super(HyperNet, self).__init__()
        self.enc = nn.Linear(input_dim, 32)
        self.out = nn.ModuleList(
            [nn.Sequential(nn.Linear(32, n), nn.Softmax(dim=-1)) for n in sizes])

    def forward(self, encoding):
        h = self.enc(encoding)
        return [module(h) for module in self.out]


class FedExServer(object):
    def __init__(self, client_num, sizes, device):
        self._client_encodings = torch.randn((client_num, 8), device=device)
        self._policy_net = HyperNet(8, sizes).to(device)
        self._policy_net.eval()
        theta4stat = [
            theta.detach().cpu().numpy()
            for theta in self._policy_net(self._client_encodings)
        ]
        self._pn_optimizer = torch.optim.Adam(self._policy_net.parameters())
        self.stat = theta4stat
