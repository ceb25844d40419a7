import math

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]

total_loss = 0
for x, y in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    total_loss += loss.item()  # expect: loss-accumulated-without-item


class Runner:
    def epoch(self, loader):
        for x, y in loader:
            self.opt.zero_grad()
            loss = F.mse_loss(self.model(x), y)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
            self.running += loss.item()  # expect: loss-accumulated-without-item


# --- correct code ----------------------------------------------------------------------
total_loss = 0.0
for x, y in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    total_loss += loss.item()

# summing losses on purpose, to backward once
optimizer.zero_grad()
total = 0
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    total += loss
total.backward()

total2 = 0
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    loss = loss.item()
    total2 += loss

with torch.no_grad():
    val = 0
    for x, y in loader:
        val_loss = F.cross_entropy(model(x), y)
        val += val_loss


def accumulation_windows(model, loader, optimizer, steps, all_reduce):
    # pytorch/torchtune recipes: the loss of one gradient accumulation window, a tensor
    # for all_reduce, started again after each optimizer step
    running_loss = 0
    for idx, (x, y) in enumerate(loader):
        current_loss = F.cross_entropy(model(x), y)
        running_loss += current_loss
        current_loss.backward()
        if (idx + 1) % steps == 0:
            all_reduce(running_loss)
            optimizer.step()
            optimizer.zero_grad()
            print(running_loss.detach().item())
            running_loss = 0


# jeffheaton/app_deep_learning t81_558_class_08_2_pytorch_ensembles.ipynb (c8d1e52): after
# the backward, `loss` is bound again to a float metric; that is what is summed.
def mlogloss(y_true, probabilities):
    return -sum(math.log(max(1e-15, p[t])) for p, t in zip(probabilities, y_true)) / len(y_true)


def blend(model, folds, optimizer, criterion):
    total_loss = 0
    for x_train, y_train, x_test, y_test in folds:
        optimizer.zero_grad()
        loss = criterion(model(x_train), y_train)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            pred = F.softmax(model(x_test), dim=1).numpy()
        loss = mlogloss(y_test, pred)
        total_loss += loss
    return total_loss


# A meter of running averages (the ImageNet example's AverageMeter shape) handed the loss
# tensor: its `sum` joins the graph as `total += loss` would.
class AverageMeter:
    def __init__(self):
        self.val = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n


class TensorMeter:
    """Converts what it is handed: silent."""

    def __init__(self):
        self.sum = 0

    def update(self, val, n=1):
        if isinstance(val, torch.Tensor):
            val = val.item()
        self.sum += val * n


def train_with_meters(model, loader, optimizer, criterion):
    losses = AverageMeter()
    converted = TensorMeter()
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss.item(), x.size(0))  # expect: loss-accumulated-without-item
        converted.update(loss, x.size(0))
        losses.update(loss.item(), x.size(0))
    return losses.sum


# taoxugit/AttnGAN's trainer: one loss per discriminator, each stepping its own optimizer,
# summed for a log line; the total starts again at every training step
def train_discriminators(netsD, optimizersD, data_iter, num_batches):
    step = 0
    while step < num_batches:
        imgs = next(data_iter)
        errD_total = 0
        for i in range(len(netsD)):
            netsD[i].zero_grad()
            errD = netsD[i](imgs[i]).mean()
            errD.backward()
            optimizersD[i].step()
            errD_total += errD
        step += 1


# the same sum over the batches of an epoch, started again each epoch: it grows with the epoch
def train_epochs(net, optimizers, loader, epochs):
    for epoch in range(epochs):
        epoch_total = 0
        for i, batch in enumerate(loader):
            optimizers[0].zero_grad()
            err = net(batch).mean()
            err.backward()
            optimizers[0].step()
            epoch_total += err.item()  # expect: loss-accumulated-without-item


# muhanzhang/NestedGNN's run_qm9.py: the loss weighted by the batch's size, the tensor itself
def train_qm9(model, loader, opt):
    model.train()
    loss_all = 0
    for data in loader:
        opt.zero_grad()
        loss = model(data).mean()
        loss.backward()
        loss_all += loss.item() * data.num_graphs  # expect: loss-accumulated-without-item
        opt.step()
    return loss_all / len(loader)


class DictTrainer:
    # pnnl/neuromancer#292: the loss read from the dict the model returns, backpropagated and
    # then kept in a list for the epoch's mean
    def __init__(self, model, optimizer, train_data, train_metric="train_loss"):
        self.model, self.optimizer = model, optimizer
        self.train_data, self.train_metric = train_data, train_metric

    def train(self, epochs):
        for _ in range(epochs):
            losses = []
            for batch in self.train_data:
                output = self.model(batch)
                self.optimizer.zero_grad()
                output[self.train_metric].backward()
                self.optimizer.step()
                losses.append(output[self.train_metric].detach())  # expect: loss-accumulated-without-item
            print(torch.mean(torch.stack(losses)))


def paac_loss(q_values, values, log_a):
    diff = q_values - values
    loss_p = -(diff.detach() * log_a).mean(0)
    double_loss_v = diff.pow(2).mean(0)
    loss = loss_p + 0.25 * double_loss_v
    return loss_p, double_loss_v, loss


def paac_train(net, optim, rollouts, t_max, log_step):
    # qbx2/PAAC.pytorch#1: the rollout's losses summed into the loss backpropagated after the
    # steps, their terms into totals kept for the log (reset every `log_step` updates)
    loss_p_sum = 0
    for n, rollout in enumerate(rollouts):
        loss_sum = 0
        for t in reversed(range(t_max)):
            loss_p, double_loss_v, loss = paac_loss(*net(rollout[t]))
            loss_sum += loss
            loss_p_sum += loss_p.item()  # expect: loss-accumulated-without-item
        optim.zero_grad()
        loss_sum.backward()
        optim.step()
        if n % log_step == 0:
            print(n, float(loss_p_sum))
            loss_p_sum = 0


class RangeTest(pl.LightningModule):  # sailordiary/m3f.pytorch: the LR range test's loss history
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(3, 1)
        self.history = {"lr": [], "loss": []}

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.net(x), y)
        if batch_idx > 0:
            loss = 0.05 * loss + 0.95 * self.history["loss"][-1]
        self.history["loss"].append(loss.item())  # expect: loss-accumulated-without-item
        return {"loss": loss}
