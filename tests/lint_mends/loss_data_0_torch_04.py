"""The shape of yuhuixu1993/PC-DARTS's train.py (Python 2, torch 0.3/0.4): the loss is read
as ``loss.data[0]``, an error on a 0-dim tensor from torch 0.5 on, so the script runs only
where stepping the scheduler first was the documented order."""
import torch
import torch.nn as nn


def train(train_queue, model, criterion, optimizer):
    total = 0.0
    model.train()
    for step, (x, y) in enumerate(train_queue):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.data[0]
    return total


def main(train_queue, epochs):
    model = nn.Linear(10, 10)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), 0.025, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, float(epochs))
    for epoch in range(epochs):
        scheduler.step()
        print(epoch, scheduler.get_lr()[0])
        train(train_queue, model, criterion, optimizer)
