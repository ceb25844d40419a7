import torch

from models import CompletionNetwork

H = CompletionNetwork()
H.load_state_dict(torch.load("weights/netG.pth", weights_only=True))
H = torch.jit.load("weights/scripted.pt")  # another module, saved in the mode it runs in
with torch.no_grad():
    print(H(torch.randn(4, 4, 8, 8)).shape)
