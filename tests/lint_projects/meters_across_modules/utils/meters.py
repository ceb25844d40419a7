"""Running averages of a training script (the ImageNet example's AverageMeter shape)."""


class AverageMeter:
    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.val = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


class ListMeter:
    """Sums per item of a list, as point-cloud runners keep them."""

    def __init__(self, size):
        self._sum = [0] * size

    def add(self, value):
        self._sum[0] += value


class LossesTrackEpoch:
    """A dict of losses summed per key (jokester-zzz/SSA-SC's networks/common/metrics.py)."""

    def __init__(self):
        self.train_losses = {"total": 0, "semantic": 0}

    def update_train_losses(self, loss):
        for key in loss:
            self.train_losses[key] += loss[key]
