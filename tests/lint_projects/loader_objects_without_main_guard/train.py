# LiuY1Chen/OOTDiffusion-train#7: the loader object, built at import time, starts its workers
# (the script's --workers, 4 by default) before any main guard
import argparse

from utils.loading import PairDataset, PairLoader

parser = argparse.ArgumentParser()
parser.add_argument("--batch_size", type=int, default=4)
parser.add_argument("--workers", type=int, default=4)
opt = parser.parse_args()

loader = PairLoader(opt, PairDataset())  # expect: dataloader-workers-without-main-guard
for step in range(10):
    print(loader.next_batch().shape)
