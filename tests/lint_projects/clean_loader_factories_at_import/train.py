"""The fixed script: the training runs under the main guard; a loader built at import time
without workers, or not iterated there, starts nothing."""
import argparse

from dataset import get_eval_loader, get_loader

parser = argparse.ArgumentParser()
parser.add_argument("--batchSize", type=int, default=4)
parser.add_argument("--num_workers", type=int, default=0)
opt = parser.parse_args()

debug_loader = get_loader(opt.batchSize, ["a.jpg"], num_workers=opt.num_workers)
for sequence in debug_loader:
    print(sequence)

eval_loader = get_eval_loader(["b.jpg"])


def main():
    loader = get_loader(opt.batchSize, ["a.jpg"], num_workers=4)
    for epoch in range(2):
        for iteration, sequence in enumerate(loader):
            print(iteration, sequence)
    print([batch for batch in eval_loader])


if __name__ == "__main__":
    main()
