"""daooshee/ReReVST-Code (issue 3), reduced: the loader factory the training script calls."""
import torch.utils.data as data


class FrameDataset(data.Dataset):
    def __init__(self, paths):
        self.paths = paths

    def __getitem__(self, index):
        return self.paths[index]

    def __len__(self):
        return len(self.paths)


def get_loader(batch_size, paths, num_workers=16):
    dataset = FrameDataset(paths)
    loader = data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers)
    return loader


def get_eval_loader(paths):
    return data.DataLoader(FrameDataset(paths), batch_size=1, num_workers=2)
