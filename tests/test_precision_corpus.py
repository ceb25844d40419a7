"""The reviewed precision corpus (tests/precision_corpus.json): verdicts on findings in
real training code. Checks the list is well formed and that the rules are right on at
least 96 % of the findings they still report there."""

from __future__ import annotations

import json
import re
from pathlib import Path

from torchwise.lint.engine import all_rules

CORPUS = Path(__file__).parent / "precision_corpus.json"


def test_entries_are_well_formed_and_name_real_rules() -> None:
    names = {r.name for r in all_rules()}
    findings = json.loads(CORPUS.read_text())["findings"]
    assert findings
    for f in findings:
        assert set(f) == {"repo", "commit", "path", "line", "rule", "verdict", "note"}, f
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", f["repo"]) and re.fullmatch(r"[0-9a-f]{40}", f["commit"])
        assert f["rule"] in names and isinstance(f["line"], int) and f["line"] > 0
        assert f["verdict"] in ("right", "wrong", "wrong (mended)") and f["note"]


def test_precision_on_reviewed_findings_is_at_least_96_percent() -> None:
    findings = [f for f in json.loads(CORPUS.read_text())["findings"] if f["verdict"] != "wrong (mended)"]
    right = sum(f["verdict"] == "right" for f in findings)
    assert right / len(findings) >= 0.96, (right, len(findings))
