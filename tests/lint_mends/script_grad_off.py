# from hendrycks/outlier-exposure NLP_classification/eval_OOD_20ng.py:278 (eval_OOD_sst.py and
# eval_OOD_trec.py alike): torch.set_grad_enabled(False) at the top of the script turns autograd
# off for all of it, so get_scores' loop records nothing.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_grad_enabled(False)


class ClfGRU(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(100, 50, padding_idx=1)
        self.gru = nn.GRU(input_size=50, hidden_size=128, num_layers=2, batch_first=True)
        self.linear = nn.Linear(128, num_classes)

    def forward(self, x):
        hidden = self.gru(self.embedding(x))[1][1]
        return self.linear(hidden)


model = ClfGRU(20)


def get_scores(dataset_iterator):
    model.eval()
    outlier_scores = []
    for batch_idx, batch in enumerate(iter(dataset_iterator)):
        inputs = batch.text.t()
        logits = model(inputs)
        smax = F.softmax(logits, dim=1)
        msp = -1 * torch.max(smax, dim=1)[0]
        outlier_scores.extend(list(msp.data.cpu().numpy()))
    return outlier_scores


test_scores = get_scores([])
