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
    scaler.step(optimizer)  # expect: scaler-step-missing
    scaler.update()


def train_step(model, opt, grad_scaler, x, y):
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x), y)
    grad_scaler.scale(loss).backward()
    grad_scaler.step(opt)  # expect: scaler-step-missing
    grad_scaler.update()


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
