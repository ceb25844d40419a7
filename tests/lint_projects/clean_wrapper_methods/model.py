import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 4))

    def forward(self, x):
        return self.net(x)


class VSE(object):
    """fartashf/vsepp: not a module; it holds two networks and switches them itself."""

    def __init__(self):
        self.img_enc = Encoder()
        self.txt_enc = Encoder()
        params = list(self.img_enc.parameters()) + list(self.txt_enc.parameters())
        self.optimizer = torch.optim.Adam(params, lr=1e-3)

    def train_start(self):
        self.img_enc.train()
        self.txt_enc.train()

    def val_start(self):
        self.img_enc.eval()
        self.txt_enc.eval()

    def forward_emb(self, images, captions):
        return self.img_enc(images), self.txt_enc(captions)

    def train_emb(self, images, captions):
        img_emb, cap_emb = self.forward_emb(images, captions)
        loss = (img_emb - cap_emb).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
