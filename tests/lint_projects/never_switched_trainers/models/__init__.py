from .erfnet import ERFNet, LightNet


def get_model(config):
    # a registry of classes, one picked by name
    model_hub = {"erfnet": ERFNet, "light": LightNet}
    return model_hub[config.model](num_class=config.num_class)
