import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class Normed(Net):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)


class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return F.dropout(self.fc(x), 0.1, training=self.training)


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)


example = torch.randn(1, 8)


def export_traced():
    model = Net()
    model.load_state_dict(torch.load("net.pt", weights_only=True))
    traced = torch.jit.trace(model, example)  # expect: export-in-train-mode
    traced.save("net.ts")


def export_onnx():
    model = Normed()
    torch.onnx.export(model, (example,), "net.onnx")  # expect: export-in-train-mode


def export_program():
    model = Functional()
    return torch.export.export(model, (example,))  # expect: export-in-train-mode


def export_sequential():
    model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Dropout(0.5))
    torch.jit.trace(model, example)  # expect: export-in-train-mode


torch.jit.trace(Net(), example)  # expect: export-in-train-mode


# --- correct code ----------------------------------------------------------------------
def export_eval():
    model = Net()
    model.load_state_dict(torch.load("net.pt", weights_only=True))
    model.eval()
    torch.jit.trace(model, example).save("net.ts")
    torch.onnx.export(model, (example,), "net.onnx")


def export_train_false():
    model = Normed()
    model.train(False)
    return torch.export.export(model, (example,))


def export_plain():
    model = Plain()  # no dropout or batch norm: the mode does not matter
    torch.jit.trace(model, example)


def export_parameter(model: Net):
    torch.jit.trace(model, example)  # the caller decides the mode


def export_script_then_eval():
    model = Net()
    scripted = torch.jit.script(model)  # the scripted module keeps a switchable mode
    scripted.eval()
    scripted.save("net.ts")


def export_legacy_onnx():
    model = Net()
    torch.onnx.export(model, (example,), "net.onnx", dynamo=False)  # switches to eval itself


def prepare(model):
    model.eval()
    return model


def export_after_helper():
    model = Net()
    prepare(model)
    torch.jit.trace(model, example)


def deploy(train_dir, out_file):
    # mir-group/nequip's deploy build: the trainer's pickled model, scripted and frozen
    model = torch.load(f"{train_dir}/best_model.pth", map_location="cpu", weights_only=False)
    model = model.to(device=torch.device("cpu"))
    model = torch.jit.script(model)
    model.eval()
    model = torch.jit.freeze(model)  # expect: export-in-train-mode
    torch.jit.save(model, out_file)


def deploy_switched(train_dir):
    model = torch.load(f"{train_dir}/best_model.pth", map_location="cpu", weights_only=False)
    model.eval()
    return torch.jit.freeze(torch.jit.script(model))


def deploy_scripted_in_eval_mode():
    layer = torch.nn.Linear(2, 2)
    layer.eval()
    scripted = torch.jit.script(layer)
    return torch.jit.freeze(scripted)


def freeze_handed(scripted):
    return torch.jit.freeze(scripted)  # the caller decides the mode


def load_compiled(path):
    # mir-group/nequip's load_torchscript_model: a TorchScript file written for deployment
    model = torch.jit.load(path, map_location="cpu")
    return torch.jit.freeze(model)
