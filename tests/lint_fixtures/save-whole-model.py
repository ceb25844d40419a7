import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


model = Net()
torch.save(model, "model.pt")  # expect: save-whole-model
torch.save(nn.Linear(4, 2), "layer.pt")  # expect: save-whole-model


def checkpoint(net: Net, path: str):
    torch.save(obj=net, f=path)  # expect: save-whole-model


# --- correct code ----------------------------------------------------------------------
torch.save(model.state_dict(), "model.pt")
torch.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.pt")
torch.save(torch.randn(3), "tensor.pt")
scripted = torch.jit.script(model)
torch.jit.save(scripted, "scripted.pt")
