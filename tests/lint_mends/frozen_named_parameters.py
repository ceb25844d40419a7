# cszn/KAIR main_test_dncnn.py: every parameter frozen through named_parameters() after eval()
import torch
import torch.nn as nn


def test_dncnn(paths, device):
    model = nn.Sequential(nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 1, 3, padding=1))
    model.load_state_dict(torch.load("dncnn.pth"), strict=True)
    model.eval()
    for k, v in model.named_parameters():
        v.requires_grad = False
    model = model.to(device)
    for img in paths:
        img_E = model(torch.from_numpy(img).float().unsqueeze(0).to(device))
        print(img_E.shape)
