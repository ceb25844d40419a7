from torchvision import models  # expect: torchvision-singleton-import
from torchvision import datasets  # expect: torchvision-singleton-import
import torchvision.transforms as transforms, os  # expect: torchvision-singleton-import

# --- correct code ----------------------------------------------------------------------
import torchvision.transforms as T
import torchvision.models.detection as detection
from torchvision import models as tv_models

print(models, datasets, transforms, os, T, detection, tv_models)
