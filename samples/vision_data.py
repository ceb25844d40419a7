"""An image-classification input pipeline with torchvision (hover the transforms).

Needs torchvision in the interpreter to run; hovers work without it.
"""

# %% Data
import torch
from torchvision import datasets, transforms

train_tf = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])
eval_tf = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])

train_set = datasets.FakeData(size=64, image_size=(3, 256, 256), num_classes=10, transform=train_tf)
loader = torch.utils.data.DataLoader(train_set, batch_size=16, shuffle=True)
images, targets = next(iter(loader))
print(images.shape, targets.shape)
