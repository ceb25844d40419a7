import torch

from kbgat.corpus import Corpus
from kbgat.ema import EMA
from kbgat.linear_scorer import LinearScorer
from kbgat.models import ConvOnly


def train(loader, steps):
    model = ConvOnly(200, 50, 0.3)
    ema = EMA(model)
    optimizer = torch.optim.Adam(model.parameters())
    for x, y in loader:
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        with torch.no_grad():
            ema.update(model)  # reads the parameters: runs nothing


def rank_linear(path, triples, candidates):
    scorer = LinearScorer(200)
    scorer.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        return Corpus(triples).get_validation_pred(scorer, candidates)
