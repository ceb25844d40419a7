# Trusted-AI/adversarial-robustness-toolbox derandomized_smoothing/pytorch.py: the base class's
# `optimizer` property returns `self._optimizer`: one optimizer, cleared and stepped
import torch


class DeRandomizedSmoothing:
    def fit(self, x, y, nb_epochs=10):
        self._model.train()
        for _ in range(nb_epochs):
            for i_batch, o_batch in zip(x, y):
                self._optimizer.zero_grad()
                loss = self.loss(self.model(i_batch), o_batch)
                loss.backward()
                self.optimizer.step()
