"""The forked runner the snippet and knowledge-example tests rely on: each failure path
must come back as a failure, or those tests could pass on broken examples."""

from __future__ import annotations

import textwrap

import pytest

from fork_runner import run_forked

pytest.importorskip("torch")

PROGRAMS = {
    "ok": "import warnings\nprint('hello')\nwarnings.warn('careful', UserWarning)\n",
    "raises": "raise ValueError('boom')\n",
    "exits": "import sys\nsys.exit(3)\n",
    "sleeps": "import time\ntime.sleep(60)\n",
    "sets_global": "import torch\ntorch.tw_marker = 1\n",
    "sees_global": "import torch\nassert not hasattr(torch, 'tw_marker'), 'state leaked from an earlier file'\n",
    "spawns": textwrap.dedent("""\
        import torch.multiprocessing as mp

        def work(rank):
            assert rank == 0

        if __name__ == "__main__":
            mp.spawn(work, nprocs=1)
            print("spawned")
        """),
}


def test_every_outcome_is_reported(tmp_path):
    paths = []
    for name, program in PROGRAMS.items():
        (tmp_path / name).mkdir()
        path = tmp_path / name / f"{name}.py"
        path.write_text(program, encoding="utf-8")
        paths.append(path)
    results = dict(zip(PROGRAMS, run_forked(paths, timeout=12), strict=True))
    ok = results["ok"]
    assert (ok["code"], ok["error"], ok["stdout"]) == (0, None, "hello\n")
    assert [w[:2] for w in ok["warnings"]] == [["UserWarning", "careful"]] and ok["warnings"][0][2].endswith("ok.py")
    assert results["raises"]["code"] == 1 and "ValueError: boom" in results["raises"]["error"]
    assert (results["exits"]["code"], results["exits"]["error"]) == (3, None)
    assert results["sleeps"]["code"] == "timeout"
    assert results["sets_global"]["code"] == 0
    assert results["sees_global"]["code"] == 0, results["sees_global"]["error"]
    assert results["spawns"]["code"] == 0 and results["spawns"]["stdout"] == "spawned\n", results["spawns"]
