# from yulunzhang/RNAN DN_RGB/code/dataloader.py:13: torch 0.4 renamed DataLoaderIter to
# _DataLoaderIter (sanghyun-son/EDSR-PyTorch#31): this program runs only on torch 0.3
from torch.utils.data.dataloader import DataLoader
from torch.utils.data.dataloader import DataLoaderIter


class MSDataLoader(DataLoader):
    def __iter__(self):
        return DataLoaderIter(self)
