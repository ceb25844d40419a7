import torch

model = torch.nn.Linear(4, 2)
def broken(:  # expect: syntax-error
    pass

out = model(torch.randn(3, 4))
