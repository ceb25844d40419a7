import torch.nn as nn


class CNNEncoder(nn.Module):
    def __init__(self, vocab_size, hidden_size=230, dropout=0.5):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, 50)
        self.conv = nn.Conv1d(50, hidden_size, 3, padding=1)
        self.drop = nn.Dropout(dropout)

    def forward(self, tokens):
        x = self.conv(self.embedding(tokens).transpose(1, 2)).max(-1).values
        return self.drop(x)
