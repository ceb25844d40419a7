# from hitvoice/DrQA drqa/model.py:83 (layer: drqa/layers.py:206-221, network: drqa/rnn_reader.py:149)
import torch
import torch.nn as nn
import torch.nn.functional as F


class BilinearSeqAttn(nn.Module):
    def __init__(self, x_size, y_size):
        super().__init__()
        self.linear = nn.Linear(y_size, x_size)

    def forward(self, x, y):
        xWy = x.bmm(self.linear(y).unsqueeze(2)).squeeze(2)
        if self.training:
            # In training we output log-softmax for NLL
            alpha = F.log_softmax(xWy, dim=1)
        else:
            alpha = F.softmax(xWy, dim=1)
        return alpha


class Model:
    def __init__(self):
        self.network = BilinearSeqAttn(8, 8)
        self.optimizer = torch.optim.Adamax(self.network.parameters())

    def update(self, x, y, target_s):
        self.network.train()
        score_s = self.network(x, y)
        loss = F.nll_loss(score_s, target_s)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
