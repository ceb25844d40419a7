"""How much of a project ``options.predates`` parses: each module once per revision, however
many importers of a common module name walk the same imports (R1ck29's Kaggle repository
bundles timm 0.1.30, whose ``helpers.py`` some thirty modules import: one ``torch.load``
there re-parsed the package thousands of times, over a minute for one file). Counted, not
timed."""

from __future__ import annotations

from torchwise.lint import pool
from torchwise.lint.engine import lint_source, project_context, select_rules
from torchwise.project import model as project_model


def test_predates_parses_each_module_of_a_package_once(tmp_path, monkeypatch) -> None:
    package = tmp_path / "lib"
    package.mkdir()
    (package / "__init__.py").write_text("from . import compat, helpers\n")
    (package / "helpers.py").write_text("import torch\n\n\ndef load(path):\n    return torch.load(path)\n")
    (package / "compat.py").write_text("from torch._six import inf\n")  # (removed in torch 2.0)
    count = 60
    for i in range(count):  # each imports helpers and a few siblings, as a model zoo's modules do
        siblings = "".join(f"from . import m{j}\n" for j in (i + 1, i + 2, i + 3) if j < count)
        (package / f"m{i}.py").write_text(f"from . import compat, helpers\n{siblings}\n\n"
                                          f"def build{i}():\n    return helpers.load('w')\n")
    built = []
    real = project_model.build_analysis

    def counting(*args, **kwargs):
        built.append(args[1] if len(args) > 1 else kwargs.get("path"))
        return real(*args, **kwargs)

    monkeypatch.setattr(project_model, "build_analysis", counting)
    target = package / "helpers.py"
    with project_context(pool.project_for([str(tmp_path)])):
        found = lint_source(target.read_text(), str(target), rules=select_rules(["torch-load-without-weights-only"]))
    assert [f.line for f in found] == [5]
    assert len(built) <= count + 3, f"{len(built)} analyses built for {count + 3} modules"
