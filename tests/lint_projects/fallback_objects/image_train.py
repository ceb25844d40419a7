import torch

from train_util import TrainLoop

model = torch.nn.Bilinear(8, 1, 1)
TrainLoop(model=model, data=[], num_timesteps=1000).run_loop()
TrainLoop(model=model, data=[], num_timesteps=1000, schedule_sampler=None).run_loop()
