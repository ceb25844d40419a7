from torchvision.models.segmentation import deeplabv3_resnet101, fcn_resnet101


def deeplab_v3(num_classes):
    return deeplabv3_resnet101(weights=None, num_classes=num_classes)


def fcn(num_classes):
    return fcn_resnet101(weights=None, num_classes=num_classes)


def build_segmentation_model(name, num_classes, input_sizes):
    if name == "deeplabv3":
        net = deeplab_v3(num_classes)
    else:
        net = fcn(num_classes)
    return net, input_sizes, None
