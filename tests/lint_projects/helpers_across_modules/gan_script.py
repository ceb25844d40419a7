"""The loop of another module runs the GAN's own step once per batch."""

from tools.gan import GAN

if __name__ == "__main__":
    gan = GAN(lr=0.0002)
    for epoch in range(10):
        for real in loader:
            err_d, err_g = gan.step(real)  # expect: missing-zero-grad
