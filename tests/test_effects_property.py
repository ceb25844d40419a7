"""Property tests for function effects (torchwise.project.effects): no input crashes the
summaries or the rules that use them, recursion and deep call chains end, and the mode a
helper leaves is the one its last unconditional switch sets."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torchwise.lint.engine import all_rules, lint_source
from torchwise.project import effects

PROJECTS = Path(__file__).resolve().parent / "lint_projects"
CORPUS = [p.read_text(encoding="utf-8") for p in sorted(PROJECTS.rglob("*.py"))]
RULES = all_rules()

STATEMENTS = ["m.train()", "m.eval()", "m.train(False)", "m.train(flag)", "opt.step()", "loss.backward()",
              "scaler.step(opt)", "self.net.eval()", "self.helper(m)", "m(x)", "m = other",
              "glob.eval()", "pass", "if opt == 'eval':\n        m.eval()", "for e in m:\n        e.train()",
              "for e in opt:\n        if m == 1:\n            e.train(m)", "f0(m, 'eval')", "f0([m, x], False)"]


@st.composite
def programs(draw) -> str:
    """Module-level functions and one class whose methods call each other at random
    (recursion and mutual recursion included)."""
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        body = []
        for _ in range(draw(st.integers(1, 6))):
            choice = draw(st.integers(0, len(STATEMENTS) + 2))
            if choice < len(STATEMENTS):
                stmt = STATEMENTS[choice]
            elif choice == len(STATEMENTS):
                stmt = f"f{draw(st.integers(0, n - 1))}(m, opt)"
            elif choice == len(STATEMENTS) + 1:
                stmt = f"if c:\n        f{draw(st.integers(0, n - 1))}(opt, m)"
            else:
                stmt = f"for _ in x:\n        f{draw(st.integers(0, n - 1))}(*a)"
            body.append("    " + stmt)
        out.append(f"def f{i}(m, opt):\n" + "\n".join(body))
    methods = "\n".join(f"    def helper{'' if j == 0 else j}(self, m):\n        self.helper(m)\n        m.eval()"
                        for j in range(draw(st.integers(1, 3))))
    out.append(f"class T:\n{methods}")
    return "\n\n".join(out) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs())
def test_summaries_never_crash_and_stay_well_formed(source: str) -> None:
    tree = ast.parse(source)
    s = effects.summaries(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            e = s.of(node)
            assert all(mode in ("train", "eval", "unknown") for _, mode in e.modes)
            assert all(t.startswith(("#", "self.")) or "." not in t or t.split(".")[0].isidentifier()
                       for t, _ in e.modes)
    errors: list[str] = []
    lint_source(source, "gen.py", rules=RULES, on_error=errors.append)
    assert not errors, errors


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(CORPUS), st.integers(0, 10_000), st.integers(0, 40))
def test_truncated_project_files_never_crash(source: str, cut: int, drop: int) -> None:
    lines = source.split("\n")
    mutant = "\n".join(lines[:drop % max(1, len(lines))] + lines[drop % max(1, len(lines)) + 1:])[: cut]
    errors: list[str] = []
    lint_source(mutant, "mutant.py", rules=RULES, on_error=errors.append)
    assert not errors, errors
    try:
        tree = ast.parse(mutant)
    except SyntaxError:
        return
    s = effects.summaries(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            s.of(node)


def _summary(source: str, name: str) -> effects.Effects:
    tree = ast.parse(source)
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    return effects.summaries(tree).of(func)


def test_last_unconditional_switch_wins_and_conditional_is_unknown() -> None:
    src = "def f(m, n):\n    m.eval()\n    m.train()\n    n.train()\n    if c:\n        n.eval()\n"
    assert dict(_summary(src, "f").modes) == {"#0": "train", "#1": "unknown"}


def test_effects_flow_through_helpers_to_the_callers_names() -> None:
    src = ("def inner(model):\n    model.eval()\n\n"
           "def middle(a, b):\n    inner(b)\n\n"
           "def outer(x, y):\n    middle(y, x)\n")
    assert dict(_summary(src, "outer").modes) == {"#0": "eval"}


def test_a_mode_set_for_a_parameter_value_is_the_callers_by_the_value_it_passes() -> None:
    """clevr-iep's ``set_mode('eval', [pg, ee, model])``: each element of a list written out,
    the mode its ``if mode == 'eval':`` arm sets; ``m.train(flag)`` by the flag passed."""
    helper = ("def set_mode(mode, models):\n    for m in models:\n        if mode == 'train':\n            m.train()\n"
              "        if mode == 'eval':\n            m.eval()\n\n"
              "def switch(model, flag):\n    model.train(flag)\n\n")
    assert dict(_summary(helper + "def f(a, b):\n    set_mode('eval', [a, b.net])\n", "f").modes) == {
        "#0": "eval", "#1.net": "eval"}
    assert dict(_summary(helper + "def f(a):\n    set_mode('train', (a,))\n", "f").modes) == {"#0": "train"}
    assert dict(_summary(helper + "def f(a):\n    set_mode('test', [a])\n", "f").modes) == {}  # no arm for it
    assert dict(_summary(helper + "def f(a, how):\n    set_mode(how, [a])\n", "f").modes) == {"#0": "unknown"}
    assert dict(_summary(helper + "def f(a, models):\n    set_mode('eval', models)\n", "f").modes) == {}
    assert dict(_summary(helper + "def f(a):\n    switch(a, False)\n", "f").modes) == {"#0": "eval"}
    assert dict(_summary(helper + "def f(a):\n    switch(a, 1)\n", "f").modes) == {"#0": "unknown"}  # (not a bool)
    # another branch around the switch, or a switch also made otherwise: no value decides
    other = "def g(mode, m):\n    if mode == 'eval' and m:\n        m.eval()\n\ndef f(a):\n    g('eval', a)\n"
    assert dict(_summary(other, "f").modes) == {"#0": "unknown"}
    both = "def g(mode, m):\n    if mode == 'eval':\n        m.eval()\n    m.train()\n\ndef f(a):\n    g('eval', a)\n"
    assert dict(_summary(both, "f").modes) == {"#0": "train"}


def test_depth_is_bounded() -> None:
    chain = "\n\n".join(f"def g{i}(m):\n    g{i + 1}(m)" for i in range(10)) + "\n\ndef g10(m):\n    m.eval()\n"
    assert _summary(chain, "g10").modes == (("#0", "eval"),)
    assert _summary(chain, "g0").modes == ()  # beyond MAX_DEPTH: not known, so no verdict


def test_answers_do_not_depend_on_the_order_of_questions() -> None:
    chain = "\n\n".join(f"def g{i}(m):\n    g{i + 1}(m)" for i in range(6)) + "\n\ndef g6(m):\n    m.eval()\n"
    loop = "def a(m):\n    b(m)\n    m.eval()\n\ndef b(m):\n    a(m)\n    m.train()\n"
    for src in (chain, loop):
        tree = ast.parse(src)
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        forward = {f.name: effects.summaries(tree).of(f) for f in funcs}
        tree = ast.parse(src)
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        backward = {f.name: effects.summaries(tree).of(f) for f in reversed(funcs)}
        assert {k: v.modes for k, v in forward.items()} == {k: v.modes for k, v in backward.items()}


# ------------------------------------------------------------------ across modules
MODULES = 3


@st.composite
def projects(draw) -> dict[str, str]:
    """A package of modules that import each other (cycles included) and whose functions
    call each other's at random, by module attribute and by imported name."""
    out = {}
    for k in range(MODULES):
        lines = [f"from pkg import {', '.join(f'm{j}' for j in range(MODULES))}",
                 f"from pkg.m{(k + 1) % MODULES} import f0 as imported", ""]
        for i in range(draw(st.integers(1, 3))):
            body = []
            for _ in range(draw(st.integers(1, 5))):
                choice = draw(st.integers(0, len(STATEMENTS) + 2))
                if choice < len(STATEMENTS):
                    stmt = STATEMENTS[choice]
                elif choice == len(STATEMENTS):
                    stmt = f"m{draw(st.integers(0, MODULES - 1))}.f{draw(st.integers(0, 2))}(m, opt)"
                elif choice == len(STATEMENTS) + 1:
                    stmt = f"if c:\n        imported(opt, m)"
                else:
                    stmt = f"for _ in x:\n        m{draw(st.integers(0, MODULES - 1))}.f0(*a)"
                body.append("    " + stmt)
            lines.append(f"def f{i}(m, opt):\n" + "\n".join(body) + "\n")
        out[f"m{k}"] = "\n".join(lines)
    return out


def _project_summaries(files: dict[str, str], order) -> dict[tuple[str, str], effects.Effects]:
    import tempfile

    from torchwise.project import Project

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pkg").mkdir()
        (Path(folder) / "pkg" / "__init__.py").write_text("")
        for name, text in files.items():
            (Path(folder) / "pkg" / f"{name}.py").write_text(text)
        project = Project([folder])
        out = {}
        for name in order:
            unit = project.unit(f"pkg.{name}")
            s = effects.summaries(unit.analysis.tree, unit.analysis)
            for node in unit.analysis.tree.body:
                if isinstance(node, ast.FunctionDef):
                    out[(name, node.name)] = s.of(node)
        return out


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(projects(), st.permutations([f"m{k}" for k in range(MODULES)]))
def test_cross_module_summaries_end_and_do_not_depend_on_order(files: dict[str, str], order) -> None:
    """Import cycles and mutual recursion across modules end; a fresh project asked in
    another order gives the same summaries; the rules run on every module."""
    first = _project_summaries(files, sorted(files))
    again = _project_summaries(files, order)
    assert {k: (v.modes, v.backward, v.clears, v.step_targets()) for k, v in first.items()} == \
        {k: (v.modes, v.backward, v.clears, v.step_targets()) for k, v in again.items()}
    for e in first.values():
        assert all(t.startswith("#") or t.startswith("self.") or t.split(".")[0].isidentifier() for t, _ in e.modes)


def test_a_helper_of_another_module_counts_like_a_local_one(tmp_path: Path) -> None:
    files = {"m0": "from pkg.m1 import switch\n\ndef f0(model, opt):\n    switch(opt, model)\n",
             "m1": "from pkg import m2\n\ndef switch(opt, net):\n    m2.leave(net)\n    opt.step()\n",
             "m2": "def leave(net):\n    net.eval()\n    glob.train()\n"}
    e = _project_summaries(files, ["m0"])[("m0", "f0")]
    assert dict(e.modes) == {"#0": "eval"}  # the other module's global is not this module's
    assert e.step_targets() == {"#1"}


# ------------------------------------------------------------------ no_grad / autocast regions
# with-item -> (kind, on) it sets, or None when it changes nothing known
CONTEXTS = {
    "torch.no_grad()": ("no_grad", True), "torch.inference_mode()": ("no_grad", True),
    "smart_inference_mode()": ("no_grad", True), "torch.set_grad_enabled(False)": ("no_grad", True),
    "torch.enable_grad()": ("no_grad", False), "torch.set_grad_enabled(True)": ("no_grad", False),
    "torch.set_grad_enabled(flag)": None, "torch.inference_mode(False)": None, "open(p)": None,
    "torch.autocast('cuda')": ("autocast", True), "torch.autocast('cuda', enabled=use_amp)": ("autocast", True),
    "torch.autocast('cuda', enabled=False)": ("autocast", False), "torch.cuda.amp.autocast(False)": ("autocast", False),
}
DECORATORS = ["@torch.no_grad()", "@torch.inference_mode()", "@torch.autocast('cuda')", "@staticmethod", ""]


@st.composite
def region_functions(draw) -> str:
    """Functions whose calls sit in random nests of grad-mode and autocast regions
    (also in the ``with`` items themselves, in loops, and in nested functions)."""
    out = []
    n = draw(st.integers(1, 4))
    for i in range(n):
        def block(indent: int, depth: int) -> list[str]:
            lines = []
            for _ in range(draw(st.integers(1, 3))):
                pad = "    " * indent
                choice = draw(st.integers(0, 5))
                if choice <= 1 and depth < 4:
                    items = draw(st.lists(st.sampled_from(sorted(CONTEXTS)), min_size=1, max_size=2))
                    lines.append(f"{pad}with {', '.join(items)}:")
                    lines += block(indent + 1, depth + 1)
                elif choice == 2 and depth < 4:
                    lines.append(f"{pad}for x in f{draw(st.integers(0, n - 1))}(m):")
                    lines += block(indent + 1, depth + 1)
                elif choice == 3:
                    lines.append(f"{pad}def inner():\n{pad}    return f0(m)")
                else:
                    lines.append(f"{pad}y = f{draw(st.integers(0, n - 1))}(m) + m(x).sum()")
            return lines

        decorator = draw(st.sampled_from(DECORATORS))
        out.append((decorator + "\n" if decorator else "") + f"def f{i}(m):\n" + "\n".join(block(1, 0)))
    return "\n\n".join(out) + "\n"


def _expected_kinds(func: ast.AST, call: ast.Call, parents: dict[int, ast.AST]) -> frozenset[str]:
    """The oracle: the innermost region switch of each kind around the call decides, else
    the decorators (the last that switches it)."""
    decided: dict[str, bool] = {}
    child, node = call, parents[id(call)]
    while node is not func:
        if isinstance(node, ast.With) and any(child is s for s in node.body):
            for item in reversed(node.items):
                change = CONTEXTS[ast.unparse(item.context_expr)]
                if change is not None:
                    decided.setdefault(change[0], change[1])
        child, node = node, parents[id(node)]
    for decorator in reversed(func.decorator_list):
        change = {"torch.no_grad()": ("no_grad", True), "torch.inference_mode()": ("no_grad", True),
                  "torch.autocast('cuda')": ("autocast", True)}.get(ast.unparse(decorator))
        if change is not None:
            decided.setdefault(change[0], change[1])
    return frozenset(kind for kind, on in decided.items() if on)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(region_functions())
def test_regions_say_which_calls_run_under_no_grad_or_autocast(source: str) -> None:
    from torchwise.analysis import build_analysis

    analysis = build_analysis(source, "gen.py")
    tree = analysis.tree
    parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    for func in tree.body:
        assert isinstance(func, ast.FunctionDef)
        regions = effects.summaries(tree, analysis).of(func).regions
        assert regions is effects.regions_of(analysis, func)  # computed once per function version
        own = [n for n in ast.walk(func) if isinstance(n, ast.Call)
               and _owner(n, parents) is func and not _in_decorator(n, func, parents)]
        for call in own:
            assert regions.at(call) == _expected_kinds(func, call, parents), ast.unparse(call)
        nested = [n for n in ast.walk(func) if isinstance(n, ast.Call) and _owner(n, parents) is not func]
        for call in nested:
            assert regions.at(call) == frozenset()  # a nested function's code is not this one's
    errors: list[str] = []
    lint_source(source, "gen.py", rules=RULES, on_error=errors.append)
    assert not errors, errors


def _owner(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST:
    node = parents[id(node)]
    while not isinstance(node, (ast.FunctionDef, ast.Lambda, ast.Module)):
        node = parents[id(node)]
    return node


def _in_decorator(node: ast.AST, func: ast.FunctionDef, parents: dict[int, ast.AST]) -> bool:
    while node is not func:
        if any(node is d for d in func.decorator_list):
            return True
        node = parents[id(node)]
    return False


@st.composite
def call_graphs(draw) -> str:
    """Functions calling each other at random (recursion included), some calls inside a
    no_grad region or an enable_grad one within it, some functions decorated."""
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        body = []
        for _ in range(draw(st.integers(0, 3))):
            callee = f"f{draw(st.integers(0, n - 1))}(m)"
            wrap = draw(st.sampled_from(["", "no_grad", "enable"]))
            if wrap == "no_grad":
                body.append(f"    with torch.no_grad():\n        {callee}")
            elif wrap == "enable":
                body.append(f"    with torch.no_grad():\n        with torch.enable_grad():\n            {callee}")
            else:
                body.append(f"    {callee}")
        decorator = "@torch.no_grad()\n" if draw(st.integers(0, 5)) == 0 else ""
        out.append(f"{decorator}def f{i}(m):\n" + ("\n".join(body) or "    pass"))
    if draw(st.booleans()):
        out.append(f"with torch.no_grad():\n    f{draw(st.integers(0, n - 1))}(m)")
    return "\n\n".join(out) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(call_graphs())
def test_reached_under_no_grad_ends_and_is_sound(source: str) -> None:
    """The answer ends on any call graph; "yes" only when some chain of callers reaches
    the function from a no_grad region (or decorator); a caller's direct no_grad call,
    or the function's own decorator, is always seen."""
    from torchwise.analysis import build_analysis
    from torchwise.lint.rules import _reach

    analysis = build_analysis(source, "gen.py")
    funcs = {f.name: f for f in analysis.tree.body if isinstance(f, ast.FunctionDef)}
    module = effects.regions_of(analysis, analysis.tree)
    edges: dict[str, set[tuple[str, bool]]] = {name: set() for name in funcs}  # callee -> (caller, under no_grad)
    for caller in [*funcs.values(), analysis.tree]:
        regions = effects.regions_of(analysis, caller)
        body = caller.body
        for call in (n for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Name) and n.func.id in funcs):
            edges[call.func.id].add((getattr(caller, "name", "<module>"), "no_grad" in regions.at(call)))
    assert module is effects.regions_of(analysis, analysis.tree)

    def possible(name: str, seen: frozenset[str]) -> bool:
        if "no_grad" in effects.regions_of(analysis, funcs[name]).body:
            return True
        return any(under or (caller in funcs and caller not in seen and possible(caller, seen | {caller}))
                   for caller, under in edges[name])

    for name, func in funcs.items():
        answer = _reach.reached_under_grad_off(analysis, func)
        assert answer == _reach.reached_under_grad_off(analysis, func)  # memoised, same answer
        if answer:
            assert possible(name, frozenset({name}))
        direct = "no_grad" in effects.regions_of(analysis, func).body or any(
            under for caller, under in edges[name] if caller != name)
        if direct:
            assert answer


def test_summaries_read_the_index_as_the_walks_would() -> None:
    """A summary's calls and stored names come from the file's index (no walk per
    function): the same as walking each function of the fixtures."""
    from torchwise.analysis import build_analysis

    for path in sorted((Path(__file__).parent / "lint_fixtures").rglob("*.py")):
        analysis = build_analysis(path.read_text(encoding="utf-8"), str(path))
        stored = effects._stored_by_scope(analysis)
        for func in ast.walk(analysis.tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert stored[id(func)] == effects._stored_names(func), (path.name, func.name)
                walked = effects._local_calls(func)
                assert effects._indexed_local_calls(analysis, func) == walked, (path.name, func.name)


CYCLE = {  # found by the property test above: m1.f0 reaches itself through m2.f0, arguments swapped
    "m0": "from pkg import m0, m1, m2\nfrom pkg.m1 import f0 as imported\n\n"
          "def f0(m, opt):\n    m1.f0(m, opt)\n\ndef f1(m, opt):\n    m.train()\n",
    "m1": "from pkg import m0, m1, m2\nfrom pkg.m2 import f0 as imported\n\n"
          "def f0(m, opt):\n    m.train()\n    if c:\n        imported(opt, m)\n",
    "m2": "from pkg import m0, m1, m2\nfrom pkg.m0 import f0 as imported\n\n"
          "def f0(m, opt):\n    m1.f0(m, opt)\n\ndef f1(m, opt):\n    if c:\n        imported(opt, m)\n\n"
          "def f2(m, opt):\n    m.train()\n",
}


def test_a_cycle_entered_from_either_end_gives_the_same_summaries() -> None:
    """A cycle cut where it was entered answered m1.f0 without the ``#1`` its cycle
    switches (``opt`` comes back as ``m``) when m1 was asked before m2, with it after."""
    answers = set()
    for order in itertools.permutations(CYCLE):
        summaries = _project_summaries(CYCLE, list(order))
        answers.add(tuple(sorted((k, v.modes) for k, v in summaries.items())))
    assert len(answers) == 1, answers
    (answer,) = answers
    assert dict(answer)[("m1", "f0")] == (("#0", "train"), ("#1", "unknown"))
