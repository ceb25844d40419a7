# from HiLab-git/SSL4MIS code/train_uncertainty_aware_mean_teacher_3D.py:160
# UA-MT: T stochastic passes of the teacher under dropout and fresh input noise (Monte Carlo
# dropout), in train mode on purpose (yulequan/UA-MT train_LA_meanteacher_certainty.py:156 too)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(1, 2, 3, padding=1)
        self.dropout = nn.Dropout3d(p=0.5)

    def forward(self, x):
        return self.dropout(self.conv(x))


def train(loader):
    model = Net()
    ema_model = Net()
    model.train()
    ema_model.train()
    for volume_batch in loader:
        T = 8
        volume_batch_r = volume_batch.repeat(2, 1, 1, 1, 1)
        stride = volume_batch_r.shape[0] // 2
        preds = torch.zeros([stride * T, 2, 8, 8, 8])
        for i in range(T // 2):
            ema_inputs = volume_batch_r + torch.clamp(torch.randn_like(volume_batch_r) * 0.1, -0.2, 0.2)
            with torch.no_grad():
                preds[2 * stride * i:2 * stride * (i + 1)] = ema_model(ema_inputs)
        preds = torch.softmax(preds, dim=1).reshape(T, stride, 2, 8, 8, 8).mean(0)
        uncertainty = -torch.sum(preds * torch.log(preds + 1e-6), dim=1)
        loss = model(volume_batch).mean() * uncertainty.mean()
        loss.backward()
