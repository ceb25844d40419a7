import torch

from export.serialization import SERIALIZERS, BaseSerializer


def build_serializer(model_type):
    return SERIALIZERS[model_type]()


def build_typed_serializer(model_type) -> BaseSerializer:
    return SERIALIZERS[model_type]()


def export_serialization(out, model_type, model):
    serializer = build_serializer(model_type)
    with torch.no_grad():
        serializer.serialize(out, model)


def export_typed(out, model_type, model):
    serializer = build_typed_serializer(model_type)
    with torch.no_grad():
        serializer.write_weights(out, model)
