import torch

from models import CompletionNetwork

model = CompletionNetwork().to("cpu")
model.load_state_dict(torch.load("checkpoint.pth", weights_only=True))
model.eval()
with torch.no_grad():
    alpha, = model(torch.randn(1, 4, 8, 8))
print(alpha.mean())

# Monte Carlo dropout: training mode on purpose, sampled many times
model.train()
with torch.no_grad():
    samples = [model(torch.randn(1, 4, 8, 8)) for _ in range(20)]
print(torch.stack(samples).std(0))


def refresh_statistics(net, loader):
    """A pass that refreshes batch-norm statistics: its output goes unread."""
    net.train()
    with torch.no_grad():
        net(next(iter(loader)))
