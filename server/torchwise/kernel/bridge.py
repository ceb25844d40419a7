"""Kernel bridge: runs on the *workspace* interpreter, never inside the server.

Started by the language server as ``<interpreter> bridge.py``; stdlib only plus
jupyter_client (local kernels) or websocket-client (remote Jupyter Server).
It talks JSON lines: operations arrive on stdin, events leave on stdout.
When stdin closes (the server went away) it shuts its kernel down and exits.

Operations (server -> bridge)::

    {"op": "configure", "mode": "local"|"remote", "cwd", "url", "token", "setDefaultDevice"}  (first line)
    {"op": "run", "id", "code", "path", "firstLine", "maxOutputChars"}
    {"op": "query", "qid", "what": "devices"|"variables"|"describe"|"select"|"defaultDevice"|"info",
     "device"?, "names"?, "setDefault"? (select), "on"? (defaultDevice)}
    {"op": "interrupt"} | {"op": "restart", "qid"} | {"op": "shutdown"}
    {"op": "cancel", "qid", "id"}   take a queued run out of the queue

Events (bridge -> server)::

    {"event": "hello", "python", "version", "missing": [...]}
    {"event": "state", "state": "starting"|"idle"|"crashed"|"stopped", "info"?}
    {"event": "output", "id", "stream", "text", "data"?, "rewrite"?, "ansi"?}  rewrite: first drop
        the stream's unfinished last line (a progress bar updating in place, see terminal.py);
        ansi: an error's traceback with its colours (text is the same without them);
        displayId (+ update: true): display(..., display_id=...) and its updates, shown in place
    {"event": "output", "id": null, "background": true, "stream", "text"}  a thread printed outside a run
    {"event": "started", "id"}   a run that waited in the queue runs now
    {"event": "finished", "id", "status", "durationMs", "peakMemoryBytes", "device", "executionCount"?,
     "peakMemoryKind": "cuda"|"rss"|null, "hostPeakMemoryBytes", "hostPeakIncreaseBytes",
     "warning": null | "tensors on another device than the selected one"}
    {"event": "reply", "qid", "ok", "result"?, "error"?}
    {"event": "fatal", "message"}   the kernel cannot be started
    {"event": "log", "message"}
"""

from __future__ import annotations

import ast
import asyncio
import datetime
import hmac
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
    sys.path.pop(0)  # our sibling modules must not shadow anything

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
HELPERS = "__import__('sys').modules['__torchwise__']"
OOM_ADVICE = (
    "\nThe device ran out of memory. Things to try: a smaller batch size (or gradient "
    "accumulation); free what you no longer need (`del tensor`) and call "
    "`torch.cuda.empty_cache()`; run under `torch.no_grad()` when you do not train; use "
    "lower precision (`torch.autocast`); or restart the kernel (torchwise.restart) to "
    "release everything.\n"
)

_out_lock = threading.Lock()


def emit(event: str, **fields) -> None:
    fields["event"] = event
    line = json.dumps(fields, ensure_ascii=False)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(message: str) -> None:
    emit("log", message=message)


class KernelDied(Exception):
    def __init__(self, message: str = "the kernel process died") -> None:
        super().__init__(message)


class Aborted(Exception):
    pass


MAX_RICH_CHARS = 20_000_000  # per run: base64 images and other non-text display data
AFTER_FIELDS = ("peakMemoryKind", "hostPeakMemoryBytes", "hostPeakIncreaseBytes", "warning")
WATCH_SECONDS = 0.25  # how often a running execution checks that its kernel lives
STREAM_INTERVAL = 0.05  # seconds: a run's stream output reaches the client at most this often


def _load_terminal():
    import importlib.util as util

    spec = util.spec_from_file_location("_torchwise_terminal", os.path.join(HERE, "terminal.py"))
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TERMINAL = _load_terminal()  # \r and \b folding, shared with the server's tests

def decode_message(session, frames: list) -> dict:
    """A kernel message from its zmq frames, as ``session.deserialize`` gives it but without
    turning its dates into datetimes (nothing here reads them; it was half the decoding time).
    The signature is checked as jupyter_client checks it; a session that packs other than JSON
    goes through jupyter_client."""
    _, parts = session.feed_identities(frames)
    if session.packer != "json" or len(parts) < 5:
        return session.deserialize(parts)
    if session.auth is not None:
        signature = parts[0]
        if not signature or not hmac.compare_digest(signature, session.sign(parts[1:5])):
            raise ValueError("invalid signature")
    header = json.loads(parts[1])
    return {
        "header": header,
        "msg_id": header.get("msg_id"),
        "msg_type": header.get("msg_type"),
        "parent_header": json.loads(parts[2]),
        "metadata": json.loads(parts[3]),
        "content": json.loads(parts[4]),
        "buffers": [memoryview(part) for part in parts[5:]],
    }


# -- backends ---------------------------------------------------------------------------
# Both deliver every kernel message (iopub and shell) into one asyncio queue;
# ``Execution`` objects pick the ones whose parent is their request.


class LocalKernel:
    """ipykernel started by jupyter_client on this interpreter."""

    remote = False

    def __init__(self, cwd: str, deliver) -> None:
        self.cwd = cwd
        self.deliver = deliver
        self.km = None
        self.kc = None
        self.tmp = None
        self.pumps: list[asyncio.Task] = []

    async def start(self) -> None:
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

        python = sys.executable

        class OwnSpec(KernelSpecManager):
            # Always this interpreter, whatever kernelspecs the user has installed.
            def get_kernel_spec(self, kernel_name):
                return KernelSpec(
                    argv=[python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    display_name="torchwise",
                    language="python",
                    resource_dir=HERE,
                )

        self.tmp = tempfile.mkdtemp(prefix="torchwise-kernel-")
        kwargs = {}
        if os.name == "posix":
            kwargs = {"transport": "ipc", "ip": os.path.join(self.tmp, "k")}
        km = AsyncKernelManager(
            kernel_name="torchwise",
            kernel_spec_manager=OwnSpec(),
            connection_file=os.path.join(self.tmp, "kernel.json"),
            **kwargs,
        )
        env = dict(os.environ)
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        env.pop("PYTHONSTARTUP", None)
        await km.start_kernel(cwd=self.cwd or None, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr)
        self.km = km
        kc = km.client()
        kc.start_channels()
        self.kc = kc
        await kc.wait_for_ready(timeout=120)
        self.pumps = [asyncio.ensure_future(self._pump(kc.iopub_channel.socket, "iopub")),
                      asyncio.ensure_future(self._pump(kc.shell_channel.socket, "shell"))]

    async def _pump(self, socket, channel: str) -> None:
        # The socket is read directly (one await per message, where get_*_msg polls first)
        # and decoded by decode_message: the round trip of a trivial run is mostly messages.
        session = self.kc.session
        while True:
            try:
                frames = await socket.recv_multipart()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # channel closed
                log(f"{channel} channel stopped: {exc!r}")
                return
            try:
                msg = decode_message(session, frames)
            except Exception as exc:
                log(f"{channel}: dropped a message that does not decode: {exc!r}")
                continue
            msg["channel"] = channel
            self.deliver(msg)

    def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        msg = self.kc.session.msg(msg_type, content)
        if metadata:
            msg["metadata"].update(metadata)
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    async def alive(self) -> bool:
        return self.km is not None and await self.km.is_alive()

    async def interrupt(self) -> None:
        if self.km is not None:
            await self.km.interrupt_kernel()

    def pid(self):
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    async def stop(self) -> None:
        for task in self.pumps:
            task.cancel()
        self.pumps = []
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                await self.km.shutdown_kernel(now=True)
            except Exception as exc:
                log(f"kernel shutdown: {exc!r}")
        self.km = self.kc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


class RemoteKernel:
    """A kernel on an existing Jupyter Server: REST for lifetime, websocket for messages."""

    remote = True

    def __init__(self, url: str, token: str, deliver, loop) -> None:
        self.base = url.rstrip("/")
        self.token = token
        self.deliver = deliver
        self.loop = loop
        self.kernel_id = None
        self.ws = None
        self.session = uuid.uuid4().hex
        self.reader = None
        self.closed = False
        self.restarting = False
        self.dead = False

    # REST -----------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict | None = None):
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "token " + self.token)
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    async def rest(self, method: str, path: str, body: dict | None = None):
        return await asyncio.get_running_loop().run_in_executor(None, self._request, method, path, body)

    # websocket ----------------------------------------------------------------------
    def _connect(self) -> None:
        import websocket

        ws_base = "ws" + self.base[4:] if self.base.startswith("http") else self.base
        url = f"{ws_base}/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        header = ["Authorization: token " + self.token] if self.token else []
        self.ws = websocket.create_connection(url, header=header, timeout=120)
        self.ws.settimeout(None)
        self.closed = False
        ws = self.ws
        self.reader = threading.Thread(target=self._read, args=(ws,), daemon=True)
        self.reader.start()

    def _read(self, ws) -> None:
        while True:
            try:
                frame = ws.recv()
            except Exception:
                break
            if not frame:
                break
            if isinstance(frame, bytes):
                continue  # binary frames carry buffers we do not use
            try:
                msg = json.loads(frame)
            except ValueError:
                continue
            self.loop.call_soon_threadsafe(self._incoming, msg)
        self.loop.call_soon_threadsafe(self._closed, ws)

    def _incoming(self, msg: dict) -> None:
        if msg.get("msg_type") == "status" and not (msg.get("parent_header") or {}).get("msg_id"):
            state = (msg.get("content") or {}).get("execution_state")
            if state in ("restarting", "dead", "autorestarting") and not self.restarting:
                self.dead = True
        self.deliver(msg)

    def _closed(self, ws) -> None:
        if ws is self.ws:
            self.closed = True
            self.deliver({"msg_type": "__closed__", "parent_header": {}, "content": {}})

    async def start(self) -> None:
        model = await self.rest("POST", "/api/kernels", {})
        self.kernel_id = model["id"]
        await asyncio.get_running_loop().run_in_executor(None, self._connect)

    def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {
                "msg_id": msg_id,
                "msg_type": msg_type,
                "username": "torchwise",
                "session": self.session,
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": dict(metadata or {}),
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
        self.ws.send(json.dumps(msg))
        return msg_id

    async def alive(self) -> bool:
        return self.ws is not None and not self.closed and not self.dead

    async def interrupt(self) -> None:
        if self.kernel_id:
            await self.rest("POST", f"/api/kernels/{self.kernel_id}/interrupt")

    def pid(self):
        return None

    async def stop(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass
        if self.kernel_id:
            # A kernel that just died may be in the server's auto-restart, which answers
            # DELETE with an error for a moment: retry briefly so no kernel is left behind.
            for attempt in range(10):
                try:
                    await self.rest("DELETE", f"/api/kernels/{self.kernel_id}")
                    break
                except Exception as exc:
                    if "404" in repr(exc):
                        break  # already gone
                    if attempt == 9:
                        log(f"remote kernel shutdown: {exc!r}")
                    else:
                        await asyncio.sleep(0.3)
            self.kernel_id = None


# -- the bridge ---------------------------------------------------------------------------


class Execution:
    """One execute_request and the messages answering it."""

    def __init__(self, msg_id: str) -> None:
        self.msg_id = msg_id
        self.queue: asyncio.Queue = asyncio.Queue()


class Bridge:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.loop = asyncio.get_running_loop()
        self.kernel = None
        self.info: dict | None = None
        self.work: asyncio.Queue = asyncio.Queue()
        self.executions: dict[str, Execution] = {}
        self.current: Execution | None = None
        self.current_run: str | None = None
        self.crashed = False
        self.started_once = False
        self.preferred_device: str | None = None
        self.set_default = bool(config.get("setDefaultDevice"))  # torch.set_default_device on selection
        self.abort_reason: str | None = None
        self.closing = False
        self.devices: list | None = None
        self.busy = False  # the worker is on an operation: a run sent now waits in the queue
        self.background_chars = 0  # background output since the last run started
        self.background_limit = 200_000

    # plumbing --------------------------------------------------------------------------
    def deliver(self, msg: dict) -> None:
        parent = (msg.get("parent_header") or {}).get("msg_id")
        execution = self.executions.get(parent) if parent else None
        if execution is not None:
            execution.queue.put_nowait(msg)
        elif msg.get("msg_type") == "__closed__" and self.current is not None:
            self.current.queue.put_nowait(msg)
        elif msg.get("msg_type") == "stream" and msg.get("channel") != "shell":
            self.background_output(msg.get("content") or {})

    def background_output(self, content: dict) -> None:
        """A thread printed outside any run (the kernel tags it, see kernel_side.BACKGROUND),
        or a message outlived its run: show it as background output, never in another run."""
        text = content.get("text") or ""
        if not text or self.background_chars >= self.background_limit:
            return
        stream = "stderr" if content.get("name") == "stderr" else "stdout"
        room = self.background_limit - self.background_chars
        self.background_chars += len(text)
        if len(text) > room:
            text = text[:room] + ("\n[torchwise] Background output truncated (over {:,} characters since the "
                                  "last run started).\n".format(self.background_limit))
        emit("output", id=None, stream=stream, text=text, background=True)

    async def start_kernel(self) -> None:
        emit("state", state="starting")
        started = time.perf_counter()
        if self.config.get("mode") == "remote":
            kernel = RemoteKernel(self.config["url"], self.config.get("token") or "", self.deliver, self.loop)
        else:
            kernel = LocalKernel(self.config.get("cwd") or "", self.deliver)
        self.kernel = kernel
        try:
            await kernel.start()
            if kernel.remote:
                await self._wait_remote_ready()
            with open(os.path.join(HERE, "kernel_side.py"), encoding="utf-8") as handle:
                source = handle.read()
            bootstrap = (
                "exec(compile(%r, '<torchwise-kernel-helpers>', 'exec'), "
                "(lambda m: (__import__('sys').modules.__setitem__('__torchwise__', m), m.__dict__)[1])"
                "(__import__('types').ModuleType('__torchwise__')))" % source
            )
            result = await self.query(
                bootstrap, f"{HELPERS}.setup({self.preferred_device!r}, {self.set_default!r}, {not kernel.remote!r})")
        except Exception:
            await self.stop_kernel()
            raise
        if "error" in result:
            await self.stop_kernel()
            raise RuntimeError(result["error"])
        result["bridgePid"] = os.getpid()
        result["kernelPid"] = kernel.pid()
        result["remote"] = self.config.get("url") if kernel.remote else None
        result["startSeconds"] = round(time.perf_counter() - started, 3)
        self.info = result
        self.crashed = False
        self.started_once = True
        emit("state", state="idle", info=result)

    async def _wait_remote_ready(self) -> None:
        for _ in range(120):
            msg_id = self.kernel.send("kernel_info_request", {})
            execution = Execution(msg_id)
            self.executions[msg_id] = execution
            self.current = execution
            try:
                while True:
                    msg = await asyncio.wait_for(execution.queue.get(), 1.0)
                    if msg.get("msg_type") == "kernel_info_reply":
                        return
                    if msg.get("msg_type") == "__closed__":
                        raise KernelDied("the Jupyter Server closed the kernel connection")
            except asyncio.TimeoutError:
                continue
            finally:
                self.executions.pop(msg_id, None)
                self.current = None
        raise RuntimeError("the remote kernel did not answer")

    async def stop_kernel(self) -> None:
        kernel, self.kernel = self.kernel, None
        self.info = None
        self.devices = None
        if kernel is not None:
            await kernel.stop()

    async def ensure_kernel(self, run_id: str | None) -> None:
        if self.kernel is not None and not self.crashed and await self.kernel.alive():
            return
        was_crashed = self.started_once and (self.crashed or self.kernel is not None)
        if self.kernel is not None:
            await self.stop_kernel()
        await self.start_kernel()
        if was_crashed and run_id is not None:
            emit("output", id=run_id, stream="stderr",
                 text="[torchwise] The previous kernel died; started a fresh kernel (earlier variables are gone).\n")

    async def execute(self, code: str, *, silent: bool, user_expressions: dict | None = None,
                      metadata: dict | None = None, on_message=None):
        """Send one execute_request; returns (reply content, interrupted?)."""
        content = {
            "code": code,
            "silent": silent,
            "store_history": not silent,
            "user_expressions": user_expressions or {},
            "allow_stdin": False,
            "stop_on_error": False,
        }
        msg_id = self.kernel.send("execute_request", content, metadata)
        execution = Execution(msg_id)
        self.executions[msg_id] = execution
        self.current = execution
        reply = None
        idle = False
        # The watchdog starts only if the execution lasts: a task per quick run cost loop steps.
        watchdog: list = []
        kernel = self.kernel
        timer = self.loop.call_later(
            WATCH_SECONDS, lambda: watchdog.append(asyncio.ensure_future(self._watch(execution, kernel))))
        try:
            while reply is None or not idle:
                msg = await execution.queue.get()
                kind = msg.get("msg_type")
                if kind == "__abort__":
                    raise Aborted(self.abort_reason or "aborted")
                if kind == "__closed__":
                    self.crashed = True
                    emit("state", state="crashed")
                    raise KernelDied()
                if msg.get("channel") == "shell" or kind == "execute_reply":
                    if kind == "execute_reply":
                        reply = msg.get("content") or {}
                        reply["__metadata__"] = msg.get("metadata") or {}
                    continue
                if kind == "status":
                    if (msg.get("content") or {}).get("execution_state") == "idle":
                        idle = True
                    continue
                if on_message is not None:
                    on_message(msg)
        finally:
            timer.cancel()
            for task in watchdog:
                task.cancel()
            self.executions.pop(msg_id, None)
            self.current = None
        return reply

    async def _watch(self, execution: Execution, kernel) -> None:
        """Wake the waiting execution when the kernel dies or the run is aborted."""
        while True:
            if self.abort_reason:
                execution.queue.put_nowait({"msg_type": "__abort__"})
                return
            if kernel is not self.kernel or not await kernel.alive():
                execution.queue.put_nowait({"msg_type": "__closed__"})
                return
            await asyncio.sleep(WATCH_SECONDS)

    async def query(self, code: str, expression: str) -> dict:
        reply = await self.execute(code, silent=True, user_expressions={"r": expression})
        if reply.get("status") != "ok":
            raise RuntimeError(f"{reply.get('ename')}: {reply.get('evalue')}")
        value = (reply.get("user_expressions") or {}).get("r") or {}
        if value.get("status") != "ok":
            raise RuntimeError(f"{value.get('ename')}: {value.get('evalue')}")
        text = (value.get("data") or {}).get("text/plain", "")
        return json.loads(ast.literal_eval(text))

    def start_failure(self, exc: Exception) -> str:
        """One line saying why no kernel could be started, and what to check."""
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if self.config.get("mode") == "remote":
            url = self.config.get("url")
            hint = ""
            if "403" in detail or "401" in detail:
                hint = " Check the token in the setting torchwise.kernel.jupyterServer."
            elif "refused" in detail.lower() or "urlopen error" in detail:
                hint = " Is the Jupyter Server running and reachable from here?"
            return f"Cannot start a kernel on the Jupyter Server at {url}: {detail}.{hint}"
        return (f"Cannot start the kernel on {sys.executable}: {detail}. "
                f"It needs ipykernel and torch: `{sys.executable} -m pip install ipykernel torch`.")

    # work items ---------------------------------------------------------------------
    async def do_run(self, op: dict) -> None:
        run_id = op["id"]
        limit = int(op.get("maxOutputChars") or 200_000)
        self.background_chars, self.background_limit = 0, limit
        sent = {"chars": 0, "truncated": False, "rich": 0}
        started = time.perf_counter()
        status = "ok"
        after = None
        execution_count = None

        terminals: dict = {}  # stream -> TerminalStream: \r and \b folded (terminal.py)
        streams = {"active": None, "sent": 0.0, "timer": None}
        partial: dict = {}  # stream -> chars of its unfinished last line sent, not yet counted

        def flush_streams() -> None:
            if streams["timer"] is not None:
                streams["timer"].cancel()
                streams["timer"] = None
            streams["sent"] = time.perf_counter()
            for stream, terminal in terminals.items():
                delta = terminal.flush()
                if delta is not None:
                    out(stream, delta[0], rewrite=delta[1])

        def close_streams() -> None:
            """Something else comes next: the client starts a new block after it."""
            flush_streams()
            terminals.clear()
            streams["active"] = None
            sent["chars"] += sum(partial.values())  # the client keeps those lines as they are
            partial.clear()

        def on_stream(stream: str, text: str) -> None:
            if streams["active"] not in (None, stream):
                close_streams()
            streams["active"] = stream
            terminal = terminals.get(stream)
            if terminal is None:
                terminal = terminals[stream] = TERMINAL.TerminalStream()
            terminal.feed(text)
            if len(terminal.line) > limit:  # one endless line: count it like completed text
                terminal.done.append(terminal.line)
                terminal.line = ""
            # A fast loop (thousands of updates a second) reaches the client at most every
            # STREAM_INTERVAL, folded; the first output of a quiet run goes out at once.
            wait = STREAM_INTERVAL - (time.perf_counter() - streams["sent"])
            if wait <= 0:
                flush_streams()
            elif streams["timer"] is None:
                streams["timer"] = self.loop.call_later(wait, flush_streams)

        def out(stream: str, text: str, data: dict | None = None, always: bool = False, rewrite: bool = False,
                ansi: str | None = None, display_id: str | None = None, update: bool = False) -> None:
            # Text counts against maxOutputChars (a stream's unfinished line, rewritten in
            # place, only once it is completed); images and other rich data (a PNG is tens
            # of kB of base64) against their own, larger budget per run.
            # A stream's text that goes on from an unfinished line the client already shows
            # (not a rewrite) completes that line: its chars count then.
            carried = rest = 0
            if stream in ("stdout", "stderr"):
                cut = text.rfind("\n") + 1
                carried = 0 if rewrite else partial.get(stream, 0)
                size, rest = (cut + carried, len(text) - cut) if cut else (0, carried + len(text))
                if rest > limit:  # one endless line: count it like completed text
                    size, rest = size + rest, 0
            else:
                size = len(text)
            rich = sum(len(v) for v in (data or {}).values() if isinstance(v, str)) - len(text)
            if data and sent["rich"] + rich > MAX_RICH_CHARS:
                data = None
                text += (f"\n[torchwise] Rich output (images) over {MAX_RICH_CHARS // 1_000_000} MB in this run "
                         "is not shown.\n")
            elif data:
                sent["rich"] += rich
            if sent["truncated"] and not always:
                return
            if sent["chars"] + size > limit and not always:
                room = max(0, limit - sent["chars"] - carried)
                if data is None and room:
                    emit("output", id=run_id, stream=stream, text=text[:room], **({"rewrite": True} if rewrite else {}))
                sent["chars"] = limit
                sent["truncated"] = True
                emit("output", id=run_id, stream="stderr",
                     text=f"\n[torchwise] Output truncated: this run printed more than {limit:,} characters "
                          "(setting torchwise.kernel.maxOutputChars); the rest of its output is not shown.\n")
                return
            sent["chars"] += size
            if stream in ("stdout", "stderr"):
                partial[stream] = rest
            fields = {"id": run_id, "stream": stream, "text": text}
            if data:
                fields["data"] = data
            if rewrite:
                fields["rewrite"] = True
            if ansi:
                fields["ansi"] = ansi
            if display_id:
                fields["displayId"] = display_id
                if update:
                    fields["update"] = True
            emit("output", **fields)

        def on_message(msg: dict) -> None:
            kind = msg.get("msg_type")
            content = msg.get("content") or {}
            if kind == "stream":
                on_stream("stderr" if content.get("name") == "stderr" else "stdout", content.get("text", ""))
                return
            close_streams()
            if kind in ("execute_result", "display_data", "update_display_data"):
                bundle = content.get("data") or {}
                text = bundle.get("text/plain", "")
                extra = {k: v for k, v in bundle.items() if k != "text/plain"}
                display_id = (content.get("transient") or {}).get("display_id")
                out("result" if kind == "execute_result" else "display", text, bundle if extra else None,
                    display_id=display_id if isinstance(display_id, str) else None,
                    update=kind == "update_display_data")
            elif kind == "error":
                coloured = "\n".join(content.get("traceback") or [])
                text = ANSI.sub("", coloured)
                if not text.strip():
                    text = coloured = f"{content.get('ename')}: {content.get('evalue')}"
                ename, evalue = content.get("ename") or "", content.get("evalue") or ""
                if len(coloured) > limit:  # errors always show, but a giant one is cut in its middle
                    half = max(limit // 2, 1000)
                    cut = "\n[torchwise] ... traceback shortened ...\n"
                    text = text[:half] + cut + text[-half:] if len(text) > limit else text
                    coloured = text  # no colours: the cut could split an escape sequence
                advice = "\n" + OOM_ADVICE if ename.endswith("OutOfMemoryError") or "out of memory" in evalue.lower() else ""
                end = "" if (text + advice).endswith("\n") else "\n"
                # The panel renders the colours (`ansi`); other clients keep the plain text.
                ansi = coloured + advice + end if coloured != text else None
                out("error", text + advice + end, always=True, ansi=ansi)

        try:
            await self.ensure_kernel(run_id)
        except Exception as exc:
            message = self.start_failure(exc)
            emit("fatal", message=message)  # first: the state is settled before the run is reported
            emit("output", id=run_id, stream="error", text=message + "\n")
            emit("finished", id=run_id, status="error", durationMs=0, peakMemoryBytes=None, device=None)
            return
        self.current_run = run_id
        if op.get("queued"):  # a run that did not wait is running from the start: no extra event
            emit("started", id=run_id)
        started = time.perf_counter()
        metadata = {"torchwise": True}
        if op.get("path"):
            metadata["cellId"] = "torchwise:" + json.dumps({"path": op["path"], "firstLine": int(op.get("firstLine") or 0)})
        try:
            reply = await self.execute(op.get("code") or "", silent=False, metadata=metadata, on_message=on_message)
            after = reply["__metadata__"].get("torchwise")
            execution_count = reply.get("execution_count")
            if reply.get("status") != "ok":
                interrupted = reply.get("ename") == "KeyboardInterrupt" or reply.get("status") == "aborted"
                status = "interrupted" if interrupted else "error"
        except KernelDied:
            status = "crashed"
            close_streams()
            out("error", "[torchwise] The kernel died while running this code (for example os._exit, a "
                         "segfault or running out of memory). The next run starts a fresh kernel.\n", always=True)
        except Aborted as exc:
            status = "interrupted"
            close_streams()
            out("stderr", f"[torchwise] Run stopped: {exc}.\n", always=True)
        close_streams()
        duration = int((time.perf_counter() - started) * 1000)
        if after is None and status != "crashed" and self.kernel is not None and not self.abort_reason:
            try:
                after = await self.query("", f"{HELPERS}.after_run()")
            except Exception:
                after = None
        after = after or {}
        self.current_run = None
        emit("finished", id=run_id, status=status, durationMs=duration,
             peakMemoryBytes=after.get("peakMemoryBytes"), device=after.get("device"),
             executionCount=execution_count if isinstance(execution_count, int) else None,
             **{key: after.get(key) for key in AFTER_FIELDS})

    async def do_query(self, op: dict) -> None:
        qid = op.get("qid")
        what = op.get("what")
        try:
            if what == "info":
                emit("reply", qid=qid, ok=True, result=self.info)
                return
            if what == "defaultDevice":
                self.set_default = bool(op.get("on"))
            if what in ("variables", "describe", "defaultDevice") and (self.kernel is None or self.crashed):
                # nothing to read; a new kernel applies the setting when it starts
                emit("reply", qid=qid, ok=True, result={"variables": [], "describe": {}}.get(what, {"defaultDevice": None}))
                return
            try:
                await self.ensure_kernel(None)
            except Exception as exc:
                emit("state", state="stopped")
                emit("reply", qid=qid, ok=False, error=self.start_failure(exc))
                return
            if what == "devices":
                if self.devices is None:  # devices do not change while a kernel lives
                    self.devices = await self.query("", f"{HELPERS}.devices()")
                result = self.devices
            elif what == "variables":
                result = await self.query("", f"{HELPERS}.variables()")
            elif what == "describe":
                names = [str(n) for n in (op.get("names") or [])][:100]
                result = await self.query("", f"{HELPERS}.describe({names!r})")
            elif what == "defaultDevice":
                result = await self.query("", f"{HELPERS}.set_default({self.set_default!r})")
                if self.info is not None:
                    self.info["defaultDevice"] = result.get("defaultDevice")
            elif what == "select":
                if "setDefault" in op:
                    self.set_default = bool(op["setDefault"])
                result = await self.query("", f"{HELPERS}.select({str(op.get('device'))!r}, {self.set_default!r})")
                if "error" in result:
                    emit("reply", qid=qid, ok=False, error=result["error"])
                    return
                self.preferred_device = result["device"]
                if self.info is not None:
                    self.info["device"] = result["device"]
                    self.info["defaultDevice"] = result.get("defaultDevice")
            else:
                raise ValueError(f"unknown query {what!r}")
            emit("reply", qid=qid, ok=True, result=result)
        except Exception as exc:
            emit("reply", qid=qid, ok=False, error=str(exc) or type(exc).__name__)

    async def do_restart(self, op: dict) -> None:
        try:
            await self.stop_kernel()
            await self.start_kernel()
            emit("reply", qid=op.get("qid"), ok=True, result=self.info)
        except Exception as exc:
            emit("state", state="stopped")
            emit("reply", qid=op.get("qid"), ok=False, error=self.start_failure(exc))

    async def worker(self) -> None:
        while True:
            self.busy = False
            op = await self.work.get()
            self.busy = True
            self.abort_reason = None
            try:
                if op["op"] == "run":
                    await self.do_run(op)
                elif op["op"] == "query":
                    await self.do_query(op)
                elif op["op"] == "restart":
                    await self.do_restart(op)
            except Exception as exc:  # keep serving whatever happens
                log(f"{op.get('op')} failed: {exc!r}")
                if op.get("op") == "run":
                    emit("finished", id=op.get("id"), status="error", durationMs=0, peakMemoryBytes=None, device=None)
                elif "qid" in op:
                    emit("reply", qid=op.get("qid"), ok=False, error=str(exc))

    def cancel(self, run_id: str) -> bool:
        """Take one queued run out of the queue (a running one is interrupted instead)."""
        kept, found = [], False
        while not self.work.empty():
            op = self.work.get_nowait()
            if op["op"] == "run" and op.get("id") == run_id:
                found = True
                emit("output", id=run_id, stream="stderr", text="[torchwise] Run cancelled before it started.\n")
                emit("finished", id=run_id, status="cancelled", durationMs=0, peakMemoryBytes=None, device=None)
            else:
                kept.append(op)
        for op in kept:
            self.work.put_nowait(op)
        return found

    def drop_queued(self, reason: str) -> None:
        kept = []
        while not self.work.empty():
            op = self.work.get_nowait()
            if op["op"] == "run":
                emit("output", id=op["id"], stream="stderr", text=f"[torchwise] Run cancelled: {reason}.\n")
                emit("finished", id=op["id"], status="interrupted", durationMs=0, peakMemoryBytes=None, device=None)
            else:
                kept.append(op)
        for op in kept:
            self.work.put_nowait(op)

    async def handle(self, op: dict) -> bool:
        kind = op.get("op")
        if kind == "query" and op.get("what") == "devices" and self.devices is not None and self.kernel is not None:
            emit("reply", qid=op.get("qid"), ok=True, result=self.devices)  # even while a run is busy
        elif kind in ("run", "query"):
            op["queued"] = self.busy or not self.work.empty()
            self.work.put_nowait(op)
        elif kind == "cancel":
            emit("reply", qid=op.get("qid"), ok=True, result={"cancelled": self.cancel(str(op.get("id")))})
        elif kind == "interrupt":
            self.drop_queued("the kernel was interrupted")
            if self.kernel is not None and self.current is not None:
                try:
                    await self.kernel.interrupt()
                except Exception as exc:
                    log(f"interrupt failed: {exc!r}")
        elif kind == "restart":
            self.drop_queued("the kernel was restarted")
            if self.current is not None and self.current_run is not None:
                self.abort_reason = "the kernel was restarted"
                self.current.queue.put_nowait({"msg_type": "__abort__"})
            self.work.put_nowait(op)
        elif kind == "shutdown":
            return False
        return True

    async def serve(self, ops: asyncio.Queue) -> None:
        worker = asyncio.ensure_future(self.worker())
        try:
            while True:
                op = await ops.get()
                if op is None or not await self.handle(op):
                    break
        finally:
            self.closing = True
            worker.cancel()
            self.drop_queued("the language server is shutting down")
            await self.stop_kernel()
            emit("state", state="stopped")


def read_stdin(loop, ops: asyncio.Queue) -> None:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            op = json.loads(line)
        except ValueError:
            continue
        loop.call_soon_threadsafe(ops.put_nowait, op)
    loop.call_soon_threadsafe(ops.put_nowait, None)  # stdin closed: the server is gone


def read_first_line() -> str:
    """The configure line, read unbuffered so that nothing after it is swallowed."""
    if os.name != "posix":
        return sys.stdin.readline()
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(0, 1)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


async def read_stdin_async(loop, ops: asyncio.Queue) -> None:
    reader = asyncio.StreamReader(limit=1 << 30)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        try:
            op = json.loads(line)
        except ValueError:
            continue
        ops.put_nowait(op)
    ops.put_nowait(None)  # stdin closed: the server is gone


def missing_modules(mode: str) -> list[str]:
    needed = ["websocket"] if mode == "remote" else ["jupyter_client", "ipykernel", "torch"]
    return [name for name in needed if importlib.util.find_spec(name) is None]


async def main() -> int:
    loop = asyncio.get_running_loop()
    first = read_first_line()
    try:
        config = json.loads(first) if first.strip() else {}
    except ValueError:
        config = {}
    mode = config.get("mode") or "local"
    missing = missing_modules(mode)
    emit("hello", python=sys.executable, version="%d.%d.%d" % sys.version_info[:3], missing=missing, pid=os.getpid())
    if missing:
        return 1
    ops: asyncio.Queue = asyncio.Queue()
    if os.name == "posix":
        stdin_task = asyncio.ensure_future(read_stdin_async(loop, ops))  # keep a reference: tasks are weak
    else:
        threading.Thread(target=read_stdin, args=(loop, ops), daemon=True).start()
    bridge = Bridge(config)
    await bridge.serve(ops)
    if os.name == "posix":
        stdin_task.cancel()
    return 0


if __name__ == "__main__":
    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        code = 1
    sys.stdout.flush()
    os._exit(code)
