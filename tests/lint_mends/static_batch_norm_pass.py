# from adap/flower baselines/depthfl/depthfl/models.py:266
# Static batch normalisation: train mode under no_grad on purpose, to recompute
# the BN running statistics (momentum / track_running_stats) before testing.
import torch


def test_sbn(nets, trainloaders, testloader, device):
    # static batch normalization
    for trainloader in trainloaders:
        with torch.no_grad():
            for model in nets:
                model.train()
                for _batch_idx, (images, labels) in enumerate(trainloader):
                    images, labels = images.to(device), labels.to(device)
                    output = model(images)

                model.eval()

    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in testloader:
            output_lst = [model(images)[0] for model in nets]
            _, predicted = torch.max(output_lst[-1], 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return correct / total
