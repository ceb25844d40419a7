import torch

scores = torch.randn(4, 10) * 100
norm = torch.log(torch.sum(torch.exp(scores), dim=1))  # expect: use-logsumexp
norm = torch.log(torch.exp(scores).sum(-1, keepdim=True))  # expect: use-logsumexp
total = torch.log(torch.sum(torch.exp(scores)))  # expect: use-logsumexp

total = torch.log(torch.sum(torch.exp(scores), dim=None))  # expect: use-logsumexp

# --- correct code ----------------------------------------------------------------------
norm = torch.logsumexp(scores, dim=1)
mean_log = torch.log(torch.mean(torch.exp(scores)))
partial = torch.log(torch.sum(scores.exp() * 2, dim=1))
# already stable: the maximum is subtracted before exp (pytorch/examples-style)
m = scores.max(dim=1, keepdim=True).values
stable = torch.log(torch.sum(torch.exp(scores - m), dim=1, keepdim=True)) + m
stable = torch.log(torch.exp(scores - scores.amax(-1, keepdim=True)).sum(-1))
