import torch
import torch.nn.functional as F
from torch.nn.utils import clip_grad_value_

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.AdamW(model.parameters())
scaler = torch.amp.GradScaler("cuda")
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]

for x, y in loader:
    optimizer.zero_grad()
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # expect: clip-scaled-gradients
    scaler.step(optimizer)
    scaler.update()


def step(model, opt, scaler, loss):
    scaler.scale(loss).backward()
    clip_grad_value_(model.parameters(), 0.5)  # expect: clip-scaled-gradients


def two_scalers(generator, discriminator, opt_g, opt_d, scaler_g, scaler_d, loader):
    # ptran1203/pytorch-animeGAN: the generator's gradients unscaled by the discriminator's
    # scaler, then stepped by the generator's, which unscales them again
    for x in loader:
        opt_d.zero_grad()
        scaler_d.scale(discriminator(x).mean()).backward()
        scaler_d.unscale_(opt_d)
        torch.nn.utils.clip_grad_norm_(discriminator.parameters(), 1.0)
        scaler_d.step(opt_d)
        scaler_d.update()
        opt_g.zero_grad()
        scaler_g.scale(generator(x).mean()).backward()
        scaler_d.unscale_(opt_g)  # expect: clip-scaled-gradients
        torch.nn.utils.clip_grad_norm_(generator.parameters(), 1.0)
        scaler_g.step(opt_g)
        scaler_g.update()


# --- correct code ----------------------------------------------------------------------
for x, y in loader:
    optimizer.zero_grad()
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()


def no_amp(model, opt, loss):
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def clip_before_the_backward(model, optimizer, scaler, loader):
    # ethanyanjiali/minChatGPT: the clip runs before this step's scaled backward, on the
    # gradients the last step's zero_grad(set_to_none=True) cleared: no scaled gradient to clip
    for x, y in loader:
        with torch.autocast("cuda"):
            loss = F.cross_entropy(model(x), y)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)


# duyhominhnguyen/LVM-Med segmentation_2d/train_R50_seg_adam_optimizer_2d.py: the scaler is
# built with enabled=amp, and the one call passes amp=False: nothing is scaled
def train_net_amp_flag(net, loader, optimizer, amp: bool = True):
    grad_scaler = torch.cuda.amp.GradScaler(enabled=amp)
    for x, y in loader:
        optimizer.zero_grad()
        with torch.cuda.amp.autocast(enabled=amp):
            loss = F.mse_loss(net(x), y)
        grad_scaler.scale(loss).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
        grad_scaler.step(optimizer)
        grad_scaler.update()


def run_without_amp(net, loader, optimizer):
    train_net_amp_flag(net, loader, optimizer, amp=False)


def disabled_scaler(net, loader, optimizer):
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    for x, y in loader:
        optimizer.zero_grad()
        scaler.scale(F.mse_loss(net(x), y)).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
        scaler.step(optimizer)
        scaler.update()


class CFG:
    # a Kaggle notebook's configuration: mixed precision switched off
    apex = False
    max_grad_norm = 1000


def train_fn_cfg(loader, net, optimizer):
    scaler = torch.cuda.amp.GradScaler(enabled=CFG.apex)
    for x, y in loader:
        with torch.cuda.amp.autocast(enabled=CFG.apex):
            loss = F.mse_loss(net(x), y)
        scaler.scale(loss).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), CFG.max_grad_norm)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad()


def train_fn_arms(loader, net, optimizer, amp_scaler):
    for x, y in loader:
        loss = F.mse_loss(net(x), y)
        if CFG.apex:
            amp_scaler.scale(loss).backward()
        else:
            loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), CFG.max_grad_norm)
        if CFG.apex:
            amp_scaler.step(optimizer)
            amp_scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad()
