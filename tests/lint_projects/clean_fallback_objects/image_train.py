from train_util import TrainLoop

TrainLoop(data=[], num_timesteps=1000).run_loop("cpu")
