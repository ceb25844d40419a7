from selection import util


def score(teacher, loader):
    teacher.requires_grad_(False)
    return util.cleansing_loss(teacher, loader)
