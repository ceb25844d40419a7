import torch
import torch.nn as nn
import torchvision

# PacktPublishing/Deep-Learning-with-PyTorch-1.x Chapter06/chapter6_3.ipynb: the optimizer is
# built before the new head is put in, so the head never trains
model_vgg = torchvision.models.vgg16(weights=None)
for param in model_vgg.features.parameters():
    param.requires_grad = False
optimizer_vgg = torch.optim.SGD(model_vgg.parameters(), lr=0.001, momentum=0.9)
num_ftrs = model_vgg.classifier[6].in_features
model_vgg.classifier[6] = nn.Linear(num_ftrs, 3)  # expect: layer-replaced-after-optimizer
for x, y in []:
    optimizer_vgg.zero_grad()
    nn.functional.cross_entropy(model_vgg(x), y).backward()
    optimizer_vgg.step()


def fine_tune(loader):
    model = torchvision.models.resnet18(weights=None)
    optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-3)
    model.fc = nn.Sequential(nn.Dropout(0.2), nn.Linear(512, 10))  # expect: layer-replaced-after-optimizer
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def train_model(model, criterion, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()


def new_head(loader):
    # PacktPublishing/Deep-Learning-with-PyTorch-Quick-Start-Guide chapter6_3.ipynb: the head is
    # rebuilt from the old layers and a new one, after the optimizer; a helper trains
    model = torchvision.models.vgg11(weights=None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    features = list(model.classifier.children())[:-1]
    features.extend([nn.Linear(4096, 3)])
    model.classifier = nn.Sequential(*features)  # expect: layer-replaced-after-optimizer
    train_model(model, nn.CrossEntropyLoss(), optimizer, loader)


def same_layers(loader):
    # the old layers wrapped again: no new parameters
    model = torchvision.models.vgg11(weights=None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    features = list(model.classifier.children())[:-1]
    model.classifier = nn.Sequential(*features)
    train_model(model, nn.CrossEntropyLoss(), optimizer, loader)


# --- correct code ----------------------------------------------------------------------
def replaced_first(loader):
    model = torchvision.models.resnet18(weights=None)
    model.fc = nn.Linear(512, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.fc = model.fc.to("cpu")
    model.avgpool = nn.Identity()
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def rebuilt(loader):
    model = torchvision.models.resnet18(weights=None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.fc = nn.Linear(512, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def added(loader):
    model = torchvision.models.resnet18(weights=None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.fc = nn.Linear(512, 10)
    optimizer.add_param_group({"params": model.fc.parameters()})
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def train_top(loader, model, optimizer):
    # facebookresearch/deepcluster: the top layer, made anew each epoch, has its own optimizer
    optimizer_tl = torch.optim.SGD(model.top_layer.parameters(), lr=0.05)
    for x, y in loader:
        optimizer.zero_grad()
        optimizer_tl.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        optimizer_tl.step()


def deep_cluster(loader, epochs):
    model = torchvision.models.alexnet(weights=None)
    model.top_layer = None
    optimizer = torch.optim.SGD(filter(lambda x: x.requires_grad, model.parameters()), lr=0.05)
    for epoch in range(epochs):
        model.top_layer = nn.Linear(4096, 100)
        train_top(loader, model, optimizer)


# intel/neural-compressor examples/.../dlrm_s_pytorch.py: the layers are wrapped for
# distributed training after the optimizer is built; the wrapper holds the same parameters
def wrap_layers_after_optimizer(model, loader, loss_fn):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.bot_l = torch.nn.parallel.DistributedDataParallel(model.bot_l)
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
