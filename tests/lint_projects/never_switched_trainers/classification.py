# DuaneNielsen/DeepInfomaxPytorch#18: the classifier, a class of another module holding batch
# norm, built and moved in one expression, scored on the test split under no_grad
import torch
import torch.nn as nn

from models.erfnet import ERFNet


def main(train_l, test_l, epochs, device):
    classifier = ERFNet(num_class=10).to(device)
    optim = torch.optim.Adam(classifier.parameters(), lr=1e-4)
    criterion = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for x, target in train_l:
            optim.zero_grad()
            loss = criterion(classifier(x.to(device)).mean((2, 3)), target.to(device))
            loss.backward()
            optim.step()
        correct = 0
        with torch.no_grad():
            for x, target in test_l:
                y = classifier(x.to(device)).mean((2, 3))  # expect: missing-eval
                correct += (y.argmax(1) == target.to(device)).sum().item()
        print(correct)
