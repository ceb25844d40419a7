import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import ToTensor  # expect: torchvision-to-tensor-deprecated

train_tf = v2.Compose([v2.RandomResizedCrop(224), v2.ToTensor()])  # expect: torchvision-to-tensor-deprecated
eval_tf = ToTensor()  # expect: torchvision-to-tensor-deprecated

# --- correct code ----------------------------------------------------------------------
train_tf = v2.Compose([v2.RandomResizedCrop(224), v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
