"""The clean twin: one loss object returns its terms detached (the total it backpropagates
is summed from the live terms), another returns live terms that the caller turns into
numbers."""
import torch
from torch import Tensor


class DualLoss:
    def __call__(self, aux_predicts: Tensor, main_predicts: Tensor, targets: Tensor):
        box = torch.nn.functional.mse_loss(aux_predicts, targets)
        cls = torch.nn.functional.mse_loss(main_predicts, targets)
        loss_dict = {"BoxLoss": box.detach(), "ClsLoss": cls.detach()}
        loss_sum = box + cls
        return loss_sum, loss_dict


class TermsLoss:
    def __call__(self, predicts: Tensor, targets: Tensor):
        box = torch.nn.functional.mse_loss(predicts, targets)
        loss_dict = {"BoxLoss": box, "L1": (predicts - targets).abs().mean()}
        loss_sum = sum(loss_dict.values())
        return loss_sum, loss_dict
