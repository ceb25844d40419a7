# from lioryariv/idr code/evaluation/eval.py:144 with the model class of
# code/model/implicit_differentiable_renderer.py inlined (forward needs torch.autograd.grad)
import torch
import torch.nn as nn


class ImplicitNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)

    def forward(self, x):
        return self.lin(x)

    def gradient(self, x):
        x.requires_grad_(True)
        y = self.forward(x)[:, :1]
        d_output = torch.ones_like(y, requires_grad=False, device=y.device)
        g = torch.autograd.grad(outputs=y, inputs=x, grad_outputs=d_output,
                                create_graph=True, retain_graph=True, only_inputs=True)[0]
        return g.unsqueeze(1)


class IDRNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.implicit_network = ImplicitNetwork()

    def forward(self, input):
        points = input["points"]
        normals = self.implicit_network.gradient(points)[:, 0, :]
        return {'rgb_values': self.implicit_network(points)[:, 1:] * normals}


def evaluate(loader):
    model = IDRNetwork()
    model.eval()
    res = []
    for s in loader:
        out = model(s)
        res.append({'rgb_values': out['rgb_values'].detach()})
    return res
