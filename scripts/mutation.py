"""Mutation score per module: mutants from mutmut's operators, each run against the
module's fast tests. Not in CI (minutes per module on 2 cores); see scripts/mutation.sh.

The repository is never modified: every mutant is written into a temporary copy of
the ``torchwise`` package, put first on ``sys.path`` and ``PYTHONPATH`` (for the
servers and CLIs the tests start). Tests run in a child forked from a warm parent
that has already imported pytest and its plugins, so a mutant costs its tests'
time, not pytest's start-up.

A mutant is *killed* when its tests fail (or time out), *survives* when they pass.
Survivors listed in tests/mutation_equivalents.md (same module, original line and
mutant index) are equivalent — no test can tell them apart — and leave the score.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "server" / "torchwise"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.md"

# module (relative to server/torchwise) -> the fast tests that guard it
MODULES: dict[str, list[str]] = {
    "text.py": ["tests/test_text.py", "tests/test_text_kills.py"],
    "documents.py": ["tests/test_text.py", "tests/test_text_kills.py", "tests/test_documents_kills.py"],
    "lint/noqa.py": ["tests/test_lint_noqa.py", "tests/test_noqa_kills.py"],
    "rst.py": ["tests/test_rst.py", "tests/test_rst_kills.py"],
    "lint/fix.py": ["tests/test_mutation_kills.py"],
    "lint/files.py": ["tests/test_files_unit.py"],
    "lint/output.py": ["tests/test_output_formats.py", "tests/test_mutation_kills.py"],
    "lint/engine.py": ["tests/test_lint_engine.py", "tests/test_mutation_kills.py", "tests/test_engine_kills.py"],
    "diagnostics.py": ["tests/test_mutation_kills.py"],  # noqa_edit and friends (unit level)
    "lint/rules/training.py": ["tests/test_lint_fixtures.py", "tests/test_mutation_kills.py"],
    "completion.py": ["tests/test_completion_kills.py", "tests/test_completion_lsp.py", "tests/test_mutation_kills_lsp.py"],
    "hover.py": ["tests/test_hover_kills.py", "tests/test_hover.py", "tests/test_mutation_kills_lsp.py"],
}

# the rule sample (--rule NAME): module, the rule's lines (its function, and the message and
# fix helpers it calls), and its fastest guarding tests: its fixture files and
# tests/test_rule_sample_kills.py
RULE_SAMPLE: dict[str, tuple[str, str, list[str]]] = {
    name: (module, lines, [f"tests/test_lint_fixtures.py::test_rule_fixture[{name}]",
                           f"tests/test_lint_fixtures.py::test_rule_fixture_fixed[{name}]",
                           "tests/test_rule_sample_kills.py"])
    for name, module, lines in [
        ("checkpoint-without-use-reentrant", "lint/rules/deprecated.py", "514-533"),
        ("missing-zero-grad", "lint/rules/training.py", "158-255"),
        ("softmax-before-cross-entropy", "lint/rules/losses.py", "340-359,389-390,397-410"),
        ("dataloader-workers-without-main-guard", "lint/rules/data.py", "64-209"),
    ]
}


def equivalent_keys() -> set[str]:
    """``module | original line | index`` keys from the equivalents file's backticked entries."""
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"^- `([^`]+ \| .+ \| #\d+)`", EQUIVALENTS.read_text(encoding="utf-8"), re.M))


def mutants(path: Path, wanted=lambda lineno: True):
    """(mutation id, mutated text) for the mutants on the lines ``wanted`` accepts (1-based):
    only those are built, as building one re-parses the whole module."""
    from mutmut import ALL, Context, list_mutations, mutate

    context = Context(filename=str(path), mutation_id=ALL)
    for mutation_id in list_mutations(context):
        if not wanted(mutation_id.line_number + 1):
            continue
        ctx = Context(filename=str(path), mutation_id=mutation_id)
        mutated, count = mutate(ctx)
        if count:
            yield mutation_id, mutated


def run_tests(overlay: Path, tests: list[str], timeout: float, extra: list[str]) -> str:
    """'passed', 'failed' or 'timeout' for ``tests`` on the package in ``overlay``."""
    pid = os.fork()
    if pid == 0:  # child: fresh torchwise and test modules from the overlay
        try:
            for name in list(sys.modules):
                if name == "torchwise" or name.startswith("torchwise.") or name.startswith(("test_", "lsp_helpers", "conftest")):
                    del sys.modules[name]
            sys.path.insert(0, str(overlay))
            os.environ["PYTHONPATH"] = os.pathsep.join([str(overlay), str(ROOT / "tests")])
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.setpgid(0, 0)
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *extra, *tests])
            helpers = sys.modules.get("lsp_helpers")  # the tests' temporary cache (no atexit here)
            if helpers is not None:
                shutil.rmtree(helpers.SESSION_CACHE, ignore_errors=True)
            os._exit(int(code))
        except BaseException:
            os._exit(99)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"modules under server/torchwise (default: {', '.join(MODULES)})")
    parser.add_argument("--tests", nargs="*", help="tests to run instead of the module's own")
    parser.add_argument("--max-mutants", type=int, default=0, help="only the first N mutants of each module")
    parser.add_argument("--timeout-factor", type=float, default=5.0, help="a mutant times out after N x baseline")
    parser.add_argument("--lines", help="only mutate lines FROM-TO (1-based, inclusive), e.g. 380-420 or 10-20,30-40")
    parser.add_argument("--rule", help=f"one rule of the sample: its module, lines and tests ({', '.join(RULE_SAMPLE)})")
    parser.add_argument("--progress", action="store_true",
                        help="print every mutant's result as it comes (a run cut short still gives a partial score)")
    args = parser.parse_args(argv)

    # warm the parent: everything the tests import except torchwise itself
    import hypothesis  # noqa: F401
    import lsprotocol.types  # noqa: F401
    import pygls.server  # noqa: F401
    import pytest  # noqa: F401
    import pytest_asyncio  # noqa: F401
    import pytest_lsp  # noqa: F401

    sys.path.insert(0, str(ROOT / "tests"))
    os.chdir(ROOT)
    equivalents = equivalent_keys()
    if args.rule:
        if args.rule not in RULE_SAMPLE:
            print(f"{args.rule}: not in the rule sample ({', '.join(RULE_SAMPLE)})", file=sys.stderr)
            return 2
        module, args.lines, tests = RULE_SAMPLE[args.rule]
        args.modules, args.tests = [module], args.tests or tests
    ranges = [tuple(int(x) for x in part.split("-")) for part in (args.lines or "1-1000000000").split(",")]

    def wanted(lineno: int) -> bool:
        return any(first <= lineno <= last for first, last in ranges)
    rows = []
    for module in args.modules or list(MODULES):
        tests = args.tests or MODULES.get(module)
        if not tests:
            print(f"{module}: no tests configured; pass --tests", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="torchwise-mutation-") as tmp:
            # the checkout's layout: server/torchwise beside knowledge/ and snippets/ (resources.py)
            overlay = Path(tmp) / "server"
            shutil.copytree(PACKAGE, overlay / "torchwise", ignore=shutil.ignore_patterns("__pycache__"))
            for data in ("knowledge", "snippets"):
                (Path(tmp) / data).symlink_to(ROOT / data)
            target = overlay / "torchwise" / module
            original = target.read_text(encoding="utf-8")
            start = time.monotonic()
            baseline = run_tests(overlay, tests, 1800, [])
            base_s = time.monotonic() - start
            if baseline != "passed":
                print(f"{module}: the tests fail on the unmutated code ({baseline}); fix that first", file=sys.stderr)
                return 2
            print(f"{module}: baseline {base_s:.1f}s with {' '.join(tests)}", flush=True)
            killed = survived = equivalent = 0
            count = 0
            for mutation_id, mutated in mutants(PACKAGE / module, wanted):
                lineno = mutation_id.line_number + 1
                count += 1
                if args.max_mutants and count > args.max_mutants:
                    break
                target.write_text(mutated, encoding="utf-8")
                result = run_tests(overlay, tests, max(30.0, base_s * args.timeout_factor), [])
                target.write_text(original, encoding="utf-8")
                key = f"{module} | {mutation_id.line.strip()} | #{mutation_id.index}"
                if args.progress:
                    print(f"  [{count}] {'killed' if result != 'passed' else 'passed'} ({result}): {key}", flush=True)
                if result != "passed":
                    killed += 1
                    continue
                if key in equivalents:
                    equivalent += 1
                    continue
                survived += 1
                new_line = mutated.split("\n")[mutation_id.line_number].strip()
                print(f"  SURVIVED {module}:{lineno}  `{mutation_id.line.strip()}`  ->  `{new_line}`   [key: {key}]",
                      flush=True)
            total = killed + survived
            score = 100.0 * killed / total if total else 100.0
            rows.append((module, killed, survived, equivalent, score))
            print(f"{module}: {killed} killed, {survived} survived, {equivalent} equivalent: {score:.1f}%", flush=True)
    print("\nmodule                      killed  survived  equivalent  score")
    for module, k, s, e, score in rows:
        print(f"{module:<28}{k:>6}  {s:>8}  {e:>10}  {score:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
