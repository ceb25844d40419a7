"""A loss computed by running the model it is handed (ncsn's ``anneal_dsm_score_estimation``):
the module names no effect, so the model comes back in the mode it went in."""
import torch


def dsm_loss(scorenet, samples, sigma):
    perturbed = samples + torch.randn_like(samples) * sigma
    target = -(perturbed - samples) / sigma ** 2
    return ((scorenet(perturbed) - target) ** 2).sum(dim=-1).mean()
