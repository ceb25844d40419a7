import argparse

from utils.loading import PairDataset, PairLoader

parser = argparse.ArgumentParser()
parser.add_argument("--batch_size", type=int, default=4)
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--debug_workers", type=int, default=0)
opt = parser.parse_args()

debug_loader = PairLoader(argparse.Namespace(batch_size=2, workers=0), PairDataset())  # (workers it cannot tell)


def main():
    loader = PairLoader(opt, PairDataset())
    for step in range(10):
        print(loader.next_batch().shape)


if __name__ == "__main__":
    main()
