# deepakn97/relationPrediction: the trained model is loaded and handed, under no_grad, to the
# corpus's ranking method, which runs its layers; nothing in the project calls eval()
import torch

from kbgat.corpus import Corpus
from kbgat.models import ConvOnly


def evaluate_conv(path, triples, candidates):
    corpus = Corpus(triples)
    model_conv = ConvOnly(200, 50, 0.3)
    model_conv.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        return corpus.get_validation_pred(model_conv, candidates)  # expect: missing-eval
