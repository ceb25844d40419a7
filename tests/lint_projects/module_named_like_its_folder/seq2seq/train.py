import torch

from seq2seq import *


def train(batches, num_epochs):
    model = seq2seq()
    enc_optim = torch.optim.Adam(model.enc.parameters())
    dec_optim = torch.optim.Adam(model.dec.parameters())
    for _ in range(num_epochs):
        for x, y in batches:
            loss = model(x, y)
            loss.backward()
            enc_optim.step()  # expect: missing-zero-grad
            dec_optim.step()  # expect: missing-zero-grad
