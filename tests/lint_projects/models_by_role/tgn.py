"""shenyangHuang/TGB#83: the models are kept in a dict by role; the link predictor ends in a
sigmoid and is trained with BCEWithLogitsLoss."""
import torch

from modules.decoder import LinkPredictor

gnn = torch.nn.Linear(16, 16)
link_pred = LinkPredictor(in_channels=16)
model = {"gnn": gnn, "link_pred": link_pred}
optimizer = torch.optim.Adam(set(model["gnn"].parameters()) | set(model["link_pred"].parameters()), lr=1e-4)
criterion = torch.nn.BCEWithLogitsLoss()


def train(loader):
    model["gnn"].train()
    model["link_pred"].train()
    for src, pos_dst in loader:
        optimizer.zero_grad()
        z = model["gnn"](src)
        pos_out = model["link_pred"](z, pos_dst)
        loss = criterion(pos_out, torch.ones_like(pos_out))  # expect: sigmoid-before-bce-with-logits
        loss.backward()
        optimizer.step()
