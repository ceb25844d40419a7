import torch

import _init_paths  # noqa: F401
from utils.rescore import rescore_valid


def main(features):
    for feature in features:
        print(rescore_valid(feature))
