import torch
from torch import nn

model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
images = [torch.randn(1, 8) for _ in range(4)]


def cams(model, images):
    """A class activation map per image: a hook registered per image, never removed."""
    maps = []
    for img in images:
        features = []
        model[0].register_forward_hook(lambda m, i, o: features.append(o))  # expect: hook-registered-in-loop
        model(img)
        maps.append(features[-1])
    return maps


for epoch in range(3):
    model.register_full_backward_hook(lambda m, gi, go: None)  # expect: hook-registered-in-loop
    model(images[0]).sum().backward()


# correct: once before the loop; per module; removed after use; a new model each time
model[0].register_forward_hook(lambda m, i, o: None)
for img in images:
    model(img)

for name, m in model.named_modules():
    m.register_forward_hook(lambda mod, i, o: None)

for layer in (model[0], model[2]):
    layer.register_forward_pre_hook(lambda mod, i: None)

for img in images:
    h = model[2].register_forward_hook(lambda m, i, o: None)
    model(img)
    h.remove()

for img in images:
    net = nn.Linear(8, 2)
    net.register_forward_hook(lambda m, i, o: None)
    net(img)
