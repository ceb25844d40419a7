"""The snippet library (issue 5): format, uniqueness, modern APIs, our own linter,
and real execution of every snippet that can run on a CPU.

Execution: each snippet is expanded with its defaults and run in a subprocess
between a small *prelude* (tiny model, tensors, loaders: the names the snippet's
defaults refer to) and a *postlude* that checks it did its job (parameters moved,
shapes right, the schedule reached the expected learning rate...). Inline snippets
share one Python process that imports torch once and forks a fresh child per
snippet; whole-file snippets run as scripts (the DDP one under torchrun). Any
warning a snippet triggers fails it, unless its spec allows that warning.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from fork_runner import run_forked
from torchwise import snippets as snip
from torchwise.resources import data_dir

SNIPPETS_DIR = data_dir("snippets")
SNIPPET_FILES = sorted(SNIPPETS_DIR.glob("*.code-snippets"))
LIBRARY = snip.load_snippets()
BY_PREFIX = {s.prefix: s for s in LIBRARY}
VARIABLES = snip.variables_for("/work/project/train.py")


def expansion(prefix: str) -> str:
    return BY_PREFIX[prefix].expand(VARIABLES)


# ------------------------------------------------------------------ format


def test_library_is_big_enough_and_loads():
    assert SNIPPET_FILES, "no snippets/*.code-snippets file"
    assert len(LIBRARY) >= 30


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=lambda p: p.name)
def test_json_matches_vscode_snippet_format(path: Path):
    """An independent schema check (VS Code's snippet file format), then the module's."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    for name, entry in data.items():
        assert isinstance(name, str) and name.strip(), name
        assert isinstance(entry, dict), name
        assert set(entry) <= {"prefix", "body", "description", "scope", "isFileTemplate"}, (name, set(entry))
        prefix = entry["prefix"]
        assert isinstance(prefix, str) or (
            isinstance(prefix, list) and prefix and all(isinstance(p, str) for p in prefix)), name
        body = entry["body"]
        assert isinstance(body, str) or (isinstance(body, list) and body and all(isinstance(x, str) for x in body)), name
        assert isinstance(entry["description"], str) and entry["description"].strip(), name
        if "scope" in entry:
            assert isinstance(entry["scope"], str) and "python" in entry["scope"].split(","), name
        if isinstance(body, list):
            assert all("\n" not in line for line in body), f"{name}: one line per list item"
            assert all(line == line.rstrip() for line in body), f"{name}: trailing whitespace"
    assert snip.validate(data, path.name) == []


def test_prefixes_unique_and_consistent():
    prefixes = [p for s in LIBRARY for p in s.prefixes]
    duplicates = {p for p in prefixes if prefixes.count(p) > 1}
    assert not duplicates
    for s in LIBRARY:
        for p in s.prefixes:
            assert re.fullmatch(r"pt-[a-z0-9]+(-[a-z0-9]+)*", p), f"{p}: prefixes are pt-<topic>[-<detail>]"
    names = [s.name for s in LIBRARY]
    assert len(names) == len(set(names))


def test_issue_topics_are_covered():
    needed = {
        "pt-train-loop", "pt-train-step", "pt-eval-loop", "pt-amp-step", "pt-bf16-step", "pt-grad-accum",
        "pt-clip-grad", "pt-save-checkpoint", "pt-load-checkpoint", "pt-dataset", "pt-iterable-dataset",
        "pt-dataloader", "pt-module", "pt-residual", "pt-device", "pt-seed", "pt-sched-step", "pt-sched-cosine",
        "pt-sched-onecycle", "pt-sched-plateau", "pt-early-stopping", "pt-transfer", "pt-tensorboard",
        "pt-compile", "pt-torchscript", "pt-onnx", "pt-export", "pt-ddp", "pt-autograd-function", "pt-gan-step",
        "pt-transformer-classifier", "pt-profiler",
    }
    assert needed <= set(BY_PREFIX), needed - set(BY_PREFIX)


def test_readme_lists_every_prefix():
    readme = (SNIPPETS_DIR / "README.md").read_text(encoding="utf-8")
    missing = [s.prefix for s in LIBRARY if f"`{s.prefix}`" not in readme]
    assert not missing


# ------------------------------------------------------------------ snippet syntax


def test_expand_handles_the_vscode_syntax():
    body = 'a = ${1:model}\n$1.eval()\nb = ${2|x,y|} + ${3:f(${4:z})} + $4\nc = "\\$5 \\}" ${TM_FILENAME_BASE}$0'
    assert snip.expand(body, snip.variables_for("/tmp/train.py")) == 'a = model\nmodel.eval()\nb = x + f(z) + z\nc = "$5 }" train'
    assert snip.expand("${UNKNOWN} ${TM_SELECTED_TEXT:fallback}", {"TM_SELECTED_TEXT": ""}) == "UNKNOWN fallback"
    assert snip.expand("${1:abc} ${1/(b)/[$1]/}") == "abc a[b]c"
    assert snip.expand("price: $ 5") == "price: $ 5"  # a '$' that starts nothing is text


def test_serialization_round_trips_every_snippet():
    for s in LIBRARY:
        again = snip.parse(snip.to_source(s.nodes))
        assert snip.expand(again, VARIABLES) == s.expand(VARIABLES), s.prefix


def test_resolve_variables_and_rename_defaults():
    nodes = snip.parse("# ${TM_FILENAME:x.py}\n${1:model}.train()\n$1.eval()\n${2:optimizer}.step()")
    nodes = snip.rename_defaults(snip.resolve_variables(nodes, {"TM_FILENAME": "a$b.py"}), {"model": "net"})
    text = snip.to_source(nodes)
    assert text == "# a\\$b.py\n${1:net}.train()\n${1}.eval()\n${2:optimizer}.step()"
    assert snip.expand(text) == "# a$b.py\nnet.train()\nnet.eval()\noptimizer.step()"


@pytest.mark.parametrize("bad, message", [
    ({"x": {"prefix": "p", "body": ["${1:oops"], "description": "d"}}, "unclosed"),
    ({"x": {"prefix": "p", "body": ["${1|a,b}"], "description": "d"}}, "choice"),
    ({"x": {"prefix": 3, "body": "b", "description": "d"}}, "prefix"),
    ({"x": {"prefix": "p", "body": [1], "description": "d"}}, "body"),
    ({"x": {"prefix": "p", "body": "b"}}, "description"),
    ({"x": {"prefix": "p", "body": "b", "description": "d", "scope": ["python"]}}, "scope"),
    ({"x": {"prefix": "two words", "body": "b", "description": "d"}}, "spaces"),
    ({"x": {"prefix": "p", "body": "b", "description": "d", "bodyy": 1}}, "unknown key"),
    ([], "top level"),
])
def test_validate_reports_malformed_snippets(bad, message):
    problems = snip.validate(bad, "bad.code-snippets")
    assert problems and any(message in p for p in problems), problems


def test_load_file_rejects_invalid_json(tmp_path):
    path = tmp_path / "broken.code-snippets"
    path.write_text('{"x": {"prefix": "p",', encoding="utf-8")
    with pytest.raises(ValueError, match="broken.code-snippets"):
        snip.load_file(path)


# ------------------------------------------------------------------ content


@pytest.mark.parametrize("prefix", sorted(BY_PREFIX))
def test_expansion_parses(prefix):
    ast.parse(expansion(prefix), filename=prefix)


@pytest.mark.parametrize("prefix", sorted(BY_PREFIX))
def test_modern_apis_only(prefix):
    s = BY_PREFIX[prefix]
    code = s.expand(VARIABLES)
    for banned in ("torch.cuda.amp", "pretrained=", "Variable(", "torch.autograd.Variable", ".cuda()",
                   "volatile=", "lr_scheduler._LRScheduler", "torch.cuda.is_bf16_supported(", "cudnn.deterministic"):
        assert banned not in code, f"{prefix}: uses {banned}"
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = ast.unparse(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        if func == "torch.load":
            assert isinstance(keywords.get("weights_only"), ast.Constant) and keywords["weights_only"].value is True, prefix
            assert "map_location" in keywords, f"{prefix}: torch.load without map_location"
        if func.endswith(".zero_grad"):
            assert isinstance(keywords.get("set_to_none"), ast.Constant) and keywords["set_to_none"].value is True, prefix
        if func == "torch.autocast":
            assert "device_type" in keywords, prefix
        if func.endswith("GradScaler"):
            assert func == "torch.amp.GradScaler" and node.args, f"{prefix}: torch.amp.GradScaler(device, ...)"
        if func.endswith("checkpoint.checkpoint"):
            assert "use_reentrant" in keywords, prefix
    if "DataLoader(" in code and "num_workers" in code and "def main" in code:
        assert 'if __name__ == "__main__":' in code, prefix
    if "torch.float16" in code:
        assert "unscale_" in code and code.index("unscale_") < code.index("clip_grad_norm_"), prefix
    if "DistributedSampler(" in code:
        assert ".set_epoch(" in code, prefix
    assert "\t" not in code, f"{prefix}: indent with spaces"


def test_has_tab_stops_and_final_cursor():
    for s in LIBRARY:
        stops = [n for n in s.nodes if isinstance(n, snip.TabStop)]
        assert stops, f"{s.prefix}: no tab stops"
        last = s.body.rstrip()
        if s.prefix not in ("pt-dataloader", "pt-ddp"):  # whole files end with the main call
            assert last.endswith("$0"), f"{s.prefix}: end with the final cursor $0"


# ------------------------------------------------------------------ our own linter


def _lint_engine():
    try:
        from torchwise.lint import engine
    except ImportError:
        return None
    return engine


@pytest.mark.parametrize("prefix", sorted(BY_PREFIX))
def test_own_linter_reports_nothing(prefix):
    engine = _lint_engine()
    if engine is None:
        pytest.skip("linter not available yet")
    errors: list[str] = []
    findings = engine.lint_source(expansion(prefix), f"{prefix}.py", on_error=errors.append)
    assert not errors
    assert [f"{f.line}:{f.col} {f.rule.code} {f.rule.name}: {f.message}" for f in findings] == []


CHOICE_VARIANTS = [(s.prefix, index, option) for s in LIBRARY
                   for index, options in snip.choices(s.nodes).items() for option in options[1:]]


@pytest.mark.parametrize("prefix, index, option", CHOICE_VARIANTS)
def test_every_choice_parses_and_passes_the_linter(prefix, index, option):
    code = snip.expand(BY_PREFIX[prefix].nodes, VARIABLES, values={index: option})
    assert option in code
    ast.parse(code)
    engine = _lint_engine()
    if engine is None:
        pytest.skip("linter not available yet")
    assert [f"{f.line}:{f.col} {f.rule.code}: {f.message}" for f in engine.lint_source(code, f"{prefix}.py")] == []


def test_torchwise_check_cli_reports_nothing(tmp_path):
    if importlib.util.find_spec("torchwise.lint.cli") is None:
        pytest.skip("linter not available yet (no torchwise check command)")
    for s in LIBRARY:
        (tmp_path / f"{s.prefix.replace('-', '_')}.py").write_text(s.expand(VARIABLES) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "torchwise", "check", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ execution

IMPORTS = "import torch\nfrom torch import nn\n"

TRAINING = IMPORTS + """
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
device = torch.device("cpu")
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
train_loader = DataLoader(TensorDataset(torch.randn(40, 8), torch.randint(0, 3, (40,))), batch_size=8, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.randn(16, 8), torch.randint(0, 3, (16,))), batch_size=8)
num_epochs = 2
inputs, targets = next(iter(train_loader))
before = [p.detach().clone() for p in model.parameters()]

def train_one_epoch():
    for inputs, targets in train_loader:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
    lrs.append(optimizer.param_groups[0]["lr"])
    return 1.0

def evaluate():
    return 1.0

lrs = []
"""

TRAINED = "assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters())), 'no parameter moved'\n"
UNCHANGED = "assert all(torch.equal(a, b) for a, b in zip(before, model.parameters())), 'parameters changed'\n"

WITH_STATE = TRAINING + """
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
scaler = torch.amp.GradScaler("cuda", enabled=False)
"""


@dataclass
class Spec:
    prelude: str = ""
    postlude: str = ""
    skip: str = ""  # reason
    requires: tuple[str, ...] = ()  # modules that must be importable, else skip
    script: bool = False  # a whole file: run it as __main__
    torchrun: bool = False
    isolated: bool = False  # slow: its own process
    allowed_warnings: tuple[str, ...] = ()  # regexes of warning messages it may raise
    indent: int = 0
    stdout: str = ""  # regex the output must contain


SPECS: dict[str, Spec] = {
    "pt-imports": Spec(postlude="assert F.relu(torch.tensor(-1.0)) == 0 and DataLoader and Dataset and nn.Linear\n"),
    "pt-device": Spec(prelude=IMPORTS, postlude="assert device.type == ('cuda' if torch.cuda.is_available() else 'mps' if torch.backends.mps.is_available() else 'cpu')\ntorch.ones(2, device=device)\n"),
    "pt-seed": Spec(prelude=IMPORTS, postlude="""
first = torch.rand(3)
seed_everything(42)
assert torch.equal(first, torch.rand(3)), 'seeding is not reproducible'
assert torch.are_deterministic_algorithms_enabled()
from torch.utils.data import DataLoader
data = torch.arange(20.0)
def order():
    g = torch.Generator().manual_seed(42)
    return torch.cat(list(DataLoader(data, batch_size=5, shuffle=True, num_workers=2,
                                     worker_init_fn=seed_worker, generator=g)))
assert torch.equal(order(), order())
"""),
    "pt-module": Spec(prelude=IMPORTS, postlude="net = Net()\nassert net(torch.randn(4, 1, 28, 28)).shape == (4, 10)\n"),
    "pt-residual": Spec(prelude=IMPORTS, postlude="""
x = torch.randn(2, 8, 16, 16)
assert ResidualBlock(8, 16, stride=2)(x).shape == (2, 16, 8, 8)
same = ResidualBlock(8, 8)
assert isinstance(same.shortcut, nn.Identity) and same(x).shape == x.shape
"""),
    "pt-dataset": Spec(prelude=IMPORTS, postlude="""
ds = MyDataset(torch.randn(10, 3), torch.arange(10), transform=lambda x: x * 2)
x, y = ds[3]
assert len(ds) == 10 and int(y) == 3 and torch.equal(x, ds.inputs[3] * 2)
batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
assert batch[0].shape == (4, 3)
try:
    MyDataset([1, 2], [1])
except ValueError:
    pass
else:
    raise AssertionError('length mismatch accepted')
"""),
    "pt-iterable-dataset": Spec(prelude=IMPORTS, postlude="""
from torch.utils.data import DataLoader
for workers in (0, 2):
    items = sorted(int(x) for x in DataLoader(StreamDataset(0, 10), batch_size=None, num_workers=workers))
    assert items == list(range(10)), (workers, items)
"""),
    "pt-dataloader": Spec(script=True, stdout=r"torch\.Size\(\[32, 8\]\) torch\.Size\(\[32\]\)"),
    "pt-collate": Spec(prelude=IMPORTS, postlude="""
batch = [(torch.ones(3), 1), (torch.ones(5), torch.tensor(0))]
padded, lengths, labels = pad_collate(batch)
assert padded.shape == (2, 5) and lengths.tolist() == [3, 5] and labels.tolist() == [1, 0]
assert padded[0, 3:].eq(0).all()
"""),
    "pt-split": Spec(prelude=IMPORTS + "dataset = torch.utils.data.TensorDataset(torch.randn(10, 2))\n",
                     postlude="assert (len(train_set), len(val_set)) == (8, 2)\n"),
    "pt-train-step": Spec(prelude=TRAINING, postlude=TRAINED + "assert torch.isfinite(loss)\n"),
    "pt-train-loop": Spec(prelude=TRAINING, postlude=TRAINED + "assert model.training is False\n", stdout=r"epoch 2: train loss \d"),
    "pt-eval-loop": Spec(prelude=TRAINING, postlude=UNCHANGED + "assert not model.training\n", stdout=r"accuracy \d"),
    "pt-predict": Spec(prelude=TRAINING, postlude="""
assert preds.shape == (8,) and torch.allclose(probs.sum(dim=-1), torch.ones(8))
assert not model.training and probs.is_inference()
"""),
    "pt-amp-step": Spec(prelude=TRAINING, postlude=TRAINED + "assert not scaler.is_enabled()\n"),
    "pt-bf16-step": Spec(prelude=TRAINING, postlude=TRAINED + "assert all(p.dtype == torch.float32 for p in model.parameters())\n"),
    "pt-grad-accum": Spec(prelude=TRAINING, postlude=TRAINED + "assert all(p.grad is None for p in model.parameters())\n"),
    "pt-clip-grad": Spec(prelude=TRAINING + "loss = loss_fn(model(inputs) * 100, targets)\n", postlude=TRAINED + """
assert torch.isfinite(grad_norm)
clipped = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in model.parameters()]))
assert clipped <= 1.0 + 1e-4, clipped
"""),
    "pt-save-checkpoint": Spec(prelude=WITH_STATE + "epoch = 3\n", postlude="""
ckpt = torch.load("checkpoint.pt", map_location="cpu", weights_only=True)
assert ckpt["epoch"] == 3 and set(ckpt) == {"epoch", "model", "optimizer", "scheduler", "scaler"}
"""),
    "pt-load-checkpoint": Spec(prelude=WITH_STATE + """
train_one_epoch()
scheduler.step()
torch.save({"epoch": 4, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict()}, "checkpoint.pt")
saved = [p.detach().clone() for p in model.parameters()]
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
""", postlude="""
assert start_epoch == 5
assert all(torch.equal(a, b) for a, b in zip(saved, model.parameters()))
assert scheduler.last_epoch == 1 and optimizer.param_groups[0]["lr"] == 0.05
"""),
    "pt-load-weights": Spec(prelude=TRAINING + """
torch.save(model.state_dict(), "model.pt")
saved = [p.detach().clone() for p in model.parameters()]
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
""", postlude="assert not model.training and all(torch.equal(a, b) for a, b in zip(saved, model.parameters()))\n"),
    "pt-optimizer": Spec(prelude=TRAINING, postlude="""
decay_group, no_decay_group = optimizer.param_groups
assert [p.ndim for p in decay_group["params"]] == [2, 2] and [p.ndim for p in no_decay_group["params"]] == [1, 1]
assert no_decay_group["weight_decay"] == 0.0 and decay_group["weight_decay"] == 0.01
"""),
    "pt-sched-step": Spec(prelude=TRAINING + "num_epochs = 3\n",
                          postlude="assert scheduler.last_epoch == 3 and lrs == [0.1, 0.1, 0.1]\n"),
    "pt-sched-cosine": Spec(prelude=TRAINING + "num_epochs = 15\n", postlude="""
import math
assert math.isclose(lrs[0], 0.1 * 0.01), lrs
assert all(a < b for a, b in zip(lrs[:5], lrs[1:6])), lrs  # warming up
assert math.isclose(max(lrs), 0.1) and lrs.index(max(lrs)) == 5, lrs
assert all(a > b for a, b in zip(lrs[5:], lrs[6:])), lrs  # cosine decay
assert lrs[-1] < 0.01, lrs
"""),
    "pt-sched-onecycle": Spec(prelude=TRAINING, postlude=TRAINED + """
assert scheduler.last_epoch == num_epochs * len(train_loader)
assert optimizer.param_groups[0]["lr"] < 1e-3 / 10  # annealed well below max_lr
"""),
    "pt-sched-plateau": Spec(prelude=TRAINING + "num_epochs = 12\n",
                             postlude="assert lrs[:-1] == [0.1] * 11 and abs(optimizer.param_groups[0]['lr'] - 0.01) < 1e-12\n"),
    "pt-early-stopping": Spec(postlude="""
losses = [1.0, 0.9, 0.95, 0.91, 0.9, 0.92, 0.93, 0.5]
stops = [early_stopping.step(loss) for loss in losses]
assert stops == [False, False, False, False, False, False, True, False], stops
"""),
    "pt-init-weights": Spec(prelude=IMPORTS + """
model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.LazyLinear(2), nn.LayerNorm(2))
model(torch.randn(2, 3, 8, 8))
with torch.no_grad():
    for p in model.parameters():
        p.fill_(0.5)
""", postlude="""
assert model[0].bias.eq(0).all() and model[3].bias.eq(0).all()
assert model[1].weight.eq(1).all() and model[4].bias.eq(0).all()
assert 0.1 < model[3].weight.std() < 1.0
"""),
    "pt-count-params": Spec(prelude=TRAINING, stdout=r"^195 trainable parameters$"),
    "pt-checkpoint-activations": Spec(indent=8, prelude=IMPORTS + """
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4))

    def forward(self, x):
""", postlude="""        return x


torch.manual_seed(0)
m = Model()
x = torch.randn(3, 4, requires_grad=True)
m(x).sum().backward()
grad_checkpointed = x.grad.clone()
x.grad = None
m.block(x).sum().backward()
assert torch.allclose(grad_checkpointed, x.grad)
"""),
    "pt-transfer": Spec(skip="needs torchvision and its downloadable weights (not importable here)"),
    "pt-tensorboard": Spec(prelude=TRAINING, requires=("tensorboard",), postlude="""
import os
assert any(name.startswith("events.out.tfevents") for name in os.listdir("runs/experiment"))
"""),
    "pt-compile": Spec(prelude=TRAINING, isolated=True, postlude="""
assert torch.allclose(compiled_model(inputs), model(inputs), atol=1e-5)
assert list(model.state_dict()) == [k.removeprefix("_orig_mod.") for k in compiled_model.state_dict()]
"""),
    "pt-torchscript": Spec(prelude=TRAINING, allowed_warnings=(r"torch\.jit\.\w+` is deprecated",), postlude="""
assert torch.allclose(loaded(inputs), model(inputs))
"""),
    "pt-onnx": Spec(prelude=IMPORTS + "model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2))\n",
                    requires=("onnx", "onnxscript"), postlude="import os\nassert os.path.getsize('model.onnx') > 0\n"),
    "pt-export": Spec(prelude=IMPORTS + "model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2))\n", postlude="""
x = torch.randn(5, 16)  # another batch size: the batch dimension is dynamic
assert torch.allclose(loaded(x), model(x), atol=1e-6)
"""),
    "pt-ddp": Spec(script=True, torchrun=True, stdout=r"epoch 9: last loss \d"),
    "pt-autograd-function": Spec(prelude=IMPORTS, postlude="""
x = torch.randn(6, dtype=torch.float64, requires_grad=True)
assert torch.autograd.gradcheck(silu, (x,))
assert torch.allclose(silu(x), nn.functional.silu(x))
"""),
    "pt-gan-step": Spec(prelude=IMPORTS + """
torch.manual_seed(0)
device = torch.device("cpu")
latent_dim = 4
generator = nn.Sequential(nn.Linear(latent_dim, 8), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3)
real_batch = torch.randn(6, 8)
g_before = [p.detach().clone() for p in generator.parameters()]
d_before = [p.detach().clone() for p in discriminator.parameters()]
""", postlude="""
assert all(not torch.equal(a, b) for a, b in zip(g_before, generator.parameters()))
assert all(not torch.equal(a, b) for a, b in zip(d_before, discriminator.parameters()))
assert torch.isfinite(loss_d) and torch.isfinite(loss_g)
"""),
    "pt-transformer-classifier": Spec(prelude=IMPORTS, postlude="""
torch.manual_seed(0)
m = TransformerClassifier(vocab_size=50, num_classes=3)
tokens = torch.randint(1, 50, (2, 7))
tokens[0, 5:] = 0  # the first sequence has 2 padding tokens
logits = m(tokens)
assert logits.shape == (2, 3)
logits.sum().backward()
m.eval()
with torch.no_grad():  # padding must not change the result
    assert torch.allclose(m(tokens[:1]), m(tokens[:1, :5]), atol=1e-5)
"""),
    "pt-profiler": Spec(prelude=TRAINING + """
def train_step(inputs, targets):
    optimizer.zero_grad(set_to_none=True)
    loss_fn(model(inputs), targets).backward()
    optimizer.step()
""", postlude=TRAINED, stdout=r"Self CPU time total"),
}


def test_every_snippet_has_an_execution_spec():
    assert set(SPECS) == set(BY_PREFIX), set(BY_PREFIX) ^ set(SPECS)


def _program(prefix: str) -> str:
    spec = SPECS[prefix]
    body = expansion(prefix)
    if spec.indent:
        body = textwrap.indent(body, " " * spec.indent)
    return textwrap.dedent(spec.prelude).rstrip("\n") + "\n" + body + "\n" + spec.postlude


def _skip_reason(spec: Spec) -> str:
    if spec.skip:
        return spec.skip
    missing = [m for m in spec.requires if importlib.util.find_spec(m) is None]
    if missing:
        return f"needs {', '.join(missing)} (not installed)"
    return ""


CAPTURE = r'''
import json, sys, warnings, runpy
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    runpy.run_path(sys.argv[1], run_name="__main__")
print("\n@@WARNINGS@@" + json.dumps([[w.category.__name__, str(w.message), w.filename] for w in caught]))
'''


def _run_batch(programs: dict[str, str], tmp: Path, timeout: int) -> dict[str, dict]:
    """Each program as ``<prefix>.py`` in a folder of its own, forked from one torch import."""
    paths = []
    for prefix, program in programs.items():
        folder = tmp / prefix
        folder.mkdir()
        (folder / f"{prefix}.py").write_text(program, encoding="utf-8")
        paths.append(folder / f"{prefix}.py")
    results = {}
    for prefix, result in zip(programs, run_forked(paths, timeout), strict=True):
        error = result["error"]
        if error is None and result["code"] != 0:
            error = f"exit {result['code']}\n{result['stderr'][-3000:]}"
        results[prefix] = {"error": error, "warnings": result["warnings"], "stdout": result["stdout"][-4000:]}
    return results


@pytest.fixture(scope="module")
def inline_results(tmp_path_factory) -> dict[str, dict]:
    """Run every inline, not-isolated, not-skipped snippet in one subprocess."""
    programs = {p: _program(p) for p, spec in SPECS.items()
                if p in BY_PREFIX and not (spec.script or spec.isolated or _skip_reason(spec))}
    return _run_batch(programs, tmp_path_factory.mktemp("snippets"), timeout=300)


def _run_script(prefix: str, tmp: Path) -> dict:
    spec = SPECS[prefix]
    script = tmp / "train.py"
    script.write_text(expansion(prefix) + "\n", encoding="utf-8")
    capture = tmp / "capture.py"
    capture.write_text(CAPTURE.replace("sys.argv[1]", repr(str(script))), encoding="utf-8")
    if spec.torchrun:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1", str(capture)]
    else:
        command = [sys.executable, str(capture)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp)
    stdout, _, caught = proc.stdout.rpartition("\n@@WARNINGS@@")
    error = None if proc.returncode == 0 else f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return {"error": error, "warnings": json.loads(caught) if caught.strip() else [], "stdout": stdout}


def _check(prefix: str, result: dict) -> None:
    spec = SPECS[prefix]
    assert result["error"] is None, f"{prefix} failed:\n{result['error']}\n--- program ---\n{_program(prefix)}"
    unexpected = []
    for category, message, filename in result["warnings"]:
        # Like Python's default filters: deprecations count only when our code triggers them
        # (torch's own modules deprecate each other's internals as they import).
        ours = filename.endswith((f"{prefix}.py", "train.py"))
        if category in ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning") and not ours:
            continue
        text = f"{category}: {message} ({filename})"
        if not any(re.search(a, text) for a in spec.allowed_warnings):
            unexpected.append(text)
    assert not unexpected, f"{prefix} warned: {unexpected}"
    if spec.stdout:
        assert re.search(spec.stdout, result["stdout"], re.M), f"{prefix} printed: {result['stdout'][-2000:]!r}"


@pytest.mark.parametrize("prefix", sorted(p for p, s in SPECS.items() if not (s.script or s.isolated)))
def test_snippet_runs(prefix, inline_results):
    reason = _skip_reason(SPECS[prefix])
    if reason:
        pytest.skip(reason)
    _check(prefix, inline_results[prefix])


@pytest.mark.slow
@pytest.mark.parametrize("prefix", sorted(p for p, s in SPECS.items() if s.script or s.isolated))
def test_snippet_runs_alone(prefix, tmp_path):
    spec = SPECS[prefix]
    reason = _skip_reason(spec)
    if reason:
        pytest.skip(reason)
    if spec.script:
        result = _run_script(prefix, tmp_path)
    else:
        result = _run_batch({prefix: _program(prefix)}, tmp_path, timeout=600)[prefix]
    _check(prefix, result)
