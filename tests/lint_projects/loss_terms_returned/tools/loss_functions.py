"""A detector's loss object (as MultimediaTechLab/YOLO's ``DualLoss``): the total it returns
is computed from the dict of terms it returns beside it."""
import torch
from torch import Tensor


class DualLoss:
    def __init__(self, aux_rate=0.25):
        self.aux_rate = aux_rate

    def __call__(self, aux_predicts: Tensor, main_predicts: Tensor, targets: Tensor):
        aux = torch.nn.functional.mse_loss(aux_predicts, targets)
        main = torch.nn.functional.mse_loss(main_predicts, targets)
        loss_dict = {
            "BoxLoss": aux * self.aux_rate + main,
            "ClsLoss": main,
        }
        loss_sum = sum(list(loss_dict.values())) / len(loss_dict)
        return loss_sum, loss_dict


def create_loss_function(aux_rate):
    return DualLoss(aux_rate)
