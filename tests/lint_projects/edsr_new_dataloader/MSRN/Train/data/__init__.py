from dataloader import MSDataLoader


class Data:
    def __init__(self):
        self.loader_train = MSDataLoader([])
        self.loader_test = MSDataLoader([])
