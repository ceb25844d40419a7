import torch

from loops import train
from model import DrugNet

model = DrugNet()
train({"epochs": 2, "model": model, "criterion": torch.nn.MSELoss(), "loader": [], "test_loader": [],
       "optimizer": torch.optim.Adam(model.parameters())})
