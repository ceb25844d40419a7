from .layers import make_head
