# the repository's own utils (noahzn/Lite-Mono's root utils.py): nothing of an old torch
def readlines(path):
    with open(path) as f:
        return f.read().splitlines()
