# csinva/gan-vae-pretrained-pytorch#2: the generator loaded, moved to the GPU when there is one
# (a rebinding under an `if`: the same module), and sampled in training mode
import torch

from models import CompletionNetwork

G = CompletionNetwork()
G.load_state_dict(torch.load("weights/netG.pth", weights_only=True))
if torch.cuda.is_available():
    G = G.cuda()
with torch.no_grad():
    samples = G(torch.randn(4, 4, 8, 8))  # expect: missing-eval
print(samples.shape)
