# dbpprt/u-2-net-portrait#4: the demo switched the loaded network to training mode, then predicted
import torch

from models import CompletionNetwork

model = CompletionNetwork().to("cpu")
model.load_state_dict(torch.load("checkpoint.pth", weights_only=True))
model.train()
with torch.no_grad():
    alpha, = model(torch.randn(1, 4, 8, 8))  # expect: missing-eval
print(alpha.mean())
