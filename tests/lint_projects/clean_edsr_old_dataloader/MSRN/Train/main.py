# from MIVRC/MSRN-PyTorch MSRN/Train/main.py (EDSR's layout): run as `python main.py` in MSRN/Train/
import torch

import data
from trainer import Trainer

loader = data.Data()
model = torch.nn.Linear(4, 4)
t = Trainer(loader, model)
while not t.terminate():
    t.train()
    t.test()
