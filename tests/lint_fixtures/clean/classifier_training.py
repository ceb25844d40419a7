"""A plain image-classifier training script: the textbook loop, done right."""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvNet(nn.Module):
    def __init__(self, num_classes: int = 10, dropout: float = 0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.blocks = nn.ModuleList([nn.Conv2d(32, 32, 3, padding=1) for _ in range(2)])
        self.heads = nn.ModuleDict({"main": nn.Linear(32 * 14 * 14, num_classes)})
        self.dropout = nn.Dropout(dropout)
        self.hidden_sizes = [32, 64]  # plain numbers, not modules

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        for block in self.blocks:
            x = F.relu(block(x))
        x = torch.flatten(x, 1)
        return self.heads["main"](self.dropout(x))


def train_one_epoch(model, loader, optimizer, device):
    model.train()
    running_loss = 0.0
    for inputs, targets in loader:
        inputs = inputs.to(device)
        targets = targets.to(device)
        optimizer.zero_grad()
        logits = model(inputs)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        running_loss += loss.item()
    return running_loss / max(len(loader), 1)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = 0
    total = 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        logits = model(inputs)
        probs = F.softmax(logits, dim=1)
        correct += (probs.argmax(dim=1) == targets).sum().item()
        total += targets.numel()
    return correct / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    images = torch.randn(256, 1, 28, 28)
    labels = torch.randint(0, 10, (256,))
    train_loader = DataLoader(TensorDataset(images, labels), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(images, labels), batch_size=64)

    model = ConvNet().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    for epoch in range(args.epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer, device)
        accuracy = evaluate(model, val_loader, device)
        scheduler.step()
        print(f"epoch {epoch}: loss {train_loss:.4f} accuracy {accuracy:.3f}")

    model.eval()
    with torch.inference_mode():
        sample = images[:8].to(device)
        predictions = model(sample).argmax(dim=1).cpu().numpy()
        val_loss = criterion(model(sample), labels[:8].to(device))
    print(predictions, val_loss.item())
    torch.save(model.state_dict(), "convnet.pt")


if __name__ == "__main__":
    main()
