import torch

from predflow.functions import fit, predict

model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.2))
loader = [(torch.randn(2, 4), torch.randn(2, 4))]
fit(1, model, torch.nn.functional.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1), loader)
model.eval()
print(predict(model, [x for x, _ in loader]))
