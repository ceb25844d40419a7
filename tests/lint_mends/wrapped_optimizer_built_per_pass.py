# from open-mmlab/mmengine tests/test_strategies/test_fsdp.py:149 and :166
# Each pass builds a fresh ToyModel and SGD (wrapped by OptimWrapper, then strategy.prepare).
import torch
import torch.nn as nn
from torch.optim import SGD
from mmengine.optim import OptimWrapper
from mmengine._strategy import FSDPStrategy


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(2, 2)

    def forward(self, x, data_samples=None, mode='loss'):
        return dict(loss=((self.linear1(x) - data_samples) ** 2).sum())


def run_strategy(ckpt_path):
    for skip_init_weights, state_dict_cfg in [(True, 'local'), (False, 'full')]:
        strategy = FSDPStrategy(skip_init_weights=skip_init_weights, state_dict_cfg=state_dict_cfg)
        model = ToyModel()
        optim = OptimWrapper(SGD(model.parameters(), lr=0.1, momentum=0.9))
        model, optim, _ = strategy.prepare(model=model, optim_wrapper=optim)
        data = torch.ones(2, 2).cuda()
        data_samples = torch.zeros(2, 2).cuda()
        loss = model(data, data_samples=data_samples, mode='loss')['loss']
        loss.backward()
        optim.step()
        strategy.save_checkpoint(ckpt_path)
        strategy.load_checkpoint(ckpt_path)
        loss = model(data, data_samples=data_samples, mode='loss')['loss']
        loss.backward()
        optim.step()
