from .exist_head import ExistHead
from .lane_seg import LaneSeg
