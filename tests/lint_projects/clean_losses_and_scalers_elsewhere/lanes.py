"""The same, the existence head giving logits."""

import torch

import lanenet


def main(args, loader):
    def load_weights(model, state):
        model.load_state_dict(state, strict=False)
        return model

    model = lanenet.LaneNet(4)
    model = torch.nn.DataParallel(model).cuda()
    if args.resume:
        model = load_weights(model, torch.load(args.resume, weights_only=True))
    criterion = torch.nn.CrossEntropyLoss().cuda()
    criterion_exist = torch.nn.BCEWithLogitsLoss().cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(args.epochs):
        train(loader, model, criterion, criterion_exist, optimizer)


def train(loader, model, criterion, criterion_exist, optimizer):
    for x, target, target_exist in loader:
        output, output_exist = model(x)
        loss = criterion(output, target) + criterion_exist(output_exist, target_exist)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
