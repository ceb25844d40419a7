"""The newsvendor model with one arm ending in LogSoftmax: the arms disagree, and what the
helper gets is unknown; a list whose last layer is a LogSoftmax."""
import torch
from torch import nn


def batch_train(X, Y, model, nll, opt):
    for i in range(0, X.size(0), 10):
        opt.zero_grad()
        preds = model(X[i:i + 10])
        train_nll = nll(preds, Y[i:i + 10])
        train_nll.backward()
        opt.step()


def run_mle_net(X, Y, is_nonlinear, use_gpu):
    if is_nonlinear:
        layers = [nn.Linear(X.shape[1], 200), nn.ReLU()]
        layers += [nn.Linear(200, 10), nn.LogSoftmax(dim=1)]
        model = nn.Sequential(*layers)
    else:
        model = nn.Sequential(nn.Linear(X.shape[1], 10), nn.Softmax(dim=1))
    if use_gpu:
        model = model.cuda()
    opt = torch.optim.Adam(model.parameters())
    for epoch in range(10):
        batch_train(X, Y, model, nn.NLLLoss(), opt)


def run_log_probs(X, Y):
    layers = [nn.Linear(X.shape[1], 10)]
    layers.append(nn.LogSoftmax(dim=1))
    model = nn.Sequential(*layers)
    loss_fn = nn.NLLLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        opt.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        opt.step()
