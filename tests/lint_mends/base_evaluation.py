# helper module for pyod_*_nograd.py repros; from yzhao062/pyod pyod/models/base_dl.py:294-318
import torch


class BaseDeepLearningDetector:
    def evaluating_prepare(self):
        self.model.eval()

    def evaluate(self, data_loader):
        self.evaluating_prepare()
        scores = []
        with torch.no_grad():
            for batch_data in data_loader:
                scores.append(self.evaluating_forward(batch_data))
        return scores

    def evaluating_forward(self, batch_data):
        raise NotImplementedError
