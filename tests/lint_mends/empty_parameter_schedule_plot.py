# from D-X-Y/AutoDL-Projects notebooks/spaces-xmisc/scheduler.ipynb cell 2 (second code cell), line 15
# The loop only drives an LR scheduler to plot the learning rate; the one parameter has
# zero elements, so its (empty) gradient accumulates nothing and step() changes nothing.
import torch

p = torch.nn.Parameter(torch.zeros(0))
opt = torch.optim.SGD([p], lr=5)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
total = 100
steps, lrs = [], []

for _iter in range(total * 2):
    p.sum().backward()
    opt.step()
    lrs.append(opt.param_groups[0]["lr"])
    steps.append(_iter)

    scheduler.step()
print(steps, lrs)
