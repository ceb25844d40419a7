import torch
from torch import nn

import tools.evaluation as ev
from tools.evaluation import Evaluator, evaluate
from tools.utils import smart_inference_mode

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = []


@torch.inference_mode()
def report(evaluator):
    return evaluator.run(model, loader)


for epoch in range(3):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    with torch.no_grad():
        print(evaluate(model, loader))
    with torch.inference_mode():
        print(ev.predictions(model, loader))
    print(report(Evaluator()))


@smart_inference_mode()
def final_report():
    return ev.confusion(model, loader)
