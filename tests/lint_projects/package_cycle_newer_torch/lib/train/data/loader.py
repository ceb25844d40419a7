import torch


class LTRLoader(torch.utils.data.DataLoader):
    pass
