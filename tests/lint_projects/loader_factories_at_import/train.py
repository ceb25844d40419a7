"""The whole training script runs at module level, and the loaders start workers."""
import argparse

from dataset import get_eval_loader, get_loader

parser = argparse.ArgumentParser()
parser.add_argument("--batchSize", type=int, default=4)
parser.add_argument("--num_workers", type=int, default=4)
opt = parser.parse_args()

loader = get_loader(opt.batchSize, ["a.jpg"], num_workers=opt.num_workers)  # expect: dataloader-workers-without-main-guard
for epoch in range(2):
    for iteration, sequence in enumerate(loader):
        print(iteration, sequence)

eval_loader = get_eval_loader(["b.jpg"])  # expect: dataloader-workers-without-main-guard
results = [batch for batch in eval_loader]
