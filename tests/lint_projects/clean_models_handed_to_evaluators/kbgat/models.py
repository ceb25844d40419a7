import torch.nn as nn

from kbgat.layers import ConvKB


class ConvOnly(nn.Module):
    def __init__(self, dim, out_channels, drop_prob):
        super().__init__()
        self.final_conv_layer = ConvKB(dim, out_channels, drop_prob)

    def forward(self, batch):
        return self.final_conv_layer(batch)

    def batch_test(self, batch):
        return self.final_conv_layer(batch)
