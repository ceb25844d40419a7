# from princeton-vl/DROID-SLAM droid_slam/motion_filter.py:13-16,39 (same pattern in factor_graph.py, trajectory_filler.py)
# `autocast` is bound to torch.cuda.amp.autocast only in the arm of an `if` that tests
# torch.__version__ (torch 1.x, where it was not deprecated); on torch 2 it is
# partial(torch.autocast, device_type="cuda"). TW404 still reports the later calls.
import torch
from functools import partial

if torch.__version__.startswith("2"):
    autocast = partial(torch.autocast, device_type="cuda")
else:
    autocast = torch.cuda.amp.autocast


class MotionFilter:
    def __init__(self, net):
        self.cnet = net.cnet

    @autocast(enabled=True)
    def __context_encoder(self, image):
        net, inp = self.cnet(image).split([128, 128], dim=2)
        return net.tanh().squeeze(0), inp.relu().squeeze(0)

    def run(self, image):
        with autocast(enabled=False):
            return self.__context_encoder(image)
