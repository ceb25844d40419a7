"""A mode helper switched by a string, over a list of models (facebookresearch/clevr-iep's
set_mode, pull request 22)."""


def set_mode(mode, models):
    assert mode in ["train", "eval"]
    for m in models:
        if m is None:
            continue
        if mode == "train":
            m.train()
        if mode == "eval":
            m.eval()


def set_training(model, flag):
    model.train(flag)
