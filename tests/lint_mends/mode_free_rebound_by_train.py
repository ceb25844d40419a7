"""datawhalechina/dive-into-cv-pytorch's MNIST classifier: linear layers and ReLUs only, the
model bound again by ``net = net.train()`` each epoch; its test loop runs in train mode,
which changes nothing."""
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.act1 = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(self.act1(self.fc1(x)))


net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=1e-2)


train_data, test_data = [], []  # (the MNIST loaders)
for epoch in range(20):
    net = net.train()
    for img, label in train_data:
        loss = criterion(net(img.reshape(img.size(0), -1)), label)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    correct = 0
    for img, label in test_data:
        out = net(img.reshape(img.size(0), -1))
        correct += (out.argmax(1) == label).sum().item()
    print(epoch, correct)
