import torchvision
from torchvision import models
from torchvision.models import resnet18
from torchvision.models.detection import fasterrcnn_resnet50_fpn

backbone = models.resnet50(pretrained=True)  # expect: torchvision-pretrained-deprecated
scratch = torchvision.models.vgg16(pretrained=False)  # expect: torchvision-pretrained-deprecated
small = resnet18(pretrained=True)  # expect: torchvision-pretrained-deprecated
tiny = models.mobilenet_v3_small(pretrained=use_pretrained)  # expect: torchvision-pretrained-deprecated  # noqa: F821
detector = fasterrcnn_resnet50_fpn(pretrained=True, pretrained_backbone=False)  # expect: torchvision-pretrained-deprecated
seg = models.segmentation.deeplabv3_resnet50(pretrained_backbone=True)  # expect: torchvision-pretrained-deprecated
masks = models.detection.maskrcnn_resnet50_fpn(pretrained=False, pretrained_backbone=True)  # expect: torchvision-pretrained-deprecated
legacy_positional = models.resnet18(True)  # expect: torchvision-pretrained-deprecated
quantized = models.quantization.resnet50(pretrained=True, quantize=True)  # expect: torchvision-pretrained-deprecated

# --- correct code ----------------------------------------------------------------------
backbone = models.resnet50(weights=models.ResNet50_Weights.DEFAULT)
scratch = models.vgg16(weights=None)


def build(name, pretrained=True):
    return name, pretrained


build("resnet50", pretrained=True)
