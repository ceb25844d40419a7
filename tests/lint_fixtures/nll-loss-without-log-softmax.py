import torch
import torch.nn.functional as F
from torch import nn

x = torch.randn(8, 16)
target = torch.randint(0, 5, (8,))
fc = nn.Linear(16, 5)
nll = nn.NLLLoss()

loss = F.nll_loss(fc(x), target)  # expect: nll-loss-without-log-softmax
loss = nll(fc(x).softmax(dim=1), target)  # expect: nll-loss-without-log-softmax
probs = F.softmax(fc(x), dim=1)
loss = F.nll_loss(probs, target)  # expect: nll-loss-without-log-softmax


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 5))

    def forward(self, x):
        return self.body(x)


net = Net()
loss = nll(net(x), target)  # expect: nll-loss-without-log-softmax

# --- correct code ----------------------------------------------------------------------
loss = F.nll_loss(F.log_softmax(fc(x), dim=1), target)
loss = nll(torch.log(F.softmax(fc(x), dim=1) + 1e-8), target)
log_probs = fc(x).log_softmax(dim=-1)
loss = nll(log_probs, target)
seq = nn.Sequential(nn.Linear(16, 5), nn.LogSoftmax(dim=1))
loss = nll(seq(x), target)


def unknown(model, batch, labels):
    return F.nll_loss(model(batch), labels)


class TextTransformer(nn.Module):
    # AnubhavGupta3377/Text-Classification-Models-Pytorch (issue 9): the model is run through
    # ``self.__call__`` and its output fed to the loss it holds
    def __init__(self, vocab, classes):
        super().__init__()
        self.embed = nn.Embedding(vocab, 16)
        self.fc = nn.Linear(16, classes)
        self.softmax = nn.Softmax(dim=1)
        self.loss_op = nn.NLLLoss()

    def forward(self, x):
        return self.softmax(self.fc(self.embed(x).mean(1)))

    def run_epoch(self, batches, optimizer):
        for x, y in batches:
            optimizer.zero_grad()
            y_pred = self.__call__(x)
            loss = self.loss_op(y_pred, y)  # expect: nll-loss-without-log-softmax
            loss.backward()
            optimizer.step()


# KevinMusgrave/pytorch-adapt pytorch_adapt/layers/nll_loss.py: a loss module that takes
# probabilities and takes their log itself before nll_loss
class ProbabilityNLLLoss(torch.nn.Module):
    def forward(self, x, y):
        x = torch.log(x + 1e-12)
        return F.nll_loss(x, y)


def probability_nll(logits, labels):
    loss_fn = ProbabilityNLLLoss()
    return loss_fn(F.softmax(logits, dim=1), labels)


# alinlab/CSI training/__init__.py: minus nll_loss of probabilities is each sample's
# target probability (a gather written with nll_loss), not a loss
def target_margin(inputs, targets):
    conf = torch.softmax(inputs, dim=1)
    conf_t = -F.nll_loss(conf, targets, reduction='none')
    return (conf - conf_t.view(-1, 1)).max(1)[0]


# uncbiag/easyreg easyreg/losses.py (FocalLoss): unreduced nll_loss of probabilities, meant as
# each target's probability, is minus it: `1 - probs` is 1 + p. Reported, without the
# log_softmax fix, which would not give the probability either
def focal_probs(inputs, targets, gamma=2):
    P = F.softmax(inputs, dim=1)
    log_p = -F.cross_entropy(inputs, targets, reduction="none")
    probs = F.nll_loss(P, targets, reduction="none")  # expect: nll-loss-without-log-softmax
    return (-(1 - probs) ** gamma * log_p).mean()
