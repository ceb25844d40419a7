import torch

from export.serialization import SERIALIZERS


def build_serializer(model_type):
    return SERIALIZERS[model_type]()


def export_serialization(out, model_type, model):
    serializer = build_serializer(model_type)
    with torch.no_grad():
        serializer.serialize(out, model)
