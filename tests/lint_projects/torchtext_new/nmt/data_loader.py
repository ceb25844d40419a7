"""A data loader on torchtext's current API: nothing limits the torch."""

from torchtext.data.utils import get_tokenizer


class DataLoader:
    def __init__(self, path):
        self.tokenize = get_tokenizer("basic_english")
        self.path = path

    def batches(self):
        return []
