# from fla-org/flash-linear-attention benchmarks/cp/test_gdn_with_cp.py:835
# dt_bias / A_log are registered nn.Parameters of the layer (fla/layers/gated_deltanet.py:152,165).
# The discarded .to() is a real no-op, but the suggested fix
# `layer.dt_bias = layer.dt_bias.to(torch.float)` raises
# TypeError: cannot assign 'torch.FloatTensor' as parameter 'dt_bias' (torch.nn.Parameter or None expected)
import torch
import torch.nn as nn


class GatedDeltaNet(nn.Module):
    def __init__(self, hidden_size, num_heads):
        super().__init__()
        self.proj = nn.Linear(hidden_size, hidden_size)
        self.A_log = nn.Parameter(torch.log(torch.empty(num_heads).uniform_(1, 16)))
        self.dt_bias = nn.Parameter(torch.randn(num_heads))

    def forward(self, x):
        return self.proj(x) * self.dt_bias.sum() * self.A_log.exp().sum()


def test_layer():
    x = torch.randn(1, 8, 64, dtype=torch.bfloat16).requires_grad_(True)
    layer = GatedDeltaNet(64, 4)
    layer = layer.to(x)
    layer.dt_bias.to(torch.float)
    layer.A_log.to(torch.float)
    out = layer(x)
    out.sum().backward()


if __name__ == "__main__":
    test_layer()
    layer = GatedDeltaNet(64, 4).to(torch.bfloat16)
    try:
        layer.dt_bias = layer.dt_bias.to(torch.float)  # the message's suggested fix
    except TypeError as e:
        print("suggested fix fails:", e)
