# thunlp/OpenNRE: the classifier builds no dropout itself, but every construction hands it a CNN
# encoder with one; infer runs it under no_grad, and the project never calls eval()
import torch
from torch import nn


class SoftmaxNN(nn.Module):
    def __init__(self, sentence_encoder, num_class):
        super().__init__()
        self.sentence_encoder = sentence_encoder
        self.fc = nn.Linear(sentence_encoder.hidden_size, num_class)

    def forward(self, tokens):
        return self.fc(self.sentence_encoder(tokens))

    def infer(self, tokens):
        with torch.no_grad():
            logits = self(tokens)  # expect: missing-eval
        return logits.softmax(-1).argmax(-1).item()
