# from anibali/margipose src/margipose/bin/eval_3d.py:61
# main() turns autograd off with torch.set_grad_enabled(False) before calling
# run_evaluation_3d, which iterates the generator obtain_predictions.
import torch


def obtain_predictions(model, device, loader):
    model.eval()
    for batch in loader:
        in_var = batch['input'].to(device, torch.float32)
        out_var = model(in_var)
        yield dict(actual=out_var.cpu())


def run_evaluation_3d(model, device, loader):
    d = []
    for pred in obtain_predictions(model, device, loader):
        d.append(pred['actual'])
    return d


def main(model, loader):
    torch.set_grad_enabled(False)
    device = torch.device('cpu')
    model = model.to(device).eval()
    return run_evaluation_3d(model, device, loader)
