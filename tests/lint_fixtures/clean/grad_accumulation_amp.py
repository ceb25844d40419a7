"""Gradient accumulation with mixed precision, done the way the AMP docs describe."""

import torch
import torch.nn.functional as F
from torch import nn


class TinyTransformer(nn.Module):
    def __init__(self, vocab=1000, dim=64, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, nhead=4, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens):
        return self.head(self.encoder(self.embed(tokens)))


def train(model: nn.Module, batches, accumulation_steps: int = 4, device: str = "cuda"):
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-4, total_steps=100)
    scaler = torch.amp.GradScaler("cuda")
    model.train()
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for step, (tokens, targets) in enumerate(batches):
        tokens, targets = tokens.to(device), targets.to(device)
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            logits = model(tokens)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            loss = loss / accumulation_steps
        scaler.scale(loss).backward()
        total += loss.detach().float()
        if (step + 1) % accumulation_steps == 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
    return total


def validate(model, batches, device="cuda"):
    model.eval()
    losses = []
    with torch.no_grad(), torch.autocast(device_type="cuda", dtype=torch.bfloat16):
        for tokens, targets in batches:
            logits = model(tokens.to(device))
            losses.append(F.cross_entropy(logits.flatten(0, 1), targets.to(device).flatten()).item())
    model.train()
    return sum(losses) / max(len(losses), 1)


def fit(model, train_batches, val_batches, epochs=3):
    for epoch in range(epochs):
        model.train()
        train(model, train_batches)
        print(epoch, validate(model, val_batches))
