"""An updater that clips and steps with the scaler its caller hands over."""

import torch


class Updater:
    def __init__(self, network, clip=1.0):
        self.network = network
        self.clip = clip
        self.optimizer = torch.optim.AdamW(network.parameters())

    def step(self, *, grad_scaler=None):
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.network.parameters(), self.clip)  # expect: clip-scaled-gradients
        if grad_scaler is not None:
            grad_scaler.step(self.optimizer)
            grad_scaler.update()
        else:
            self.optimizer.step()
        self.optimizer.zero_grad()
