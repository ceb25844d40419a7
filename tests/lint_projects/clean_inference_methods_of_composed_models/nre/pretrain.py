import torch

from nre import encoder, model


def get_model(path, vocab_size, num_class):
    sentence_encoder = encoder.CNNEncoder(vocab_size)
    m = model.SoftmaxNN(sentence_encoder, num_class)
    m.load_state_dict(torch.load(path, weights_only=True)["state_dict"])
    return m
