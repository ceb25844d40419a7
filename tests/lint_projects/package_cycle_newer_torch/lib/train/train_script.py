from lib.train.data import LTRLoader
from lib.train.trainers import LTRTrainer


def run(actor, dataset, optimizer):
    loader = LTRLoader(dataset)
    LTRTrainer(actor, [loader], optimizer).train_epoch(loader)
