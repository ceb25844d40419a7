# tgm-team/tgm#274: the decoder parameter is annotated nn.Module; the one module every call
# hands it ends in a sigmoid, fed to binary_cross_entropy_with_logits
import torch
import torch.nn as nn
import torch.nn.functional as F


class LinkPredictor(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2 * dim, dim)
        self.fc2 = nn.Linear(dim, 1)

    def forward(self, z_src: torch.Tensor, z_dst: torch.Tensor) -> torch.Tensor:
        h = self.fc1(torch.cat([z_src, z_dst], dim=1)).relu()
        return self.fc2(h).sigmoid().view(-1)


def train(loader, encoder: nn.Module, decoder: nn.Module, opt: torch.optim.Optimizer) -> float:
    total_loss = 0.0
    for src, dst, neg in loader:
        opt.zero_grad()
        z_src, z_dst, z_neg = encoder(src), encoder(dst), encoder(neg)
        pos_out = decoder(z_src, z_dst)
        neg_out = decoder(z_src, z_neg)
        loss = F.binary_cross_entropy_with_logits(pos_out, torch.ones_like(pos_out))  # expect: sigmoid-before-bce-with-logits
        loss += F.binary_cross_entropy_with_logits(neg_out, torch.zeros_like(neg_out))  # expect: sigmoid-before-bce-with-logits
        loss.backward()
        opt.step()
        total_loss += float(loss)
    return total_loss


def main(train_loader, num_nodes, dim, epochs):
    encoder = nn.Embedding(num_nodes, dim)
    decoder = LinkPredictor(dim).to("cpu")
    opt = torch.optim.Adam(set(encoder.parameters()) | set(decoder.parameters()), lr=1e-4)
    for _ in range(epochs):
        print(train(train_loader, encoder, decoder, opt))
