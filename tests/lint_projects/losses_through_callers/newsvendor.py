"""locuslab/e2e-model-learning newsvendor/mle_net.py (2bf4384): the model is a Sequential
ending in Softmax in both arms of an `if` (one built from a list), moved after; the helper
gets it, and `nn.NLLLoss()` as `nll`."""
import torch
from torch import nn


def batch_train(X, Y, model, nll, opt):
    for i in range(0, X.size(0), 10):
        opt.zero_grad()
        preds = model(X[i:i + 10])
        train_nll = nll(preds, Y[i:i + 10])  # expect: nll-loss-without-log-softmax
        train_nll.backward()
        opt.step()


def run_mle_net(X, Y, is_nonlinear, use_gpu):
    if is_nonlinear:
        layers = [nn.Linear(X.shape[1], 200), nn.ReLU()]
        layers += [nn.Linear(200, 10), nn.Softmax(dim=1)]
        model = nn.Sequential(*layers)
    else:
        model = nn.Sequential(nn.Linear(X.shape[1], 10), nn.Softmax(dim=1))
    if use_gpu:
        model = model.cuda()
    opt = torch.optim.Adam(model.parameters())
    for epoch in range(10):
        batch_train(X, Y, model, nn.NLLLoss(), opt)
