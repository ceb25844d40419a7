"""Distributed data parallel training with checkpoint/resume and an evaluation loop.
Near-misses: scheduler fast-forward on resume, model.to() in place, eval helpers."""

import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


class ResidualMLP(nn.Module):
    def __init__(self, dim=64, depth=3, classes=10):
        super().__init__()
        self.inp = nn.Linear(32, dim)
        self.blocks = nn.ModuleList(
            [nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU()) for _ in range(depth)]
        )
        self.norm = nn.BatchNorm1d(dim)
        self.out = nn.Linear(dim, classes)

    def forward(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h)
        return self.out(self.norm(h))


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save({
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
    }, path)


def load_checkpoint(path, model, optimizer, scheduler):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return state["epoch"] + 1


@torch.no_grad()
def evaluate(model, loader, device):
    was_training = model.training
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        total += y.numel()
    model.train(was_training)
    return loss_sum / max(total, 1), correct / max(total, 1)


def main(epochs=3, checkpoint="ckpt.pt"):
    distributed = "RANK" in os.environ
    if distributed:
        dist.init_process_group("nccl")
        rank = dist.get_rank()
        device = torch.device("cuda", rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    else:
        rank = 0
        device = torch.device("cpu")

    dataset = TensorDataset(torch.randn(512, 32), torch.randint(0, 10, (512,)))
    sampler = DistributedSampler(dataset) if distributed else None
    loader = DataLoader(dataset, batch_size=64, sampler=sampler, shuffle=sampler is None,
                        num_workers=2, pin_memory=True, persistent_workers=True)
    val_loader = DataLoader(dataset, batch_size=128, num_workers=2)

    model = ResidualMLP()
    model.to(device)
    if distributed:
        model = DDP(model, device_ids=[device.index])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.1)

    start_epoch = 0
    if os.path.exists(checkpoint):
        start_epoch = load_checkpoint(checkpoint, model, optimizer, scheduler)

    for epoch in range(start_epoch, epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        model.train()
        running = torch.zeros((), device=device)
        for x, y in loader:
            x = x.to(device, non_blocking=True)
            y = y.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running += loss.detach()
        scheduler.step()
        val_loss, val_acc = evaluate(model, val_loader, device)
        if rank == 0:
            print(f"epoch {epoch} train {running.item():.3f} val {val_loss:.3f} acc {val_acc:.3f}")
            save_checkpoint(checkpoint, model.module if distributed else model, optimizer, scheduler, epoch)

    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
