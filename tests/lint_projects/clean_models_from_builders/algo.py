"""The clean twin: one builder returns its model in eval mode, another a model with
neither dropout nor batch norm, a third a third-party model the analysis cannot see."""
import torch


class BaseAlgo:
    def __init__(self, args, val_loader, device):
        self.args = args
        self.val_loader = val_loader
        self.device = device
        self.phi = self.get_model()
        self.head = self.get_head()
        self.xray = self.get_xray()

    def get_model(self):
        from models.resnet import get_resnet
        phi = get_resnet(self.args.model_name, self.args.out_classes)
        return phi.to(self.device)

    def get_head(self):
        from models.resnet import get_linear
        return get_linear(self.args.out_classes)

    def get_xray(self):
        from models.xray import get_densenet
        return get_densenet(self.args.out_classes)

    def get_test_accuracy(self):
        correct = 0
        with torch.no_grad():
            for x, y in self.val_loader:
                out = self.head(self.phi(x.to(self.device))) + self.xray(x)
                correct += (out.argmax(1) == y.to(self.device)).sum().item()
        return correct
