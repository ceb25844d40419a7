# from damo-cv/TransReID processor/processor.py:41: its importers run only on torch < 2.0, where
# torch.cuda.amp is not deprecated (and torch.amp.GradScaler does not exist yet)
import torch


def do_train(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.cuda.amp.GradScaler()  # expect: deprecated-cuda-amp
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
