# The same loop, summing numbers
import torch

from loss import my_loss

loss_fn = my_loss


def train(net, loader, optimizer, epochs):
    for epoch in range(epochs):
        running_loss = 0.0
        running_mse = 0.0
        running_ce = 0.0
        for images, mode, points in loader:
            optimizer.zero_grad()
            pred_classes, pred_direc = net(images)
            loss, mse, cross_entropy = loss_fn(pred_classes, pred_direc, points, mode)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            running_mse += mse.item()
            running_ce += cross_entropy.item()
        print(epoch, running_loss, running_mse, running_ce)
