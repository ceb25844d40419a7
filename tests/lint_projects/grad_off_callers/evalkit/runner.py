"""An intermediate helper: neither eval() nor no_grad here."""
from evalkit.evaluation import Scorer, evaluate


def evaluate_all(models, loader):
    return [evaluate(m, loader) for m in models]


def score_all(models, loader):
    scorer = Scorer()
    return [scorer.score(m, loader) for m in models]
