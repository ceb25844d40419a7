"""The server's side of the kernel: one bridge process per workspace.

The language server never imports jupyter_client or torch and never runs user
code. It starts ``bridge.py`` on the workspace interpreter and exchanges JSON
lines with it over pipes; the bridge drives the actual Jupyter kernel.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import shlex
import shutil
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types

from torchwise.kernel.live import LiveValues
from torchwise.spawn import end, spawn

log = logging.getLogger("torchwise.kernel")

BRIDGE = Path(__file__).with_name("bridge.py")
LINE_LIMIT = 1 << 27  # one JSON line from the bridge (a big image display) may be long
HELLO_TIMEOUT = 120.0  # the interpreter imports nothing heavy before saying hello


class KernelUnavailable(Exception):
    """The workspace interpreter cannot run a kernel; the message says why and what to do."""


def install_hint(interpreter: str) -> str:
    quoted = shlex.quote(interpreter) if os.name == "posix" else f'"{interpreter}"'
    return f"{quoted} -m pip install ipykernel torch"


class KernelSession:
    def __init__(self, server) -> None:
        self.server = server
        self.proc: asyncio.subprocess.Process | None = None
        self.config_key: tuple | None = None
        self.reader: asyncio.Task | None = None
        self.stderr_reader: asyncio.Task | None = None
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.lock = asyncio.Lock()
        self.queries: dict[int, asyncio.Future] = {}
        self.next_qid = 0
        self.active_runs: set[str] = set()
        self.state = "stopped"
        self.info: dict | None = None
        self.device: str | None = None
        self.message: str | None = None  # last reason the kernel could not start
        self._background: set[asyncio.Task] = set()
        self.lost = False  # the bridge died on its own: the next run says that its state is gone
        self.live = LiveValues()  # what the kernel holds, for live hovers
        self.set_default = False  # the setDefaultDevice value the bridge last got
        self.finished_listeners: list = []  # called with each runFinished's params (inlay hints refresh)

    # -- configuration -----------------------------------------------------------------
    def _config(self) -> dict:
        options = self.server.options
        url = options.kernel.jupyter_server_url.strip()
        root = None
        try:
            root = self.server.workspace.root_path
        except Exception:
            root = None
        config = {"op": "configure", "mode": "remote" if url else "local", "cwd": root or os.getcwd(),
                  "setDefaultDevice": options.kernel.set_default_device}
        if url:
            config.update(url=url, token=options.kernel.jupyter_server_token)
        return config

    def _key(self) -> tuple:
        options = self.server.options
        return (options.interpreter, options.kernel.jupyter_server_url.strip(), options.kernel.jupyter_server_token)

    def configuration_changed(self) -> None:
        """Settings changed: a different interpreter or server means a different kernel;
        a workspace no longer trusted keeps no kernel."""
        if self.proc is not None and (self.config_key != self._key() or not self.server.options.trusted):
            self._spawn(self.stop())
        elif self.proc is not None and self.set_default != self.server.options.kernel.set_default_device:
            self.set_default = self.server.options.kernel.set_default_device
            self._spawn(self._apply_default(self.set_default))

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._background.discard)

    async def _apply_default(self, on: bool) -> None:
        """setDefaultDevice changed: the running kernel applies it to the selected device now."""
        try:
            result = await self._request({"op": "query", "what": "defaultDevice", "on": on})
            if self.info is not None:
                self.info["defaultDevice"] = (result or {}).get("defaultDevice")
        except Exception as exc:
            self.server.log(f"torchwise.kernel.setDefaultDevice could not be applied: {exc}", types.MessageType.Warning)

    # -- bridge process -------------------------------------------------------------------
    async def ensure_bridge(self) -> None:
        async with self.lock:
            if self.proc is not None and self.proc.returncode is None and self.config_key == self._key():
                return
            if self.proc is not None and self.proc.returncode is not None and self.info is not None:
                # died on its own, and we got here before its reader noticed: the run must still
                # say that the state is gone
                self.lost = True
            if self.proc is not None:
                await self._stop_locked()
            await self._start_locked()

    async def _start_locked(self) -> None:
        interpreter = os.path.expanduser(self.server.options.interpreter)
        if not os.path.dirname(interpreter):  # a bare name such as "python3": look it up on PATH
            interpreter = shutil.which(interpreter) or interpreter
        config = self._config()
        if not os.path.isfile(interpreter) or not os.access(interpreter, os.X_OK):
            raise KernelUnavailable(
                f"Cannot run code: the interpreter {interpreter} does not exist or is not executable "
                f"(setting torchwise.interpreter). Choose a Python with ipykernel and torch, "
                f"e.g. after `{install_hint(interpreter)}`."
            )
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        for name in ("PYTHONHOME", "__PYVENV_LAUNCHER__"):
            env.pop(name, None)  # these would point a different interpreter at the wrong standard library
        # The editor puts the server's own (bundled) packages on PYTHONPATH: keep them out of the
        # user's kernel, where they would shadow the workspace's own versions; keep the user's entries.
        own = os.path.realpath(BRIDGE.parents[2])
        entries = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and os.path.realpath(p) != own]
        if entries:
            env["PYTHONPATH"] = os.pathsep.join(entries)
        else:
            env.pop("PYTHONPATH", None)
        try:
            proc = await spawn(  # a cancelled run cannot leave the start hanging with the lock held
                interpreter,
                str(BRIDGE),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=config["cwd"] if os.path.isdir(config["cwd"]) else None,
                env=env,
                limit=LINE_LIMIT,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise KernelUnavailable(
                f"Cannot run code: the interpreter {interpreter} cannot be started ({exc.strerror or exc}). "
                f"Choose a Python with ipykernel and torch, e.g. after `{install_hint(interpreter)}`."
            ) from exc
        self.stderr_tail.clear()
        self.stderr_reader = asyncio.ensure_future(self._read_stderr(proc))
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps(config) + "\n").encode())
        try:
            await proc.stdin.drain()
            line = await asyncio.wait_for(proc.stdout.readline(), HELLO_TIMEOUT)
            hello = json.loads(line) if line.strip() else None
        except (OSError, ValueError, asyncio.TimeoutError):
            hello = None
        except asyncio.CancelledError:  # the run that started it was cancelled: the bridge goes too
            end(proc, group=os.name == "posix")
            raise
        if not isinstance(hello, dict) or hello.get("event") != "hello":
            await self._kill(proc)
            try:  # let the reader collect what the interpreter said before it died
                await asyncio.wait_for(asyncio.shield(self.stderr_reader), 2)
            except (asyncio.TimeoutError, Exception):
                pass
            tail = " ".join(self.stderr_tail)[-400:]
            raise KernelUnavailable(
                f"Cannot run code: the interpreter {interpreter} could not start the torchwise kernel bridge"
                + (f" ({tail})" if tail else "")
                + f". It needs Python >= 3.8 with ipykernel and torch: `{install_hint(interpreter)}`."
            )
        missing = hello.get("missing") or []
        if missing:
            await self._kill(proc)
            if config["mode"] == "remote":
                raise KernelUnavailable(
                    f"Cannot use the Jupyter Server at {config['url']}: the interpreter {interpreter} lacks "
                    f"websocket-client. Install it: `{shlex.quote(interpreter)} -m pip install websocket-client`."
                )
            raise KernelUnavailable(
                f"Cannot run code: the interpreter {interpreter} lacks {', '.join(missing)}. "
                f"Install them: `{install_hint(interpreter)}`."
            )
        self.proc = proc
        self.config_key = self._key()
        self.set_default = config["setDefaultDevice"]
        self.message = None
        self.reader = asyncio.ensure_future(self._read(proc))
        self.server.log(f"kernel bridge started on {interpreter} (pid {proc.pid})")

    async def _read_stderr(self, proc) -> None:
        while True:
            line = await proc.stderr.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self.stderr_tail.append(text)
                log.info("kernel: %s", text)

    async def _read(self, proc) -> None:
        while True:
            try:
                line = await proc.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError) as exc:  # an oversized line: skip it
                log.warning("kernel bridge line dropped: %r", exc)
                continue
            if not line:
                break
            try:
                event = json.loads(line)
            except ValueError:
                log.warning("kernel bridge said: %r", line[:200])
                continue
            try:
                self._dispatch(event)
            except Exception:  # a bad event must not stop the reader
                log.exception("kernel event failed: %r", event)
        await proc.wait()
        if proc is self.proc:  # not a stop we asked for
            self.lost = self.info is not None
            self.server.log(f"the kernel bridge exited unexpectedly (code {proc.returncode})",
                            types.MessageType.Warning)
            self._bridge_gone()

    def _bridge_gone(self) -> None:
        self.live.reset()
        self.proc = None
        self.info = None
        self.state = "stopped"
        for run_id in list(self.active_runs):
            self._notify("torchwise/output", {"runId": run_id, "stream": "error",
                                              "text": "[torchwise] The kernel bridge stopped during this run.\n"})
            self._notify("torchwise/runFinished", {"runId": run_id, "status": "crashed", "durationMs": 0,
                                                   "peakMemoryBytes": None, "device": self.device})
        self.active_runs.clear()
        for future in self.queries.values():
            if not future.done():
                future.set_exception(KernelUnavailable("the kernel bridge stopped"))
        self.queries.clear()

    def _notify(self, method: str, params: dict) -> None:
        protocol = self.server.protocol
        # params are plain JSON already: pygls's notify would run them through its converter
        # (more than half the cost of sending one; a run sends at least two)
        send = getattr(protocol, "_send_data", None)
        try:
            if send is not None:
                send({"jsonrpc": "2.0", "method": method, "params": params})
            else:
                protocol.notify(method, params)
        except Exception as exc:  # client gone
            log.debug("notify %s failed: %r", method, exc)

    def _dispatch(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "output":
            params = {"runId": event.get("id"), "stream": event.get("stream"), "text": event.get("text", "")}
            if event.get("data"):
                params["data"] = event["data"]
            if event.get("background"):
                params["background"] = True
            if event.get("rewrite"):
                params["rewrite"] = True
            if event.get("ansi"):
                params["ansi"] = event["ansi"]
            if event.get("displayId"):
                params["displayId"] = event["displayId"]
                if event.get("update"):
                    params["update"] = True
            self._notify("torchwise/output", params)
        elif kind == "started":
            self._notify("torchwise/runStarted", {"runId": event.get("id")})
        elif kind == "finished":
            self.active_runs.discard(event.get("id"))
            count = event.get("executionCount")
            self.live.finished(event.get("id"), count if event.get("status") in ("ok", "error") else None)
            if event.get("device"):
                self.device = event["device"]
            finished = {
                "runId": event.get("id"),
                "status": event.get("status"),
                "durationMs": event.get("durationMs"),
                "peakMemoryBytes": event.get("peakMemoryBytes"),
                "device": event.get("device") or self.device,
                "executionCount": event.get("executionCount"),
                "peakMemoryKind": event.get("peakMemoryKind"),
                "hostPeakMemoryBytes": event.get("hostPeakMemoryBytes"),
                "hostPeakIncreaseBytes": event.get("hostPeakIncreaseBytes"),
                "warning": event.get("warning"),
            }
            self._notify("torchwise/runFinished", finished)
            for listener in self.finished_listeners:
                listener(finished)
        elif kind == "state":
            self.state = event.get("state") or self.state
            if self.state == "crashed":
                self.live.reset()
            if event.get("info"):
                self.info = event["info"]
                self.device = self.info.get("device")
            if self.state in ("crashed", "stopped") and not event.get("info"):
                self.info = self.info if self.state != "stopped" else None
        elif kind == "reply":
            future = self.queries.pop(event.get("qid"), None)
            if future is not None and not future.done():
                if event.get("ok"):
                    future.set_result(event.get("result"))
                else:
                    future.set_exception(KernelUnavailable(event.get("error") or "kernel request failed"))
        elif kind == "fatal":
            self.message = event.get("message")
            self.state = "stopped"
            self.server.log(self.message or "the kernel cannot start", types.MessageType.Error)
        elif kind == "log":
            log.info("kernel bridge: %s", event.get("message"))

    def _send(self, op: dict) -> None:
        if self.proc is None or self.proc.stdin is None:
            raise KernelUnavailable("the kernel bridge is not running")
        self.proc.stdin.write((json.dumps(op) + "\n").encode())

    # -- operations ------------------------------------------------------------------------------
    async def run(self, code: str, path: str | None, first_line: int) -> str:
        await self.ensure_bridge()
        run_id = uuid.uuid4().hex[:12]
        self.active_runs.add(run_id)
        if self.lost:
            self.lost = False
            self._notify("torchwise/output", {
                "runId": run_id, "stream": "stderr",
                "text": "[torchwise] The kernel bridge had stopped; this run uses a fresh kernel "
                        "(earlier variables are gone).\n",
            })
        self._send({
            "op": "run",
            "id": run_id,
            "code": code,
            "path": path,
            "firstLine": first_line,
            "maxOutputChars": self.server.options.kernel.max_output_chars,
        })
        # after the send: the bridge starts at once while this parses the code (no await in
        # between, so the run's finished event still finds its record)
        self.live.started(run_id, code, path, first_line)
        return run_id

    async def query(self, what: str, **fields: Any) -> Any:
        await self.ensure_bridge()
        return await self._request({"op": "query", "what": what, **fields})

    async def _request(self, op: dict) -> Any:
        self.next_qid += 1
        qid = self.next_qid
        future = asyncio.get_running_loop().create_future()
        self.queries[qid] = future
        op["qid"] = qid
        try:
            self._send(op)
        except Exception:
            self.queries.pop(qid, None)
            raise
        return await future

    async def cancel(self, run_id: str) -> dict:
        if self.proc is None or self.proc.returncode is not None or run_id not in self.active_runs:
            return {"cancelled": False}
        return await self._request({"op": "cancel", "id": run_id})

    async def interrupt(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self._send({"op": "interrupt"})

    async def restart(self) -> Any:
        await self.ensure_bridge()
        self.live.reset()
        return await self._request({"op": "restart"})

    def kernel_info(self) -> dict:
        info = self.info or {}
        options = self.server.options
        state = self.state
        if self.proc is None:
            state = "stopped"
        elif state == "idle" and self.active_runs:
            state = "busy"
        return {
            "interpreter": info.get("interpreter") or options.interpreter,
            "pythonVersion": info.get("pythonVersion"),
            "torchVersion": info.get("torchVersion"),
            "device": self.device if self.proc is not None else None,
            "defaultDevice": info.get("defaultDevice") if self.proc is not None else None,
            "state": state,
            "remote": options.kernel.jupyter_server_url or None,
            "kernelPid": info.get("kernelPid"),
            "bridgePid": self.proc.pid if self.proc is not None else None,
            "startSeconds": info.get("startSeconds"),
            "message": self.message,
        }

    # -- shutdown ---------------------------------------------------------------------------------
    async def stop(self) -> None:
        async with self.lock:
            await self._stop_locked()

    async def _stop_locked(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None and proc.returncode is None:
                proc.stdin.write(b'{"op": "shutdown"}\n')
                await proc.stdin.drain()
                proc.stdin.close()
        except (OSError, RuntimeError):
            pass
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except asyncio.TimeoutError:
            await self._kill(proc)
        if self.reader is not None:
            try:
                await asyncio.wait_for(self.reader, 5)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                pass
        self._bridge_gone()

    async def _kill(self, proc) -> None:
        end(proc, group=os.name == "posix")
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            pass


__all__ = ["KernelSession", "KernelUnavailable", "install_hint"]
