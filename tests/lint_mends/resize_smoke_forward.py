# from jxhe/unify-parameter-efficient-tuning tests/test_modeling_transfo_xl.py:274
# A resize-embeddings test: a conditional eval(), then a loop over layers that resizes the
# model and runs one smoke forward whose output is discarded. Not an evaluation loop.
import copy
import unittest

import torch
from torch import nn


class TinyModel(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.emb = nn.Embedding(vocab, 8)

    def resize_token_embeddings(self, n):
        self.emb = nn.Embedding(n, 8)
        return self.emb

    def forward(self, input_ids):
        return self.emb(input_ids).sum()


class ResizeTest(unittest.TestCase):
    is_training = False

    def test_resize_tokens_embeddings(self):
        inputs_dict = {"input_ids": torch.tensor([[1, 2, 3]])}
        for model_class in [TinyModel]:
            model = model_class(10)
            if self.is_training is False:
                model.eval()
            for layer in range(2):
                model.resize_token_embeddings(20)
                # Check that the model can still do a forward pass successfully
                model(**inputs_dict)
                model.resize_token_embeddings(10)
