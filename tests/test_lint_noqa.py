"""File-level ``# torchwise: noqa`` and the unused-noqa rule (TW002)."""

from __future__ import annotations

import textwrap

from torchwise.lint.engine import get_rule, lint_source, select_rules
from torchwise.lint.fix import fix_source

BAD = textwrap.dedent("""\
    import torch

    torch.no_grad()
    scaler = torch.cuda.amp.GradScaler()
""")


def codes(source: str, rules=None) -> list[str]:
    return [f.rule.code for f in lint_source(source, "s.py", rules=rules or select_rules())]


def test_file_level_noqa_silences_the_file_or_the_listed_rules() -> None:
    assert codes(BAD) == ["TW107", "TW404"]
    assert codes("# torchwise: noqa\n" + BAD) == []
    assert codes(BAD + "# TorchWise: NOQA\n") == []
    assert codes("# torchwise: noqa: TW107\n" + BAD) == ["TW404"]
    assert codes("# torchwise: noqa: no-grad-not-entered, TW404\n" + BAD) == []
    assert codes("# torchwise: noqa: TW404 deprecated-cuda-amp\n" + BAD) == ["TW107"]
    # only as a comment on a line of its own (a trailing one is neither file- nor line-level)
    assert codes(BAD.replace("torch.no_grad()", "torch.no_grad()  # torchwise: noqa")) == ["TW107", "TW404"]


def test_unused_noqa_reports_and_fixes_codes_that_suppress_nothing() -> None:
    source = textwrap.dedent("""\
        import torch

        torch.no_grad()  # noqa: TW107
        x = torch.ones(2)  # noqa: TW107, E501
        y = x.sum()  # noqa: TW404, TW9999  # reason
        z = x.mean()  # noqa
    """)
    rules = [*select_rules(), get_rule("unused-noqa")]
    found = [f for f in lint_source(source, "s.py", rules=rules)]
    assert [(f.rule.code, f.line) for f in found] == [("TW002", 4), ("TW002", 5)]
    assert "TW107 (no-grad-not-entered)" in found[0].message
    assert "unknown: TW9999" in found[1].message and "TW404 (deprecated-cuda-amp)" in found[1].message
    assert all(f.fix.applicability == "safe" for f in found)
    fixed, applied, remaining = fix_source(source, "s.py", rules)
    assert applied == 2 and remaining == []
    assert fixed.splitlines()[3:5] == ["x = torch.ones(2)  # noqa: E501", "y = x.sum()  # reason"]
    assert "torch.no_grad()  # noqa: TW107" in fixed and "z = x.mean()  # noqa" in fixed
    assert not [f for f in lint_source(fixed, "s.py", rules=rules) if f.rule.code == "TW002"]


def test_unused_noqa_is_off_by_default_and_keeps_line_endings() -> None:
    assert get_rule("TW002") not in select_rules()
    source = "import torch\r\nx = torch.ones(2)  # noqa: TW107\r\ny = 1\r\n"
    rules = [*select_rules(), get_rule("unused-noqa")]
    fixed, applied, _ = fix_source(source, "s.py", rules)
    assert applied == 1 and fixed == "import torch\r\nx = torch.ones(2)\r\ny = 1\r\n"
