"""The entry point: reads the data with the data loader, trains with the trainer."""

from nmt.data_loader import DataLoader
from nmt.trainer import train

loader = DataLoader("train.tsv")
train(None, loader.batches(), None)
