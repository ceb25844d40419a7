import torchxrayvision as xrv


def get_densenet(classes):
    return xrv.models.DenseNet(num_classes=classes)
