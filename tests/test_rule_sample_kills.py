"""A sample of rules checked to the character (declaration, findings, message, fix): written
to kill the survivors of scripts/mutation.sh on each rule's lines that the generic fixture
tests (tests/test_lint_fixtures.py) leave alive. Behaviour only: findings and fixes."""

from __future__ import annotations

import json
from pathlib import Path

from torchwise.cli import main
from torchwise.lint.engine import get_rule, lint_source
from torchwise.lint.fix import fix_source

PROJECTS = Path(__file__).parent / "lint_projects"

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


SOFTMAX_CE = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "from torch import nn\n"
    "from torch.nn.modules.loss import CrossEntropyLoss\n"
    "logits = torch.randn(8, 5)\n"
    "target = torch.randint(0, 5, (8,))\n"
    "criterion = nn.CrossEntropyLoss()\n"
    "full = CrossEntropyLoss()\n"  # the class by its defining module's name
    "a = F.cross_entropy(logits, target)\n"  # raw logits: fine, and the file goes on
    "b = F.cross_entropy(F.softmax(logits, dim=1), target)\n"
    "probs = torch.softmax(logits, dim=-1)\n"
    "c = criterion(probs, target)\n"
    "d = full(logits.softmax(dim=1), target)\n"
    "probs2 = torch.softmax(logits, dim=-1)\n"
    "logits = logits * 2\n"  # rebound: passing `logits` at line 16 would pass other values
    "e = criterion(probs2, target)\n"
)
CE_TAIL = ": the loss is computed on squashed probabilities and learns slowly; pass the raw logits (drop the softmax)"


def test_softmax_before_cross_entropy() -> None:
    rule = get_rule("softmax-before-cross-entropy")
    assert (rule.code, rule.group, rule.severity, rule.fix, rule.default, rule.summary) == (
        "TW201", "losses", "error", "unsafe", True,
        "cross_entropy / CrossEntropyLoss get softmax output, but they expect raw logits.",
    )
    findings = lint_source(SOFTMAX_CE, "s.py", rules=[rule])
    inline = ("unsafe", "Pass the logits instead of their softmax")
    already = "` applies log-softmax itself, but its input is already a softmax"
    assert [(f.line, f.col, f.end_line, f.end_col, f.message, f.fix and (f.fix.applicability, f.fix.message))
            for f in findings] == [
        (10, 20, 10, 44, "`cross_entropy" + already + CE_TAIL, inline),
        (12, 14, 12, 19, "`CrossEntropyLoss" + already + " (line 11)" + CE_TAIL,
         ("unsafe", "Pass logits (the logits) instead of their softmax")),
        (13, 9, 13, 30, "`CrossEntropyLoss" + already + CE_TAIL, inline),
        (16, 14, 16, 20, "`CrossEntropyLoss" + already + " (line 14)" + CE_TAIL, None),
    ]
    fixed, applied, _ = fix_source(SOFTMAX_CE, "s.py", [rule], unsafe=True)
    assert applied == 3
    assert fixed.split("\n")[9:16] == [
        "b = F.cross_entropy(logits, target)", "probs = torch.softmax(logits, dim=-1)", "c = criterion(logits, target)",
        "d = full(logits, target)", "probs2 = torch.softmax(logits, dim=-1)", "logits = logits * 2",
        "e = criterion(probs2, target)"]
    assert fix_source(SOFTMAX_CE, "s.py", [rule])[1] == 0  # an unsafe fix needs --unsafe-fixes


def test_softmax_in_another_module_is_named_with_its_module(capsys, monkeypatch) -> None:
    monkeypatch.chdir(PROJECTS / "softmax_model_elsewhere")
    main(["check", "--isolated", "--exit-zero", "--output-format", "json-lines", "."])
    (finding,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (finding["line"], finding["name"], finding["fix"]) == (13, "softmax-before-cross-entropy", None)
    assert finding["message"] == "`CrossEntropyLoss" + (
        "` applies log-softmax itself, but its input is already a softmax (nets.classifier, line 13)") + CE_TAIL
