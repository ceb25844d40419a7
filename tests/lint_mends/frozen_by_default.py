# yuvalkirstain/PickScore trainer/utils/FID/fid_score.py (and OFA-Sys/OFA's copy): InceptionV3 freezes its own
# parameters in __init__ (requires_grad defaults to False)
import numpy as np
import torch
import torch.nn as nn


class InceptionV3(nn.Module):
    def __init__(self, output_blocks=[3], requires_grad=False):
        super(InceptionV3, self).__init__()
        self.blocks = nn.ModuleList([nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1))])
        for param in self.parameters():
            param.requires_grad = requires_grad

    def forward(self, inp):
        return [self.blocks[0](inp)]


def get_activations(images, model, batch_size=64, dims=2048, cuda=False):
    model.eval()
    pred_arr = np.empty((len(images) * batch_size, dims))
    for i, batch in enumerate(images):
        start = i * batch_size
        end = start + batch_size
        if cuda:
            batch = batch.cuda()
        pred = model(batch)[0]
        pred_arr[start:end] = pred.cpu().data.numpy().reshape(batch_size, -1)
    return pred_arr


def calculate_fid_given_paths(loader, batch_size, cuda, dims):
    model = InceptionV3([3])
    if cuda:
        model.cuda()
    return get_activations(loader, model, batch_size, dims, cuda)


def fid_features(loader):
    model = InceptionV3([3])
    model.eval()
    return [model(batch)[0] for batch in loader]
