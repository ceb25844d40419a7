# the same autoencoder built without batch norm: its mode changes nothing
# (use_batch_norm=False rules the BatchNorm1d arm out)
import torch

from explain.models.mlp import MLP


class Encoder(MLP):
    def __init__(self, input_dim, output_dim, hidden_layers, use_batch_norm):
        super().__init__(input_dim=input_dim, output_dim=output_dim, hidden_layers=hidden_layers,
                         use_batch_norm=use_batch_norm)


class AutoEncoder(torch.nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def predict(self, x):
        return self.encoder(x)


def train_autoencoder(model, data, epochs):
    optimizer = torch.optim.Adam(model.parameters())
    for _ in range(epochs):
        for x in data:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), x).backward()
            optimizer.step()
    return model


features = torch.randn(64, 16)
_encoder = Encoder(input_dim=16, output_dim=4, hidden_layers=[32, 8], use_batch_norm=False)
_decoder = MLP(4, 16, [8, 32], use_batch_norm=False)
autoencoder_model = AutoEncoder(encoder=_encoder, decoder=_decoder)
train_autoencoder(autoencoder_model, [features], 10)

with torch.no_grad():
    reduced = autoencoder_model.predict(features)
