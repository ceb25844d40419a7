# The same loops over a model with no dropout nor batch norm: its mode changes nothing
import torch


def train(train_args):
    for epoch in range(train_args["epochs"]):
        model = train_args["model"]
        criterion = train_args["criterion"]
        for x, y in train_args["loader"]:
            loss = criterion(model(x).squeeze(1), y)
            train_args["optimizer"].zero_grad()
            loss.backward()
            train_args["optimizer"].step()
        print(test({"model": model, "loader": train_args["test_loader"], "criterion": criterion}))


def test(test_args):
    model = test_args["model"]
    criterion = test_args["criterion"]
    total = 0.0
    with torch.no_grad():
        for x, y in test_args["loader"]:
            total += criterion(model(x).squeeze(1), y).item()
    return total
