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


ZERO_GRAD = (
    "import torch\n"
    "def no_backward(model, loader, optimizer):\n"
    "    for x in loader:\n"
    "        optimizer.step()\n"  # no backward() in the loop: not a training loop
    "def gan(model, loader, opt_g, opt_d):\n"
    "    for x in loader:\n"
    "        opt_g.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "        opt_g.step()\n"
    "        opt_d.step()\n"  # 10: only opt_g's gradients are cleared
    "def amp(model, loader, optimizer, scaler, use_amp):\n"
    "    for x in loader:\n"
    "        if use_amp:\n"
    "            optimizer.zero_grad()\n"
    "            scaler.scale(model(x).sum()).backward()\n"
    "            scaler.step(optimizer)\n"
    "            scaler.update()\n"
    "        else:\n"
    "            model(x).sum().backward()\n"
    "            optimizer.step()\n"  # 20: cleared in the other branch only
    "def nested(model, loader, optimizer):\n"
    "    for x in loader:\n"
    "        model(x).sum().backward()\n"
    "        for _ in range(2):\n"
    "            optimizer.step()\n"  # 25: the loop with the backward() is the outer one
    "def accumulate_per_epoch(model, loader, optimizer):\n"
    "    for epoch in range(3):\n"
    "        optimizer.zero_grad()\n"
    "        for i, x in enumerate(loader):\n"
    "            model(x).sum().backward()\n"
    "            if i == 2:\n"
    "                optimizer.step()\n"  # accumulation: cleared once per epoch
    "def cleared_once(model, loader, optimizer):\n"
    "    optimizer.zero_grad()\n"
    "    for x in loader:\n"
    "        model(x).sum().backward()\n"
    "        optimizer.step()\n"  # 37: cleared before the loop only, and the step is not conditional
)


def test_missing_zero_grad() -> None:
    rule = get_rule("missing-zero-grad")
    assert (rule.code, rule.group, rule.severity, rule.fix, rule.default, rule.summary) == (
        "TW101", "training", "warning", "unsafe", True,
        "A training loop calls backward() and optimizer.step() but never clears the gradients.",
    )
    findings = lint_source(ZERO_GRAD, "s.py", rules=[rule])
    never = ("Gradients are never cleared in this loop: `optimizer.step()` applies gradients that keep "
             "accumulating across iterations; call `optimizer.zero_grad()` once per step (before the next backward())")
    insert = ("unsafe", "Insert optimizer.zero_grad() at the start of the loop")
    assert [(f.line, f.col, f.end_line, f.end_col, f.message, (f.fix.applicability, f.fix.message)) for f in findings] == [
        (10, 8, 10, 20, "This loop clears the gradients of `opt_g` only, not those of `opt_d`: `opt_d.step()` applies "
                        "gradients that keep accumulating across iterations; call `opt_d.zero_grad()` once per step too",
         ("unsafe", "Insert opt_d.zero_grad() at the start of the loop")),
        (20, 12, 20, 28, "Gradients are cleared only in another branch (line 14): on this path `optimizer.step()` "
                         "applies gradients that keep accumulating across iterations; call `optimizer.zero_grad()` "
                         "on this path too (or once at the top of the loop)", insert),
        (25, 12, 25, 28, never, insert),
        (37, 8, 37, 24, never, insert),
    ]
    fixed, applied, _ = fix_source(ZERO_GRAD, "s.py", [rule], unsafe=True)
    assert applied == 4
    lines = fixed.split("\n")
    assert [lines[6], lines[13], lines[24], lines[38]] == [
        "        opt_d.zero_grad()", "        optimizer.zero_grad()", "        optimizer.zero_grad()",
        "        optimizer.zero_grad()"]
    assert [lines[5], lines[12], lines[23], lines[37]] == ["    for x in loader:"] * 4
    assert len(lines) == len(ZERO_GRAD.split("\n")) + 4
    assert fix_source(ZERO_GRAD, "s.py", [rule])[1] == 0  # an unsafe fix needs --unsafe-fixes
