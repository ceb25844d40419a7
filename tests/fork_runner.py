"""Run Python files each in a forked child of one parent that imported torch once.

Importing torch (and what a first optimizer, process group or compile pulls in) takes
seconds; a fork starts from that state for free, yet nothing one file does (a process
group, a compile cache, a global) passes to the next. Each file runs as ``__main__`` in
its own folder (``multiprocessing``'s spawn finds it there), with stdout, stderr, the
warnings it raised and any exception recorded; one that outlives its timeout is killed.
The snippet and knowledge-example tests share it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_RUNNER = r"""
import json, os, runpy, signal, sys, time, traceback, warnings
import torch, torch._dynamo, torch.distributed, torch.utils.data
jobs, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
codes = []
for path in jobs:
    pid = os.fork()
    if pid == 0:
        code, caught = 0, []
        try:
            for fd, suffix in ((1, ".out"), (2, ".err")):
                os.dup2(os.open(path + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            os.chdir(os.path.dirname(path))
            sys.argv, sys.path[0] = [path], os.path.dirname(path)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                runpy.run_path(path, run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            with open(path + ".error", "w") as f:
                f.write(traceback.format_exc(limit=8))
            code = 1
        with open(path + ".warnings", "w") as f:
            json.dump([[w.category.__name__, str(w.message), w.filename] for w in caught], f)
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            codes.append(os.waitstatus_to_exitcode(status))
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            codes.append("timeout")
            break
        time.sleep(0.02)
print(json.dumps(codes))
"""


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def run_forked(paths: list[Path], timeout: float) -> list[dict]:
    """Run each file; per file: ``code`` (exit code or ``"timeout"``), ``stdout``,
    ``stderr``, ``error`` (the exception's traceback, or None) and ``warnings``
    (``[category, message, filename]``)."""
    names = [str(p) for p in paths]
    proc = subprocess.run([sys.executable, "-c", _RUNNER, json.dumps(names), str(timeout)],
                          capture_output=True, text=True, timeout=timeout * len(names) + 120,
                          cwd=Path(names[0]).parent if names else None)
    assert proc.returncode == 0, proc.stderr[-4000:]
    codes = json.loads(proc.stdout.strip().splitlines()[-1])
    results = []
    for name, code in zip(names, codes, strict=True):
        caught = _read(name + ".warnings")
        error = _read(name + ".error")
        if error is None and code not in (0, "timeout") and caught is None:
            error = f"child died (exit {code})"
        results.append({"code": code, "stdout": _read(name + ".out") or "", "stderr": _read(name + ".err") or "",
                        "error": error, "warnings": json.loads(caught) if caught else []})
    return results
