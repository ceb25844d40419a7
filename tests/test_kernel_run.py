"""Run cell (issue 6): a real server, a real bridge and a real ipykernel with torch on CPU.

One server (and so one kernel) is shared by the tests of this module in file
order; the tests whose options differ start their own server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

import procs
from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

torch = pytest.importorskip("torch")  # the kernel needs it; the test process may look at it
HAS_CUDA = torch.cuda.is_available()
WAIT = 120  # upper bound for one awaited event; never reached when things work


def plain(value):
    """pygls hands custom notification params over as namedtuples."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


class Recorder:
    """Collects torchwise/output and torchwise/runFinished per run, in arrival order."""

    def __init__(self, client: LanguageClient) -> None:
        self.outputs: dict[str, list[dict]] = defaultdict(list)
        self.finished: dict[str, dict] = {}
        self.order: list[tuple[str, str]] = []  # (kind, runId)
        self.changed = asyncio.Event()

        @client.feature("torchwise/output")
        def on_output(params) -> None:
            params = plain(params)
            self.outputs[params["runId"]].append(params)
            self.order.append(("output", params["runId"]))
            self.changed.set()

        self.started: list[str] = []

        @client.feature("torchwise/runStarted")
        def on_started(params) -> None:
            self.started.append(plain(params)["runId"])
            self.changed.set()

        @client.feature("torchwise/runFinished")
        def on_finished(params) -> None:
            params = plain(params)
            self.finished[params["runId"]] = params
            self.order.append(("finished", params["runId"]))
            self.changed.set()

    async def until(self, predicate) -> None:
        async def loop():
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), WAIT)

    async def done(self, run_id: str) -> dict:
        await self.until(lambda: run_id in self.finished)
        return self.finished[run_id]

    def text(self, run_id: str, *streams: str) -> str:
        return "".join(o["text"] for o in self.outputs[run_id] if not streams or o["stream"] in streams)

    def shown(self, run_id: str, stream: str) -> str:
        """What the output panel shows for ``stream``: ``rewrite`` drops the unfinished last line."""
        text = ""
        for o in self.outputs[run_id]:
            if o["stream"] == stream:
                if o.get("rewrite"):
                    text = text[: text.rfind("\n") + 1]
                text += o["text"]
        return text


async def command(client: LanguageClient, name: str, *arguments):
    return await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=list(arguments))),
        WAIT,
    )


async def run_code(client: LanguageClient, code: str, uri: str | None = None, first_line: int = 0) -> str:
    result = await command(client, "torchwise.runCode", {"code": code, "uri": uri, "firstLine": first_line})
    return result["runId"]


async def run_and_wait(client: LanguageClient, code: str, **kwargs) -> tuple[dict, str]:
    run_id = await run_code(client, code, **kwargs)
    finished = await client.recorder.done(run_id)
    return finished, client.recorder.text(run_id)


@contextlib.asynccontextmanager
async def own_server(root: Path, env: dict[str, str] | None = None, **options):
    """A server of our own, for tests whose options (or environment) differ from the shared one."""
    client = await ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env(**(env or {}))).start()
    client.recorder = Recorder(client)
    await client.initialize_session(initialize_params(root, **options))
    try:
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def kernel(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("kernel-workspace")
    lsp_client.recorder = Recorder(lsp_client)
    lsp_client.root = root
    await lsp_client.initialize_session(initialize_params(root, kernel={"maxOutputChars": 3000}))
    yield
    await lsp_client.shutdown_session()


# -- behaviour on the shared kernel ------------------------------------------------------------


async def test_state_persists_between_runs(kernel: LanguageClient):
    finished, _ = await run_and_wait(kernel, "answer = 41")
    assert finished["status"] == "ok"
    finished, text = await run_and_wait(kernel, "print(answer + 1)")
    assert finished["status"] == "ok"
    assert text == "42\n"
    assert finished["device"] == "cpu"
    assert finished["peakMemoryKind"] == "rss"  # CPU: the process's peak RSS during the run
    assert finished["peakMemoryBytes"] > 0
    assert isinstance(finished["durationMs"], int)


async def test_cpu_peak_memory_is_measured_per_run(kernel: LanguageClient):
    finished, _ = await run_and_wait(kernel, "small = 1 + 1")
    quiet_increase = finished["hostPeakIncreaseBytes"]
    assert quiet_increase is not None and quiet_increase < 64 * 2**20
    # ~256 MB touched (ones, not empty: untouched pages are never resident), then freed again
    finished, _ = await run_and_wait(kernel, "import torch\nbig = torch.ones(64 * 2**20)\ndel big")
    assert finished["status"] == "ok" and finished["peakMemoryKind"] == "rss"
    assert finished["peakMemoryBytes"] >= 200 * 2**20
    assert finished["hostPeakIncreaseBytes"] >= 200 * 2**20
    # the peak is reset per run: the next quiet run does not report the earlier one
    finished, _ = await run_and_wait(kernel, "small = 2 + 2")
    assert finished["hostPeakIncreaseBytes"] < 64 * 2**20


async def test_output_streams_while_the_code_runs(kernel: LanguageClient, tmp_path: Path):
    # The kernel prints, then waits for a file that the test creates only once it has
    # received that print: the run can only finish if the first output was streamed.
    gate = tmp_path / "gate"
    code = (
        "import os, time\n"
        "print('first', flush=True)\n"
        "for _ in range(1200):\n"
        f"    if os.path.exists({str(gate)!r}):\n"
        "        break\n"
        "    time.sleep(0.05)\n"
        "else:\n"
        "    print('gate never opened')\n"
        "print('second')\n"
    )
    recorder = kernel.recorder
    run_id = await run_code(kernel, code)
    # The print may reach the client in two pieces ("first", then its "\n": ipykernel can
    # send a write before the next one lands), as a terminal would show it: wait for the line.
    await recorder.until(lambda: recorder.text(run_id).endswith("\n") or run_id in recorder.finished)
    assert run_id not in recorder.finished, "output arrived only after the run finished"
    assert recorder.text(run_id) == "first\n"
    gate.write_text("open")
    finished = await recorder.done(run_id)
    assert finished["status"] == "ok"
    assert recorder.text(run_id) == "first\nsecond\n"
    events = [kind for kind, rid in recorder.order if rid == run_id]
    assert events[-1] == "finished" and events.count("finished") == 1


async def test_output_still_buffered_when_the_code_ends_belongs_to_its_run(kernel: LanguageClient):
    # ipykernel sends stream text on a 0.2 s timer or on flush. Before each reply the kernel
    # flushes both streams; a stream with nothing buffered skips that round trip (kernel_side
    # _quick_flush), one with text left must still send it within its run, never after.
    recorder = kernel.recorder
    for index in range(5):
        run_id = await run_code(kernel, f"import sys\nprint('tail {index}', end='')\nsys.stderr.write('err {index}')")
        finished = await recorder.done(run_id)
        assert finished["status"] == "ok"
        assert recorder.text(run_id, "stdout") == f"tail {index}"
        assert recorder.text(run_id, "stderr") == f"err {index}"
        finished, text = await run_and_wait(kernel, "quiet = 1")
        assert finished["status"] == "ok" and text == ""
    assert not recorder.outputs.get(None), "a run's output arrived after it had finished"


async def test_runs_queue_in_order(kernel: LanguageClient):
    ids = [await run_code(kernel, f"import time; time.sleep({0.2 if i == 0 else 0}); print({i})") for i in range(4)]
    for run_id in ids:
        await kernel.recorder.done(run_id)
    finished_order = [rid for kind, rid in kernel.recorder.order if kind == "finished" and rid in ids]
    assert finished_order == ids
    assert [kernel.recorder.text(rid) for rid in ids] == ["0\n", "1\n", "2\n", "3\n"]


async def test_a_queued_run_can_be_cancelled_and_says_when_it_starts(kernel: LanguageClient, tmp_path: Path):
    gate = tmp_path / "gate"
    code = f"import os, time\nprint('waiting', flush=True)\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.02)"
    first = await run_code(kernel, code)
    second = await run_code(kernel, "cancelled_ran = True")
    third = await run_code(kernel, "print('third ran')")
    await kernel.recorder.until(lambda: "waiting" in kernel.recorder.text(first))
    assert first not in kernel.recorder.started  # it did not wait: running from the start, no event
    assert second not in kernel.recorder.started  # still queued behind the first
    assert await command(kernel, "torchwise.cancelRun", {"runId": second}) == {"cancelled": True}
    assert (await kernel.recorder.done(second))["status"] == "cancelled"
    assert await command(kernel, "torchwise.cancelRun", {"runId": first}) == {"cancelled": False}  # running: Stop it instead
    gate.touch()
    assert (await kernel.recorder.done(first))["status"] == "ok"
    finished = await kernel.recorder.done(third)
    assert finished["status"] == "ok" and kernel.recorder.text(third) == "third ran\n"
    assert isinstance(finished["executionCount"], int)
    assert second not in kernel.recorder.started and third in kernel.recorder.started
    finished, text = await run_and_wait(kernel, "print('cancelled_ran' in globals())")
    assert text == "False\n"


async def test_run_cell_runs_the_cell_and_maps_the_traceback(kernel: LanguageClient):
    root: Path = kernel.root
    text = (
        "import torch\n"              # 0
        "# %% setup\n"                # 1
        "base = 10\n"                 # 2
        "\n"                          # 3
        "# %% compute\n"              # 4
        "print(base * 2)\n"           # 5
        "def boom(x):\n"              # 6
        "    return x / 0\n"          # 7
        "boom(base)\n"                # 8
        "# %% never run\n"            # 9
        "print('other cell')\n"       # 10
    )
    path = root / "cells.py"
    uri = open_document(kernel, path, text)
    result = await command(kernel, "torchwise.runCell", {"uri": uri, "line": 2})
    assert (await kernel.recorder.done(result["runId"]))["status"] == "ok"
    result = await command(kernel, "torchwise.runCell", {"uri": uri, "line": 6})
    finished = await kernel.recorder.done(result["runId"])
    assert finished["status"] == "error"
    assert kernel.recorder.text(result["runId"], "stdout") == "20\n"  # only the cell at line 6 ran
    error = kernel.recorder.text(result["runId"], "error")
    assert "ZeroDivisionError" in error
    # both frames of the user's code name the document and their real (1-based) lines
    assert f"{path}:9" in error
    assert f"{path}:8" in error
    assert "return x / 0" in error
    # one error event: plain text for any client, IPython's colours alongside for the panel
    errors = [o for o in kernel.recorder.outputs[result["runId"]] if o["stream"] == "error"]
    assert len(errors) == 1
    assert "\x1b[" not in errors[0]["text"] and "\x1b[" in errors[0]["ansi"]
    assert "ZeroDivisionError" in errors[0]["ansi"]


async def test_run_cell_reads_a_file_that_is_not_open(kernel: LanguageClient):
    path = kernel.root / "on_disk.py"
    path.write_text("# %%\nprint('from disk')\n# %%\nprint('second')\n")
    result = await command(kernel, "torchwise.runCell", {"uri": path.as_uri(), "line": 3})
    assert (await kernel.recorder.done(result["runId"]))["status"] == "ok"
    assert kernel.recorder.text(result["runId"]) == "second\n"
    with pytest.raises(Exception, match="cannot read"):
        await command(kernel, "torchwise.runCell", {"uri": (kernel.root / "missing.py").as_uri(), "line": 0})
    with pytest.raises(Exception, match="expects"):
        await command(kernel, "torchwise.runCell", {"uri": path.as_uri(), "line": "3"})


async def test_run_code_first_line_maps_syntax_and_runtime_errors(kernel: LanguageClient):
    path = kernel.root / "selection.py"
    uri = path.as_uri()
    finished, _ = await run_and_wait(kernel, "\n\nx = 1\ny = undefined_name\n", uri=uri, first_line=30)
    assert finished["status"] == "error"
    assert f"{path}:34" in kernel.recorder.text(list(kernel.recorder.finished)[-1], "error")
    run_id = await run_code(kernel, "a = 1\nb = (\n", uri=uri, first_line=100)
    assert (await kernel.recorder.done(run_id))["status"] == "error"
    error = kernel.recorder.text(run_id, "error")
    assert "SyntaxError" in error and str(path) in error and "102" in error


async def test_results_and_rich_display(kernel: LanguageClient):
    run_id = await run_code(kernel, "from IPython.display import HTML, display\ndisplay(HTML('<b>hi</b>'))\n6 * 7")
    assert (await kernel.recorder.done(run_id))["status"] == "ok"
    outputs = kernel.recorder.outputs[run_id]
    assert [o["stream"] for o in outputs] == ["display", "result"]
    assert outputs[0]["data"]  # the mime bundle (text/html here) travels along
    assert outputs[1]["text"] == "42"


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


async def test_display_updates_name_their_display_id(kernel: LanguageClient):
    code = "from IPython.display import display\nhandle = display('first', display_id=True)\nhandle.update('second')"
    finished, _ = await run_and_wait(kernel, code)
    assert finished["status"] == "ok"
    run_id = finished["runId"]
    shown = [o for o in kernel.recorder.outputs[run_id] if o["stream"] == "display"]
    assert [o["text"] for o in shown] == ["'first'", "'second'"]
    assert shown[0]["displayId"] and shown[1]["displayId"] == shown[0]["displayId"]
    assert "update" not in shown[0] and shown[1]["update"] is True


async def test_images_come_as_display_with_their_mime_data(kernel: LanguageClient):
    code = f"import base64\nfrom IPython.display import Image, display\ndisplay(Image(data=base64.b64decode({PNG!r})))"
    finished, _ = await run_and_wait(kernel, code)
    assert finished["status"] == "ok"
    (output,) = kernel.recorder.outputs[list(kernel.recorder.finished)[-1]]
    assert output["stream"] == "display"
    assert PNG in output["data"].values()  # image/png, base64 (the key is renamed by pygls' namedtuples)


async def test_matplotlib_figures_come_as_png(kernel: LanguageClient):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed in the workspace interpreter")
    finished, _ = await run_and_wait(kernel, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()")
    assert finished["status"] == "ok"
    displays = [o for o in kernel.recorder.outputs[list(kernel.recorder.finished)[-1]] if o["stream"] == "display"]
    assert displays and any(str(v).startswith("iVBOR") for v in displays[0]["data"].values())


async def test_interrupt_stops_a_loop_and_keeps_state(kernel: LanguageClient):
    await run_and_wait(kernel, "kept = 'still here'\ncount = 0")
    # "looping" is printed after the first increment: an interrupt right after it still finds count > 0
    run_id = await run_code(kernel, "while True:\n    count += 1\n    if count == 1:\n        print('looping', flush=True)\n")
    queued = await run_code(kernel, "print('should not run')")
    await kernel.recorder.until(lambda: kernel.recorder.outputs[run_id])
    await command(kernel, "torchwise.interrupt")
    finished = await kernel.recorder.done(run_id)
    assert finished["status"] == "interrupted"
    assert "KeyboardInterrupt" in kernel.recorder.text(run_id, "error")
    # runs queued behind the interrupted one are cancelled, not run
    assert (await kernel.recorder.done(queued))["status"] == "interrupted"
    assert "should not run" not in kernel.recorder.text(queued)
    finished, text = await run_and_wait(kernel, "print(kept, count > 0)")
    assert finished["status"] == "ok" and text == "still here True\n"


async def test_list_devices_on_a_cpu_only_machine(kernel: LanguageClient):
    if HAS_CUDA:
        pytest.skip("this machine has CUDA; see test_cuda_devices_and_peak_memory")
    devices = await command(kernel, "torchwise.listDevices")
    assert [d["id"] for d in devices] == ["cpu"]
    assert devices[0]["name"] and devices[0]["totalMemory"] > 0
    # known devices are answered even while the kernel is busy
    run_id = await run_code(kernel, "print('busy', flush=True)\nwhile True:\n    pass\n")
    await kernel.recorder.until(lambda: kernel.recorder.outputs[run_id])
    assert await command(kernel, "torchwise.listDevices") == devices
    assert (await command(kernel, "torchwise.kernelInfo"))["state"] == "busy"
    await command(kernel, "torchwise.interrupt")
    assert (await kernel.recorder.done(run_id))["status"] == "interrupted"


async def test_select_device_sets_the_device_variable(kernel: LanguageClient):
    result = await command(kernel, "torchwise.selectDevice", {"device": "cpu"})
    assert result["device"] == "cpu"
    finished, text = await run_and_wait(kernel, "print(type(device).__name__, device)")
    assert text == "device cpu\n" and finished["device"] == "cpu"
    with pytest.raises(Exception, match="unknown device"):
        await command(kernel, "torchwise.selectDevice", {"device": "warp-drive"})
    if not HAS_CUDA:
        with pytest.raises(Exception, match="CUDA is not available"):
            await command(kernel, "torchwise.selectDevice", {"device": "cuda:0"})


async def test_test_only_fake_devices_are_listed_and_selectable(tmp_path: Path):
    """TORCHWISE_TEST_FAKE_DEVICES (test only; the e2e device test uses it) adds selectable ids:
    ``meta`` is a device every torch has, so code using ``device`` really runs there."""
    async with own_server(tmp_path, env={"TORCHWISE_TEST_FAKE_DEVICES": " meta, cuda:7 "}) as client:
        devices = await command(client, "torchwise.listDevices")
        assert [d["id"] for d in devices][-2:] == ["meta", "cuda:7"]
        assert devices[-1] == {"id": "cuda:7", "name": "fake device (TORCHWISE_TEST_FAKE_DEVICES, test only)",
                               "totalMemory": None}  # fmt: skip
        assert await command(client, "torchwise.selectDevice", {"device": "meta"}) == {"device": "meta", "defaultDevice": None}
        finished, text = await run_and_wait(client, "import torch\nprint(torch.ones(2).to(device).device, device)")
        assert text == "meta meta\n" and finished["device"] == "meta"
        assert (await command(client, "torchwise.kernelInfo"))["device"] == "meta"
        # ids that are not listed keep every check
        with pytest.raises(Exception, match="unsupported device"):
            await command(client, "torchwise.selectDevice", {"device": "xla"})
        if not HAS_CUDA:
            assert await command(client, "torchwise.selectDevice", {"device": "cuda:7"}) == {"device": "cuda:7", "defaultDevice": None}
            with pytest.raises(Exception, match="CUDA is not available"):
                await command(client, "torchwise.selectDevice", {"device": "cuda:0"})
    # without the variable, meta stays unselectable
    async with own_server(tmp_path) as client:
        assert "meta" not in [d["id"] for d in await command(client, "torchwise.listDevices")]
        with pytest.raises(Exception, match="unsupported device"):
            await command(client, "torchwise.selectDevice", {"device": "meta"})


async def test_footer_warns_when_the_users_code_replaces_the_selected_device(kernel: LanguageClient):
    await command(kernel, "torchwise.selectDevice", {"device": "cpu"})
    finished, _ = await run_and_wait(kernel, "import torch\nt = torch.ones(2)")
    assert finished["warning"] is None
    finished, _ = await run_and_wait(kernel, "device = 'meta'")
    assert "your code set device = meta" in finished["warning"] and "selected cpu is not used" in finished["warning"]
    await command(kernel, "torchwise.selectDevice", {"device": "cpu"})  # selecting again sets it back
    finished, _ = await run_and_wait(kernel, "del t")
    assert finished["warning"] is None


async def test_list_variables(kernel: LanguageClient):
    code = (
        "import torch\n"
        "weights = torch.zeros(2, 3, requires_grad=True)\n"
        "model = torch.nn.Linear(3, 2)\n"
        "lr = 0.5\n"
        "names = ['a', 'b']\n"
        "_private = 1\n"
    )
    finished, _ = await run_and_wait(kernel, code)
    assert finished["status"] == "ok"
    variables = {v["name"]: v for v in await command(kernel, "torchwise.listVariables")}
    assert variables["weights"]["shape"] == [2, 3]
    assert variables["weights"]["dtype"] == "torch.float32"
    assert variables["weights"]["device"] == "cpu"
    assert variables["weights"]["requiresGrad"] is True
    assert variables["model"]["type"] == "Linear" and variables["model"]["summary"].startswith("8 parameters")
    assert variables["lr"]["summary"] == "0.5"
    assert variables["names"]["type"] == "list" and variables["names"]["shape"] == [2]
    assert "_private" not in variables and "torch" not in variables
    assert "device" not in variables  # the one Select Device injects is not the user's
    assert variables["model"]["kind"] == "module" and variables["model"]["parameters"] == 8
    assert variables["model"]["training"] is True and variables["weights"]["bytes"] == 24
    finished, _ = await run_and_wait(kernel, "device = torch.device('cpu')")
    variables = {v["name"]: v for v in await command(kernel, "torchwise.listVariables")}
    assert variables["device"]["summary"] == "cpu"  # the user's own is


async def test_a_blocking_repr_times_out_and_runs_queued_behind_the_listing_proceed(kernel: LanguageClient):
    code = (
        "import threading\n"
        "class Stuck:\n"
        "    def __repr__(self):\n"
        "        threading.Event().wait()  # never returns\n"
        "        return 'never'\n"
        "stuck = Stuck()\n"
        "after_stuck = 7\n"
    )
    finished, _ = await run_and_wait(kernel, code)
    assert finished["status"] == "ok"
    listing = asyncio.ensure_future(command(kernel, "torchwise.listVariables"))
    await asyncio.sleep(0)  # the listing is sent first; the run queues behind it
    run_id = await run_code(kernel, "print('behind')")
    # Without a time limit the listing (and the run behind it) would wait forever.
    variables = {v["name"]: v for v in await asyncio.wait_for(listing, 30)}
    assert variables["stuck"]["summary"] == "<repr timed out>"
    assert variables["stuck"]["type"] == "Stuck"
    assert variables["after_stuck"]["summary"] == "7"
    finished = await asyncio.wait_for(kernel.recorder.done(run_id), 30)
    assert finished["status"] == "ok" and kernel.recorder.text(run_id) == "behind\n"
    finished, _ = await run_and_wait(kernel, "del stuck, after_stuck, Stuck")
    assert finished["status"] == "ok"


async def test_background_thread_output_never_lands_in_another_run(kernel: LanguageClient, tmp_path: Path):
    stop = tmp_path / "stop"
    start = (
        "import threading, time, os\n"
        "ticks = [0]\n"
        "def ticker():\n"
        f"    while not os.path.exists({str(stop)!r}):\n"
        "        print('tick', ticks[0], flush=True)\n"
        "        ticks[0] += 1\n"
        "        time.sleep(0.05)\n"
        "    print('ticker done', flush=True)\n"
        "ticker_thread = threading.Thread(target=ticker, daemon=True)\n"
        "ticker_thread.start()\n"
        "while ticks[0] < 2:\n"
        "    time.sleep(0.01)\n"
    )
    recorder = kernel.recorder
    finished, text_a = await run_and_wait(kernel, start)
    assert finished["status"] == "ok" and "tick 0" in text_a  # printed while its own run ran
    # Between runs the thread's output arrives as background output.
    await recorder.until(lambda: "tick" in recorder.text(None))
    # The next, unrelated run runs while the thread prints at least three more lines.
    finished, text_b = await run_and_wait(
        kernel, "seen = ticks[0]\nwhile ticks[0] < seen + 3:\n    time.sleep(0.01)\nprint('B done')")
    assert finished["status"] == "ok"
    assert text_b == "B done\n"
    stop.touch()
    await recorder.until(lambda: "ticker done" in recorder.text(None))
    background = recorder.outputs[None]
    assert all(o.get("background") is True and o["stream"] == "stdout" for o in background)
    finished, _ = await run_and_wait(kernel, "ticker_thread.join(10)\ndel ticker_thread, ticks, ticker, seen")
    assert finished["status"] == "ok"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc/<pid>/maps")
async def test_the_server_process_loads_neither_torch_nor_zmq(kernel: LanguageClient):
    finished, _ = await run_and_wait(kernel, "import torch\nprint(torch.ones(2).sum().item())")
    assert finished["status"] == "ok"
    maps = Path(f"/proc/{kernel._server.pid}/maps").read_text()
    assert "libtorch" not in maps and "zmq" not in maps


async def test_kernel_info(kernel: LanguageClient):
    info = await command(kernel, "torchwise.kernelInfo")
    assert info["interpreter"] == sys.executable
    assert info["torchVersion"] == torch.__version__
    assert info["device"] == "cpu"
    assert info["state"] == "idle"
    assert info["kernelPid"] and info["bridgePid"]


async def test_a_tqdm_bar_shows_as_one_line(kernel: LanguageClient):
    pytest.importorskip("tqdm")
    code = (
        "import time\n"
        "from tqdm import tqdm\n"
        "from tqdm.auto import tqdm as auto_tqdm\n"
        "for _ in tqdm(range(40), mininterval=0):\n"
        "    time.sleep(0.005)\n"
        "for _ in auto_tqdm(range(40), mininterval=0, desc='auto'):\n"
        "    time.sleep(0.005)\n"
        "print('after')\n"
    )
    run_id = await run_code(kernel, code)
    finished = await kernel.recorder.done(run_id)
    assert finished["status"] == "ok"
    bars = [line for line in kernel.recorder.shown(run_id, "stderr").split("\n") if "it/s" in line or "s/it" in line]
    assert len(bars) == 2, kernel.recorder.shown(run_id, "stderr")  # one bar each, not forty
    assert bars[0].startswith("100%") and "40/40" in bars[0]
    assert bars[1].startswith("auto: 100%") and "40/40" in bars[1]
    assert kernel.recorder.shown(run_id, "stdout") == "after\n"


async def test_a_fast_carriage_return_loop_is_folded_and_throttled(kernel: LanguageClient):
    code = "for i in range(5000):\n    print(i, end='\\r', flush=True)\nprint('done')"
    run_id = await run_code(kernel, code)
    finished = await kernel.recorder.done(run_id)
    assert finished["status"] == "ok"
    assert kernel.recorder.shown(run_id, "stdout") == "done\n"
    # 5000 flushed prints reach the client as a handful of folded updates, none truncated
    assert len(kernel.recorder.outputs[run_id]) < 500
    assert "truncated" not in kernel.recorder.text(run_id)


async def test_huge_output_is_truncated_in_order(kernel: LanguageClient):
    run_id = await run_code(kernel, "for i in range(5000):\n    print(i)\nprint('END')")
    finished = await kernel.recorder.done(run_id)
    assert finished["status"] == "ok"
    # What the panel shows (a rewritten unfinished line replaces its earlier copy).
    body = kernel.recorder.shown(run_id, "stdout")
    assert "Output truncated" in kernel.recorder.text(run_id, "stderr") and "END" not in body
    assert len(body) <= 3000
    numbers = [int(n) for n in body.split()[:-1]]  # the last one may be cut
    assert numbers == list(range(len(numbers)))


async def test_out_of_memory_errors_come_with_advice(kernel: LanguageClient):
    code = "import torch\nraise torch.OutOfMemoryError('CUDA out of memory. Tried to allocate 20.00 GiB')"
    if HAS_CUDA:
        code = "import torch\nhuge = torch.empty(1 << 50, dtype=torch.uint8, device='cuda')"
    run_id = await run_code(kernel, code)
    assert (await kernel.recorder.done(run_id))["status"] == "error"
    error = kernel.recorder.text(run_id, "error")
    assert "OutOfMemoryError" in error
    assert "torch.cuda.empty_cache()" in error and "smaller batch" in error


@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine")
async def test_cuda_devices_and_peak_memory(kernel: LanguageClient):
    devices = await command(kernel, "torchwise.listDevices")
    assert devices[0]["id"] == "cpu" and devices[1]["id"] == "cuda:0" and devices[1]["totalMemory"] > 0
    await command(kernel, "torchwise.selectDevice", {"device": "cuda:0"})
    code = "import torch\nbig = torch.empty(64 << 20, dtype=torch.uint8, device=device)\ndel big"
    finished, _ = await run_and_wait(kernel, code)
    assert finished["device"] == "cuda:0" and finished["peakMemoryBytes"] >= 64 << 20
    finished, _ = await run_and_wait(kernel, "small = torch.empty(1 << 20, dtype=torch.uint8, device=device)")
    assert finished["peakMemoryBytes"] < 64 << 20  # reset per run
    await command(kernel, "torchwise.selectDevice", {"device": "cpu"})


async def test_crash_is_reported_and_the_next_run_gets_a_fresh_kernel(kernel: LanguageClient):
    await run_and_wait(kernel, "before_crash = 1")
    finished, text = await run_and_wait(kernel, "import os\nos._exit(1)")
    assert finished["status"] == "crashed"
    assert "kernel died" in text
    finished, text = await run_and_wait(kernel, "print('before_crash' in globals())")
    assert finished["status"] == "ok"
    assert "fresh kernel" in text and text.endswith("False\n")
    info = await command(kernel, "torchwise.kernelInfo")
    assert info["state"] == "idle"


async def test_a_dead_bridge_is_replaced_and_the_run_says_so(kernel: LanguageClient):
    await run_and_wait(kernel, "bridge_state = 1")
    info = await command(kernel, "torchwise.kernelInfo")
    os.kill(info["bridgePid"], signal.SIGKILL)
    assert await wait_gone(info["bridgePid"], info["kernelPid"]) == []  # the kernel follows its parent
    finished, text = await run_and_wait(kernel, "print('bridge_state' in globals())")
    assert finished["status"] == "ok"
    assert "fresh kernel" in text and text.endswith("False\n")


async def test_restart_stops_a_running_loop(kernel: LanguageClient):
    run_id = await run_code(kernel, "print('spinning', flush=True)\nwhile True:\n    pass\n")
    await kernel.recorder.until(lambda: kernel.recorder.outputs[run_id])
    old = (await command(kernel, "torchwise.kernelInfo"))["kernelPid"]
    info = await command(kernel, "torchwise.restart")
    assert info["state"] == "idle" and info["kernelPid"] != old
    finished = await kernel.recorder.done(run_id)
    assert finished["status"] == "interrupted" and "restarted" in kernel.recorder.text(run_id)
    assert await wait_gone(old) == []


async def test_restart_clears_state(kernel: LanguageClient):
    await run_and_wait(kernel, "survivor = 1")
    old = (await command(kernel, "torchwise.kernelInfo"))["kernelPid"]
    info = await command(kernel, "torchwise.restart")
    assert info["state"] == "idle" and info["kernelPid"] != old
    assert await wait_gone(old) == []
    finished, text = await run_and_wait(kernel, "print('survivor' in globals(), device)")
    assert text == "False cpu\n"


# -- servers of their own -----------------------------------------------------------------------


async def test_untrusted_workspace_refuses_to_run(tmp_path: Path):
    async with own_server(tmp_path, trusted=False) as client:
        uri = open_document(client, tmp_path / "a.py", "print(1)\n")
        for name, argument in (
            ("torchwise.runCell", {"uri": uri, "line": 0}),
            ("torchwise.runCode", {"code": "print(1)", "uri": None, "firstLine": 0}),
        ):
            with pytest.raises(Exception, match="not trusted"):
                await command(client, name, argument)
        assert (await command(client, "torchwise.kernelInfo"))["state"] == "stopped"
        assert client.recorder.order == []


async def test_missing_interpreter_gives_one_clear_message(tmp_path: Path):
    missing = str(tmp_path / "no-such-env" / "bin" / "python")
    async with own_server(tmp_path, interpreter=missing) as client:
        with pytest.raises(Exception) as error:
            await command(client, "torchwise.runCode", {"code": "1", "uri": None, "firstLine": 0})
        message = str(error.value)
        assert missing in message and f"{missing} -m pip install ipykernel torch" in message
        assert "\n" not in message
        # the server keeps serving; commands that need no kernel do not start one
        assert (await command(client, "torchwise.kernelInfo"))["state"] == "stopped"
        assert await command(client, "torchwise.listVariables") == []
        assert await command(client, "torchwise.interrupt") is None


async def test_interpreter_without_ipykernel_gives_one_clear_message(tmp_path: Path):
    env = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = str(env / "bin" / "python")
    async with own_server(tmp_path, interpreter=python) as client:
        with pytest.raises(Exception) as error:
            await command(client, "torchwise.runCode", {"code": "1", "uri": None, "firstLine": 0})
        message = str(error.value)
        assert python in message and "ipykernel" in message and "torch" in message
        assert f"{python} -m pip install ipykernel torch" in message
        with pytest.raises(Exception, match="pip install ipykernel torch"):
            await command(client, "torchwise.listDevices")
        assert (await command(client, "torchwise.kernelInfo"))["state"] == "stopped"


async def wait_gone(*pids: int) -> list[int]:
    for _ in range(300):
        left = [pid for pid in pids if procs.alive(pid)]
        if not left:
            return []
        await asyncio.sleep(0.1)
    return left


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks use /proc")
async def test_no_kernel_or_bridge_left_after_the_server_exits(tmp_path: Path):
    async with own_server(tmp_path) as client:
        finished, _ = await run_and_wait(client, "x = 1")
        assert finished["status"] == "ok"
        info = await command(client, "torchwise.kernelInfo")
        pids = [info["kernelPid"], info["bridgePid"]]
        assert all(procs.alive(pid) for pid in pids)
        # the editor closes while a long loop is running
        run_id = await run_code(client, "print('training', flush=True)\nwhile True:\n    pass\n")
        await client.recorder.until(lambda: client.recorder.outputs[run_id])
    assert await wait_gone(*pids) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks use /proc")
async def test_changing_the_interpreter_replaces_the_kernel(tmp_path: Path):
    async with own_server(tmp_path) as client:
        finished, _ = await run_and_wait(client, "x = 1")
        info = await command(client, "torchwise.kernelInfo")
        missing = str(tmp_path / "gone" / "python")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"torchwise": {"interpreter": missing}})
        )
        assert await wait_gone(info["kernelPid"], info["bridgePid"]) == []
        with pytest.raises(Exception, match="pip install ipykernel torch"):
            await command(client, "torchwise.runCode", {"code": "1", "uri": None, "firstLine": 0})


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks use /proc")
async def test_revoking_trust_stops_the_kernel(tmp_path: Path):
    async with own_server(tmp_path) as client:
        await run_and_wait(client, "x = 1")
        info = await command(client, "torchwise.kernelInfo")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"torchwise": {"trusted": False}})
        )
        assert await wait_gone(info["kernelPid"], info["bridgePid"]) == []
        with pytest.raises(Exception, match="not trusted"):
            await command(client, "torchwise.runCode", {"code": "1", "uri": None, "firstLine": 0})


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks use /proc")
async def test_killed_server_leaves_no_kernel_behind(tmp_path: Path):
    client = await ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()).start()
    client.recorder = Recorder(client)
    await client.initialize_session(initialize_params(tmp_path))
    finished, _ = await run_and_wait(client, "x = 1")
    info = await command(client, "torchwise.kernelInfo")
    os.kill(client._server.pid, signal.SIGKILL)  # no shutdown: the bridge sees its stdin close
    await client._server.wait()
    await client.stop()
    assert await wait_gone(info["kernelPid"], info["bridgePid"]) == []


# -- remote kernels on a real Jupyter Server ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def jupyter_server(root: Path):
    jupyter = shutil.which("jupyter-server", path=str(Path(sys.executable).parent))
    if jupyter is None:
        pytest.skip("jupyter_server is not installed (dev extra)")
    port, token = free_port(), os.urandom(12).hex()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTER_CONFIG_DIR=str(root / "config"))
    proc = subprocess.Popen(
        [jupyter, "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
         f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                pytest.fail("jupyter server exited at start")
            try:
                request = urllib.request.Request(url + "/api/kernels", headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5):
                    break
            except OSError:
                time.sleep(0.1)
        yield url, token
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def remote_kernels(url: str, token: str) -> list:
    import json

    request = urllib.request.Request(url + "/api/kernels", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def test_unreachable_jupyter_server_is_reported(tmp_path: Path):
    url = f"http://127.0.0.1:{free_port()}"
    async with own_server(tmp_path, kernel={"jupyterServer": {"url": url, "token": "t"}}) as client:
        finished, text = await run_and_wait(client, "1")
        assert finished["status"] == "error"
        assert f"Jupyter Server at {url}" in text and "\n" not in text.strip()
        assert (await command(client, "torchwise.kernelInfo"))["state"] == "stopped"


async def test_remote_kernel_on_a_jupyter_server(tmp_path: Path):
    with jupyter_server(tmp_path) as (url, token):
        async with own_server(tmp_path, kernel={"jupyterServer": {"url": url, "token": token}}) as client:
            finished, _ = await run_and_wait(client, "remote_value = 6")
            assert finished["status"] == "ok"
            assert len(remote_kernels(url, token)) == 1
            finished, text = await run_and_wait(client, "print(remote_value * 7, device)")
            assert text == "42 cpu\n" and finished["device"] == "cpu"
            info = await command(client, "torchwise.kernelInfo")
            assert info["remote"] == url and info["torchVersion"] == torch.__version__
            doc = tmp_path / "remote_doc.py"
            finished, _ = await run_and_wait(client, "1 / 0", uri=doc.as_uri(), first_line=4)
            assert f"{doc}:5" in client.recorder.text(list(client.recorder.finished)[-1], "error")
            # interrupt
            run_id = await run_code(client, "print('spin', flush=True)\nwhile True:\n    remote_value += 0\n")
            await client.recorder.until(lambda: client.recorder.outputs[run_id])
            await command(client, "torchwise.interrupt")
            assert (await client.recorder.done(run_id))["status"] == "interrupted"
            finished, text = await run_and_wait(client, "print(remote_value)")
            assert text == "6\n"
            # restart: fresh state
            info = await command(client, "torchwise.restart")
            assert info["state"] == "idle"
            finished, text = await run_and_wait(client, "print('remote_value' in globals())")
            assert text == "False\n"
            # a remote kernel that dies is reported, and the next run gets a fresh one
            await run_and_wait(client, "remote_value = 1")
            finished, _ = await run_and_wait(client, "import os\nos._exit(1)")
            assert finished["status"] == "crashed"
            finished, text = await run_and_wait(client, "print('remote_value' in globals())")
            assert finished["status"] == "ok" and "fresh kernel" in text and text.endswith("False\n")
            assert len(remote_kernels(url, token)) == 1
        # the server's shutdown deleted the remote kernel
        assert remote_kernels(url, token) == []


async def test_truncation_counts_a_line_sent_in_pieces_once(kernel: LanguageClient):
    """Unfinished lines continued in later messages (print(end="")) and one endless line
    both stay within maxOutputChars as the panel shows them."""
    code = ("import sys, time\nfor i in range(1500):\n    print(i, end='' if i % 3 else '\\n', flush=True)\n"
            "    if i % 200 == 0:\n        time.sleep(0.02)\n")
    run_id = await run_code(kernel, code)
    assert (await kernel.recorder.done(run_id))["status"] == "ok"
    assert "Output truncated" in kernel.recorder.text(run_id, "stderr")
    assert 2900 <= len(kernel.recorder.shown(run_id, "stdout")) <= 3000
    run_id = await run_code(kernel, "import sys\nfor i in range(2000):\n    sys.stdout.write('ab')\n")
    assert (await kernel.recorder.done(run_id))["status"] == "ok"
    assert "Output truncated" in kernel.recorder.text(run_id, "stderr")
    assert len(kernel.recorder.shown(run_id, "stdout")) <= 3000
