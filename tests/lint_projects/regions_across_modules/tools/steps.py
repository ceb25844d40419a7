"""Helpers a training script calls inside (or outside) its autocast and no_grad regions."""


def update(loss, optimizer, scaler):
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def predict(model, x):
    return model(x).argmax(1)
