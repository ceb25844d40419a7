"""Train a small classifier on synthetic data, cell by cell.

This script has a few classic PyTorch mistakes for Torchwise to point out (see the Problems panel).
"""

# %% Setup
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
print("training on", device)

# %% Data
features = torch.randn(512, 20)
labels = (features[:, :5].sum(dim=1) > 0).long()
train_set = TensorDataset(features[:400], labels[:400])
val_set = TensorDataset(features[400:], labels[400:])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=64)

# %% Model
class Classifier(nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(0.1))
        self.head = nn.Linear(n_hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


model = Classifier(20, 64, 2).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
print(sum(p.numel() for p in model.parameters()), "parameters")

# %% Train (mistakes: gradients are never cleared; softmax before cross-entropy; loss kept with its graph)
total_loss = 0.0
for epoch in range(3):
    model.train()
    for xb, yb in train_loader:
        xb, yb = xb.to(device), yb.to(device)
        probs = F.softmax(model(xb), dim=1)
        loss = criterion(probs, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss
    print(f"epoch {epoch}: mean loss {total_loss / ((epoch + 1) * len(train_loader)):.4f}")

# %% Evaluate (mistake: the model is still in train mode, dropout is active)
correct = 0
with torch.no_grad():
    for xb, yb in val_loader:
        xb, yb = xb.to(device), yb.to(device)
        correct += (model(xb).argmax(dim=1) == yb).sum().item()
print(f"validation accuracy {correct / len(val_set):.3f}")
