"""dhbloo/pytorch-nnue-trainer model/serialization: a serializer reads its model's weights
with .numpy(); export.py, its only caller, runs it under no_grad through a registry."""
import torch.nn as nn

SERIALIZERS = {}


class Mix7Net(nn.Module):
    def __init__(self, dim_out=8):
        super().__init__()
        self.mapping_activation = nn.PReLU(dim_out)


class Mix7NetSerializer:
    def _export_mapping_activation(self, model: Mix7Net):
        weight = model.mapping_activation.weight.cpu().numpy()
        return weight * 2**15

    def serialize(self, out, model: Mix7Net):
        out.write(self._export_mapping_activation(model).tobytes())


SERIALIZERS["mix7"] = Mix7NetSerializer
