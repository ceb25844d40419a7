"""The project model in process: module resolution (multi-root, src layouts, namespace
packages), summaries as plain data, cycles that terminate, content-hash caching."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from torchwise.analysis import Value
from torchwise.project import Project


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def resolve(project: Project, path: Path, text: str, needle: str, offset: int = 0) -> Value | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    analysis = project.analysis_for(path.as_uri(), text)
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1)
    return analysis.resolve(analysis.node_at(line, col))


def count_parses(monkeypatch) -> list[str]:
    """The names of the files the project parses from now on, in order."""
    import torchwise.project.model as model

    parsed: list[str] = []
    real = model.build_analysis

    def counting(text, path="<unknown>", *args, **kwargs):
        parsed.append(Path(path).name)
        return real(text, path, *args, **kwargs)

    monkeypatch.setattr(model, "build_analysis", counting)
    return parsed


def test_multi_root_src_layout_and_namespace_packages(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, {"src/lib/layers.py": "import torch.nn as nn\nblock = nn.GRU(2, 2)\n"})
    write(two, {"tools/deep/util.py": "import torch.nn as nn\nact = nn.GELU()\n", "torch/fake.py": "x = 1\n"})
    project = Project([str(one), str(two)])
    resolver = project.resolver
    assert resolver.module_of(one / "src/lib/layers.py") == "lib.layers"
    assert resolver.find("tools.deep").is_dir()  # a namespace package
    assert resolver.find("torch") is None  # torch never comes from the workspace
    text = "from lib.layers import block\nfrom tools.deep import util\nblock.flatten_parameters\nutil.act\n"
    assert resolve(project, two / "main.py", text, "block.flatten", 6) == Value(
        "symbol", "torch.nn.GRU.flatten_parameters")
    assert resolve(project, two / "main.py", text, "util.act", 5) == Value("instance", "torch.nn.GELU")


def test_a_src_folder_with_an_init_is_a_package_not_a_layout(tmp_path: Path) -> None:
    """Research code often keeps its modules in a package called ``src`` and imports them
    as ``src.x`` (youyuge34/Anime-InPainting): the file has that one name, so what a script
    calls through ``src.x`` is what ``x``'s own functions are asked about."""
    write(tmp_path, {"src/__init__.py": "", "src/nets.py": "import torch.nn as nn\nact = nn.GELU()\n",
                     "other/src/lib/x.py": "y = 1\n"})
    project = Project([str(tmp_path), str(tmp_path / "other")])
    assert project.resolver.module_of(tmp_path / "src" / "nets.py") == "src.nets"
    assert project.resolver.module_of(tmp_path / "other" / "src" / "lib" / "x.py") == "lib.x"  # a layout's
    text = "from src.nets import act\nact\n"
    assert resolve(project, tmp_path / "main.py", text, "\nact\n", 1) == Value("instance", "torch.nn.GELU")


def test_an_import_the_roots_lack_is_found_beside_the_importing_file(tmp_path: Path) -> None:
    """``python scripts/run.py`` puts ``scripts/`` first on ``sys.path``: ``import helpers``
    there is ``scripts/helpers.py``, named as the root names it. A module of the root keeps
    its meaning (run as ``python -m scripts.run`` it is the root's)."""
    write(tmp_path, {
        "scripts/helpers.py": "import torch.nn as nn\nact = nn.GELU()\n",
        "scripts/common.py": "import torch.nn as nn\nact = nn.GELU()\n",
        "common.py": "import torch.nn as nn\nact = nn.ReLU()\n",
    })
    project = Project([str(tmp_path)])
    text = "import helpers\nfrom common import act\nhelpers.act\nact\n"
    script = tmp_path / "scripts" / "run.py"
    assert resolve(project, script, text, "helpers.act", 9) == Value("instance", "torch.nn.GELU")
    assert resolve(project, script, text, "\nact\n", 1) == Value("instance", "torch.nn.ReLU")
    elsewhere = tmp_path / "elsewhere" / "run.py"  # no helpers there: the name as written
    assert resolve(project, elsewhere, text, "helpers.act", 9) == Value("symbol", "helpers.act")


def test_a_package_module_imports_its_own_package_through_the_folder_above(tmp_path: Path) -> None:
    """``lib/model/detector.py`` importing ``model.heads`` runs with ``lib/`` on ``sys.path``
    (ignacio-rocco/detectorch): the file's own package, when that module of it exists. A
    standard module's name stays the standard module's (``json.decoder`` in ``lib/json/``)."""
    write(tmp_path, {
        "lib/__init__.py": "", "lib/model/__init__.py": "",
        "lib/model/heads.py": "import torch.nn as nn\nact = nn.GELU()\n",
        "lib/json/__init__.py": "", "lib/json/decoder.py": "import torch.nn as nn\nact = nn.GELU()\n",
    })
    project = Project([str(tmp_path)])
    text = "from model.heads import act\nfrom json.decoder import JSONDecoder\nact\nJSONDecoder\n"
    assert resolve(project, tmp_path / "lib" / "model" / "detector.py", text, "\nact\n", 1) == Value(
        "instance", "torch.nn.GELU")
    assert resolve(project, tmp_path / "lib" / "json" / "codec.py", text, "\nJSONDecoder\n", 1) == Value(
        "symbol", "json.decoder.JSONDecoder")


def test_a_constructor_parameter_has_what_the_class_calls_pass_or_its_default(tmp_path: Path) -> None:
    """``Trainer(loss_func=nn.CrossEntropyLoss())`` types ``__init__``'s ``loss_func`` (IBM's
    dstc-noesis keeps it on ``self``); a call that leaves it out passes its default; a subclass
    passes its own through ``super().__init__``: what it hands up counts too (a parameter of its
    own, typed by its constructions in turn), and one passing another loss leaves it unknown."""
    trainer = (
        "import torch.nn as nn\n\n\nclass Trainer:\n"
        "    def __init__(self, loss_func=nn.CrossEntropyLoss(), steps=1):\n"
        "        self.loss_func = loss_func\n        loss_func.reduction\n"
    )
    write(tmp_path, {"trainer.py": trainer,
                     "run.py": "import torch.nn as nn\nfrom trainer import Trainer\n"
                               "Trainer(loss_func=nn.CrossEntropyLoss())\nTrainer(steps=2)\n"})
    project = Project([str(tmp_path)])
    assert resolve(project, tmp_path / "trainer.py", trainer, "loss_func.reduction", 10) == Value(
        "symbol", "torch.nn.CrossEntropyLoss.reduction")
    write(tmp_path, {"other.py": "from trainer import Trainer\n\n\nclass Mine(Trainer):\n    pass\n"})
    project = Project([str(tmp_path)])  # (never built: it hands up nothing)
    assert resolve(project, tmp_path / "trainer.py", trainer, "loss_func.reduction", 10) == Value(
        "symbol", "torch.nn.CrossEntropyLoss.reduction")
    write(tmp_path, {"other.py": "import torch.nn as nn\nfrom trainer import Trainer\n\n\nclass Mine(Trainer):\n"
                                 "    def __init__(self, loss):\n        super().__init__(loss_func=loss)\n\n\n"
                                 "Mine(nn.CrossEntropyLoss())\n"})
    project = Project([str(tmp_path)])  # (its own parameter, handed the same loss)
    assert resolve(project, tmp_path / "trainer.py", trainer, "loss_func.reduction", 10) == Value(
        "symbol", "torch.nn.CrossEntropyLoss.reduction")
    write(tmp_path, {"other.py": "import torch.nn as nn\nfrom trainer import Trainer\n\n\nclass Mine(Trainer):\n"
                                 "    def __init__(self):\n        super().__init__(nn.NLLLoss())\n"})
    project = Project([str(tmp_path)])
    assert resolve(project, tmp_path / "trainer.py", trainer, "loss_func.reduction", 10) is None
    write(tmp_path, {"other.py": "from somewhere import Trainer\n\n\nclass Mine(Trainer):\n    pass\n"})
    project = Project([str(tmp_path)])  # (a class of that name it cannot tell apart from this one)
    assert resolve(project, tmp_path / "trainer.py", trainer, "loss_func.reduction", 10) is None


def test_class_and_static_methods_parameters_have_what_their_calls_pass(tmp_path: Path) -> None:
    """``Trainer.train(buffer, crnet)`` on a class method binds ``cls`` first, on the class or an
    instance alike (AlphaZero-Chain-Reaction's ``Trainer.train(cls, buffer, model)``); a static
    method binds nothing, and its scope keeps no class to name it by."""
    trainer = (
        "class Trainer:\n    @classmethod\n    def train(cls, buffer, model):\n        model.act\n\n"
        "    @staticmethod\n    def run(model, steps):\n        model.act\n"
    )
    write(tmp_path, {"trainer.py": trainer,
                     "run.py": "import torch.nn as nn\nfrom trainer import Trainer\n\n\nclass Net(nn.Module):\n"
                               "    def __init__(self):\n        super().__init__()\n        self.act = nn.GELU()\n\n\n"
                               "net = Net()\nTrainer.train([], net)\nTrainer().train([], net)\nTrainer.run(net, 3)\n"})
    project = Project([str(tmp_path)])
    gelu = Value("instance", "torch.nn.GELU")
    assert resolve(project, tmp_path / "trainer.py", trainer, "model.act\n\n", 6) == gelu
    static = "def run(model, steps):\n        model.act"
    assert resolve(project, tmp_path / "trainer.py", trainer, static, len(static) - 1) == gelu


def test_a_script_folders_own_module_is_not_another_roots_namesake(tmp_path: Path) -> None:
    """xavysp/DexiNed keeps a TensorFlow port in ``DexiNed-TF2/`` (no import can name the
    folder: its scripts run from it), whose ``run_model.py`` does ``from model import *``:
    its own Keras ``model.py``, not the root's torch ``model.py``. The project names both
    ``model``, so the import stays unknown rather than wrong. A script of the root still
    imports the root's."""
    write(tmp_path, {
        "model.py": "import torch.nn as nn\n\n\nclass DexiNed(nn.Module):\n    pass\n",
        "DexiNed-TF2/model.py": "import tensorflow as tf\n\n\nclass DexiNed(tf.keras.Model):\n    pass\n",
    })
    project = Project([str(tmp_path)])
    text = "from model import *\nnet = DexiNed()\nnet\n"
    script = tmp_path / "DexiNed-TF2" / "run_model.py"
    assert resolve(project, script, text, "net\n", 0) is None
    beside = tmp_path / "train.py"  # (a script of the root: the root's own model)
    assert resolve(project, beside, text, "net\n", 0) == Value("instance", "model.DexiNed")


def test_a_package_binding_its_submodule_s_name_to_a_class(tmp_path: Path) -> None:
    """UNet 3+'s ``unet/__init__.py`` imports the class ``UNet3Plus`` from the module
    ``unet/UNet3Plus.py``: ``from unet import UNet3Plus`` is the class (the package's
    binding), and the class's own module is read as the module."""
    write(tmp_path, {"unet/__init__.py": "from .UNet3Plus import UNet3Plus\n",
                     "unet/UNet3Plus.py": "import torch.nn as nn\n\n\nclass UNet3Plus(nn.Module):\n"
                                          "    def __init__(self):\n        super().__init__()\n"
                                          "        self.act = nn.GELU()\n"})
    project = Project([str(tmp_path)])
    text = "from unet import UNet3Plus\nnet = UNet3Plus()\nnet.act\n"
    assert resolve(project, tmp_path / "train.py", text, "net.act", 4) == Value("instance", "torch.nn.GELU")


def test_a_package_module_imports_the_library_not_a_namesake_beside_it(tmp_path: Path) -> None:
    """pytorch/botorch's ``botorch/models/latent_kronecker_gp.py`` imports
    ``from gpytorch.models.exact_gp import ExactGP`` beside ``botorch/models/gpytorch.py``:
    a package's module is no script, so that is the library, not the sibling (whose
    ``models.exact_gp`` does not exist). A sibling that has the name still wins."""
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/gpytorch.py": "import torch.nn as nn\nact = nn.GELU()\n",
    })
    project = Project([str(tmp_path)])
    text = "from gpytorch.models.exact_gp import ExactGP\nfrom gpytorch import act\nExactGP\nact\n"
    module = tmp_path / "pkg" / "model.py"
    assert resolve(project, module, text, "\nExactGP\n", 1) == Value("symbol", "gpytorch.models.exact_gp.ExactGP")
    assert resolve(project, module, text, "\nact\n", 1) == Value("instance", "torch.nn.GELU")


def test_cycles_and_relative_imports_past_the_top_terminate(tmp_path: Path) -> None:
    write(tmp_path, {
        "p/__init__.py": "from .a import *\n",
        "p/a.py": "from .b import *\nfrom .b import thing\nfrom ... import nowhere\n",
        "p/b.py": "from .a import *\nfrom .a import thing\n",
    })
    project = Project([str(tmp_path)])
    text = "from p import thing, missing\nthing.x\nmissing.y\n"
    assert resolve(project, tmp_path / "main.py", text, "thing.x", 6) is None
    assert resolve(project, tmp_path / "main.py", text, "missing.y", 8) is None


def test_summaries_are_plain_data_cached_by_content(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": (
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(20, 64)\n\n    def forward(self, x):\n        return self.fc(x)\n\n"
        "def make():\n    return Net()\n")})
    project = Project([str(tmp_path)])
    summary = project.summary(tmp_path / "m.py")
    assert summary is not None and summary.module == "m"
    net = summary.cls("Net")
    assert net.bases == ("nn.Module",) and net.init_attributes == (("fc", "Linear(20, 64)"),)
    assert [m.signature for m in net.methods if m.name == "forward"] == ["(self, x)"]
    assert [f.name for f in summary.functions] == ["make"] and "Net" in summary.called
    assert not any(isinstance(v, ast.AST) for v in vars(summary).values())
    assert project.summary(tmp_path / "m.py") is summary  # same content: not re-summarised
    (tmp_path / "m.py").write_text("x = 1\n")
    project.changed([tmp_path / "m.py"])
    assert project.summary(tmp_path / "m.py").classes == ()


def test_call_sites_are_indexed_once_per_module(monkeypatch) -> None:
    """Call-site typing looks up a module's calls by name from the calls the analysis
    collected in its own walk (no second walk: a 40,000-line module in the workspace walked
    once per parameter query kept the first lint of another file waiting for minutes)."""
    from torchwise.analysis import Analysis
    from torchwise.project import callers

    analysis = Analysis("def f(x=k()):\n    return g(x)\n\nf(1)\nobj.f(2)\nh(f(3))\nf\n"
                        "y = [f(i) for i in r()]\nz = lambda: f(4)\n", path="m.py")
    assert sorted(ast.unparse(c) for c in analysis.calls) == sorted(
        ast.unparse(n) for n in ast.walk(analysis.tree) if isinstance(n, ast.Call))
    monkeypatch.setattr(callers.ast, "walk", lambda node: pytest.fail("a second walk of the tree"))
    found = callers._calls(analysis, "f")
    assert sorted(ast.unparse(c) for c in found) == ["f(1)", "f(3)", "f(4)", "f(i)", "obj.f(2)"]
    assert [ast.unparse(c) for c in callers._calls(analysis, "g")] == ["g(x)"]
    assert callers._calls(analysis, "missing") == []


def test_lazy_signatures_match_the_eager_rendering() -> None:
    """Signatures are rendered from the def header's text on first use: the same text as
    rendering the tree, for decorated, multi-line, commented, async, one-line and
    non-ASCII-indented headers, in any line ending."""
    import ast as _ast

    from torchwise.project.summaries import signature, summarize

    source = (
        "import torch\n"
        "@torch.no_grad()\n"
        "def a(x: 'Tensor', /, y=1, *args, z: int = 2, **kw) -> 'Tensor':  # note: (\n"
        "    return x\n"
        "async def b(\n    self,\n    n = (1,\n 2),\n):\n    '''doc'''\n"
        "def c(q='üü'): return q\n"
        "class K:\n"
        "    é = 1; \n"
        "    def m(self, p: dict[str, int] = {'k': 1}) -> None:\n"
        "        pass\n"
    )
    for newline in ("\n", "\r\n", "\r"):
        text = source.replace("\n", newline)
        tree = _ast.parse(text)
        summary = summarize(tree, text, "m", "m.py", 0)
        expected = {f.name: signature(f) for f in _ast.walk(tree)
                    if isinstance(f, (_ast.FunctionDef, _ast.AsyncFunctionDef))}
        got = {f.name: f.signature for f in summary.functions}
        got.update({m.name: m.signature for c in summary.classes for m in c.methods})
        assert got == expected
        assert summary.called >= {"no_grad"}


@pytest.mark.skipif(__import__("shutil").which("git") is None, reason="needs git")
def test_project_files_skip_what_git_ignores(tmp_path: Path) -> None:
    """Bundled or generated code that git ignores (.gitignore, .git/info/exclude) is not
    the project's; a folder given on purpose is listed even when git ignores it."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {"pkg/a.py": "", "pkg/gen_b.py": "", "bundled/libs/c.py": "", "scratch.py": "",
                     "nb/x.ipynb": "{}", "bundled/y.ipynb": "{}",
                     ".gitignore": "bundled/\ngen_*.py\n"})
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch.py\n")
    project = Project([str(tmp_path)])
    assert [p.relative_to(tmp_path).as_posix() for p in project.files()] == ["pkg/a.py"]
    from torchwise.project.callers import _notebooks

    assert [p.relative_to(tmp_path).as_posix() for p in _notebooks(project, tmp_path)] == ["nb/x.ipynb"]
    given = Project([str(tmp_path / "bundled")])
    assert [p.relative_to(tmp_path).as_posix() for p in given.files()] == ["bundled/libs/c.py"]


def test_star_exports_are_asked_of_each_module_once(tmp_path: Path, monkeypatch) -> None:
    """A package of star imports (``from .a import *`` for each of its modules) answers
    every name it is asked for from a table per module: with the few analyses a check
    keeps, asking each module's analysis built every module again for every name (timm's
    check built 9 analyses per linted file)."""
    from torchwise.project import model

    modules = [f"m{i}" for i in range(6)]
    write(tmp_path, {"pkg/__init__.py": "".join(f"from .{m} import *\n" for m in modules),
                     **{f"pkg/{m}.py": f"import torch.nn as nn\n\n\nclass Net{m}(nn.Module):\n    pass\n\n\n"
                                       f"act{m} = nn.GELU()\n" for m in modules}})
    built: list[str] = []
    real = model.build_analysis

    def counted(text: str, path: str, env=None):
        built.append(path)
        return real(text, path, env=env)

    monkeypatch.setattr(model, "build_analysis", counted)
    project = Project([str(tmp_path)], max_units=1)
    names = [f"act{m}" for m in modules]
    text = f"from pkg import {', '.join(names)}\n" + "".join(f"{n}.approximate\n" for n in names)
    for name in names:
        assert resolve(project, tmp_path / "main.py", text, f"{name}.approximate", len(name) + 1) == Value(
            "symbol", "torch.nn.GELU.approximate")
    # each module built for its own names (not for every name asked of the package: 68 here, before)
    assert len([p for p in built if not p.endswith("__init__.py")]) <= 3 * len(modules), sorted(built)


def test_a_star_import_parses_only_the_modules_whose_text_holds_the_name(tmp_path: Path, monkeypatch) -> None:
    """The first hover through ``from .models import *`` over 200 modules parsed them all
    (348 ms, ``bench/project_hover.py --star``): a module whose text never spells the name
    and star-imports nothing cannot bind it. One that star-imports is followed; a name
    in ``__all__`` (a string) or spelt with non-ASCII letters is read."""
    files = {"pkg/__init__.py": "".join(f"from .m{i} import *\n" for i in range(6)) + "from .deep0 import *\n",
             "pkg/deep0.py": "from .deep1 import \\\n    *\n", "pkg/deep1.py": "import torch\nfar = torch.nn.Tanh()\n",
             "pkg/m5.py": "import torch\n__all__ = ['act5']\nglobals()['act' + '5'] = torch.nn.ReLU()\nact5 = torch.nn.ReLU()\n",
             "pkg/m4.py": "import torch\n\u00e9 = 1\nact4 = torch.nn.GELU()\n"}
    files.update({f"pkg/m{i}.py": f"import torch\nlayer{i} = torch.nn.SiLU()\n" for i in range(4)})
    write(tmp_path, files)
    parsed = count_parses(monkeypatch)
    project = Project([str(tmp_path)])
    main = tmp_path / "main.py"
    assert resolve(project, main, "from pkg import act5\nact5.inplace\n", "act5.inplace") == Value(
        "instance", "torch.nn.ReLU")
    # (``pkg.m5.act5`` is then read from the module ``pkg.m5``: ``pkg`` is not asked what it binds as ``m5``)
    assert sorted(p for p in parsed if p != "main.py") == ["__init__.py", "m4.py", "m5.py"], parsed
    parsed.clear()
    assert resolve(project, main, "from pkg import far\nfar.inplace\n", "far.inplace") == Value(
        "instance", "torch.nn.Tanh")
    assert "deep1.py" in parsed and not {"m0.py", "m1.py", "m2.py", "m3.py"} & set(parsed), parsed


def test_return_types_of_evicted_modules_never_answer_for_another_function(tmp_path: Path) -> None:
    # Functions of the same shape in modules the project keeps only one of at a time: a
    # freed function node's address is soon a new node's, so answers memoized by address
    # gave one module's return type for another's function.
    layers = ["ReLU", "GELU", "Tanh", "SiLU", "Mish", "ELU", "Hardtanh", "Sigmoid"]
    write(tmp_path, {f"pkg/m{i}.py": f"import torch.nn as nn\n\n\ndef make():\n    return nn.{layer}()\n"
                     for i, layer in enumerate(layers)})
    project = Project([str(tmp_path)], max_units=1)
    for round_ in range(3):
        for i, layer in enumerate(layers):
            text = f"from pkg.m{i} import make\nact = make()\nact.inplace\n"
            value = resolve(project, tmp_path / f"main{i}.py", text, "act.inplace")
            assert value == Value("instance", f"torch.nn.{layer}"), (round_, i, value)


def test_seeing_an_open_documents_previous_version_asks_its_adopted_unit(tmp_path: Path) -> None:
    """``Project.seeing``: while the editor asks what the previous version of an edited
    document showed, that version's adopted unit answers for the file (no fresh analysis
    of the new text, which cost a whole-file analysis on the editor's path), and what was
    inferred meanwhile is forgotten after, so the new version's answers are its own."""
    from torchwise.analysis import build_analysis

    path = tmp_path / "train.py"
    old = "def step(model):\n    model.train()\n\n\nstep(3)\n"
    new = old.replace("step(3)", "step('x')")
    path.write_text(old, encoding="utf-8")
    current = [old]
    project = Project([str(tmp_path)], overlay=lambda p: current[0] if p == path else None)
    before = build_analysis(old, str(path), env=project.env_for(path))
    project.adopt(path, old, before)
    current[0] = new
    project.changed([path])
    with project.seeing(path, old):
        assert project.unit_at(path).analysis is before
        project.memo[("asked", 1)] = "an answer of the previous version"
    assert project.memo == {}
    unit = project.unit_at(path)
    assert unit.analysis is not before and unit.analysis.source == new


def test_a_question_about_callers_parses_at_most_the_parse_budget(tmp_path: Path, monkeypatch) -> None:
    # huggingface/pytorch-image-models: hovering `model` in `ModelEma.update(self, model)`
    # parsed every module that mentions `update` (dict.update...): seconds, the editor stuck.
    # With a budget the question answers "unknown" at once; without one (torchwise check)
    # it still finds the type every caller passes.
    files = {"pkg/helpers.py": "def train_step(model):\n    return model\n",
             "pkg/caller.py": "import torch\nfrom pkg.helpers import train_step\ntrain_step(torch.nn.Linear(2, 2))\n"}
    files.update({f"pkg/other{i}.py": f"import pkg\n\n\nclass D:\n    def train_step(self):\n        pass\nD().train_step()\n"
                  for i in range(20)})
    write(tmp_path, files)
    text = (tmp_path / "pkg/helpers.py").read_text()
    parsed = count_parses(monkeypatch)
    full = Project([str(tmp_path)])
    assert resolve(full, tmp_path / "pkg/helpers.py", text, "model\n", 0) == Value("instance", "torch.nn.Linear")
    assert len(parsed) > 20  # every module that calls a function of that name
    parsed.clear()
    budgeted = Project([str(tmp_path)], parse_budget=4)
    assert resolve(budgeted, tmp_path / "pkg/helpers.py", text, "model\n", 0) is None
    assert len(parsed) <= 4 + 1, parsed  # (+ the file asked about, adopted as it is analysed)


def test_a_question_about_callers_parses_no_module_that_only_mentions_the_name(tmp_path: Path, monkeypatch) -> None:
    # alibaba/EasyNLP: the questions about `train`'s callers parsed 452 of its 735 modules,
    # most of which hold the word (`pretrained`, `self.train_data`, comments) but call no
    # `train`. A module whose text never calls the name (``name(``) is not parsed; its text
    # is searched whole (a comment's ``name(`` lets it through: a superset, never a miss).
    files = {"pkg/helpers.py": "def train_step(model):\n    return model\n",
             "pkg/caller.py": "import torch\nfrom pkg.helpers import train_step\ntrain_step(torch.nn.Linear(2, 2))\n",
             "pkg/commented.py": "import pkg\nx = 1  # train_step(x) one day\n",
             # calls the name, but names no part of `pkg.helpers`: it cannot import it
             "scripts/unrelated.py": "def train_step(x):\n    return x\ntrain_step(1)\n",
             "pkg/held.py": "from pkg.helpers import train_step\nüber = (train_step)\n",
             "pkg/longer.py": "pretrain_steps = 3\nrun_train_step = print\nrun_train_step(1)\n"}
    files.update({f"pkg/other{i}.py": "d = {}\nd.train_step = None\n" for i in range(20)})
    write(tmp_path, files)
    text = (tmp_path / "pkg/helpers.py").read_text()
    parsed = count_parses(monkeypatch)
    project = Project([str(tmp_path)])
    assert resolve(project, tmp_path / "pkg/helpers.py", text, "model\n", 0) == Value("instance", "torch.nn.Linear")
    assert sorted(Path(p).name for p in parsed) == ["caller.py", "commented.py", "helpers.py"]


def test_called_names_and_mentions_take_whole_words_of_any_script() -> None:
    from torchwise.project.callers import _holds_word
    from torchwise.project.summaries import called_names

    text = "x = model.train()\nñame (1)\nv3x(2)\nretrain_all(3)  # ünïcode(4)\n"
    assert called_names(text) == {"train", "ñame", "v3x", "retrain_all", "ünïcode"}
    # a whole comment line calls nothing (``# fix: call model.eval()``: relationPrediction's
    # held-out case, whose project otherwise never switches to eval mode); a string does
    assert called_names("# model.eval() was missing\n    # net.eval()\nx = 'a # b(1)'\n") == {"b"}
    # the same with ``\r`` or ``\r\n`` line ends, and a form feed before the comment: a comment
    # line ends at its own line end, not the file's
    for eol in ("\r", "\r\n"):
        assert called_names(f"# a note{eol}train(x){eol}\f# net.eval(){eol}step(){eol}") == {"train", "step"}
    words = "import a.b_c as d  # ñ9 v3x 3rd pretrained train_x"
    assert [w for w in ("b_c", "ñ9", "v3x", "3rd", "d", "train", "ame", "3") if _holds_word(words, w)] == [
        "b_c", "ñ9", "v3x", "3rd", "d"]


def test_a_check_looks_at_callers_only_of_names_few_modules_mention(tmp_path: Path, monkeypatch) -> None:
    # `torchwise check train.py` from a folder of 87,000 Python files and no project marker
    # (/tmp, holding the corpus): each question about a function's callers parsed every
    # module that mentions its name, and they were parsed again for the next question
    # (30,004 parses, 165 s). A check's project looks at no module for a name more than its
    # ``caller_limit`` modules mention: the answer is "unknown", counted from the texts.
    files = {"pkg/helpers.py": "def train_step(model):\n    return model\n",
             "pkg/caller.py": "import torch\nfrom pkg.helpers import train_step\ntrain_step(torch.nn.Linear(2, 2))\n"}
    files.update({f"pkg/other{i}.py": "import pkg\nd = {}\nd.train_step = None\n" for i in range(5)})
    write(tmp_path, files)
    text = (tmp_path / "pkg/helpers.py").read_text()
    parsed = count_parses(monkeypatch)
    capped = Project([str(tmp_path)], caller_limit=6)  # 7 modules that may import it mention the name
    assert resolve(capped, tmp_path / "pkg/helpers.py", text, "model\n", 0) is None
    assert parsed == ["helpers.py"], parsed  # only the file asked about
    parsed.clear()
    enough = Project([str(tmp_path)], caller_limit=7)
    assert resolve(enough, tmp_path / "pkg/helpers.py", text, "model\n", 0) == Value("instance", "torch.nn.Linear")
    assert sorted(parsed) == ["caller.py", "helpers.py"]  # (the others mention it but call no ``train_step``)
    from torchwise.lint.pool import CHECK_CALLER_LIMIT, project_for

    assert project_for([str(tmp_path)]).caller_limit == CHECK_CALLER_LIMIT


def test_star_export_tables_outlive_edits_of_other_files(tmp_path: Path, monkeypatch) -> None:
    # huggingface/pytorch-image-models: `timm.models` re-exports 90 modules with star
    # imports, more than the analyses kept; every edit cleared the tables, so the next
    # hover parsed the whole package again (4 s). A table is kept while its file's text is.
    files = {"pkg/__init__.py": "".join(f"from .m{i} import *\n" for i in range(6))}
    files.update({f"pkg/m{i}.py": f"import torch\n\n\ndef make{i}():\n    return torch.nn.ReLU()\n" for i in range(6)})
    write(tmp_path, files)
    parsed = count_parses(monkeypatch)
    project = Project([str(tmp_path)], max_units=2)
    main = tmp_path / "main.py"
    for round_ in range(3):
        text = "import pkg\nact = pkg.make5()\nact.inplace\n" + "\n" * round_
        parsed.clear()
        assert resolve(project, main, text, "act.inplace") == Value("instance", "torch.nn.ReLU")
        if round_:
            assert [p for p in parsed if p.startswith("m") and p != "main.py"] in ([], ["m5.py"]), parsed
        project.changed([main])


def test_folders_a_script_puts_on_sys_path_resolve_what_nothing_else_does(tmp_path: Path) -> None:
    """HRNet's ``import _init_paths`` (``add_path(osp.join(this_dir, '..', 'lib'))``), a
    script's own ``sys.path.append(os.path.join(os.path.dirname(__file__), '..', 'src'))`` and
    ``Path(__file__).resolve().parents[1] / "lib"`` are read; a folder chosen at run time
    (``os.getcwd()``) or outside the workspace is not, and a module the roots hold wins."""
    from torchwise.project.sys_path import added_folders

    write(tmp_path, {
        "lib/utils/rescore.py": "def rescore_valid(x):\n    return x\n",
        "src/models/net.py": "class Net:\n    pass\n",
        "tools/_init_paths.py": ("import os.path as osp\nimport sys\n\n\ndef add_path(path):\n"
                                 "    if path not in sys.path:\n        sys.path.insert(0, path)\n\n\n"
                                 "this_dir = osp.dirname(__file__)\nadd_path(osp.join(this_dir, '..', 'lib'))\n"),
        "tools/valid.py": "import _init_paths  # noqa: F401\nfrom utils.rescore import rescore_valid\n",
        "tools/own.py": ("import os\nimport sys\nsys.path.append(os.path.join(os.path.dirname(__file__), '..', 'src'))\n"
                         "from models.net import Net\n"),
        "tools/pathlib_style.py": ("import sys\nfrom pathlib import Path\n"
                                   "sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'lib'))\n"),
        "tools/runtime.py": "import os\nimport sys\nsys.path.append(os.path.join(os.getcwd(), 'lib'))\n",
        "tools/outside.py": "import sys\nsys.path.append('/usr/lib/python3/dist-packages')\n",
    })
    tools = tmp_path / "tools"
    assert added_folders(tools / "valid.py") == [tmp_path / "lib"]
    assert added_folders(tools / "own.py") == [tmp_path / "src"]
    assert added_folders(tools / "pathlib_style.py") == [tmp_path / "lib"]
    assert added_folders(tools / "runtime.py") == []
    project = Project([str(tmp_path)])
    resolver = project.resolver
    assert resolver.on_added_path(tools / "valid.py", "utils.rescore.rescore_valid") == "lib.utils.rescore.rescore_valid"
    # (src/ is a root too, a src layout: the name the roots give the file)
    assert resolver.on_added_path(tools / "own.py", "models.net.Net") == "models.net.Net"
    assert resolver.on_added_path(tools / "outside.py", "apt.cache") is None
    unit = project.unit_at(tools / "valid.py")
    assert unit.analysis.env.imported("utils.rescore.rescore_valid") == "lib.utils.rescore.rescore_valid"
    # an edit of the helper beside the script is seen after the project is told of it
    write(tmp_path, {"vendor/utils/rescore.py": "def rescore_valid(x):\n    return -x\n"})
    (tools / "_init_paths.py").write_text("import sys\nsys.path.insert(0, '../vendor')\n")
    assert resolver.on_added_path(tools / "valid.py", "utils.rescore.rescore_valid") == "lib.utils.rescore.rescore_valid"
    project.changed([tools / "_init_paths.py"])
    assert resolver.on_added_path(tools / "valid.py", "utils.rescore.rescore_valid") == "vendor.utils.rescore.rescore_valid"
    # the project's text of the helper (an open document's, one a check read already), not the disk's
    project.changed([tools / "_init_paths.py"])
    project.preload(tools / "_init_paths.py", "import sys\nsys.path.insert(0, '../lib')\n")
    assert unit.analysis.env.imported("utils.rescore.rescore_valid") == "lib.utils.rescore.rescore_valid"


def test_sys_path_lines_are_read_from_any_text_a_user_may_save(tmp_path: Path) -> None:
    """A helper saved with a BOM, CRLF line ends and a form feed is read, from the disk and
    through the project; one with a syntax error mid-edit adds nothing and raises nothing."""
    from torchwise.project.sys_path import added_folders

    write(tmp_path, {"lib/x/y.py": "Y = 1\n"})
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "bom.py").write_bytes(b'\xef\xbb\xbfimport sys\r\nsys.path.insert(0, "../lib")\r\n\x0c\r\n')
    (tools / "broken.py").write_text('import sys\nsys.path.insert(0, "../lib"\ndef (\n')
    assert added_folders(tools / "bom.py") == [tmp_path / "lib"]
    assert added_folders(tools / "broken.py") == []
    project = Project([str(tmp_path)])
    assert project.resolver.on_added_path(tools / "bom.py", "x.y.Y", project.source) == "lib.x.y.Y"
    assert project.resolver.on_added_path(tools / "broken.py", "x.y.Y", project.source) is None
