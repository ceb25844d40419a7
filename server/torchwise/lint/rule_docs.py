"""Where each rule's documentation lives, and its page for ``torchwise rule``.

A rule's ``url`` (diagnostics' ``codeDescription``, the JSON ``url``, SARIF ``helpUri``)
is the official PyTorch documentation page of the API the rule is about: those pages
exist and keep their addresses across releases (``docs.pytorch.org/docs/stable/...``).
The rule's own page (``knowledge/rules/<name>.md``) ships with torchwise: hovers on a
rule code and ``torchwise rule <code>`` show it in full. Teams that publish the rule
pages themselves set ``TORCHWISE_RULE_DOCS_URL`` to a template such as
``https://example.org/torchwise/{name}.html`` (``{code}`` and ``{name}`` are replaced).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from torchwise.lazy_pattern import lazy

if TYPE_CHECKING:  # pragma: no cover
    from torchwise.lint.base import Finding, Rule

URL_TEMPLATE_ENV = "TORCHWISE_RULE_DOCS_URL"

_DOCS = "https://docs.pytorch.org/docs/stable/"
_VISION = "https://docs.pytorch.org/vision/stable/"

# rule name -> the PyTorch documentation page of the API it is about
PYTORCH_DOCS: dict[str, str] = {
    "syntax-error": "https://docs.python.org/3/reference/lexical_analysis.html",
    "unused-noqa": "https://docs.python.org/3/reference/lexical_analysis.html#comments",
    "missing-zero-grad": f"{_DOCS}generated/torch.optim.Optimizer.zero_grad.html",
    "zero-grad-between-backward-and-step": f"{_DOCS}generated/torch.optim.Optimizer.zero_grad.html",
    "scheduler-step-before-optimizer-step": f"{_DOCS}optim.html#how-to-adjust-learning-rate",
    "missing-eval": f"{_DOCS}generated/torch.nn.Module.html#torch.nn.Module.eval",
    "missing-train-mode": f"{_DOCS}generated/torch.nn.Module.html#torch.nn.Module.train",
    "missing-no-grad": f"{_DOCS}generated/torch.no_grad.html",
    "no-grad-not-entered": f"{_DOCS}generated/torch.no_grad.html",
    "method-not-called": f"{_DOCS}generated/torch.optim.Optimizer.zero_grad.html",
    "clip-grad-misplaced": f"{_DOCS}generated/torch.nn.utils.clip_grad_norm_.html",
    "loss-accumulated-without-item": f"{_DOCS}generated/torch.Tensor.item.html",
    "tensor-to-discarded": f"{_DOCS}generated/torch.Tensor.to.html",
    "numpy-without-detach": f"{_DOCS}generated/torch.Tensor.numpy.html",
    "layer-replaced-after-optimizer": f"{_DOCS}generated/torch.optim.Optimizer.add_param_group.html",
    "scheduler-on-replaced-optimizer": f"{_DOCS}optim.html#how-to-adjust-learning-rate",
    "softmax-before-cross-entropy": f"{_DOCS}generated/torch.nn.CrossEntropyLoss.html",
    "sigmoid-before-bce-with-logits": f"{_DOCS}generated/torch.nn.BCEWithLogitsLoss.html",
    "nll-loss-without-log-softmax": f"{_DOCS}generated/torch.nn.NLLLoss.html",
    "softmax-without-dim": f"{_DOCS}generated/torch.nn.functional.softmax.html",
    "missing-super-init": f"{_DOCS}generated/torch.nn.Module.html",
    "unregistered-submodules": f"{_DOCS}generated/torch.nn.ModuleList.html",
    "forward-called-directly": f"{_DOCS}generated/torch.nn.Module.html#torch.nn.Module.forward",
    "hook-registered-in-loop": f"{_DOCS}generated/torch.nn.Module.html#torch.nn.Module.register_forward_hook",
    "scaler-step-missing": f"{_DOCS}amp.html#gradient-scaling",
    "clip-scaled-gradients": f"{_DOCS}notes/amp_examples.html#gradient-clipping",
    "backward-inside-autocast": f"{_DOCS}amp.html#torch.autocast",
    "deprecated-cuda-amp": f"{_DOCS}amp.html#torch.cuda.amp.autocast",
    "torch-load-without-weights-only": f"{_DOCS}generated/torch.load.html",
    "save-whole-model": f"{_DOCS}notes/serialization.html",
    "export-in-train-mode": f"{_DOCS}export.html#torch.export.export",
    "requires-grad-on-integer-tensor": f"{_DOCS}generated/torch.Tensor.requires_grad.html",
    "autograd-variable-deprecated": f"{_DOCS}autograd.html#variable-deprecated",
    "require-grad-typo": f"{_DOCS}generated/torch.Tensor.requires_grad.html",
    "dataloader-workers-without-main-guard": f"{_DOCS}data.html#platform-specific-behaviors",
    "dataloader-without-workers": f"{_DOCS}data.html#torch.utils.data.DataLoader",
    "removed-function": f"{_DOCS}linalg.html",
    "deprecated-function": f"{_DOCS}linalg.html",
    "torchvision-pretrained-deprecated": f"{_VISION}models.html",
    "checkpoint-without-use-reentrant": f"{_DOCS}checkpoint.html#torch.utils.checkpoint.checkpoint",
    "non-public-default-collate": f"{_DOCS}data.html#torch.utils.data.default_collate",
    "use-log1p": f"{_DOCS}generated/torch.log1p.html",
    "use-expm1": f"{_DOCS}generated/torch.expm1.html",
    "use-logsumexp": f"{_DOCS}generated/torch.logsumexp.html",
    "torchvision-to-tensor-deprecated": f"{_VISION}generated/torchvision.transforms.v2.ToTensor.html",
    "torchvision-singleton-import": f"{_VISION}models.html",
    "zero-grad-set-to-none-false": f"{_DOCS}generated/torch.optim.Optimizer.zero_grad.html",
    "library-not-scoped": f"{_DOCS}library.html",
}

# API -> the documentation page for findings about that API, where its rule covers many
# (removed-function, deprecated-function, deprecated-cuda-amp): the API's own page where it has one that
# states the deprecation, else its replacement's page (a removed function has none left)
_FUNC = ("vmap", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functionalize", "linearize")
API_DOCS: dict[str, str] = {
    "torch.solve": f"{_DOCS}generated/torch.linalg.solve.html",
    "torch.symeig": f"{_DOCS}generated/torch.linalg.eigh.html",
    "torch.matrix_rank": f"{_DOCS}generated/torch.linalg.matrix_rank.html",
    "torch.lstsq": f"{_DOCS}generated/torch.linalg.lstsq.html",
    "torch._six": "https://docs.python.org/3/library/math.html#math.inf",
    **{f"torch.{name}": f"{_DOCS}generated/torch.{name}.html" for name in (
        "qr", "chain_matmul", "cholesky", "ger", "range", "lu", "lu_solve", "norm", "svd", "triangular_solve")},
    "torch.nn.UpsamplingNearest2d": f"{_DOCS}generated/torch.nn.UpsamplingNearest2d.html",
    "torch.nn.UpsamplingBilinear2d": f"{_DOCS}generated/torch.nn.UpsamplingBilinear2d.html",
    "torch.nn.utils.clip_grad_norm": f"{_DOCS}generated/torch.nn.utils.clip_grad_norm_.html",
    "torch.nn.utils.clip_grad.clip_grad_norm": f"{_DOCS}generated/torch.nn.utils.clip_grad_norm_.html",
    "torch.testing.assert_allclose": f"{_DOCS}testing.html#torch.testing.assert_close",
    "torch.nn.utils.weight_norm": f"{_DOCS}generated/torch.nn.utils.weight_norm.html",
    # private, so undocumented: the module whose docstrings document it
    "torch.utils._pytree._register_pytree_node": "https://github.com/pytorch/pytorch/blob/main/torch/utils/_pytree.py",
    "torch.backends.cuda.sdp_kernel": f"{_DOCS}generated/torch.nn.attention.sdpa_kernel.html",
    "torch.cuda.amp.autocast": f"{_DOCS}amp.html#torch.cuda.amp.autocast",
    "torch.cuda.amp.GradScaler": f"{_DOCS}amp.html#gradient-scaling",
    "torch.cuda.amp.custom_fwd": f"{_DOCS}amp.html#torch.amp.custom_fwd",
    "torch.cuda.amp.custom_bwd": f"{_DOCS}amp.html#torch.amp.custom_bwd",
    "torch.cpu.amp.autocast": f"{_DOCS}amp.html#torch.autocast",
    "torch.cpu.amp.autocast_mode.autocast": f"{_DOCS}amp.html#torch.autocast",
    **{f"functorch.{name}": f"{_DOCS}generated/torch.func.{name}.html" for name in _FUNC},
    "functorch.make_functional": f"{_DOCS}generated/torch.func.functional_call.html",
    "functorch.make_functional_with_buffers": f"{_DOCS}generated/torch.func.functional_call.html",
    "functorch.combine_state_for_ensemble": f"{_DOCS}generated/torch.func.stack_module_state.html",
    "torch.optim.lr_scheduler.LRScheduler.step": f"{_DOCS}optim.html#how-to-adjust-learning-rate",
}


def rule_url(rule: "Rule") -> str:
    """The documentation address of ``rule`` (see the module docstring)."""
    template = os.environ.get(URL_TEMPLATE_ENV, "").strip()
    if template:
        return template.replace("{code}", rule.code).replace("{name}", rule.name)
    return PYTORCH_DOCS.get(rule.name, f"{_DOCS}index.html")


def finding_url(finding: "Finding") -> str:
    """The documentation address of one finding: the page of its own API where its rule
    covers many (``torch.qr``'s page for a deprecated ``torch.qr``), else its rule's. A
    team's template (``TORCHWISE_RULE_DOCS_URL``) names the rule's page, so it wins."""
    if finding.url is None or os.environ.get(URL_TEMPLATE_ENV, "").strip():
        return rule_url(finding.rule)
    return finding.url


def page_markdown(rule: "Rule") -> str:
    """The rule's page (``knowledge/rules/<name>.md``) with a link to its PyTorch docs."""
    from torchwise.resources import data_dir

    try:
        text = (data_dir("knowledge") / "rules" / f"{rule.name}.md").read_text(encoding="utf-8")
    except (OSError, FileNotFoundError):
        text = f"# {rule.name} ({rule.code})\n\n{rule.summary}\n"
    return f"{text.rstrip()}\n\nDocumentation: {rule_url(rule)}\n"


def what_it_finds(markdown: str) -> str:
    """The first paragraph of the page's "What it finds" section, as plain text."""
    match = re.search(r"^## What it finds\s*\n+(.+?)(?:\n\s*\n|\Z)", markdown, re.M | re.S)
    if match is None:
        return ""
    return " ".join(render_terminal(match.group(1), color=False).split())


# ---------------------------------------------------------------- terminal rendering
_BOLD, _DIM, _CYAN, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m"
_LINK = lazy(r"\[([^\]]+)\]\(([^)]+)\)")
_STRONG = lazy(r"\*\*(.+?)\*\*", re.S)
_CODE = lazy(r"`([^`]+)`")
_EMPHASIS = lazy(r"(?<![*\w])\*([^*\s][^*]*?)\*(?![*\w])")


def render_terminal(markdown: str, color: bool) -> str:
    """Markdown as a terminal shows it: headings bold, code in cyan, fenced blocks
    indented; with ``color`` False only the markup characters go (for pipes)."""
    def style(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    def inline(text: str) -> str:
        text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
        text = _STRONG.sub(lambda m: style(_BOLD, m.group(1)), text)
        text = _EMPHASIS.sub(lambda m: m.group(1), text)
        return _CODE.sub(lambda m: style(_CYAN, m.group(1)), text)

    out: list[str] = []
    paragraph: list[str] = []  # prose lines: a code span may run on to the next line, not past a blank one

    def flush() -> None:
        if paragraph:
            out.extend(inline("\n".join(paragraph)).split("\n"))
            paragraph.clear()

    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            flush()
            fenced = not fenced
            continue
        if fenced:
            out.append("    " + style(_CYAN, line) if line else "")
            continue
        heading = re.match(r"(#{1,6})\s+(.*)", line)
        if heading:
            flush()
            title = heading.group(2)
            out.append(style(_BOLD, title.upper() if len(heading.group(1)) == 1 else title))
            continue
        if not line.strip():
            flush()
            out.append(line)
            continue
        paragraph.append(line)
    flush()
    return "\n".join(out).rstrip() + "\n"
