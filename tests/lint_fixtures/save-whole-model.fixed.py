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


def resume(offset, path):
    # adursun/wsddn.pytorch: built afresh or loaded whole, then saved whole every epoch
    if offset == 0:
        net = Net()
    else:
        net = torch.load(path, weights_only=False)
    torch.save(net, path)  # expect: save-whole-model


class Trainer:
    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer

    def save(self, path):
        torch.save(self.model.state_dict(), path)  # expect: save-whole-model
        torch.save(self.optimizer.state_dict(), path + ".opt")  # expect: save-whole-model


# --- correct code ----------------------------------------------------------------------
torch.save(model.state_dict(), "model.pt")
torch.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.pt")
torch.save(torch.randn(3), "tensor.pt")
scripted = torch.jit.script(model)
torch.jit.save(scripted, "scripted.pt")


def copy_checkpoint(src, dst):
    state = torch.load(src, weights_only=True)  # only loaded: a checkpoint dict, not known to be a module
    torch.save(state, dst)
