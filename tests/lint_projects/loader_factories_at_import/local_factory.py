"""A factory of the same file, its default workers left as they are."""
from torch.utils.data import DataLoader


def make_loader(dataset, workers=3):
    return DataLoader(dataset, batch_size=8, num_workers=workers)


train_loader = make_loader(range(10))  # expect: dataloader-workers-without-main-guard
for batch in train_loader:
    print(batch)
