import torchvision
from torch import nn


def get_resnet(model_name, classes):
    """Hands back the model in eval mode, ready for inference."""
    model = torchvision.models.resnet18(weights=None)
    model.fc = nn.Linear(model.fc.in_features, classes)
    model.eval()
    return model


class Linear(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(x)


def get_linear(classes):
    return Linear(classes)
