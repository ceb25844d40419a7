"""Run cell: a persistent torch kernel driven over LSP (issue 6).

Commands (``workspace/executeCommand``): torchwise.runCell, runCode, interrupt,
cancelRun, restart, listDevices, selectDevice, listVariables, kernelInfo. Notifications:
``torchwise/output``, ``torchwise/runStarted`` (a run that waited in the queue starts) and
``torchwise/runFinished``. The kernel runs on the
workspace interpreter through ``bridge.py``; this package never imports
jupyter_client or torch.
"""

from __future__ import annotations


from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from torchwise.kernel.cells import cell_at
from torchwise.kernel.session import KernelSession, KernelUnavailable

COMMANDS = (
    "torchwise.runCell",
    "torchwise.runCode",
    "torchwise.interrupt",
    "torchwise.cancelRun",
    "torchwise.restart",
    "torchwise.listDevices",
    "torchwise.selectDevice",
    "torchwise.listVariables",
    "torchwise.kernelInfo",
)

REQUEST_FAILED = int(types.LSPErrorCodes.RequestFailed)
INVALID_PARAMS = -32602


def _fail(message: str, code: int = REQUEST_FAILED) -> JsonRpcException:
    return JsonRpcException(message=message, code=code)


def _argument(args: tuple, command: str, required: tuple[str, ...] = ()) -> dict:
    if not args or not isinstance(args[0], dict):
        raise _fail(f"{command} expects one object argument", INVALID_PARAMS)
    value = args[0]
    for key in required:
        if key not in value:
            raise _fail(f"{command}: missing {key!r}", INVALID_PARAMS)
    return value


def _document_path(uri: str | None) -> str | None:
    if not uri:
        return None
    if uri.startswith("file:"):
        return to_fs_path(uri) or uri
    return uri  # untitled:, vscode-notebook-cell: ... still name the document


def register(server) -> None:
    session = KernelSession(server)
    server.kernel_session = session
    from torchwise.kernel import hints

    hints.register(server, session)

    def require_trust(command: str) -> None:
        if not server.options.trusted:
            raise _fail(
                f"{command} refused: this workspace is not trusted, so Torchwise does not run code in it "
                "(trust the workspace to enable running cells)."
            )

    async def guarded(coro):
        try:
            return await coro
        except KernelUnavailable as exc:
            raise _fail(str(exc)) from None

    @server.command("torchwise.runCell")
    async def run_cell(ls, *args):
        require_trust("torchwise.runCell")
        arg = _argument(args, "torchwise.runCell", ("uri", "line"))
        uri, line = arg["uri"], arg["line"]
        if not isinstance(uri, str) or not isinstance(line, int) or isinstance(line, bool):
            raise _fail("torchwise.runCell expects {uri: string, line: integer}", INVALID_PARAMS)
        try:
            source = ls.workspace.get_text_document(uri).source
        except Exception as exc:
            raise _fail(f"torchwise.runCell: cannot read {uri}: {exc}") from None
        code, first = cell_at(source, line)
        run_id = await guarded(session.run(code, _document_path(uri), first))
        return {"runId": run_id}

    @server.command("torchwise.runCode")
    async def run_code(ls, *args):
        require_trust("torchwise.runCode")
        arg = _argument(args, "torchwise.runCode", ("code",))
        code, uri, first = arg.get("code"), arg.get("uri"), arg.get("firstLine", 0)
        if not isinstance(code, str) or (uri is not None and not isinstance(uri, str)):
            raise _fail("torchwise.runCode expects {code: string, uri: string|null, firstLine: integer}", INVALID_PARAMS)
        if not isinstance(first, int) or isinstance(first, bool) or first < 0:
            first = 0
        run_id = await guarded(session.run(code, _document_path(uri), first))
        return {"runId": run_id}

    @server.command("torchwise.interrupt")
    async def interrupt(ls, *args):
        await guarded(session.interrupt())
        return None

    @server.command("torchwise.cancelRun")
    async def cancel_run(ls, *args):
        arg = _argument(args, "torchwise.cancelRun", ("runId",))
        if not isinstance(arg["runId"], str):
            raise _fail("torchwise.cancelRun expects {runId: string}", INVALID_PARAMS)
        return await guarded(session.cancel(arg["runId"]))

    @server.command("torchwise.restart")
    async def restart(ls, *args):
        require_trust("torchwise.restart")
        await guarded(session.restart())
        return session.kernel_info()

    @server.command("torchwise.listDevices")
    async def list_devices(ls, *args):
        require_trust("torchwise.listDevices")
        return await guarded(session.query("devices"))

    @server.command("torchwise.selectDevice")
    async def select_device(ls, *args):
        require_trust("torchwise.selectDevice")
        arg = _argument(args, "torchwise.selectDevice", ("device",))
        if not isinstance(arg["device"], str) or not arg["device"].strip():
            raise _fail("torchwise.selectDevice expects {device: string}", INVALID_PARAMS)
        on = server.options.kernel.set_default_device
        result = await guarded(session.query("select", device=arg["device"], setDefault=on))
        session.device = result.get("device")
        session.set_default = on
        if session.info is not None:
            session.info["defaultDevice"] = result.get("defaultDevice")
        return result

    @server.command("torchwise.listVariables")
    async def list_variables(ls, *args):
        if not server.options.trusted or session.proc is None:
            return []
        return await guarded(session.query("variables"))

    @server.command("torchwise.kernelInfo")
    async def kernel_info(ls, *args):
        return session.kernel_info()

    def on_document(event: str, uri: str) -> None:
        if event == "configuration":
            session.configuration_changed()

    server.document_listeners.append(on_document)
    server.shutdown_listeners.append(session.stop)
