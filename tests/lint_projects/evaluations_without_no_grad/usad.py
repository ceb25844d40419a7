# manigalati/usad#8: an evaluation over a comprehension that calls a method of the model,
# and a test loop that runs its submodules, the model handed in by a driver (type unknown)
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n, z):
        super().__init__()
        self.linear = nn.Linear(n, z)

    def forward(self, w):
        return torch.relu(self.linear(w))


class Decoder(nn.Module):
    def __init__(self, z, n):
        super().__init__()
        self.linear = nn.Linear(z, n)

    def forward(self, z):
        return torch.sigmoid(self.linear(z))


class UsadModel(nn.Module):
    def __init__(self, n, z):
        super().__init__()
        self.encoder = Encoder(n, z)
        self.decoder1 = Decoder(z, n)
        self.decoder2 = Decoder(z, n)

    def training_step(self, batch):
        w1 = self.decoder1(self.encoder(batch))
        w2 = self.decoder2(self.encoder(batch))
        return torch.mean((batch - w1) ** 2), torch.mean((batch - w2) ** 2)

    def validation_step(self, batch):
        w1 = self.decoder1(self.encoder(batch))
        return {"val_loss": torch.mean((batch - w1) ** 2)}


def evaluate(model, val_loader):
    outputs = [model.validation_step(batch) for [batch] in val_loader]  # expect: missing-no-grad
    return torch.stack([x["val_loss"] for x in outputs]).mean().item()


def training(epochs, model, train_loader, val_loader):
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(epochs):
        for [batch] in train_loader:
            loss1, loss2 = model.training_step(batch)
            (loss1 + loss2).backward()
            optimizer.step()
            optimizer.zero_grad()
        print(epoch, evaluate(model, val_loader))


def testing(model, test_loader):
    results = []
    for [batch] in test_loader:
        w1 = model.decoder1(model.encoder(batch))  # expect: missing-no-grad
        results.append(torch.mean((batch - w1) ** 2, axis=1))
    return results
