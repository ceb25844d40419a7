import torch
import torch.nn as nn

from recognition.model import ConvHead
from steps import train_model


def main(loader):
    model = ConvHead()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(3):
        train_model(model, loader, optimizer, criterion)


if __name__ == "__main__":
    main([])
