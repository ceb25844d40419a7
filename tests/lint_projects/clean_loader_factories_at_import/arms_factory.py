"""A factory one of whose arms returns a loader without workers: the call may take it."""
from torch.utils.data import DataLoader


def get_pytorch_dataloader(ds, batch_size, shuffle_choice):
    if shuffle_choice == 0:
        return DataLoader(dataset=ds, batch_size=batch_size, shuffle=False, num_workers=4)
    return DataLoader(dataset=ds, batch_size=batch_size, shuffle=True)


train_dataloader = get_pytorch_dataloader(range(10), 16, shuffle_choice=1)
for step, batch in enumerate(train_dataloader):
    print(step, batch)
