import math
import torch
import torch.nn.functional as F

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.Adam(model.parameters())
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]

for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.zero_grad()  # expect: zero-grad-between-backward-and-step
    optimizer.step()


def step_with_scaler(model, x, y, opt, scaler):
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    opt.zero_grad(set_to_none=True)  # expect: zero-grad-between-backward-and-step
    scaler.step(opt)
    scaler.update()


# --- correct code ----------------------------------------------------------------------
for x, y in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()


def gan_step(gen, disc, opt_g, opt_d, real, z):
    loss_d = disc(real).mean() - disc(gen(z).detach()).mean()
    loss_d.backward()
    opt_g.zero_grad()  # a different optimizer: its gradients are not the ones just computed
    opt_d.step()
    opt_d.zero_grad()
    loss_g = -disc(gen(z)).mean()
    loss_g.backward()
    opt_g.step()


# huggingface/diffusers examples/research_projects/sana/train_sana_sprint_diffusers.py
# (58eb52c): on a NaN gradient norm the gradients are dropped and the step skipped.
def train_skipping_nan_steps(model, loader, optimizer):
    for x, y in loader:
        F.cross_entropy(model(x), y).backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if torch.logical_or(grad_norm.isnan(), grad_norm.isinf()):
            optimizer.zero_grad(set_to_none=True)
            continue
        optimizer.step()
        optimizer.zero_grad()


def write_back(model, gradient):
    for p in model.parameters():
        p.grad = gradient.pop(0)


def gradients_written_back(model, optimizer, x):
    # the gradients are read, cleared and written back by hand before the step
    # (lucaslingle/pytorch_drl's gradient round trip)
    model(x).sum().backward()
    saved = [p.grad.clone() for p in model.parameters()]
    optimizer.zero_grad()
    write_back(model, saved)
    optimizer.step()
    model(x).sum().backward()
    weight = model.weight.grad.clone()
    optimizer.zero_grad()
    model.weight.grad = weight
    optimizer.step()
    model(x).sum().backward()
    optimizer.zero_grad()  # expect: zero-grad-between-backward-and-step
    print(weight)
    optimizer.step()


def non_finite_gradients_discarded(model, optimizer, loader):
    # yangdongchao/UniAudio: a NaN gradient norm throws the gradients away, and the step
    # still runs (on zeros) so that every rank steps; an unconditional clear is reported
    for x in loader:
        model(x).sum().backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if math.isnan(grad_norm):
            optimizer.zero_grad()
        optimizer.step()
        optimizer.zero_grad()
        model(x).sum().backward()
        if grad_norm > 100:
            optimizer.zero_grad()  # expect: zero-grad-between-backward-and-step
        optimizer.step()
