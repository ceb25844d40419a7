# from adap/flower baselines/heterofl/heterofl/server.py:72
# sBN: the BN layers use momentum=None (cumulative average); the server re-estimates
# the running statistics on the whole train set in train mode under no_grad, then tests.
import torch


def gen_evaluate_fn(data_loaders, device, model, enable_train_on_train_data, test):
    def evaluate(server_round, parameters, config):
        net = model
        net.to(device)

        if enable_train_on_train_data is True:
            with torch.no_grad():
                net.train(True)
                for images, labels in data_loaders["entire_trainloader"]:
                    input_dict = {}
                    input_dict["img"] = images.to(device)
                    input_dict["label"] = labels.to(device)
                    net(input_dict)

        return test(net, data_loaders["testloader"], device=device)

    return evaluate
