"""A timestep sampler, as improved-diffusion's (huggingface/accelerate#2251): ``sample``
returns tensors."""
import numpy as np
import torch


class ScheduleSampler:
    def weights(self):
        raise NotImplementedError

    def sample(self, batch_size):
        w = self.weights()
        p = w / np.sum(w)
        indices_np = np.random.choice(len(p), size=(batch_size,), p=p)
        indices = torch.from_numpy(indices_np).long()
        weights = torch.from_numpy(1 / (len(p) * p[indices_np])).float()
        return indices, weights


class UniformSampler(ScheduleSampler):
    def __init__(self, num_timesteps):
        self._weights = np.ones([num_timesteps])

    def weights(self):
        return self._weights
