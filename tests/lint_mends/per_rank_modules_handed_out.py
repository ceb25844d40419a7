# from meta-pytorch/torchrec torchrec/distributed/mc_modules.py:1441
# One ModuleDict per rank (each on its own device, training forced False). They are kept in a plain
# list on purpose: create_mcc_remappers() hands each one to a ShardedMCCRemapper (self.zchs = ...),
# and the owning quant EC module registers those remappers in an nn.ModuleList (quant_embedding.py:1369).
from typing import List

import torch
from torch import nn


class ShardedMCCRemapper(nn.Module):
    def __init__(self, managed_collision_modules: nn.ModuleDict) -> None:
        super().__init__()
        self.zchs = managed_collision_modules


class ShardedQuantManagedCollisionCollection(nn.Module):
    def __init__(self, module: nn.Module, world_size: int) -> None:
        super().__init__()
        self._world_size = world_size
        self._managed_collision_modules: nn.ModuleDict = nn.ModuleDict()
        self._create_managed_collision_modules(module)

    def _create_managed_collision_modules(self, module: nn.Module) -> None:
        self._managed_collision_modules_per_rank: List[torch.nn.ModuleDict] = [
            torch.nn.ModuleDict() for _ in range(self._world_size)
        ]
        for name, mc_module in module._managed_collision_modules.items():
            self._managed_collision_modules[name] = mc_module
            for i in range(self._world_size):
                self._managed_collision_modules_per_rank[i][name] = mc_module.rebuild_with_output_id_range(
                    output_id_range=(i, i + 1), device=torch.device(f"cuda:{i}")
                )
                self._managed_collision_modules_per_rank[i][name].training = False

    def create_mcc_remappers(self) -> List[ShardedMCCRemapper]:
        return [ShardedMCCRemapper(mcms) for mcms in self._managed_collision_modules_per_rank]
