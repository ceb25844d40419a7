"""Code that runs *inside* the kernel, never in the language server.

The bridge reads this file and executes it in a hidden module named
``__torchwise__`` (in ``sys.modules``, not in the user's namespace). The only
name it puts in the user's namespace is ``device``. torch is imported by
``setup()`` only, so importing this file elsewhere costs nothing.

Everything returned to the bridge is a JSON string (user_expressions carry the
repr of a str, which the bridge turns back into JSON).
"""

import json
import linecache
import os
import re
import sys

PREFIX = "torchwise:"

_state = {"target": None, "current": None, "torch": None, "shell": None}
_documents = {}  # path -> list of lines as the kernel last saw them


def _torch():
    return _state["torch"]


# -- traceback line mapping ------------------------------------------------------


def _leading_blank(text):
    count = 0
    for line in text.splitlines():
        if line.strip():
            break
        count += 1
    return count


def _remember(path, first, code):
    """Overlay ``code`` at 0-based line ``first`` of ``path`` in linecache."""
    lines = _documents.get(path)
    if lines is None:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines(True)
        except (OSError, ValueError):
            lines = []
        _documents[path] = lines
    new = [line + "\n" for line in code.splitlines()]
    while len(lines) < first + len(new):
        lines.append("\n")
    lines[first : first + len(new)] = new
    # mtime None: linecache.checkcache never evicts the entry.
    linecache.cache[path] = (sum(len(line) for line in lines), None, list(lines), path)


def _install_compiler_hooks(shell):
    compiler = shell.compile
    original_cache = compiler.cache
    original_parse = compiler.ast_parse

    def cache(transformed_code, *args, **kwargs):
        target, _state["target"] = _state["target"], None
        if target is None:
            return original_cache(transformed_code, *args, **kwargs)
        raw_code = kwargs.get("raw_code", args[1] if len(args) > 1 else None)
        path, first = target
        # IPython drops leading blank lines; keep the real line numbers.
        first += _leading_blank(raw_code if raw_code is not None else transformed_code)
        first -= _leading_blank(transformed_code)
        _remember(path, first, transformed_code)
        _state["current"] = (path, first)
        return path

    def ast_parse(source, filename="<unknown>", *args, **kwargs):
        current = _state["current"]
        if current is not None and filename == current[0]:
            _state["current"] = None
            source = "\n" * current[1] + source
        return original_parse(source, filename, *args, **kwargs)

    compiler.cache = cache
    compiler.ast_parse = ast_parse


# -- devices and memory -------------------------------------------------------------


def _cuda_index():
    torch = _torch()
    value = _state["shell"].user_ns.get("device")
    if isinstance(value, torch.device) and value.type != "cuda":
        return None  # the common CPU case, on every run: keep it cheap
    try:
        dev = torch.device(value) if value is not None else None
    except (TypeError, RuntimeError, ValueError):
        return None
    if dev is None or dev.type != "cuda":
        return None
    if dev.index is not None:
        return dev.index
    return torch.cuda.current_device() if torch.cuda.is_initialized() else 0


def _pre_run_cell(info):
    cell_id = getattr(info, "cell_id", None)
    target = None
    if isinstance(cell_id, str) and cell_id.startswith(PREFIX):
        try:
            spec = json.loads(cell_id[len(PREFIX):])
            target = (str(spec["path"]), max(0, int(spec.get("firstLine") or 0)))
        except (ValueError, KeyError, TypeError):
            target = None
    _state["target"] = target
    _state["current"] = None
    import threading

    main = threading.main_thread()
    _threads["before"] = frozenset(t.ident for t in threading.enumerate() if t is not main)
    _threads["running"] = True
    _watch_start(getattr(info, "raw_cell", None))
    _host_peak_start()
    torch = _torch()
    try:
        index = _cuda_index()
        if index is not None and torch.cuda.is_initialized():
            torch.cuda.reset_peak_memory_stats(index)
    except Exception:
        pass


# -- host (CPU) peak memory per run ------------------------------------------------------------
# Linux: writing "5" to /proc/self/clear_refs resets the process's peak RSS (VmHWM), read back
# from /proc/self/status after the run. Elsewhere (or where clear_refs is refused) a thread
# samples the RSS every few milliseconds while the run lasts.

_host = {"method": None, "start": None, "peak": None, "sampler": None, "stop": None}
SAMPLE_SECONDS = 0.005
try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (ValueError, OSError, AttributeError):
    _PAGE = 4096


_proc_fds = {}  # /proc/self files kept open: every run reads them (pread: no open/close per run)


def _proc_fd(name, flags=os.O_RDONLY):
    key = (name, os.getpid())  # a forked child must not read its parent's file
    fd = _proc_fds.get(key)
    if fd is None:
        fd = _proc_fds[key] = os.open("/proc/self/" + name, flags | getattr(os, "O_CLOEXEC", 0))
    return fd


def _status_bytes(field):
    try:
        data = os.pread(_proc_fd("status"), 1 << 16, 0)
        start = data.index(b"\n" + field) + 1
        return int(data[start + len(field):data.index(b"\n", start)].split()[0]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None


def _current_rss():
    if sys.platform.startswith("linux"):
        try:  # statm is much shorter than status: pages
            return int(os.pread(_proc_fd("statm"), 256, 0).split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return None
    try:
        import psutil  # optional

        return int(psutil.Process().memory_info().rss)
    except Exception:
        return None


def _reset_hwm():
    try:
        os.write(_proc_fd("clear_refs", os.O_WRONLY), b"5")
        return True
    except OSError:
        return False


def _host_peak_start():
    _host_stop_sampler()
    _host["start"] = _current_rss()
    _host["peak"] = _host["start"]
    if _host["method"] in (None, "hwm") and sys.platform.startswith("linux") and _reset_hwm():
        _host["method"] = "hwm"
        return
    if _host["start"] is None:
        _host["method"] = "none"
        return
    import threading

    _host["method"] = "sample"
    stop = threading.Event()

    def sample():
        while not stop.wait(SAMPLE_SECONDS):
            rss = _current_rss()
            if rss is not None and rss > (_host["peak"] or 0):
                _host["peak"] = rss

    _host["stop"] = stop
    _host["sampler"] = threading.Thread(target=sample, daemon=True, name="torchwise-memory")
    _host["sampler"].start()


def _host_stop_sampler():
    if _host["stop"] is not None:
        _host["stop"].set()
        _host["stop"] = _host["sampler"] = None


def _host_peak():
    """(peak RSS during the run, its increase over the run's start), in bytes, or (None, None)."""
    start = _host["start"]
    if _host["method"] == "hwm":
        peak = _status_bytes(b"VmHWM:")
    elif _host["method"] == "sample":
        _host_stop_sampler()
        now = _current_rss()
        peak = max(p for p in (_host["peak"], now) if p is not None) if (_host["peak"] or now) else None
    else:
        return None, None
    if peak is None:
        return None, None
    return peak, (max(0, peak - start) if start is not None else None)


# -- background output ------------------------------------------------------------------
# ipykernel sends a thread's print under the *latest* execute request (a thread has no parent
# of its own): a thread left running by one run would print into the next, unrelated run, or,
# between runs, under a run that has finished. Such output goes out under BACKGROUND instead.

BACKGROUND = {"msg_id": "torchwise-background", "msg_type": "torchwise_background",
              "session": "torchwise", "username": "torchwise", "version": "5.3"}
_threads = {"running": False, "before": frozenset(), "infrastructure": frozenset()}


def _is_background(thread):
    ident = thread.ident
    if ident in _threads["infrastructure"]:  # ipykernel's own (the fd watcher writes for C code)
        return False
    return not _threads["running"] or ident in _threads["before"]


def _install_stream_tagging():
    import threading

    try:
        from ipykernel.iostream import OutStream
    except ImportError:
        return
    prop = OutStream.__dict__.get("parent_header")
    if not isinstance(prop, property) or prop.fget is None:
        return
    original, main = prop.fget, threading.main_thread()
    _threads["infrastructure"] = frozenset(t.ident for t in threading.enumerate() if t is not main)

    def parent_header(self):
        thread = threading.current_thread()
        if thread is not main and _is_background(thread):
            return BACKGROUND
        return original(self)

    OutStream.parent_header = property(parent_header, prop.fset)


def _post_run_cell(result=None):
    _threads["running"] = False


def _after():
    torch = _torch()
    peak = None
    try:
        index = _cuda_index()
        if index is not None and torch.cuda.is_initialized():
            peak = int(torch.cuda.max_memory_allocated(index))
    except Exception:
        peak = None
    host, added = _host_peak()
    try:
        warning = _device_warning()
    except Exception:
        warning = None
    return {
        "warning": warning,
        "device": _device_name(),
        # the selected device's peak: CUDA's allocator on cuda, the process's RSS otherwise
        "peakMemoryBytes": peak if peak is not None else host,
        "peakMemoryKind": "cuda" if peak is not None else ("rss" if host is not None else None),
        "hostPeakMemoryBytes": host,
        "hostPeakIncreaseBytes": added,
    }


# -- device check after a run ----------------------------------------------------------------
# Only what the run may have touched is looked at: names its code mentions, and names bound anew
# or rebound while it ran (identities compared with a snapshot taken before it). A module moved
# in place (``model.to(...)``) keeps its identity, but its name is in the code that moved it.

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CHECK_SECONDS = 0.02  # the whole device check after a run
CHECK_NAMES = 500
SNAPSHOT_LIMIT = 5000  # a namespace larger than this is not snapshotted (the code's names still are)
_watch = {"code": "", "ids": None}


def _watch_start(code):
    namespace = _state["shell"].user_ns
    _watch["code"] = code if isinstance(code, str) else ""
    _watch["ids"] = _identities(namespace) if len(namespace) <= SNAPSHOT_LIMIT else None


def _identities(namespace):
    return dict(zip(namespace.keys(), map(id, namespace.values())))  # C loops: this runs on every run


def _touched(namespace):
    """Names of the user's namespace the run may have created or changed."""
    names = set(_NAME.findall(_watch["code"][:100000])) & namespace.keys()
    before = _watch["ids"]
    if before is not None:
        names.update([name for name, value in namespace.items() if before.get(name) != id(value)])
    return [name for name in names if not name.startswith("_") and name != "device"]


def _elsewhere(where, selected):
    if where.type != selected.type:
        return True
    return selected.index is not None and where.index is not None and where.index != selected.index


def _placement(torch, value):
    """The device of a tensor, or of a module's first parameter (or buffer); else None."""
    if isinstance(value, torch.Tensor):
        return value.device
    if isinstance(value, torch.nn.Module):
        for tensor in value.parameters():
            return tensor.device
        for tensor in value.buffers():
            return tensor.device
    return None


def _device_warning():
    """One line when tensors or models the run created or changed are not on the selected
    device, or when the user's code replaced the selected ``device``; else None. Cheap and
    bounded: CHECK_NAMES names and CHECK_SECONDS at most."""
    import time

    torch = _torch()
    selected = _state.get("injected")
    if selected is None:
        return None
    namespace = _state["shell"].user_ns
    current = namespace.get("device")
    if current is not selected:
        if isinstance(current, (torch.device, str)) and str(current) != str(selected):
            return ("your code set device = %s, so the selected %s is not used (Select Device sets "
                    "`device`; code that assigns it wins)" % (current, selected))
        return None
    deadline = time.perf_counter() + CHECK_SECONDS
    elsewhere = []
    for name in sorted(_touched(namespace))[:CHECK_NAMES]:
        try:
            where = _placement(torch, namespace.get(name))
        except Exception:
            where = None
        if where is not None and _elsewhere(where, selected):
            elsewhere.append("%s (%s)" % (name, where))
        if time.perf_counter() > deadline:
            break
    if not elsewhere:
        return None
    shown = ", ".join(elsewhere[:3]) + (" and %d more" % (len(elsewhere) - 3) if len(elsewhere) > 3 else "")
    return "on another device than the selected %s: %s (move them with .to(device))" % (selected, shown)


def after_run():
    """Device and peak memory of the run that just ended (JSON)."""
    return json.dumps(_after())


def _install_reply_hook(shell):
    """Put after_run() into the execute_reply's metadata of the bridge's runs: no extra round trip."""
    kernel = getattr(shell, "kernel", None)
    original = getattr(kernel, "finish_metadata", None)
    if original is None:
        return

    def finish_metadata(parent, metadata, reply_content):
        metadata = original(parent, metadata, reply_content)
        try:
            if (parent.get("metadata") or {}).get("torchwise") and isinstance(metadata, dict):
                metadata["torchwise"] = _after()
        except Exception:
            pass
        return metadata

    kernel.finish_metadata = finish_metadata


def _device_name():
    value = _state["shell"].user_ns.get("device")
    return None if value is None else str(value)


def _default_device():
    torch = _torch()
    if torch.cuda.is_available():
        return "cuda:0"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "CPU"


def _total_ram():
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


FAKE_DEVICES_ENV = "TORCHWISE_TEST_FAKE_DEVICES"


def _fake_devices():
    """TEST ONLY: device ids from TORCHWISE_TEST_FAKE_DEVICES (comma-separated, e.g. ``meta``), listed
    and selectable without checking that torch can use them, so the end-to-end tests can pick a
    device other than the current one on a CPU-only machine. Never set it for real work."""
    return [name.strip() for name in os.environ.get(FAKE_DEVICES_ENV, "").split(",") if name.strip()]


def devices():
    torch = _torch()
    found = [{"id": "cpu", "name": _cpu_name(), "totalMemory": _total_ram()}]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            found.append({"id": "cuda:%d" % index, "name": props.name, "totalMemory": int(props.total_memory)})
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        total = None
        try:
            total = int(torch.mps.recommended_max_memory())
        except Exception:
            pass
        found.append({"id": "mps", "name": "Apple Metal (MPS)", "totalMemory": total})
    for fake in _fake_devices():
        if all(entry["id"] != fake for entry in found):
            found.append({"id": fake, "name": "fake device (%s, test only)" % FAKE_DEVICES_ENV, "totalMemory": None})
    return json.dumps(found)


def _apply_default(on):
    """``torch.set_default_device(<selected>)`` when on (setting torchwise.kernel.setDefaultDevice);
    when off, undo only what we set. Returns the default device we set, or None."""
    torch = _torch()
    setter = getattr(torch, "set_default_device", None)  # torch >= 2.0
    selected = _state.get("injected")
    if on and setter is not None and selected is not None:
        setter(selected)
        _state["default"] = selected
    elif _state.get("default") is not None and setter is not None:
        setter(None)
        _state["default"] = None
    default = _state.get("default")
    return None if default is None else str(default)


def set_default(on):
    """The setting changed: apply it to the selected device now (JSON {"defaultDevice"})."""
    return json.dumps({"defaultDevice": _apply_default(bool(on))})


def select(name, set_default=False):
    """Set the user's ``device`` (and torch's default device when ``set_default``); returns
    JSON {"device", "defaultDevice"} or {"error"}."""
    torch = _torch()
    try:
        dev = torch.device(str(name).strip())
    except (RuntimeError, TypeError, ValueError):
        return json.dumps({"error": "unknown device %r (use cpu, cuda, cuda:N or mps)" % (name,)})
    if str(dev) in _fake_devices():
        pass  # test only: TORCHWISE_TEST_FAKE_DEVICES
    elif dev.type == "cuda":
        if not torch.cuda.is_available():
            return json.dumps({"error": "CUDA is not available in this kernel (torch %s)" % torch.__version__})
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            return json.dumps({"error": "no device %s: this machine has %d CUDA device(s)" % (dev, count)})
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            return json.dumps({"error": "MPS is not available in this kernel"})
    elif dev.type != "cpu":
        return json.dumps({"error": "unsupported device %r (use cpu, cuda, cuda:N or mps)" % (name,)})
    _state["shell"].user_ns["device"] = _state["injected"] = dev
    return json.dumps({"device": str(dev), "defaultDevice": _apply_default(set_default)})


# -- variables ---------------------------------------------------------------------------


def _short(text, limit=120):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(name, value):
    torch = _torch()
    entry = {
        "name": name,
        "type": type(value).__name__,
        "shape": None,
        "dtype": None,
        "device": None,
        "requiresGrad": None,
        "summary": "",
    }
    if isinstance(value, torch.Tensor):
        shape = list(value.shape)
        entry.update(
            shape=shape,
            dtype=str(value.dtype),
            device=str(value.device),
            requiresGrad=bool(value.requires_grad),
        )
        entry["kind"] = "tensor"
        if value.grad_fn is not None:
            entry["gradFn"] = type(value.grad_fn).__name__
        entry["bytes"] = int(value.numel() * value.element_size())
        if value.numel() == 1 and value.device.type == "cpu" and not value.is_meta:
            entry["summary"] = _short(repr(value.item()))
        else:
            entry["summary"] = "%s %s on %s" % (
                "×".join(str(s) for s in shape) or "scalar",
                str(value.dtype).replace("torch.", ""),
                value.device,
            )
        return entry
    if isinstance(value, torch.nn.Module):
        params = list(value.parameters())
        total = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        if params:
            entry.update(device=str(params[0].device), dtype=str(params[0].dtype))
            devices = sorted({str(p.device) for p in params})
            if len(devices) > 1:
                entry["device"] = ", ".join(devices)
        entry.update(kind="module", parameters=total, trainable=trainable, training=bool(value.training),
                     children=[name for name, _ in value.named_children()][:50])
        entry["summary"] = "%s parameters (%s trainable)" % (format(total, ","), format(trainable, ","))
        return entry
    if isinstance(value, torch.device):
        entry["summary"] = str(value)
        return entry
    if isinstance(value, (bool, int, float, complex)):
        entry["summary"] = _short(repr(value))
        return entry
    if isinstance(value, (str, bytes)):
        entry["shape"] = [len(value)]
        entry["summary"] = _short(repr(value))
        return entry
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        entry["shape"] = [len(value)]
        entry["summary"] = "%s with %d item%s" % (type(value).__name__, len(value), "" if len(value) == 1 else "s")
        return entry
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(s, int) for s in shape):  # numpy and friends
        entry["shape"] = list(shape)
        dtype = getattr(value, "dtype", None)
        entry["dtype"] = None if dtype is None else str(dtype)
        entry["summary"] = "%s %s" % (type(value).__name__, "×".join(str(s) for s in shape) or "scalar")
        return entry
    try:
        entry["summary"] = _short(repr(value))
    except Exception as exc:  # a broken __repr__ must not break the listing
        entry["summary"] = "<repr failed: %s>" % type(exc).__name__
    return entry


VALUE_SECONDS = 1.0  # one value's summary (a __repr__ may block forever)
LISTING_SECONDS = 3.0  # the whole listing: the kernel channel must never hang behind it


def _placeholder(name, value, summary):
    return {"name": name, "type": type(value).__name__, "shape": None, "dtype": None,
            "device": None, "requiresGrad": None, "summary": summary}


def _describe_safely(name, value):
    try:
        return _describe(name, value)
    except Exception as exc:
        return _placeholder(name, value, "<unavailable: %s>" % type(exc).__name__)


def _describe_all(pairs, per_value=VALUE_SECONDS, budget=LISTING_SECONDS):
    """Describe ``pairs`` in a worker thread, each value under ``per_value`` seconds and all
    under ``budget``: a stuck value shows as timed out and its thread is abandoned (a daemon),
    a fresh worker goes on with the next value."""
    import threading
    import time

    count = len(pairs)
    results = [None] * count
    cond = threading.Condition()
    state = {"gen": 0, "next": 0, "started": time.monotonic()}

    def work(gen, start):
        for index in range(start, count):
            with cond:
                if state["gen"] != gen:
                    return
                state["next"], state["started"] = index, time.monotonic()
            entry = _describe_safely(*pairs[index])
            with cond:
                if state["gen"] != gen:
                    return
                results[index] = entry
        with cond:
            if state["gen"] == gen:
                state["next"] = count
                cond.notify()

    def spawn(start):
        state["gen"] += 1
        state["next"], state["started"] = start, time.monotonic()
        threading.Thread(target=work, args=(state["gen"], start), daemon=True, name="torchwise-variables").start()

    end = time.monotonic() + budget
    with cond:
        spawn(0)
        while state["next"] < count:
            now = time.monotonic()
            if now >= end:
                break
            index = state["next"]
            if results[index] is None and now - state["started"] >= per_value:
                results[index] = _placeholder(pairs[index][0], pairs[index][1], "<repr timed out>")
                spawn(index + 1)
                continue
            cond.wait(max(0.001, min(end, state["started"] + per_value) - now))
        state["gen"] += 1  # whatever still runs stops at its next value
    return [entry if entry is not None else _placeholder(name, value, "<not read: listing time limit>")
            for entry, (name, value) in zip(results, pairs)]


def _user_values():
    import types

    shell = _state["shell"]
    hidden = getattr(shell, "user_ns_hidden", {})
    pairs = []
    for name, value in list(shell.user_ns.items()):
        if name.startswith("_") or (name in hidden and hidden[name] is value):
            continue
        if name == "device" and value is _state.get("injected"):
            continue  # ours (Select Device), not the user's
        if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
            continue
        pairs.append((name, value))
    return pairs


def variables():
    found = _describe_all(_user_values())
    found.sort(key=lambda item: item["name"])
    return json.dumps(found)


def describe(names):
    """{name: summary} of the user's names that exist (JSON), each under the time limit."""
    namespace = _state["shell"].user_ns
    pairs = [(name, namespace[name]) for name in names if isinstance(name, str) and name in namespace]
    return json.dumps({entry["name"]: entry for entry in _describe_all(pairs)})


def info():
    torch = _torch()
    return json.dumps(
        {
            "interpreter": sys.executable,
            "pythonVersion": "%d.%d.%d" % sys.version_info[:3],
            "torchVersion": torch.__version__,
            "cudaAvailable": bool(torch.cuda.is_available()),
            "device": _device_name(),
            "defaultDevice": None if _state.get("default") is None else str(_state["default"]),
            "pid": os.getpid(),
            "cwd": os.getcwd(),
        }
    )


def _no_reply_sleep(shell):
    """ipykernel sleeps 0.5 ms before every execute_reply so that a client which stops at the
    reply still gets the run's last output. The bridge finishes a run at the reply *and* the idle
    status, which comes on iopub after all of the run's output, so on a kernel only the bridge
    talks to the sleep is pure latency (5% of a trivial run). A shared (remote) kernel keeps it."""
    kernel = getattr(shell, "kernel", None)
    if kernel is not None and isinstance(getattr(kernel, "_execute_sleep", None), float):
        kernel._execute_sleep = 0.0


def _no_input_echo(shell):
    """ipykernel re-broadcasts each run's code on iopub (execute_input) for other clients of the
    kernel; the bridge ignores it and a private kernel has no other client: one message less to
    sign, send, receive and check on every run."""
    kernel = getattr(shell, "kernel", None)
    if kernel is not None and callable(getattr(kernel, "_publish_execute_input", None)):
        kernel._publish_execute_input = lambda code, parent, execution_count: None


def _quick_flush():
    """ipykernel flushes stdout and stderr before every execute_reply, each a round trip to its
    I/O thread (schedule, then wait for an event) even when nothing was written: two thread
    hops on every run. A stream with nothing buffered and no flush pending returns at once;
    whatever it did send is queued on iopub before the idle status, where the bridge ends a run."""
    try:
        from ipykernel.iostream import OutStream
    except ImportError:
        return
    needed = ("_flush_pending", "_subprocess_flush_pending", "_buffers", "echo", "_is_master_process")
    if not all(hasattr(stream, name) for stream in (sys.stdout, sys.stderr) if isinstance(stream, OutStream)
               for name in needed) or getattr(OutStream.flush, "_torchwise", False):
        return
    original = OutStream.flush

    def flush(self):
        if (self.echo is None and not self._flush_pending and not self._subprocess_flush_pending
                and not self._buffers and self._is_master_process()):
            return
        original(self)

    flush._torchwise = True
    OutStream.flush = flush


def setup(preferred=None, set_default=False, private=False):
    """Install the hooks and set ``device``; returns info() or {"error"} (JSON). ``private``:
    the bridge started this kernel and is its only client."""
    from IPython import get_ipython

    shell = get_ipython()
    _state["shell"] = shell
    try:
        import torch
    except ImportError as exc:
        return json.dumps({"error": "torch cannot be imported in the kernel (%s): %s" % (sys.executable, exc)})
    _state["torch"] = torch
    try:
        shell.run_line_magic("colors", "neutral")  # tracebacks keep colours readable on light and dark themes
    except Exception:
        pass
    _install_compiler_hooks(shell)
    _install_reply_hook(shell)
    if private:
        _no_reply_sleep(shell)
        _quick_flush()
        _no_input_echo(shell)
    shell.events.register("pre_run_cell", _pre_run_cell)
    shell.events.register("post_run_cell", _post_run_cell)
    _install_stream_tagging()
    chosen = None
    if preferred:
        result = json.loads(select(preferred, set_default))
        chosen = result.get("device")
    if chosen is None:
        shell.user_ns["device"] = _state["injected"] = torch.device(_default_device())
        _apply_default(set_default)
    return info()
