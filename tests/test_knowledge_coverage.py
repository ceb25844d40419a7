"""bench/knowledge_coverage.py counts what hover would answer, the way hover resolves names."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _coverage_module():
    spec = importlib.util.spec_from_file_location("knowledge_coverage", ROOT / "bench" / "knowledge_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = """\
import torch
import torch.nn as nn
from torchvision import transforms as T

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return torch.special.erfcx(self.fc(x)).view(-1)

tf = T.Compose([T.ToTensor()])
opt = torch.optim.AdamW(Net().parameters())
opt.zero_grad()
"""


def test_uses_are_resolved_like_hover(tmp_path: Path):
    cov = _coverage_module()
    (tmp_path / "train.py").write_text(SOURCE)
    uses = cov.uses_in_file(tmp_path / "train.py")
    assert uses["torch.nn.Linear"] == 1 and uses["torch.nn.Module"] == 1
    assert uses["torchvision.transforms.Compose"] == 1 and uses["torchvision.transforms.ToTensor"] == 1
    assert uses["torch.special.erfcx"] == 1
    assert uses["torch.optim.Optimizer.zero_grad"] == 1  # an inferred instance's inherited method
    assert "torch.nn" not in uses and "torch" not in uses  # inner parts of chains and imports are not uses


def test_measure_splits_curated_runtime_and_unanswered(tmp_path: Path):
    pytest.importorskip("torch")
    cov = _coverage_module()
    (tmp_path / "train.py").write_text(SOURCE + "T.NotATransform()\n")
    result = cov.measure(tmp_path, sys.executable, missing=10)
    missing = {name: runtime for name, _, runtime in result["missing"]}
    assert missing == {"torch.special.erfcx": True, "torchvision.transforms.NotATransform": False}
    curated_share = 100 * (result["uses"] - 2) / result["uses"]
    assert result["curated"][0] == pytest.approx(curated_share)
    assert result["answered"][0] == pytest.approx(100 * (result["uses"] - 1) / result["uses"])
