# the same loader written for torch >= 1.2: nothing pins the program to an old torch
from torch.utils.data.dataloader import DataLoader


class MSDataLoader(DataLoader):
    pass
