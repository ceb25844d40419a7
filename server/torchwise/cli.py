"""Command line: ``torchwise serve``, ``torchwise check``, ``torchwise rule``, ``torchwise --version``."""

from __future__ import annotations

import argparse
import sys

from torchwise import __version__


def _serve(args: argparse.Namespace) -> int:
    import logging  # not needed by `torchwise check`: imported here

    from torchwise.server import create_server

    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,  # stdout carries the protocol
    )
    if args.log_level != "debug":  # pygls logs every message at INFO: too chatty for a client's log
        logging.getLogger("pygls").setLevel(logging.WARNING)
    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            print(f"torchwise: --tcp expects HOST:PORT, got {args.tcp!r}", file=sys.stderr)
            return 2
        server.start_tcp(host, int(port))
    else:
        from torchwise import stdio

        stdio.serve(server)
    # LSP: exit without a shutdown request first ends with status 1
    return getattr(server.protocol, "exit_code", 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchwise", description="PyTorch expertise inside the editor (LSP server and linter)."
    )
    parser.add_argument("--version", action="version", version=f"torchwise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.set_defaults(func=_serve)

    from torchwise.lint import cli as lint_cli
    from torchwise.lint import rule_cli

    lint_cli.add_parser(sub)
    rule_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    import gc

    quiet_imports = argv is None and sys.argv[1:2] == ["check"] and gc.isenabled()
    if quiet_imports:  # the imports below make next to no garbage: no collection while they run
        gc.disable()
    parser = build_parser()
    args = parser.parse_args(argv)
    if quiet_imports:
        gc.enable()
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    own_check = argv is None and args.command == "check"  # the process's own command line, not a caller's
    if own_check:
        from torchwise.lint.engine import collect_less

        collect_less()
    code = int(args.func(args) or 0)
    if own_check:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End ``torchwise check`` without the interpreter's teardown: freeing every object
    of the run one by one (the syntax trees, the knowledge base, the modules) costs about
    a quarter of a check of one large file, and the operating system reclaims it all at
    once. Everything the check wrote is flushed first; if that fails, the normal exit
    reports it. Under a profiler, tracer or coverage, which write their results at exit,
    the exit stays the ordinary one."""
    import os

    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed or broken pipe: let the ordinary exit say so
        return
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
