import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Dropout(0.5), torch.nn.Linear(10, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]
val_loader = train_loader

model.train()
for epoch in range(3):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()  # expect: missing-train-mode
    with torch.no_grad():
        for x, y in val_loader:
            print(model(x))


# --- correct code ----------------------------------------------------------------------
for epoch in range(3):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            print(model(x))


def fit(model, loader, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        model.eval()
        print(sum(model(x).sum() for x, _ in val_loader))
        model.train(True)


def fit_with_helper(model, loader, epochs, run_epoch):
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
        model.eval()
        run_epoch(model)  # may put it back in train mode: silent


# PacktPublishing/Modern-Computer-Vision-with-PyTorch Chapter06/Class_activation_maps.ipynb
# (42963ad): a Grad-CAM loop calls backward() to read gradients, and steps no optimizer: it
# trains nothing, so eval mode there is right.
def im2gradcam(model, x):
    model.eval()
    logits = model(x)
    model.zero_grad()
    logits[0, logits.argmax()].backward(retain_graph=True)
    return logits


def show_heatmaps(model, images):
    model.train()
    for i in range(len(images)):
        im2gradcam(model, images[i:i + 1])
