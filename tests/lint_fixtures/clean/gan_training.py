"""A small DCGAN-style loop: two models, two optimizers, detach for the critic step."""

import torch
from torch import nn, optim


class Generator(nn.Module):
    def __init__(self, latent_dim=16, out_dim=64):
        super(Generator, self).__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 128),
            nn.LeakyReLU(0.2),
            nn.Linear(128, out_dim),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, in_dim=64):
        nn.Module.__init__(self)
        self.net = nn.Sequential(nn.Linear(in_dim, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))

    def forward(self, x):
        return self.net(x)


def train(real_data, epochs=2, latent_dim=16, device="cpu"):
    generator = Generator(latent_dim).to(device)
    discriminator = Discriminator().to(device)
    opt_g = optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    for epoch in range(epochs):
        for real in real_data.split(32):
            real = real.to(device)
            batch = real.size(0)
            z = torch.randn(batch, latent_dim, device=device)
            fake = generator(z)

            # discriminator step
            opt_d.zero_grad(set_to_none=True)
            d_real = discriminator(real)
            d_fake = discriminator(fake.detach())
            loss_d = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
            loss_d.backward()
            opt_d.step()

            # generator step
            generator.zero_grad()
            d_out = discriminator(fake)
            loss_g = bce(d_out, torch.ones_like(d_out))
            loss_g.backward()
            opt_g.step()

        print(epoch, loss_d.item(), loss_g.item())

    generator.eval()
    with torch.no_grad():
        samples = generator(torch.randn(16, latent_dim, device=device)).cpu().numpy()
    return samples


if __name__ == "__main__":
    train(torch.randn(512, 64))
