"""The clean twin: the dict's item is replaced by a logits model before training, so the
item is not the one written out."""
import torch

from modules.decoder import LinkPredictor

gnn = torch.nn.Linear(16, 16)
model = {"gnn": gnn, "link_pred": LinkPredictor(in_channels=16)}
model["link_pred"] = torch.nn.Bilinear(16, 16, 1)
heads = {"score": torch.nn.Linear(16, 1)}
optimizer = torch.optim.Adam(set(model["gnn"].parameters()) | set(model["link_pred"].parameters()), lr=1e-4)
criterion = torch.nn.BCEWithLogitsLoss()


def train(loader):
    model["gnn"].train()
    for src, pos_dst in loader:
        optimizer.zero_grad()
        z = model["gnn"](src)
        pos_out = model["link_pred"](z, pos_dst)
        loss = criterion(pos_out, torch.ones_like(pos_out)) + criterion(heads["score"](z), torch.ones_like(pos_out))
        loss.backward()
        optimizer.step()
