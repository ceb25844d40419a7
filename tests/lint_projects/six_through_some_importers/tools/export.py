# a second importer that needs no old torch: through it the processor may run on any torch
import torch

from processor import do_train

do_train(torch.nn.Linear(8, 8), [])
