"""microsoft/robustdg#30: the model comes from a builder whose arms return torchvision
ResNets (batch norm) or a third-party DenseNet; the file never switches it to eval mode."""
import torch


class BaseAlgo:
    def __init__(self, args, val_loader, device):
        self.args = args
        self.val_loader = val_loader
        self.device = device
        self.phi = self.get_model()
        self.opt = torch.optim.SGD(self.phi.parameters(), lr=0.01)

    def get_model(self):
        if "resnet" in self.args.model_name:
            from models.resnet import get_resnet
            phi = get_resnet(self.args.model_name, self.args.out_classes)
        if "densenet" in self.args.model_name:
            from models.xray import get_densenet
            phi = get_densenet(self.args.out_classes)
        phi = phi.to(self.device)
        return phi

    def get_test_accuracy(self):
        correct = 0
        with torch.no_grad():
            for x, y in self.val_loader:
                out = self.phi(x.to(self.device))  # expect: missing-eval
                correct += (out.argmax(1) == y.to(self.device)).sum().item()
        return correct
