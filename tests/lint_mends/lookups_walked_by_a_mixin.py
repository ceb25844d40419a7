# from meta-pytorch/torchrec torchrec/distributed/embedding_lookup.py:1677 (same: :1760)
# The per-rank lookups live on different devices (cuda:0, cuda:1, ...) and are kept in a plain
# list on purpose; the mixin overrides state_dict/named_parameters/named_buffers to walk the
# list, so parameters() and state_dict() do include them.
from typing import List

import torch
from torch import nn


class MetaInferGroupedPooledEmbeddingsLookup(nn.Module):
    def __init__(self, num_embeddings: int, dim: int, device: torch.device) -> None:
        super().__init__()
        self.emb = nn.EmbeddingBag(num_embeddings, dim, device=device)


class InferGroupedLookupMixin:
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        destination = {} if destination is None else destination
        for rank_modules in self._embedding_lookups_per_rank:
            rank_modules.state_dict(destination=destination, prefix=prefix, keep_vars=keep_vars)
        return destination

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        for rank_modules in self._embedding_lookups_per_rank:
            yield from rank_modules.named_parameters(prefix, recurse)


class InferGroupedPooledEmbeddingsLookup(InferGroupedLookupMixin, nn.Module):
    def __init__(self, world_size: int, num_embeddings: int, dim: int) -> None:
        super().__init__()
        self._embedding_lookups_per_rank: List[MetaInferGroupedPooledEmbeddingsLookup] = []
        for rank in range(world_size):
            self._embedding_lookups_per_rank.append(
                MetaInferGroupedPooledEmbeddingsLookup(num_embeddings, dim, torch.device("cuda", rank))
            )

    def forward(self, features: List[torch.Tensor]) -> List[torch.Tensor]:
        return [lookup.emb(f) for lookup, f in zip(self._embedding_lookups_per_rank, features)]
