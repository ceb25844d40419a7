"""Train a small classifier, checkpoint it, resume, and export it for inference."""

import argparse
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint
from torch.utils.data import DataLoader, TensorDataset, default_collate


class Block(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.norm = nn.BatchNorm1d(width)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        return self.drop(F.relu(self.norm(self.fc(x))))


class Net(nn.Module):
    def __init__(self, width: int = 32, classes: int = 4, use_checkpoint: bool = True):
        super().__init__()
        self.stem = nn.Linear(16, width)
        self.blocks = nn.ModuleList([Block(width) for _ in range(3)])
        self.head = nn.Linear(width, classes)
        self.temperature = nn.Parameter(torch.ones(1))
        self.use_checkpoint = use_checkpoint

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                x = checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
        return self.head(x) / self.temperature


def collate(batch):
    inputs, targets = default_collate(batch)
    return inputs.float(), targets


def make_loader(n: int, workers: int, shuffle: bool) -> DataLoader:
    inputs = torch.randn(n, 16)
    targets = torch.randint(0, 4, (n,))
    return DataLoader(TensorDataset(inputs, targets), batch_size=32, shuffle=shuffle,
                      num_workers=workers, collate_fn=collate, pin_memory=torch.cuda.is_available())


def save_checkpoint(path: Path, model: nn.Module, optimizer, epoch: int) -> None:
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path: Path, model: nn.Module, optimizer) -> int:
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"] + 1


def log_partition(logits: torch.Tensor) -> torch.Tensor:
    # numerically stable log(sum(exp(.))) and log(1 + x)
    return torch.logsumexp(logits, dim=-1) + torch.log1p(torch.expm1(logits.mean()))


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = total = 0
    for inputs, targets in loader:
        preds = model(inputs).argmax(dim=1)
        correct += (preds == targets).sum().item()
        total += targets.numel()
    return correct / max(total, 1)


def export(model: nn.Module, out_dir: Path) -> None:
    model.eval()
    example = torch.randn(2, 16)
    traced = torch.jit.trace(model, example)
    traced.save(str(out_dir / "model.ts"))
    torch.onnx.export(model, (example,), str(out_dir / "model.onnx"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    model = Net()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    start = 0
    ckpt = args.out / "last.pt"
    if ckpt.exists():
        start = load_checkpoint(ckpt, model, optimizer)

    train_loader = make_loader(512, args.workers, shuffle=True)
    val_loader = make_loader(128, args.workers, shuffle=False)
    for epoch in range(start, args.epochs):
        model.train()
        for inputs, targets in train_loader:
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
        accuracy = evaluate(model, val_loader)
        print(f"epoch {epoch}: val accuracy {accuracy:.3f}")
        save_checkpoint(ckpt, model, optimizer, epoch)

    for param in model.stem.parameters():
        param.requires_grad = False
    export(model, args.out)


if __name__ == "__main__":
    main()
