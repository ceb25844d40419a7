"""dhbloo/pytorch-nnue-trainer model/serialization: serializers read their model's weights
with .numpy(); export.py, their only caller, runs them under no_grad, through a registry
(an object of unknown type) or a builder typed with their base class."""
import torch.nn as nn

SERIALIZERS = {}


class Mix7Net(nn.Module):
    def __init__(self, dim_out=8):
        super().__init__()
        self.mapping_activation = nn.PReLU(dim_out)


class BaseSerializer:
    def write_weights(self, out, model):
        raise NotImplementedError


class Mix7NetSerializer:
    def _export_mapping_activation(self, model: Mix7Net):
        weight = model.mapping_activation.weight.cpu().numpy()
        return weight * 2**15

    def serialize(self, out, model: Mix7Net):
        out.write(self._export_mapping_activation(model).tobytes())


class Mix8NetSerializer(BaseSerializer):
    def write_weights(self, out, model: Mix7Net):
        out.write(model.mapping_activation.weight.cpu().numpy().tobytes())


SERIALIZERS["mix7"] = Mix7NetSerializer
SERIALIZERS["mix8"] = Mix8NetSerializer
