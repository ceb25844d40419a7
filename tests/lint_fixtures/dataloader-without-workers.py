import torch
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.randn(64, 8))

loader = DataLoader(dataset, batch_size=8)  # expect: dataloader-without-workers
serial = DataLoader(dataset, batch_size=8, num_workers=0)  # expect: dataloader-without-workers


def debug_loader(config):
    # czi-ai/variantformer: the config's value overridden just before, for debugging
    config.dataloader.num_workers = 0
    return DataLoader(dataset, num_workers=config.dataloader.num_workers)  # expect: dataloader-without-workers


def main(config):
    # --- correct code ------------------------------------------------------------------
    fast = DataLoader(dataset, batch_size=8, num_workers=4, pin_memory=True)
    configured = DataLoader(dataset, num_workers=config.workers)
    forwarded = DataLoader(dataset, **config.loader_kwargs)
    if config.debug:
        config.workers = 0  # only on one path: what the loader below gets is not known
    maybe = DataLoader(dataset, num_workers=config.workers)
    return fast, configured, forwarded, maybe


if __name__ == "__main__":
    main(None)
