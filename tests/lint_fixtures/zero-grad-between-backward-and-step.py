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


# Lornatang/CycleGAN-PyTorch train.py (8c723b3): one optimizer holds both discriminators
# and is cleared again between D_A's backward and D_B's, so D_A's gradients never reach
# the step and D_A never trains.
def cyclegan_discriminators(d_a, d_b, fake_a, fake_b, real_a, real_b, d_optimizer, scaler):
    d_optimizer.zero_grad(set_to_none=True)
    for p in d_a.parameters():
        p.requires_grad = True
    loss_d_a = (d_a(real_b) - d_a(fake_b.detach())).mean()
    scaler.scale(loss_d_a).backward()
    d_optimizer.zero_grad(set_to_none=True)  # expect: zero-grad-between-backward-and-step
    for p in d_b.parameters():
        p.requires_grad = True
    loss_d_b = (d_b(real_a) - d_b(fake_a.detach())).mean()
    scaler.scale(loss_d_b).backward()
    scaler.step(d_optimizer)
    scaler.update()


def adversarial_training(model, optimizer, x, y, eps):
    # the first backward() is for the input's gradient; the clear drops the model's share
    optimizer.zero_grad()
    x.requires_grad_(True)
    F.cross_entropy(model(x), y).backward()
    x_adv = (x + eps * x.grad.sign()).detach()
    optimizer.zero_grad()
    F.cross_entropy(model(x_adv), y).backward()
    optimizer.step()


def generator_then_discriminator(gen, disc, opt_g, opt_d, real, z):
    # the generator's backward() is for opt_g, stepped last; opt_d drops only its share
    opt_g.zero_grad()
    loss_g = -disc(gen(z)).mean()
    loss_g.backward()
    opt_d.zero_grad()
    loss_d = disc(gen(z).detach()).mean() - disc(real).mean()
    loss_d.backward()
    opt_d.step()
    opt_g.step()


def kfac_statistics(net, opt, states, steps):
    # PacktPublishing's ACKTR: a Fisher backward() every Ts steps gathers K-FAC statistics
    log_prob = net(states).log_softmax(-1)
    if steps % 10 == 0:
        opt.zero_grad()
        opt.acc_stats = True
        (-log_prob.mean()).backward(retain_graph=True)
        opt.acc_stats = False
    opt.zero_grad()
    (-log_prob.max(-1).values.mean()).backward()
    opt.step()
    opt.zero_grad()
    (-log_prob.mean()).backward(retain_graph=True)
    opt.zero_grad()
    (-log_prob.max(-1).values.mean()).backward()
    opt.step()


def sharpness_aware(model, optimizer, x, y):
    # SAM: the first backward() finds the ascent direction, which the optimizer reads
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.first_step()
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()


def accumulate_but_clear_every_batch(model, loader, opt, accum_steps):
    # gradient accumulation that clears on every batch: each step applies the last batch alone
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()  # expect: zero-grad-between-backward-and-step
        loss = F.cross_entropy(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            opt.step()


def accumulate_and_clear_after_the_if(model, loader, opt, scaler, grad_accum):
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        if i % grad_accum == 0:
            scaler.step(opt)
            scaler.update()
        opt.zero_grad()  # expect: zero-grad-between-backward-and-step


class ManualAccumulation:
    # a Lightning module with manual optimization: the method runs once per batch
    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        loss = self.loss(batch)
        opt.zero_grad()  # expect: zero-grad-between-backward-and-step
        self.manual_backward(loss)
        if (batch_idx + 1) % self.accumulate_grad_batches == 0:
            self.clip_gradients(opt, gradient_clip_val=1.0)
            opt.step()
