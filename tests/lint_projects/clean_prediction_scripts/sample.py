import torch

from models import CompletionNetwork

G = CompletionNetwork()
G.load_state_dict(torch.load("weights/netG.pth", weights_only=True))
if torch.cuda.is_available():
    G = G.cuda()
G.eval()
with torch.no_grad():
    samples = G(torch.randn(4, 4, 8, 8))
print(samples.shape)

