import torch
from torch import nn

from spec.wrapper import DraftTrainer, Predictor


def main(train_loader, eval_loader, epochs=2):
    draft_model = nn.Sequential(nn.Linear(16, 16), nn.Dropout(0.1))
    head = nn.Linear(16, 16).requires_grad_(False)
    trainer = DraftTrainer(target_head=head, draft_model=draft_model)
    optimizer = torch.optim.AdamW(draft_model.parameters(), lr=1e-4)
    for epoch in range(epochs):
        draft_model.train()
        for hidden, target in train_loader:
            optimizer.zero_grad()
            sum(trainer(hidden, target)).backward()
            optimizer.step()
        draft_model.eval()
        scores = []
        with torch.no_grad():
            for hidden, target in eval_loader:
                losses = trainer(hidden, target)
                scores.append([l.item() for l in losses])
        print(epoch, scores)


def predict(model, loader):
    predictor = Predictor(model)
    model.eval()
    return [predictor(x) for x in loader]
