"""The pool's workers share the answers one of them found (``pool.SharedAnswers``): which
functions a module's calls of a name run. Asked about ``__init__`` or ``forward``, finding
that builds nearly every module's analysis, and each worker built them all again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from torchwise.analysis import Value
from torchwise.lint import pool

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool shares answers between forked workers")


def _in_a_child(fn) -> None:
    """Run ``fn`` in a forked process (another worker), as the pool's workers are forked."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        code = 1
        try:
            fn()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_call_target_one_worker_found_is_the_others_answer() -> None:
    answers = pool.SharedAnswers()
    try:
        key = ("call_targets", Path("/w/timm/models/vit.py"), "__init__")
        targets = frozenset({Value("symbol", "timm.models.vit.Block.__init__"), None})

        def worker() -> None:
            memo = pool._SharingMemo(answers, {})
            memo[key] = targets
            memo[("lookup", "timm.layers.Mlp")] = None  # a kind that stays the worker's own

        _in_a_child(worker)
        other = pool._SharingMemo(answers, {})
        assert other.get(key) == targets
        assert other.get(("lookup", "timm.layers.Mlp"), "missing") == "missing"
        assert other.get(("call_targets", Path("/w/a.py"), "forward")) is None  # not found yet: computed
    finally:
        answers.close()


def test_a_record_still_being_written_is_read_once_complete() -> None:
    answers = pool.SharedAnswers()
    try:
        key = ("call_targets", Path("/w/a.py"), "forward")
        answers.publish(key, frozenset())
        whole = os.pread(answers.read_fd, 1 << 20, 0)
        reader = pool.SharedAnswers()
        try:
            os.write(reader.write_fd, whole[:-3])  # the writer has not finished its record
            memo: dict = {}
            reader.catch_up(memo)
            assert memo == {} and reader.offset == 0 and not reader.broken
            os.write(reader.write_fd, whole[-3:])
            reader.catch_up(memo)
            assert memo == {key: frozenset()} and reader.offset == len(whole)
        finally:
            reader.close()
    finally:
        answers.close()


def test_without_a_temporary_folder_the_workers_find_their_own_answers(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    assert pool._shared_answers() is None


def test_a_torn_record_ends_the_sharing_not_the_check() -> None:
    """A worker whose write was cut short (a full disk), then another's record after it:
    the checksum tells, and the reader finds its own answers from then on."""
    answers = pool.SharedAnswers()
    try:
        answers.publish(("call_targets", Path("/w/a.py"), "forward"), frozenset())
        whole = os.pread(answers.read_fd, 1 << 20, 0)
        os.write(answers.write_fd, whole[:-3] + whole)  # torn, then whole
        reader = pool.SharedAnswers()
        reader.close()  # it reads the writer's file instead
        reader.read_fd, reader.write_fd = os.dup(answers.read_fd), os.dup(answers.write_fd)
        reader.offset = len(whole)
        memo: dict = {}
        reader.catch_up(memo)
        assert memo == {} and reader.broken
        reader.close()
    finally:
        answers.close()
