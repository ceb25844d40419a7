from selection import util


def score(teacher, loader):
    return util.cleansing_loss(teacher, loader)
