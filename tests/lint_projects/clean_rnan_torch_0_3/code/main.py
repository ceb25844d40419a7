# from yulunzhang/RNAN DN_RGB/code/main.py: run as `python main.py` in code/
import data
from trainer import Trainer

t = Trainer(data.Data())
t.test()
