import torch
import torch.nn as nn

labels = torch.tensor([0, 1, 1, 0], requires_grad=True)  # expect: requires-grad-on-integer-tensor
steps = torch.arange(10, requires_grad=True)  # expect: requires-grad-on-integer-tensor
mask = torch.zeros(4, dtype=torch.bool, requires_grad=True)  # expect: requires-grad-on-integer-tensor
ids = torch.randint(0, 100, (8,), requires_grad=True)  # expect: requires-grad-on-integer-tensor
fill = torch.full((3,), 7, requires_grad=True)  # expect: requires-grad-on-integer-tensor
counts = torch.ones(3, dtype=torch.long, requires_grad=True)  # expect: requires-grad-on-integer-tensor
offsets = nn.Parameter(torch.arange(5))  # expect: requires-grad-on-integer-tensor

index = torch.arange(6)
index.requires_grad_()  # expect: requires-grad-on-integer-tensor


def build():
    table = torch.tensor([[1, 2], [3, 4]])
    table.requires_grad = True  # expect: requires-grad-on-integer-tensor
    return table


# --- correct code ----------------------------------------------------------------------
weights = torch.tensor([0.5, 1, 2], requires_grad=True)
bias = torch.zeros(4, requires_grad=True)
scale = torch.arange(0, 1, 0.25, requires_grad=True)
grid = torch.arange(10.0, requires_grad=True)
halves = torch.tensor([1, 2], dtype=torch.float16, requires_grad=True)
casted = torch.randint(0, 5, (3,), dtype=torch.float32, requires_grad=True)
frozen = nn.Parameter(torch.arange(5), requires_grad=False)
positions = torch.arange(6)
positions = positions.float()
positions.requires_grad_()
unknown = torch.tensor(values, requires_grad=True)  # noqa: F821 - dtype unknown
