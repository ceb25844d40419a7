import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.1), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)
scaler = torch.amp.GradScaler("cuda", enabled=False)
loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]

for epoch in range(3):
    model.train()  # expect: method-not-called
    for x, y in loader:
        optimizer.zero_grad()  # expect: method-not-called
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()  # expect: method-not-called
        optimizer.step()  # expect: method-not-called
    scheduler.step()  # expect: method-not-called


def evaluate(net):
    net.eval()  # expect: method-not-called
    with torch.no_grad():
        return [net(x) for x, _ in loader]


def amp_step(loss):
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


# --- correct code ----------------------------------------------------------------------
for x, y in loader:
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
scheduler.step()
model.eval()
scaler.step  # a GradScaler's step needs the optimizer: no call to write for it


class Counter:
    def __init__(self):
        self.step = 0

    def tick(self, data):
        self.step  # an attribute, not a method: a look (pointless, but no lost call)
        data.train  # a dataset's split
        self.step += 1


try:  # probing whether the attribute exists
    optimizer.zero_grad
except AttributeError:
    pass

reset = optimizer.zero_grad  # the bound method kept, to call later
reset()
