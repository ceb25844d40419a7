# from meta-pytorch/torchrec torchrec/distributed/embedding.py:535 (same shape: embeddingbag.py:755)
# _lookups is a plain list on purpose: the base class's train() forwards the mode to every lookup,
# and _initialize_torch_state registers each lookup's weights under self.embeddings (a ModuleDict).
# What made it fire: init_data_parallel stores DistributedDataParallel(...) into the list.
from typing import List

from torch import nn
from torch.nn.parallel import DistributedDataParallel


class ShardedEmbeddingModule(nn.Module):
    def train(self, mode: bool = True):
        super().train(mode)
        for lookup in self._lookups:
            lookup.train(mode)
        return self


class ShardedEmbeddingCollection(ShardedEmbeddingModule):
    def __init__(self, shardings, table_names) -> None:
        super().__init__()
        self._table_names = table_names
        self._lookups: List[nn.Module] = []
        for sharding in shardings.values():
            self._lookups.append(sharding.create_lookup())
        self.init_data_parallel()
        self._initialize_torch_state()

    def init_data_parallel(self) -> None:
        for index, lookup in enumerate(self._lookups):
            self._lookups[index] = DistributedDataParallel(module=lookup, static_graph=True)

    def _initialize_torch_state(self) -> None:
        self.embeddings: nn.ModuleDict = nn.ModuleDict()
        for table_name in self._table_names:
            self.embeddings[table_name] = nn.Module()
        for lookup in self._lookups:
            for table_name, tbe_slice in lookup.named_parameters_by_table():
                self.embeddings[table_name].register_parameter("weight", tbe_slice)
