import torch
import torch.nn.functional as F

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.AdamW(model.parameters())
scaler = torch.amp.GradScaler("cuda")
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]

for x, y in loader:
    optimizer.zero_grad()
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    optimizer.step()  # expect: scaler-step-missing
    scaler.update()


def train_step(model, opt, grad_scaler, x, y):
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    grad_scaler.scale(loss).backward()
    opt.step()  # expect: scaler-step-missing


# --- correct code ----------------------------------------------------------------------
for x, y in loader:
    optimizer.zero_grad()
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def maybe_amp(model, opt, scaler, x, y, use_amp):
    with torch.autocast("cuda", enabled=use_amp):
        loss = F.cross_entropy(model(x), y)
    if use_amp:
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    else:
        loss.backward()
        opt.step()


# Project-MONAI/tutorials generation/maisi/maisi_train_vae_tutorial.ipynb (b3c6c99): AMP
# optional; the non-AMP arm steps on the unscaled gradients of its own backward.
def train_optional_amp(model, loader, optimizer_g, optimizer_d, scaler_g, scaler_d, amp):
    for x, y in loader:
        optimizer_g.zero_grad()
        optimizer_d.zero_grad()
        loss_g = F.cross_entropy(model(x), y)
        if amp:
            scaler_g.scale(loss_g).backward()
            scaler_g.step(optimizer_g)
            scaler_g.update()
        else:
            loss_g.backward()
            optimizer_g.step()
        loss_d = F.cross_entropy(model(x), y)
        if amp:
            scaler_d.scale(loss_d).backward()
            scaler_d.step(optimizer_d)
            scaler_d.update()
        else:
            loss_d.backward()
            optimizer_d.step()


# Project-MONAI/tutorials anomalydetection_tutorial_classifier_guidance.ipynb (b3c6c99): a
# later loop of the same notebook trains a classifier without AMP.
classifier = torch.nn.Linear(10, 2)
optimizer_cls = torch.optim.Adam(classifier.parameters(), lr=2.5e-5)
for x, y in loader:
    optimizer_cls.zero_grad(set_to_none=True)
    loss = F.cross_entropy(classifier(x), y)
    loss.backward()
    optimizer_cls.step()


# torch.GradScaler, the top-level name (Project-MONAI/tutorials' notebooks build it so)
top_scaler = torch.GradScaler("cuda")
for x, y in loader:
    optimizer.zero_grad()
    top_scaler.scale(F.cross_entropy(model(x), y)).backward()
    optimizer.step()  # expect: scaler-step-missing
    top_scaler.update()


def train_without_update(model, loader, optimizer):
    # Azure/MS-AMP#45: the scale never adapts, and the second step() raises
    scaler = torch.amp.GradScaler("cuda")
    for data, target in loader:
        optimizer.zero_grad()
        with torch.autocast("cuda"):
            loss = torch.nn.functional.nll_loss(model(data), target)
        scaler.scale(loss).backward()
        scaler.step(optimizer)  # expect: scaler-step-missing
