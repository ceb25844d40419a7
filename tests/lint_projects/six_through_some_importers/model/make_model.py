from .backbones.vit_pytorch import vit_base


def make_model():
    return vit_base()
