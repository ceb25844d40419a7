"""A train() shared by several nets (the project's call sites hand it each): its test()
leaves the net in eval mode, which matters only for a net with a dropout or a batch norm."""

import torch
import torch.nn.functional as F


# isadrtdinov/intro-to-dl-hse's seminar: one train() shared by an MLP and a ConvNet, whose
# test() leaves the net in eval mode; neither has a dropout or a batch norm, so nothing changes
class SeminarMLP(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.linear1 = torch.nn.Linear(784, hidden)
        self.linear2 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        return self.linear2(F.relu(self.linear1(torch.flatten(x, 1))))


class SeminarConvNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 16, 5)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(16 * 12 * 12, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.pool(self.conv(x))), 1))


class SeminarDropoutNet(SeminarMLP):
    def __init__(self, hidden):
        super().__init__(hidden)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return self.linear2(self.drop(F.relu(self.linear1(torch.flatten(x, 1)))))


def seminar_test(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x).argmax(1) for x, _ in loader]


def seminar_train(net, train_loader, val_loader, optimizer, epochs):
    net.train()
    for epoch in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            optimizer.step()
        seminar_test(net, val_loader)


def seminar_train_dropout(net, train_loader, val_loader, optimizer, epochs):
    net.train()
    for epoch in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            optimizer.step()
        seminar_test(net, val_loader)  # expect: missing-train-mode


def seminar(train_loader, val_loader):
    for net in (SeminarMLP(100),):
        seminar_train(SeminarMLP(100), train_loader, val_loader, torch.optim.SGD(net.parameters(), lr=0.1), 5)
    convnet = SeminarConvNet()
    seminar_train(convnet, train_loader, val_loader, torch.optim.SGD(convnet.parameters(), lr=0.1), 5)
    dropnet = SeminarDropoutNet(100)
    seminar_train_dropout(dropnet, train_loader, val_loader, torch.optim.SGD(dropnet.parameters(), lr=0.1), 5)
    seminar_train_dropout(convnet, train_loader, val_loader, torch.optim.SGD(convnet.parameters(), lr=0.1), 5)
