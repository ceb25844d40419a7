"""End-to-end fixtures: a real VS Code (code-server from npm) with the packaged .vsix installed,
driven by playwright-core and Debian's chromium (see tests/e2e/driver.mjs).

Everything these tests need is installed by scripts/setup-e2e.sh (idempotent, run here once per
session). A failing scenario leaves its screenshot, page text, browser console, the extension host's
Torchwise log and code-server's log under artifacts/e2e/<test>/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vsix_build import ensure_vsix  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
NODE24_BIN = TOOLS / "node24" / "bin"
CODE_SERVER = TOOLS / "code-server" / "node_modules" / ".bin" / "code-server"
DRIVER = Path(__file__).with_name("driver.mjs")
ARTIFACTS = ROOT / "artifacts" / "e2e"
SAMPLES = ROOT / "samples"

def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.timeout(1800))


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{NODE24_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="session")
def e2e_tools() -> None:
    """Install (or find) chromium, Node 24, code-server and playwright-core."""
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup-e2e.sh")], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/setup-e2e.sh failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    for path in (CODE_SERVER, NODE24_BIN / "node", ROOT / "node_modules" / "playwright-core"):
        if not path.exists():
            pytest.fail(f"{path} missing after scripts/setup-e2e.sh")


@pytest.fixture(scope="session")
def vsix(e2e_tools) -> Path:
    """The packaged extension, rebuilt with `npm run package` when its sources changed."""
    try:
        return ensure_vsix()
    except RuntimeError as error:
        pytest.fail(str(error))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CodeServer:
    """One code-server process with its own home, user data and extensions dirs."""

    def __init__(self, vsix: Path, *, trust: bool, settings: dict | None = None) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="torchwise-e2e-"))
        self.home = self.base / "home"
        self.user_data = self.base / "user-data"
        self.extensions = self.base / "extensions"
        for d in (self.home, self.user_data / "User", self.extensions):
            d.mkdir(parents=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.trust = trust
        user_settings = {
            "workbench.startupEditor": "none",
            "workbench.tips.enabled": False,
            "workbench.welcomePage.walkthroughs.openOnInstall": False,
            "security.workspace.trust.startupPrompt": "never",
            "security.workspace.trust.banner": "never",
            "security.workspace.trust.untrustedFiles": "open",
            "extensions.autoCheckUpdates": False,
            "extensions.autoUpdate": False,
            "telemetry.telemetryLevel": "off",
            "chat.disableAIFeatures": True,
            "files.hotExit": "off",
            "editor.codeLens": True,
            "editor.hover.delay": 100,
            "editor.quickSuggestionsDelay": 50,
            "torchwise.lint.debounceMs": 50,
        }
        user_settings.update(settings or {})
        (self.user_data / "User" / "settings.json").write_text(json.dumps(user_settings, indent=2))
        # `torchwise.interpreter` is machine-overridable: in code-server (a remote window) it is read
        # from the machine settings, not the user settings. This test run's Python has torch and ipykernel.
        (self.user_data / "Machine").mkdir()
        (self.user_data / "Machine" / "settings.json").write_text(json.dumps({"torchwise.interpreter": sys.executable}))
        self.config = self.base / "config.yaml"
        self.config.write_text(f"bind-addr: 127.0.0.1:{self.port}\nauth: none\ncert: false\n")
        self.log_path = self.base / "code-server.log"
        self.env = _node_env()
        self.env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            TORCHWISE_CACHE_DIR=str(self.base / "torchwise-cache"),
            EXTENSIONS_GALLERY="{}",  # as scripts/demo.sh: no gallery calls (offline machines)
            # TEST ONLY (kernel_side._fake_devices): "meta" is listed and selectable, so the device
            # test can pick a device other than the current one on a CPU-only machine
            TORCHWISE_TEST_FAKE_DEVICES="meta",
        )
        self.env.pop("VSCODE_IPC_HOOK_CLI", None)
        self.proc: subprocess.Popen | None = None

    def _args(self) -> list[str]:
        args = [
            str(CODE_SERVER),
            "--config", str(self.config),
            "--user-data-dir", str(self.user_data),
            "--extensions-dir", str(self.extensions),
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-getting-started-override",
        ]  # fmt: skip
        if not self.trust:
            return args
        return args + ["--disable-workspace-trust"]

    def install(self, vsix: Path) -> None:
        proc = subprocess.run(
            self._args() + ["--install-extension", str(vsix)],
            env=self.env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if proc.returncode != 0 or not any(self.extensions.glob("torchwise.torchwise-*")):
            raise RuntimeError(f"installing {vsix.name} failed:\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> None:
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self._args(), env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"code-server exited ({self.proc.returncode}):\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"code-server did not answer /healthz within 120 s:\n{self.log_path.read_text()[-3000:]}")

    def workspace(self, name: str, settings: dict | None = None) -> Path:
        """A fresh copy of samples/ (edits in one test never leak into another)."""
        folder = self.base / "workspaces" / name
        shutil.copytree(SAMPLES, folder)
        if settings:
            (folder / ".vscode").mkdir(exist_ok=True)
            (folder / ".vscode" / "settings.json").write_text(json.dumps(settings, indent=2))
        return folder

    def extension_host_logs(self) -> list[Path]:
        logs = self.user_data / "logs"
        return sorted(p for p in logs.rglob("*.log") if "exthost" in str(p)) if logs.exists() else []

    def save_artifacts(self, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():
            shutil.copy(self.log_path, dest / "code-server.log")
        for log in self.extension_host_logs():
            rel = log.relative_to(self.user_data / "logs")
            target = dest / "exthost-logs" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, target)

    def torchwise_log(self) -> str:
        texts = [p.read_text(errors="replace") for p in self.extension_host_logs() if "Torchwise" in p.name]
        return "\n".join(texts)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if getattr(self, "log_file", None):
            self.log_file.close()
        self._kill_leftovers()

    def _kill_leftovers(self) -> None:
        """Processes started from this instance's extension dir that outlived code-server (e.g. a
        kernel bridge started in its own session) and their children: found by pid, killed by pid."""
        parents: dict[int, int] = {}
        ours: set[int] = set()
        for proc_dir in Path("/proc").glob("[0-9]*"):
            try:
                pid = int(proc_dir.name)
                cmdline = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                ppid = int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents[pid] = ppid
            if str(self.base) in cmdline and pid != os.getpid():
                ours.add(pid)
        changed = True
        while changed:  # add descendants
            changed = False
            for pid, ppid in parents.items():
                if ppid in ours and pid not in ours:
                    ours.add(pid)
                    changed = True
        for pid in ours:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.leftovers = sorted(ours)
        if ours:
            print(f"[e2e] killed {len(ours)} process(es) that outlived code-server: {sorted(ours)}", file=sys.stderr)

    def run(self, request: pytest.FixtureRequest, scenario: str, folder: Path, **params) -> dict:
        """Run one driver scenario in a fresh browser; on failure keep artifacts and fail loudly."""
        artifacts = ARTIFACTS / request.node.name
        if artifacts.exists():
            shutil.rmtree(artifacts)
        payload = {"url": self.url, "folder": str(folder), "scenario": scenario, "artifacts": str(artifacts), **params}
        proc = subprocess.run(
            [str(NODE24_BIN / "node"), str(DRIVER), json.dumps(payload)],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        result = json.loads(lines[-1]) if lines else {"ok": False, "error": "driver printed no result"}
        if proc.returncode != 0 or not result.get("ok"):
            self.save_artifacts(artifacts)
            (artifacts / "driver-stderr.txt").write_text(proc.stderr)
            log_tail = self.torchwise_log()[-4000:]
            pytest.fail(
                f"e2e scenario {scenario!r} failed: {result.get('error')}\n"
                f"artifacts: {artifacts}\n--- Torchwise extension host log (tail) ---\n{log_tail}\n"
                f"--- driver stderr (tail) ---\n{proc.stderr[-2000:]}",
                pytrace=False,
            )
        if artifacts.exists() and not any(artifacts.iterdir()):
            artifacts.rmdir()
        return result


def _served(vsix, trust: bool):
    """A started code-server with the packaged extension installed; stopped and removed after."""
    server = CodeServer(vsix, trust=trust)
    server.install(vsix)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="module")
def code_server(vsix):
    """A trusted code-server with the packaged extension installed."""
    yield from _served(vsix, trust=True)


@pytest.fixture(scope="module")
def untrusted_code_server(vsix):
    """A code-server with workspace trust on: the opened folder stays in restricted mode."""
    yield from _served(vsix, trust=False)


@pytest.fixture
def fresh_code_server(vsix):
    """A trusted code-server of its own, for a scenario that the module's earlier notebook
    scenarios would disturb (the notebook editor keeps its kernel choice per window)."""
    yield from _served(vsix, trust=True)
