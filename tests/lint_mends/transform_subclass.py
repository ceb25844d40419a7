# from thuml/Transfer-Learning-Library examples/domain_adaptation/wilds_image_classification/utils.py:277
# Denormalize (tllib/vision/transforms/__init__.py:66) subclasses torchvision's Normalize: no parameters,
# so its output requires grad only if the input does; the input here is a raw DataLoader image.
import numpy as np
import matplotlib.pyplot as plt
from torchvision.transforms import Normalize

IMAGENET_DEFAULT_MEAN = (0.485, 0.456, 0.406)
IMAGENET_DEFAULT_STD = (0.229, 0.224, 0.225)


class Denormalize(Normalize):
    def __init__(self, mean, std):
        mean = np.array(mean)
        std = np.array(std)
        super().__init__((-mean / std).tolist(), (1 / std).tolist())


def matplotlib_imshow(img):
    """helper function to show an image"""
    img = Denormalize(IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD)(img)
    img = np.transpose(img.numpy(), (1, 2, 0))
    plt.imshow(img)
