# from Lightning-AI/torchmetrics tests/unittests/image/test_mifid.py:91
# (class from src/torchmetrics/image/fid.py:45). NoTrainInceptionV3 subclasses torch_fidelity's
# FeatureExtractorInceptionV3, whose __init__ does `for p in self.parameters(): p.requires_grad_(False)`,
# so net(x) does not require grad and .numpy() works.
import numpy as np
import torch
from torch import Tensor, nn

try:
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3 as _Base
except ImportError:
    class _Base(nn.Module):  # type: ignore[no-redef]
        pass


class NoTrainInceptionV3(_Base):
    def __init__(self, name, features_list, antialias=True):
        super().__init__(name, features_list)
        self.use_antialias = antialias
        self.eval()

    def train(self, mode):
        return super().train(False)

    def _torch_fidelity_forward(self, x: Tensor):
        x = torch.nn.functional.interpolate(x.float(), size=(299, 299), mode="bilinear")
        x = self.Conv2d_1a_3x3((x - 128) / 128)
        return (x.mean((2, 3)),)

    def forward(self, x: Tensor) -> Tensor:
        return self._torch_fidelity_forward(x)[0].reshape(x.shape[0], -1)


def reference(preds, target):
    net = NoTrainInceptionV3(name="inception-v3-compat", features_list=[str(768)])
    preds_act = net(preds).numpy()
    target_act = net(target).numpy()
    return np.mean(preds_act) - np.mean(target_act)
