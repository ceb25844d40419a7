"""JSON-RPC behaviour the LSP specification asks for and pygls 2 does not give.

- A request whose params do not match the method's type (a negative or too large
  position, ``null`` or missing ``textDocument``) gets a ``-32602 Invalid Params``
  response and one log line; pygls answers nothing and logs a long traceback.
- A request after ``shutdown`` gets ``-32600 Invalid Request``; pygls drops it.
- ``exit`` without ``shutdown`` ends the process with status 1 (``exit_code``).
- A handler that raises answers ``-32603`` with a one-line log, not a traceback.
- A diagnostic already in JSON form (a dict) is sent as it is, not unstructured.
- Nothing is sent after ``exit``: pygls closes stdout then, and a lint finishing in the
  meantime (its diagnostics, then the error reports of each failed send) logged a cascade
  of "Error sending data" tracebacks.
"""

from __future__ import annotations

import logging
from typing import Any

from cattrs.errors import ClassValidationError
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("torchwise")


class _NoDeserializeTraceback(logging.Filter):
    """pygls logs a full traceback for every message it cannot decode; we answer it
    and log one line instead (``structure_message`` below)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Unable to deserialize message")


logging.getLogger("pygls.protocol.json_rpc").addFilter(_NoDeserializeTraceback())


class _Rejected:
    """A message already answered with an error while it was being decoded."""

    jsonrpc = "2.0"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _validation_summary(exc: BaseException) -> str:
    """The leaf messages of a cattrs validation error, joined on one line."""
    leaves: list[str] = []

    def walk(e: BaseException) -> None:
        subs = getattr(e, "exceptions", None)
        if subs:
            for sub in subs:
                walk(sub)
        else:
            leaves.append(_one_line(e))

    walk(exc)
    return "; ".join(leaves[:3]) or _one_line(exc)


class TorchwiseProtocol(LanguageServerProtocol):
    exit_code = 0
    exited = False  # the client said ``exit``: the output is closing, nothing more is sent

    def __init__(self, server, converter) -> None:
        super().__init__(server, converter)
        # diagnostics are built as JSON (``Linter.diagnostic_json``): sent as they are
        unstructure = converter.get_unstructure_hook(types.Diagnostic)
        converter.register_unstructure_hook(
            types.Diagnostic, lambda d: d if d.__class__ is dict else unstructure(d))

    def structure_message(self, data: dict[str, Any]):
        if "jsonrpc" not in data:
            return data
        method = data.get("method")
        is_request = "id" in data and isinstance(method, str)
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            cause = exc.__cause__ or exc
            reason = _validation_summary(cause) if isinstance(cause, ClassValidationError) else _one_line(cause)
            log.warning("invalid params for %s: %s", method or "a message", reason)
            if is_request:
                error = JsonRpcInvalidParams(message=f"Invalid params for {method}: {reason}")
                self._send_response(data["id"], None, error.to_response_error())
            return _Rejected()

    def handle_message(self, message):
        if isinstance(message, _Rejected):
            return None
        method = getattr(message, "method", "")
        if self._shutdown and method != types.EXIT and getattr(message, "id", None) is not None and method:
            error = JsonRpcInvalidRequest(message=f"the server is shutting down; {method} not handled")
            self._send_response(message.id, None, error.to_response_error())
            return None
        if method == types.EXIT:
            self.exit_code = 0 if self._shutdown else 1
            self.exited = True
        return super().handle_message(message)

    def _send_data(self, data: Any):
        if self.exited:
            return  # (no client reads it: the spec ends the conversation at ``exit``)
        return super()._send_data(data)

    def _send_handler_result(self, future, *, msg_id):
        """As pygls does, but an exception is logged on one line."""
        if future.cancelled() or future.exception() is None:
            return super()._send_handler_result(future, msg_id=msg_id)
        exc = future.exception()
        if isinstance(exc, JsonRpcException):
            error = exc
        else:
            error = JsonRpcInternalError(message=f"{type(exc).__name__}: {_one_line(exc)}")
        log.error("request %s failed: %s: %s", msg_id, type(exc).__name__, _one_line(exc))
        self._send_response(msg_id, error=error.to_response_error())
