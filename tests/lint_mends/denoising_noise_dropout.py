"""ritchieng/deep-learning-wizard's denoising autoencoder: a dropout layer of its own, in no
model, corrupts the images in training and in testing alike; the file switches no mode."""
import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(784, 1024)
        self.decoder = nn.Linear(1024, 784)

    def forward(self, x):
        return self.decoder(torch.relu(self.encoder(x)))


model = AutoEncoder()
noise = nn.Dropout(0.5)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def run(train_loader, test_loader, epochs):
    for epoch in range(epochs):
        for images, _ in train_loader:
            images = images.view(-1, 784)
            noisy = noise(torch.ones(images.shape)) * images
            loss = criterion(model(noisy), images)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            total = 0.0
            for images, _ in test_loader:
                images = images.view(-1, 784)
                noisy = noise(torch.ones(images.shape)) * images
                total += criterion(model(noisy), images).item()
        print(epoch, total)
