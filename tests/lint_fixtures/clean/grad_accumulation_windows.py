"""Gradient accumulation written the other correct ways, and ``%`` tests that are no
accumulation window: none clears the gradients a later step needs."""

import torch
import torch.nn.functional as F


def clear_when_a_window_opens(model, loader, opt, accum_steps=4):
    for i, (x, y) in enumerate(loader):
        if i % accum_steps == 0:
            opt.zero_grad()
        loss = F.cross_entropy(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            opt.step()


def clear_after_the_step(model, loader, opt, scaler, grad_accum_steps=8):
    for i, (x, y) in enumerate(loader):
        with torch.autocast("cuda"):
            loss = F.cross_entropy(model(x), y) / grad_accum_steps
        scaler.scale(loss).backward()
        if (i + 1) % grad_accum_steps == 0:
            scaler.step(opt)
            scaler.update()
            opt.zero_grad(set_to_none=True)


def step_every_batch_log_every_hundred(model, loader, opt, log_every=100):
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i % log_every == 0:
            print(i, loss.item())


def update_every_few_steps(agent, memory, opt, update_freq=4):
    # an agent that learns every few environment steps: the backward runs with the step
    for t in range(10_000):
        memory.push(agent.act(t))
        opt.zero_grad()
        if t % update_freq == 0:
            loss = agent.loss(memory.sample())
            loss.backward()
            opt.step()


def run_phase(model, loader, optimizer, phase):
    # the transfer-learning tutorial's loop: the mode follows the phase
    if phase == "train":
        model.train()
    else:
        model.eval()
    for x, y in loader:
        with torch.set_grad_enabled(phase == "train"):
            loss = F.cross_entropy(model(x), y)
            if phase == "train":
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()


def run_batch(net, optimizer, is_train, x, y):
    net.train(is_train)
    with torch.set_grad_enabled(is_train):
        loss = F.cross_entropy(net(x), y)
    if is_train:
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def discriminator_frozen_for_the_generator(gen, disc, opt_g, z, train_disc):
    # a GAN freezes the discriminator's gradients, not its mode
    disc.train()
    with torch.set_grad_enabled(train_disc):
        score = disc(gen(z))
    opt_g.zero_grad()
    (-score.mean()).backward()
    opt_g.step()


def optimizer_step(scaler, optimizer):
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad()


def train_with_step_helper(model, loader, optimizer):
    scaler = torch.amp.GradScaler("cuda")
    for x, y in loader:
        with torch.autocast("cuda"):
            loss = F.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        optimizer_step(scaler, optimizer)


class LossScaler:
    """A scaler of the project's own, whose step updates the scale itself."""

    def __init__(self):
        self._scaler = torch.amp.GradScaler("cuda")

    def scale(self, loss):
        return self._scaler.scale(loss)

    def step(self, optimizer):
        self._scaler.step(optimizer)
        self._scaler.update()


def train_with_own_scaler(model, loader, optimizer):
    loss_scaler = LossScaler()
    for x, y in loader:
        optimizer.zero_grad()
        loss_scaler.scale(F.cross_entropy(model(x), y)).backward()
        loss_scaler.step(optimizer)


class DictTrainer:
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
                losses.append(output[self.train_metric].detach())
            print(torch.mean(torch.stack(losses)))
