from evaluation import encode_data
from model import VSE


def validate(val_loader, model):
    return encode_data(model, val_loader)


def train(train_loader, model, val_loader):
    model.train_start()
    for i, (images, captions) in enumerate(train_loader):
        model.train_emb(images, captions)
        if i % 500 == 0:
            validate(val_loader, model)
            model.train_start()  # back in train mode before the next batch


def main(train_loader, val_loader):
    model = VSE()
    for epoch in range(10):
        train(train_loader, model, val_loader)
