"""A plain module named like its folder: ``metric.inception`` is not beside it."""
from .fid import calculate_fid


def report(paths):
    print(calculate_fid(paths))
