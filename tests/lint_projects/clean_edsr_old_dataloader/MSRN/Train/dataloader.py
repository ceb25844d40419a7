# from MIVRC/MSRN-PyTorch MSRN/Train/dataloader.py:13: DataLoader internals of torch 0.4
# (_worker_manager_loop is gone from 1.0 on): the program runs only on torch 0.4, where
# stepping the scheduler at the start of an epoch was the documented order
from torch.utils.data.dataloader import DataLoader
from torch.utils.data.dataloader import _DataLoaderIter
from torch.utils.data.dataloader import _worker_manager_loop


class _MSDataLoaderIter(_DataLoaderIter):
    manager = staticmethod(_worker_manager_loop)


class MSDataLoader(DataLoader):
    def __iter__(self):
        return _MSDataLoaderIter(self)
