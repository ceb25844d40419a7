import torch
import torch.nn.functional as F

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]

for epoch in range(5):
    scheduler.step()  # expect: scheduler-step-before-optimizer-step
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def train_step(model, batch, optimizer, lr_scheduler):
    x, y = batch
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    lr_scheduler.step()  # expect: scheduler-step-before-optimizer-step
    optimizer.step()


def gan_epochs(generator, discriminator, loader):
    opt_g = torch.optim.Adam(generator.parameters())
    opt_d = torch.optim.Adam(discriminator.parameters())
    sched_g = torch.optim.lr_scheduler.StepLR(opt_g, step_size=10)
    for x, y in loader:
        F.mse_loss(discriminator(x), y).backward()
        opt_d.step()
        sched_g.step()  # expect: scheduler-step-before-optimizer-step
        F.mse_loss(generator(x), y).backward()
        opt_g.step()


def train_one_epoch(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


for epoch in range(5):
    # jdonnelly36/Deformable-ProtoPNet: the helper that steps is handed the optimizer by keyword
    scheduler.step()  # expect: scheduler-step-before-optimizer-step
    train_one_epoch(model=model, loader=loader, optimizer=optimizer)


# --- correct code ----------------------------------------------------------------------
for epoch in range(5):
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    scheduler.step()


def per_batch(model, loader, optimizer, sched):
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        sched.step()


def resume(optimizer, scheduler, start_epoch):
    # fast-forwarding a schedule when resuming: no optimizer step in sight
    for _ in range(start_epoch):
        scheduler.step()


def diffusion_sampling(unet, noise_scheduler, latents, timesteps, opt):
    for t in timesteps:
        noise = unet(latents, t)
        latents = noise_scheduler.step(noise, t, latents)
    opt.step()



def two_models(model_a, model_b, loader, get_schedule):
    # huggingface/accelerate test_ds_multiple_model.py: one scheduler per optimizer, each
    # stepped right after its own optimizer
    opt_a = torch.optim.AdamW(model_a.parameters())
    opt_b = torch.optim.AdamW(model_b.parameters())
    sched_a = get_schedule(optimizer=opt_a)
    sched_b = get_schedule(optimizer=opt_b)
    for x, y in loader:
        F.mse_loss(model_a(x), y).backward()
        opt_a.step()
        sched_a.step()
        F.mse_loss(model_b(x), y).backward()
        opt_b.step()
        sched_b.step()


def paired_elsewhere(setup, loader):
    # huggingface/accelerate test_sync.py: the scheduler comes from a helper (its optimizer
    # unknown); an optimizer steps before it in the same iteration
    model, opt, sched, ddp_model, ddp_opt = setup()
    for x, y in loader:
        F.mse_loss(model(x), y).backward()
        opt.step()
        sched.step()
        F.mse_loss(ddp_model(x), y).backward()
        ddp_opt.step()


# Project-MONAI/tutorials detection/luna16_training.py (b3c6c99): a warmup scheduler whose
# first value is 0, stepped at the start of each epoch; the step before the loop is there
# to say the order is meant.
def train_warmup(model, loader, optimizer, warmup):
    scheduler_warmup = warmup(optimizer, multiplier=1, total_epoch=10)
    optimizer.zero_grad()
    optimizer.step()
    for epoch in range(300):
        scheduler_warmup.step()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


# weiaicunzai/pytorch-cifar100 train.py (11d8418): step(epoch) sets the learning rate of
# that epoch itself, before the epoch trains: nothing is skipped.
def train_with_epoch_argument(model, loader, optimizer, warm=1):
    train_scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[60, 120], gamma=0.2)
    for epoch in range(1, 200):
        if epoch > warm:
            train_scheduler.step(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


def run_one_epoch(classifier, optimizer, wd_scheduler, momentum_scheduler, loader):
    # facebookresearch/jepa: schedules of the weight decay and the momentum (project
    # classes, not torch schedulers) set the value the next update uses: stepped first
    for x, y in loader:
        wd_scheduler.step()
        momentum_scheduler.step()
        loss = torch.nn.functional.cross_entropy(classifier(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


for epoch in range(5):
    train_one_epoch(model=model, loader=loader, optimizer=optimizer)
    scheduler.step()  # after the helper's steps: the right order


# WenmuZhou/PSENet.pytorch train.py (before PR 93): the epoch function steps the scheduler
# first, then runs the batches; main() calls it once per epoch
def train_epoch(net, optimizer, scheduler, train_loader, criterion):
    net.train()
    scheduler.step()  # expect: scheduler-step-before-optimizer-step
    lr = scheduler.get_last_lr()[0]
    for images, labels in train_loader:
        loss = criterion(net(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return lr


def train_epoch_then_schedule(net, optimizer, scheduler, train_loader, criterion):
    for images, labels in train_loader:
        loss = criterion(net(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()


def own_warmup_scheduler(model, optimizer, scheduler, loader, log):
    # a scheduler of the project's own (it has ``get_learning_rate``, no torch scheduler has):
    # its step() sets the rate for the coming optimizer step (aaronwalsman/ltron-torch)
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        scheduler.step()
        optimizer.step()
        log.append(scheduler.get_learning_rate())


def unknown_scheduler(model, optimizer, scheduler, loader, log):
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        scheduler.step()  # expect: scheduler-step-before-optimizer-step
        optimizer.step()
        log.append(scheduler.get_last_lr())


def guarded_in_a_conjunction(model, optimizer, loader, epochs, scheduler=None):
    # ``scheduler and epoch`` is false in the first epoch: the step ends the previous one
    for epoch in range(epochs):
        if scheduler and epoch:
            scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


def guarded_in_a_disjunction(model, optimizer, loader, epochs, scheduler, warm):
    for epoch in range(epochs):
        if warm or epoch:
            scheduler.step()  # expect: scheduler-step-before-optimizer-step
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


class WarmupCosine(torch.optim.lr_scheduler.LambdaLR):
    # TransFG's warm-up: the factor at step 0 is 0, so the value stepping first skips is a
    # learning rate of zero, an update that would change nothing
    def __init__(self, optimizer, warmup_steps, t_total):
        self.warmup_steps, self.t_total = warmup_steps, t_total
        super().__init__(optimizer, self.lr_lambda)

    def lr_lambda(self, step):
        if step < self.warmup_steps:
            return float(step) / float(max(1.0, self.warmup_steps))
        return max(0.0, 1.0 - (step - self.warmup_steps) / max(1, self.t_total - self.warmup_steps))


def warmup_first(model, loader, t_total):
    optimizer = torch.optim.SGD(model.parameters(), lr=3e-2)
    scheduler = WarmupCosine(optimizer, warmup_steps=500, t_total=t_total)
    linear = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: step / 100)
    halving = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5 ** step)
    for x, y in loader:
        torch.nn.functional.mse_loss(model(x), y).backward()
        scheduler.step()
        linear.step()
        halving.step()  # expect: scheduler-step-before-optimizer-step
        optimizer.step()
        optimizer.zero_grad()


def resumable(model, loader, start_epoch, max_epochs):
    # ACEsuit/mace: the counter starts at start_epoch, so the guard is false in the first
    # iteration: each step follows a whole epoch of optimizer steps
    optimizer = torch.optim.Adam(model.parameters())
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.99)
    epoch = start_epoch
    while epoch < max_epochs:
        if epoch > start_epoch:
            scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        epoch += 1


def from_one(model, loader, epochs):
    # counting from 1, ``epoch > 0`` is true at once: the schedule steps first
    optimizer = torch.optim.Adam(model.parameters())
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.99)
    for epoch in range(1, epochs + 1):
        if epoch > 0:
            scheduler.step()  # expect: scheduler-step-before-optimizer-step
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


def resumed(model, loader, start_epoch, epochs):
    # jionie/Bengaliai: the epochs before start_epoch only fast-forward the schedule, then
    # ``continue``: no optimizer step follows in those iterations
    optimizer = torch.optim.Adam(model.parameters())
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 1e-3, total_steps=epochs * len(loader))
    for epoch in range(epochs):
        if epoch < start_epoch:
            for _ in range(len(loader)):
                scheduler.step()
            continue
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()


def after_warmup(model, loader, args):
    # NVlabs/NVAE: the schedule starts once the warm-up epochs have trained
    optimizer = torch.optim.Adamax(model.parameters())
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs - args.warmup_epochs)
    for epoch in range(args.init_epoch, args.epochs):
        if epoch > args.warmup_epochs:
            scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


WARM_UP = 10
NO_WARM_UP = 0


def after_a_constant_warmup(model, loader, max_lr):
    # WhatAShot/ExcelFormer: the schedule steps in the `else` of a warm-up whose length is a
    # constant of the script (10 epochs from epoch 1: the first epoch warms up); with no
    # warm-up epochs (below) the schedule steps first
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 100)
    for epoch in range(1, 101):
        if WARM_UP > 0 and epoch <= WARM_UP:
            for group in optimizer.param_groups:
                group["lr"] = max_lr * epoch / WARM_UP
        else:
            scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


def after_no_warmup(model, loader, max_lr):
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 100)
    for epoch in range(1, 101):
        if NO_WARM_UP > 0 and epoch <= NO_WARM_UP:
            for group in optimizer.param_groups:
                group["lr"] = max_lr * epoch / NO_WARM_UP
        else:
            scheduler.step()  # expect: scheduler-step-before-optimizer-step
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()


def train_epoch(model, loader, eps_scheduler, optimizer):
    for x, y in loader:
        eps_scheduler.step_batch()
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def certified_training(model, loader, eps_scheduler, epochs):
    # Verified-Intelligence/auto_LiRPA examples/vision/simple_training.py: the rate decays only
    # once epsilon has ramped up, which the epochs before it (training through
    # train_epoch) bring about
    optimizer = torch.optim.Adam(model.parameters())
    lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
    for t in range(1, epochs + 1):
        if eps_scheduler.reached_max_eps():
            lr_scheduler.step()
        train_epoch(model, loader, eps_scheduler, optimizer)
    for t in range(1, epochs + 1):
        if args.decay_lr():
            lr_scheduler.step()  # expect: scheduler-step-before-optimizer-step
        train_epoch(model, loader, eps_scheduler, optimizer)


class AccumulatingFitter:  # frgfm/holocron: the schedule steps per batch, the optimizer every N batches
    def __init__(self, model, loader, optimizer, scheduler, gradient_acc=4):
        self.model, self.loader, self.optimizer, self.scheduler = model, loader, optimizer, scheduler
        self.gradient_acc, self._grad_count = gradient_acc, 0

    def _fit_epoch(self):
        for x, y in self.loader:
            self._backprop_step(torch.nn.functional.mse_loss(self.model(x), y))
            self.scheduler.step()  # expect: scheduler-step-before-optimizer-step

    def _backprop_step(self, loss):
        self._grad_count += 1
        loss.backward()
        if self._grad_count == self.gradient_acc:
            self.optimizer.step()
            self.optimizer.zero_grad()
            self._grad_count = 0


def accumulate(model, loader, optimizer, scheduler, accum_steps):
    for i, (x, y) in enumerate(loader):
        (torch.nn.functional.mse_loss(model(x), y) / accum_steps).backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
        scheduler.step()  # expect: scheduler-step-before-optimizer-step


def accumulate_right(model, loader, optimizer, scheduler, accum_steps):
    for i, (x, y) in enumerate(loader):
        (torch.nn.functional.mse_loss(model(x), y) / accum_steps).backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()


def accumulate_per_epoch(model, loader, optimizer, scheduler, accum_steps, epochs):
    for epoch in range(epochs):
        for i, (x, y) in enumerate(loader):
            (torch.nn.functional.mse_loss(model(x), y) / accum_steps).backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()
        scheduler.step()  # once per epoch, after the epoch's steps: fine
