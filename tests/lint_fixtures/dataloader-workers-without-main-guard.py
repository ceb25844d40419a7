import os

import torch
from torch.utils.data import DataLoader, TensorDataset
from torch_geometric.loader import DataLoader as GraphLoader

NUM_WORKERS = 4
dataset = TensorDataset(torch.randn(64, 8), torch.randint(0, 2, (64,)))
model = torch.nn.Linear(8, 2)

loader = DataLoader(dataset, batch_size=8, shuffle=True, num_workers=4)  # expect: dataloader-workers-without-main-guard
for inputs, targets in loader:
    model(inputs)

probe = DataLoader(dataset, num_workers=NUM_WORKERS)  # expect: dataloader-workers-without-main-guard
first_batch = next(iter(probe))


def train():
    train_loader = DataLoader(dataset, batch_size=16, num_workers=os.cpu_count())  # expect: dataloader-workers-without-main-guard
    for inputs, targets in train_loader:
        model(inputs)


train()

# pyg-team/pytorch_geometric examples/pointnet2_segmentation.py (02cf54a): a module-level
# loader that a function iterates itself, called by the module's epoch loop
graph_loader = GraphLoader(dataset, batch_size=12, shuffle=True, num_workers=6)  # expect: dataloader-workers-without-main-guard


def fit():
    for data in graph_loader:
        model(data)


for epoch in range(2):
    fit()

# --- correct code ----------------------------------------------------------------------
serial = DataLoader(dataset, batch_size=8, num_workers=0)
for inputs, targets in serial:
    model(inputs)

later = DataLoader(dataset, batch_size=8, num_workers=2)  # only iterated under the guard


def evaluate(workers):
    eval_loader = DataLoader(dataset, num_workers=workers)
    return sum(len(t) for _, t in eval_loader)


guarded = DataLoader(dataset, batch_size=8, num_workers=2)  # iterated by a function run under the guard


def run_guarded():
    for inputs, targets in guarded:
        model(inputs)


if __name__ == "__main__":
    run_guarded()
    for inputs, targets in later:
        model(inputs)
    evaluate(2)
