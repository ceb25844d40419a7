"""``schedule_sampler or UniformSampler(...)``: no call of the project passes a sampler,
so the attribute holds the fallback, whose ``sample`` returns tensors."""
import torch

from resample import UniformSampler


class TrainLoop:
    def __init__(self, *, model, data, num_timesteps, schedule_sampler=None):
        self.model = model
        self.data = data
        self.schedule_sampler = schedule_sampler or UniformSampler(num_timesteps)
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def run_loop(self):
        for batch in self.data:
            self.opt.zero_grad()
            t, weights = self.schedule_sampler.sample(batch.shape[0])
            t.to(batch.device)  # expect: tensor-to-discarded
            weights.to(batch.device)  # expect: tensor-to-discarded
            loss = (self.model(batch, t) * weights).mean()
            loss.backward()
            self.opt.step()
