# from yzhao062/pyod pyod/models/auto_encoder.py:171 (base class: pyod/models/base_dl.py:297-318)
# evaluating_forward is an override only ever called from the base class's evaluate(),
# inside torch.no_grad(), so x_recon does not require grad there.
import torch
from pyod_base_dl import BaseDeepLearningDetector
from torch import nn


class AutoEncoder(BaseDeepLearningDetector):
    def build_model(self):
        self.model = AutoEncoderModel(8)

    def evaluating_forward(self, batch_data):
        x = batch_data
        x_recon = self.model(x.to("cpu"))
        return ((x.numpy() - x_recon.cpu().numpy()) ** 2).sum(1)


class AutoEncoderModel(nn.Module):
    def __init__(self, feature_size):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(feature_size, 4), nn.ReLU())
        self.decoder = nn.Linear(4, feature_size)

    def forward(self, x):
        return self.decoder(self.encoder(x))
