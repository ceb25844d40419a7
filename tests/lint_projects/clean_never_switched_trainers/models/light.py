from .erfnet import LightNet


def get_light_model(config):
    # a registry whose networks compute the same in both modes
    hub = {"light": LightNet}
    return hub[config.model](num_class=config.num_class)
