"""A sample of rules checked to the character (declaration, findings, message, fix): written
to kill the survivors of scripts/mutation.sh on each rule's lines that the generic fixture
tests (tests/test_lint_fixtures.py) leave alive. Behaviour only: findings and fixes."""

from __future__ import annotations

from torchwise.lint.engine import get_rule, lint_source
from torchwise.lint.fix import fix_source

CHECKPOINT = (
    "import torch\n"
    "from torch.utils.checkpoint import checkpoint, checkpoint_sequential\n"
    "def f(x): return x\n"
    "a = checkpoint(f, 1, use_reentrant=True)\n"  # explicit: fine
    "b = checkpoint_sequential([f], 2, 3, False)\n"  # use_reentrant passed positionally: fine
    "c = mystery.checkpoint(f)\n"  # not torch's
    "d = checkpoint(f, 1, **kw)\n"  # may be in **kw
    "e = checkpoint(f, 1)\n"
    "g = checkpoint_sequential([f], 2, 3)\n"
)
TAIL = (" without `use_reentrant`: PyTorch warns (and plans to raise) when it is omitted. Pass "
        "`use_reentrant=False` (recommended), or `use_reentrant=True` to keep today's default behaviour.")


def test_checkpoint_without_use_reentrant() -> None:
    rule = get_rule("checkpoint-without-use-reentrant")
    assert (rule.code, rule.group, rule.severity, rule.fix, rule.default, rule.summary) == (
        "TW804", "deprecated", "warning", "unsafe", True,
        "`torch.utils.checkpoint` without an explicit `use_reentrant`.",
    )
    findings = lint_source(CHECKPOINT, "s.py", rules=[rule])
    fix = ("unsafe", "Add `use_reentrant=False` (the recommended variant)")
    assert [(f.line, f.col, f.end_line, f.end_col, f.message, (f.fix.applicability, f.fix.message)) for f in findings] == [
        (8, 4, 8, 20, "`checkpoint`" + TAIL, fix),
        (9, 4, 9, 36, "`checkpoint_sequential`" + TAIL, fix),
    ]
    fixed, applied, _ = fix_source(CHECKPOINT, "s.py", [rule], unsafe=True)
    assert applied == 2
    assert fixed.splitlines()[7:] == ["e = checkpoint(f, 1, use_reentrant=False)",
                                      "g = checkpoint_sequential([f], 2, 3, use_reentrant=False)"]
    assert fix_source(CHECKPOINT, "s.py", [rule])[1] == 0  # an unsafe fix needs --unsafe-fixes
