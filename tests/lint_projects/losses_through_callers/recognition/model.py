import torch.nn as nn


class ConvHead(nn.Module):
    # doronharitan/human_activity_recognition_LRCN: the output layer ends in a softmax
    def __init__(self, features=32, classes=10):
        super().__init__()
        self.body = nn.Linear(64, features)
        self.output_layer = nn.Sequential(nn.Linear(features, classes), nn.Softmax(dim=-1))

    def forward(self, x):
        hidden = self.body(x)
        return self.output_layer(hidden)
