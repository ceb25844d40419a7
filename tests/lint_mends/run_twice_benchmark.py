# from kakaobrain/torchgpipe benchmarks/amoebanetd-memory/main.py:169 (same shape: benchmarks/unet-memory/main.py:175)
# A peak-memory benchmark: two forward/backward/step iterations so that the second one runs with
# grads and RMSprop state resident; parameter values are never used afterwards.
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import RMSprop


def cli() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.LazyLinear(10))
    optimizer = RMSprop(model.parameters())
    input = torch.rand(128, 3, 32, 32)
    target = torch.randint(10, (128,))
    param_size = sum(p.numel() * p.element_size() for p in model.parameters())
    param_scale = 3  # param + grad + RMSprop.square_avg

    torch.cuda.reset_peak_memory_stats()
    for _ in range(2):
        output = model(input)
        loss = F.cross_entropy(output, target)
        loss.backward()
        optimizer.step()

    max_memory = torch.cuda.max_memory_reserved()
    print(f'Peak Activation Memory: {max_memory - param_size * param_scale:,} Bytes')


if __name__ == '__main__':
    cli()
