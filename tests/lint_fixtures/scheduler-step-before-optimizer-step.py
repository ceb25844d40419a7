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
