# from pyannote/pyannote-audio src/pyannote/audio/core/inference.py:211
# `outputs` is computed under torch.inference_mode(), and `conversion` is a
# parameterless module (nn.Identity or Powerset, which only registers buffers),
# so conversion(output) does not require grad and .numpy() cannot raise.
import torch
import torch.nn as nn


class Powerset(nn.Module):
    def __init__(self, num_classes: int):
        super().__init__()
        self.register_buffer("mapping", torch.eye(num_classes), persistent=False)

    def forward(self, powerset: torch.Tensor) -> torch.Tensor:
        return torch.matmul(powerset, self.mapping)


class Inference:
    def __init__(self, model: nn.Module, powerset: bool):
        self.model = model
        self.conversion = Powerset(3) if powerset else nn.Identity()

    def infer(self, chunks: torch.Tensor):
        with torch.inference_mode():
            outputs = self.model(chunks)

        def __convert(output: torch.Tensor, conversion: nn.Module, **kwargs):
            return conversion(output).cpu().numpy()

        return __convert(outputs, self.conversion)


if __name__ == "__main__":
    inf = Inference(nn.Linear(4, 3), powerset=True)
    print(inf.infer(torch.randn(2, 4)).shape)
    inf = Inference(nn.Linear(4, 3), powerset=False)
    print(inf.infer(torch.randn(2, 4)).shape)
