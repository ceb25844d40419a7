# from damo-cv/TransReID train.py: the training script imports the processor and the model
from model import make_model
from processor import do_train

do_train(make_model(), [])
