import torch
from torch import no_grad
import torch.autograd as autograd

model = torch.nn.Linear(3, 1)
x = torch.randn(2, 3)

torch.no_grad()  # expect: no-grad-not-entered
y = model(x)

no_grad()  # expect: no-grad-not-entered
torch.inference_mode()  # expect: no-grad-not-entered
autograd.enable_grad()  # expect: no-grad-not-entered

# --- correct code ----------------------------------------------------------------------
with torch.no_grad():
    y = model(x)

torch.set_grad_enabled(False)  # works as a plain call
torch.set_grad_enabled(True)


@torch.no_grad()
def predict(x):
    return model(x)


@torch.inference_mode()
def predict2(x):
    return model(x)


ctx = torch.no_grad()
with ctx:
    y = model(x)
