"""A sample of rules checked to the character (declaration, findings, message, fix): written
to kill the survivors of scripts/mutation.sh on each rule's lines that the generic fixture
tests (tests/test_lint_fixtures.py) leave alive. Behaviour only: findings and fixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    "def reset(o):\n"
    "    o.zero_grad()\n"
    "def gan_helper(model, loader, opt_g, opt_d):\n"  # a helper may clear opt_d's gradients: no finding
    "    for x in loader:\n"
    "        opt_g.zero_grad()\n"
    "        reset(opt_d)\n"
    "        model(x).sum().backward()\n"
    "        opt_g.step()\n"
    "        opt_d.step()\n"
    "def amp_helper(model, loader, optimizer, scaler, use_amp):\n"  # a helper clears on every path: no finding
    "    for x in loader:\n"
    "        reset(optimizer)\n"
    "        if use_amp:\n"
    "            optimizer.zero_grad()\n"
    "            scaler.scale(model(x).sum()).backward()\n"
    "            scaler.step(optimizer)\n"
    "            scaler.update()\n"
    "        else:\n"
    "            model(x).sum().backward()\n"
    "            optimizer.step()\n"
    "def by_binding(model, loader, opt_d):\n"
    "    first = torch.optim.SGD(model.parameters(), lr=0.1)\n"  # an optimizer by what it is bound to
    "    for x in loader:\n"
    "        first.zero_grad()\n"
    "        model(x).sum().backward()\n"
    "        first.step()\n"
    "        opt_d.step()\n"  # 64
    "def attribute(trainer, loader):\n"
    "    for x in loader:\n"
    "        trainer.model(x).sum().backward()\n"
    "        trainer.opt.step()\n"  # 68
    "def rebinding(model, loader):\n"
    "    for x in loader:\n"
    "        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "        model(x).sum().backward()\n"
    "        optimizer.step()\n"  # 73: rebound in the loop: no place to clear it
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
    assert [(f.line, f.col, f.end_line, f.end_col, f.message, f.fix and (f.fix.applicability, f.fix.message))
            for f in findings] == [
        (10, 8, 10, 20, "This loop clears the gradients of `opt_g` only, not those of `opt_d`: `opt_d.step()` applies "
                        "gradients that keep accumulating across iterations; call `opt_d.zero_grad()` once per step too",
         ("unsafe", "Insert opt_d.zero_grad() at the start of the loop")),
        (20, 12, 20, 28, "Gradients are cleared only in another branch (line 14): on this path `optimizer.step()` "
                         "applies gradients that keep accumulating across iterations; call `optimizer.zero_grad()` "
                         "on this path too (or once at the top of the loop)", insert),
        (25, 12, 25, 28, never, insert),
        (37, 8, 37, 24, never, insert),
        (64, 8, 64, 20, "This loop clears the gradients of `first` only, not those of `opt_d`: `opt_d.step()` applies "
                        "gradients that keep accumulating across iterations; call `opt_d.zero_grad()` once per step too",
         ("unsafe", "Insert opt_d.zero_grad() at the start of the loop")),
        (68, 8, 68, 26, never.replace("optimizer.", "trainer.opt."),
         ("unsafe", "Insert trainer.opt.zero_grad() at the start of the loop")),
        (73, 8, 73, 24, never, None),
    ]
    fixed, applied, _ = fix_source(ZERO_GRAD, "s.py", [rule], unsafe=True)
    assert applied == 6
    assert fixed[fixed.index("def by_binding"):].split("\n")[2:4] == ["    for x in loader:", "        opt_d.zero_grad()"]
    assert fixed[fixed.index("def attribute"):].split("\n")[1:3] == ["    for x in loader:", "        trainer.opt.zero_grad()"]
    assert fixed[fixed.index("def gan_helper"):fixed.index("def by_binding")] == ZERO_GRAD[
        ZERO_GRAD.index("def gan_helper"):ZERO_GRAD.index("def by_binding")]
    assert fixed.endswith(ZERO_GRAD[ZERO_GRAD.index("def rebinding"):])
    lines = fixed.split("\n")
    assert [lines[6], lines[13], lines[24], lines[38]] == [
        "        opt_d.zero_grad()", "        optimizer.zero_grad()", "        optimizer.zero_grad()",
        "        optimizer.zero_grad()"]
    assert [lines[5], lines[12], lines[23], lines[37]] == ["    for x in loader:"] * 4
    assert len(lines) == len(ZERO_GRAD.split("\n")) + 6
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


LOADERS = (
    "import torch\n"
    "from torch.utils.data import DataLoader\n"
    "from torch.utils.data.dataloader import DataLoader as FullLoader\n"
    "W = 3\n"
    "ds = list(range(8))\n"
    "def early():\n"  # a loader built in a function before the module-level ones
    "    return DataLoader(ds, num_workers=2)\n"
    "quiet = DataLoader(ds, num_workers=2)\n"
    "print(len(quiet), quiet)\n"  # looked at, not iterated
    "holder = type(\"H\", (), {})()\n"
    "holder.loader = DataLoader(ds, num_workers=2)\n"  # an attribute: not followed
    "annotated: DataLoader = DataLoader(ds, num_workers=4)\n"
    "batches = [batch for batch in annotated]\n"
    "def peek():\n"  # not run at import: no reason to keep the code outside
    "    return annotated\n"
    "x = 1; full = FullLoader(ds, num_workers=W)\n"  # statements sharing a line move together
    "y = 5\n"
    "total = sum(full) + y\n"
    "report = y\n"  # uses y: taken in with what it needs
    "import os; os_loader = DataLoader(ds, num_workers=2)\n"  # an import on the line: no fix
    "next(iter(os_loader))\n"
    "def consume(*args, **kwargs):\n"  # a definition ends what the fix takes in; called, no loader
    "    return args\n"
    "pair = DataLoader(ds, num_workers=2)\n"
    "consume(data=pair)\n"
    "consume(DataLoader(ds, num_workers=2))\n"
    "starred = DataLoader(ds, num_workers=2)\n"
    "consume(*starred)\n"
    "nested_list = list(\n"  # the loader on the statement's second line
    "    DataLoader(ds, num_workers=2))\n"
    "def aaa():\n"
    "    for batch in DataLoader(ds, num_workers=2):\n"
    "        pass\n"
    "aaa()\n"
    "def fit():\n"
    "    loader = DataLoader(ds, num_workers=2)\n"
    "    def helper():\n"  # a nested function before the loop
    "        pass\n"
    "    for batch in loader:\n"
    "        pass\n"
    "def train():\n"
    "    inner = DataLoader(ds, num_workers=2)\n"  # iterated only in a nested function and a lambda
    "    def nested():\n"
    "        for batch in inner:\n"
    "            pass\n"
    "    fn = lambda: list(inner)\n"
    "    return inner\n"
    "def twice():\n"
    "    loader = DataLoader(ds, num_workers=2)\n"
    "    return list(loader)\n"
    "train()\n"
    "fit()\n"
    "twice()\n"
    "twice()\n"  # called twice: no single place to guard
    "used_later = DataLoader(ds, num_workers=2)\n"
    "next(iter(used_later))\n"
    "def after():\n"
    "    return used_later\n"
    "print(used_later)\n"  # used again after a definition: no fix
    "for batch in DataLoader(ds, num_workers=2):\n"  # the module's last statement
    "    pass\n"
)
LOADERS_FIXED = [
    "import torch",
    "from torch.utils.data import DataLoader",
    "from torch.utils.data.dataloader import DataLoader as FullLoader",
    "W = 3",
    "ds = list(range(8))",
    "def early():",
    "    return DataLoader(ds, num_workers=2)",
    "quiet = DataLoader(ds, num_workers=2)",
    "print(len(quiet), quiet)",
    "holder = type(\"H\", (), {})()",
    "holder.loader = DataLoader(ds, num_workers=2)",
    "if __name__ == \"__main__\":",
    "    annotated: DataLoader = DataLoader(ds, num_workers=4)",
    "    batches = [batch for batch in annotated]",
    "def peek():",
    "    return annotated",
    "if __name__ == \"__main__\":",
    "    x = 1; full = FullLoader(ds, num_workers=W)",
    "    y = 5",
    "    total = sum(full) + y",
    "    report = y",
    "import os; os_loader = DataLoader(ds, num_workers=2)",
    "next(iter(os_loader))",
    "def consume(*args, **kwargs):",
    "    return args",
    "if __name__ == \"__main__\":",
    "    pair = DataLoader(ds, num_workers=2)",
    "    consume(data=pair)",
    "if __name__ == \"__main__\":",
    "    consume(DataLoader(ds, num_workers=2))",
    "if __name__ == \"__main__\":",
    "    starred = DataLoader(ds, num_workers=2)",
    "    consume(*starred)",
    "if __name__ == \"__main__\":",
    "    nested_list = list(",
    "        DataLoader(ds, num_workers=2))",
    "def aaa():",
    "    for batch in DataLoader(ds, num_workers=2):",
    "        pass",
    "if __name__ == \"__main__\":",
    "    aaa()",
    "def fit():",
    "    loader = DataLoader(ds, num_workers=2)",
    "    def helper():",
    "        pass",
    "    for batch in loader:",
    "        pass",
    "def train():",
    "    inner = DataLoader(ds, num_workers=2)",
    "    def nested():",
    "        for batch in inner:",
    "            pass",
    "    fn = lambda: list(inner)",
    "    return inner",
    "def twice():",
    "    loader = DataLoader(ds, num_workers=2)",
    "    return list(loader)",
    "train()",
    "if __name__ == \"__main__\":",
    "    fit()",
    "twice()",
    "twice()",
    "used_later = DataLoader(ds, num_workers=2)",
    "next(iter(used_later))",
    "def after():",
    "    return used_later",
    "print(used_later)",
    "if __name__ == \"__main__\":",
    "    for batch in DataLoader(ds, num_workers=2):",
    "        pass",
]
WORKERS_TAIL = (" worker processes from code that runs at import time. Where workers are started by spawning "
                "(Windows, macOS; forkserver on Linux with Python 3.14+), each worker re-imports this file and runs "
                "this code again, which fails with a RuntimeError. Move the training code into a function called "
                "under `if __name__ == \"__main__\":`.")


def test_dataloader_workers_without_main_guard() -> None:
    rule = get_rule("dataloader-workers-without-main-guard")
    assert (rule.code, rule.group, rule.severity, rule.fix, rule.default, rule.summary) == (
        "TW701", "data", "error", "unsafe", True,
        "A DataLoader with worker processes is iterated by import-time code with no "
        "`if __name__ == \"__main__\":` guard.",
    )
    findings = lint_source(LOADERS, "s.py", rules=[rule])
    at_import = "This DataLoader starts 2" + WORKERS_TAIL
    guard = ("unsafe", 'Move the code that starts the workers under if __name__ == "__main__":')
    assert [(f.line, f.col, f.end_line, f.end_col, f.message, f.fix and (f.fix.applicability, f.fix.message))
            for f in findings] == [
        (12, 24, 12, 53, "This DataLoader starts 4" + WORKERS_TAIL, guard),
        (16, 14, 16, 43, "This DataLoader starts `W`" + WORKERS_TAIL, guard),
        (20, 23, 20, 52, at_import, None),
        (24, 7, 24, 36, at_import, guard),
        (26, 8, 26, 37, at_import, guard),
        (27, 10, 27, 39, at_import, guard),
        (30, 4, 30, 33, at_import, guard),
        (32, 17, 32, 46, at_import.replace("from code that runs", "in `aaa()`, which this file calls"), guard),
        (36, 13, 36, 42, at_import.replace("from code that runs", "in `fit()`, which this file calls"), guard),
        (49, 13, 49, 42, at_import.replace("from code that runs", "in `twice()`, which this file calls"), None),
        (55, 13, 55, 42, at_import, None),
        (60, 13, 60, 42, at_import, guard),
    ]
    fixed, applied, _ = fix_source(LOADERS, "s.py", [rule], unsafe=True)
    assert applied == 9
    assert fixed.split("\n") == [*LOADERS_FIXED, ""]
    assert fix_source(LOADERS, "s.py", [rule])[1] == 0  # an unsafe fix needs --unsafe-fixes


LOADER_FIRST = (
    "x = 1; loader = DataLoader(range(8), num_workers=2)\n"  # the module's first statement (imports come later)
    "for batch in loader:\n"
    "    pass\n"
    "t = (1,\n"
    "     2); again = DataLoader(range(8), num_workers=2)\n"  # a statement ending on the loader's line moves too
    "for batch in again:\n"
    "    pass\n"
    "from torch.utils.data import DataLoader\n"
)


def test_main_guard_fix_takes_every_statement_on_the_loaders_line() -> None:
    rule = get_rule("dataloader-workers-without-main-guard")
    assert [(f.line, f.fix is not None) for f in lint_source(LOADER_FIRST, "s.py", rules=[rule])] == [(1, True), (5, True)]
    fixed, applied, _ = fix_source(LOADER_FIRST, "s.py", [rule], unsafe=True)
    assert applied == 2
    assert fixed.split("\n") == [
        'if __name__ == "__main__":', "    x = 1; loader = DataLoader(range(8), num_workers=2)", "    for batch in loader:",
        "        pass",
        'if __name__ == "__main__":', "    t = (1,", "         2); again = DataLoader(range(8), num_workers=2)",
        "    for batch in again:", "        pass",
        "from torch.utils.data import DataLoader", ""]


@pytest.mark.parametrize(("after", "fixed"), [
    ("def show():\n    return first\n", True),  # a function's body runs later, when called
    ("def show(batch=first):\n    return batch\n", False),  # defaults, decorators, annotations run at import
    ("def show(batch=first.shape):\n    return batch\n", False),
    ("async def show(*, batch=first):\n    return batch\n", False),
    ("@first\ndef show():\n    pass\n", False),
    ("def show(batch: first, /):\n    pass\n", False),
    ("def show(batch: first):\n    pass\n", False),
    ("def show(*batch: first):\n    pass\n", False),
    ("def show(*, batch: first):\n    pass\n", False),
    ("def show(**batch: first):\n    pass\n", False),
    ("def show() -> first:\n    pass\n", False),
    ("class Config:\n    size = len(loader)\n", False),  # a class body runs at import
    # after a definition: an augmented assignment reads its target; a line's second statement is read too
    ("def show():\n    pass\nfirst += 1\n", False),
    ("def show():\n    pass\nx = 1; y = [first]\n", False),
    ("def show():\n    pass\nfirst = 2; first += 1\n", False),
])
def test_main_guard_fix_keeps_what_definitions_read_at_import(after: str, fixed: bool) -> None:
    rule = get_rule("dataloader-workers-without-main-guard")
    source = ("from torch.utils.data import DataLoader\nloader = DataLoader(range(8), num_workers=2)\n"
              "first = next(iter(loader))\n" + after)
    (finding,) = lint_source(source, "s.py", rules=[rule])
    assert finding.line == 2 and (finding.fix is not None) == fixed
    if fixed:
        new, applied, _ = fix_source(source, "s.py", [rule], unsafe=True)
        assert applied == 1
        assert new.split("\n")[:4] == ["from torch.utils.data import DataLoader", 'if __name__ == "__main__":',
                                       "    loader = DataLoader(range(8), num_workers=2)", "    first = next(iter(loader))"]
