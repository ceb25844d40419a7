"""Louis-udm/VGCN-BERT#6: a factory whose every arm returns a loader with workers."""
from torch.utils.data import DataLoader


def get_pytorch_dataloader(ds, batch_size, shuffle_choice):
    if shuffle_choice == 0:
        return DataLoader(dataset=ds, batch_size=batch_size, shuffle=False, num_workers=4)
    elif shuffle_choice == 1:
        return DataLoader(dataset=ds, batch_size=batch_size, shuffle=True, num_workers=4)
    return DataLoader(dataset=ds, batch_size=batch_size, num_workers=2)


train_dataloader = get_pytorch_dataloader(range(10), 16, shuffle_choice=0)  # expect: dataloader-workers-without-main-guard
for step, batch in enumerate(train_dataloader):
    print(step, batch)
