from torch import nn


class Detector(nn.Module):
    def __init__(self, backbone, heads):
        super().__init__()
        self.backbone = backbone
        self.heads = heads

    def forward(self, batch):
        fea = self.backbone(batch["img"])
        if self.training:
            out = self.heads(fea, batch=batch)
            return self.heads.loss(out, batch)
        return self.heads(fea)
