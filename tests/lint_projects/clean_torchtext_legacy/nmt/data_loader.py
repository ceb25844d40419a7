"""kh-kim/simple-nmt's data loader: the legacy Field from wherever this torchtext keeps it.
Either arm needs torchtext <= 0.11 (torchtext.legacy went in 0.12, with torch 1.11), so the
project runs on torch <= 1.10, where torch.cuda.amp is not deprecated."""

import torchtext

version = list(map(int, torchtext.__version__.split(".")))
if version[0] <= 0 and version[1] < 9:
    from torchtext import data
else:
    from torchtext.legacy import data


class DataLoader:
    def __init__(self, path):
        self.src = data.Field(batch_first=True)
        self.path = path

    def batches(self):
        return []
