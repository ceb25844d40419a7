# from idiap/fast-transformers tests/recurrent/attention/cross_attention/test_full_attention.py:45
# (class: fast_transformers/recurrent/attention/cross_attention/full_attention.py)
# The module has no parameters (a Dropout and a plain-object event dispatcher) and
# q, k, v come from torch.rand: autograd records nothing in the loop. What matters:
# `self.event_dispatcher = EventDispatcher.get(...)`; without it nothing is reported.
import unittest
import torch
from torch.nn import Dropout, Module


class EventDispatcher(object):
    @classmethod
    def get(cls, key=""):
        return key if isinstance(key, cls) else cls()


class RecurrentCrossFullAttention(Module):
    def __init__(self, attention_dropout=0.1, event_dispatcher=""):
        super(RecurrentCrossFullAttention, self).__init__()
        self.dropout = Dropout(attention_dropout)
        self.event_dispatcher = EventDispatcher.get(event_dispatcher)

    def forward(self, query, keys, values, state=None):
        QK = torch.einsum("nhe,nshe->nsh", query, keys)
        A = self.dropout(torch.softmax(QK, dim=1))
        return torch.einsum("nsh,nshd->nhd", A, values), [keys, values]


class TestRecurrentCrossFullAttention(unittest.TestCase):
    def test_correctness(self):
        q, k, v = torch.rand(10, 42, 4, 25), torch.rand(10, 100, 4, 25), torch.rand(10, 100, 4, 64)
        att = RecurrentCrossFullAttention()
        att.eval()
        outs, state = [], None
        for i in range(42):
            vi, state = att(q[:, i], k, v, state=state)
            outs.append(vi)
        self.assertEqual(list(att.parameters()), [])
        self.assertFalse(torch.stack(outs, dim=1).requires_grad)  # nothing recorded
