# from youyuge34/Anime-InPainting main.py:62
import torch

from src.edge_connect import EdgeConnect

model = EdgeConnect()
with torch.no_grad():
    model.test()
