import torch
from torch.utils import data


class PairDataset(data.Dataset):
    def __getitem__(self, index):
        return torch.randn(3, 8, 8)

    def __len__(self):
        return 16


class PairLoader:
    """Builds its loader and starts iterating it as it is built."""

    def __init__(self, opt, dataset):
        self.data_loader = data.DataLoader(dataset, batch_size=opt.batch_size, num_workers=opt.workers)
        self.data_iter = self.data_loader.__iter__()

    def next_batch(self):
        try:
            return self.data_iter.__next__()
        except StopIteration:
            self.data_iter = self.data_loader.__iter__()
            return self.data_iter.__next__()
