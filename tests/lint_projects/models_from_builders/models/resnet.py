import torchvision
from torch import nn


def get_resnet(model_name, classes):
    if model_name == "resnet18":
        model = torchvision.models.resnet18(weights=None)
    elif model_name == "resnet50":
        model = torchvision.models.resnet50(weights=None)
    model.fc = nn.Linear(model.fc.in_features, classes)
    return model
