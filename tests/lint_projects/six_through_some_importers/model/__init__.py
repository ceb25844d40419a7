from .make_model import make_model
