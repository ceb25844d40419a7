import torch

from models import get_model


class BaseTrainer:
    def __init__(self, config, test_loader):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = get_model(config).to(self.device)
        self.test_loader = test_loader
