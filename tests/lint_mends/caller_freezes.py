# zylo117/Yet-Another-EfficientDet-Pytorch coco_eval.py: the caller freezes the model before
# switching it to eval mode and handing it to the evaluation helper
import torch
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x)


def evaluate_coco(image_ids, model):
    results = []
    for image_id in image_ids:
        out = model(torch.randn(1, 3, 32, 32))
        results.append(out.sum().item())
    return results


if __name__ == "__main__":
    model = Backbone()
    model.load_state_dict(torch.load("w.pth", map_location=torch.device("cpu")))
    model.requires_grad_(False)
    model.eval()
    evaluate_coco(range(10), model)
