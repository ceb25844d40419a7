# from ctallec/world-models utils/misc.py:162 (callers: traincontroller.py:92-100, test_controller.py:20-21)
# get_action_and_transition is only reached through rollout(), and every caller of rollout()
# (in other modules of the project) runs it inside torch.no_grad().
import torch
import torch.nn as nn


class Controller(nn.Module):
    def __init__(self, latents, actions):
        super().__init__()
        self.fc = nn.Linear(latents, actions)

    def forward(self, *inputs):
        return torch.tanh(self.fc(torch.cat(inputs, dim=1)))


class RolloutGenerator(object):
    def __init__(self, device):
        self.controller = Controller(32 + 256, 3).to(device)
        self.device = device

    def get_action_and_transition(self, latent_mu, hidden):
        action = self.controller(latent_mu, hidden[0])
        return action.squeeze().cpu().numpy(), hidden

    def rollout(self, obs, hidden):
        action, hidden = self.get_action_and_transition(obs, hidden)
        return action
