"""lint/noqa.py to the column: exact findings, messages and fix edits of unused-noqa (TW002) and
the parsing of file-level comments; written to kill the mutants tests/test_lint_noqa.py left alive
(scripts/mutation.sh lint/noqa.py)."""

from __future__ import annotations

import pytest

from torchwise.lint.base import Edit
from torchwise.lint.engine import get_rule, lint_source, select_rules
from torchwise.lint.fix import fix_source
from torchwise.lint.noqa import file_noqa, file_suppressed

RULES = [*select_rules(), get_rule("unused-noqa")]

SOURCE = (
    "import torch\n"
    "# torchwise: noqa: TW9998\n"  # file level: not a line noqa, never reported
    "x = torch.ones(2)  # NOQA : no-grad-not-entered,TW404 # why\n"
    "y = 1  #noqa:tw9999\n"
    "torch.no_grad()  # noqa: TW107 TW404\n"
)


def _found(source: str):
    return [(f.rule.code, f.line, f.col, f.end_line, f.end_col, f.message, f.fix.applicability, f.fix.message,
             f.fix.edits) for f in lint_source(source, "s.py", rules=RULES)]  # fmt: skip


def test_unused_noqa_findings_to_the_column() -> None:
    assert _found(SOURCE) == [
        ("TW002", 3, 19, 3, 53,
         "Noqa code(s) unused (nothing to suppress on this line): no-grad-not-entered (TW107), TW404 (deprecated-cuda-amp)",
         "safe", "Remove the noqa comment", (Edit(3, 19, 3, 54, ""),)),  # and the space after it
        ("TW002", 4, 7, 4, 19, "Noqa code(s) unknown: tw9999", "safe", "Remove the noqa comment",
         (Edit(4, 5, 4, 19, ""),)),  # ends the line: with the spaces before it
        ("TW002", 5, 17, 5, 36, "Noqa code(s) unused (nothing to suppress on this line): TW404 (deprecated-cuda-amp)",
         "safe", "Remove the unused noqa code(s)", (Edit(5, 25, 5, 36, "TW107"),)),
    ]  # fmt: skip
    fixed, applied, remaining = fix_source(SOURCE, "s.py", RULES)
    assert (applied, remaining) == (3, [])
    assert fixed == ("import torch\n# torchwise: noqa: TW9998\nx = torch.ones(2)  # why\ny = 1\n"
                     "torch.no_grad()  # noqa: TW107\n")  # fmt: skip


def test_both_unused_and_unknown_in_one_comment_and_a_second_comment_on_the_line() -> None:
    source = "import torch\nz = 2  # noqa: TW404, TW9999, E501  # noqa: missing-eval\n"
    assert _found(source) == [
        ("TW002", 2, 7, 2, 34,
         "Noqa code(s) unused (nothing to suppress on this line): TW404 (deprecated-cuda-amp); unknown: TW9999",
         "safe", "Remove the unused noqa code(s)", (Edit(2, 15, 2, 34, "E501"),)),
        ("TW002", 2, 36, 2, 56, "Noqa code(s) unused (nothing to suppress on this line): missing-eval (TW104)",
         "safe", "Remove the noqa comment", (Edit(2, 34, 2, 56, ""),)),
    ]  # fmt: skip
    fixed, applied, _ = fix_source(source, "s.py", RULES)
    assert (fixed, applied) == ("import torch\nz = 2  # noqa: E501\n", 2)


def test_a_bare_noqa_first_then_codes_of_which_two_stay() -> None:
    source = "w = 3  # noqa  # noqa: TW9999, TW9998, E501, W291\n"
    assert _found(source) == [
        ("TW002", 1, 15, 1, 49, "Noqa code(s) unknown: TW9999, TW9998", "safe", "Remove the unused noqa code(s)",
         (Edit(1, 23, 1, 49, "E501, W291"),)),
    ]  # fmt: skip
    assert fix_source(source, "s.py", RULES)[0] == "w = 3  # noqa  # noqa: E501, W291\n"


def test_a_used_noqa_then_an_unknown_code_on_the_same_line() -> None:
    source = "import torch\ntorch.no_grad()  # noqa: TW107  # noqa: TW9999\n"
    assert [(f[1], f[2], f[5]) for f in _found(source)] == [(2, 32, "Noqa code(s) unknown: TW9999")]


def test_nothing_to_report() -> None:
    used = "import torch\ntorch.no_grad()  # noqa: TW107\n"
    assert _found(used) == []
    assert _found(used.replace("TW107", "no-grad-not-entered")) == []
    assert _found("x = 1  # noqa: E501, F401\ny = 2  # noqa\n") == []  # other tools' codes, bare noqa
    assert _found("x = 1  # no qa: TW107\n") == []
    assert _found("x = 1\n") == []


def test_a_code_of_a_rule_that_is_not_selected_is_not_unused() -> None:
    rules = [get_rule("unused-noqa")]  # TW107 exists but does not run: it might suppress something
    assert [f.message for f in lint_source("x = 1  # noqa: TW107, TW9999\n", "s.py", rules=rules)] == [
        "Noqa code(s) unknown: TW9999"
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\n", None),
        ("x = 1  # torchwise is great\n", None),
        ("# torchwise: noqa\n", {"*"}),
        ("  #torchwise:noqa  \n", {"*"}),
        ("# TorchWise: NoQA: TW107, Missing-Eval  TW404\n", {"tw107", "missing-eval", "tw404"}),
        ("# torchwise: noqa: TW107\n# torchwise: noqa: TW404\n", {"tw107", "tw404"}),
        ("# torchwise: noqa: TW107\n# torchwise: noqa\n", {"tw107", "*"}),
        ("x = 1  # torchwise: noqa\n", None),  # trailing: not file level
        ("# torchwise: noqa: TW107 # why\n", None),
    ],
)
def test_file_noqa(source, expected) -> None:
    assert file_noqa(source) == expected


def test_file_suppressed_by_code_name_or_star() -> None:
    finding = lint_source("import torch\ntorch.no_grad()\n", "s.py", rules=select_rules())[0]
    assert finding.rule.code == "TW107"
    assert file_suppressed(finding, {"tw107"}) and file_suppressed(finding, {"no-grad-not-entered"})
    assert file_suppressed(finding, {"*"}) and file_suppressed(finding, {"tw404", "*"})
    assert not file_suppressed(finding, {"tw404", "missing-eval"}) and not file_suppressed(finding, set())
    assert not file_suppressed(finding, {"TW107"})  # the codes are lowercased by file_noqa
