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


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, asking for the terminal's width only when help is printed:
    argparse builds one for every ``add_argument`` (to check its metavar), and each asked
    ``shutil`` (whose import, with zlib, bz2 and lzma, was ~2.5 ms of every ``torchwise
    check``). The width, and what depends on it, are argparse's own once asked."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None, **kwargs):
        self._later = (prog, indent_increment, max_help_position, kwargs) if width is None else None
        super().__init__(prog, indent_increment, max_help_position, 80 if width is None else width, **kwargs)

    def format_help(self) -> str:
        if self._later is not None:
            prog, indent_increment, max_help_position, kwargs = self._later
            fresh = argparse.HelpFormatter(prog, indent_increment, max_help_position, **kwargs)
            self._width, self._max_help_position, self._later = fresh._width, fresh._max_help_position, None
        return super().format_help()


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help is laid out by ``_Formatter`` (its subcommands' too)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="torchwise", description="PyTorch expertise inside the editor (LSP server and linter)."
    )
    parser.add_argument("--version", action="version", version=f"torchwise {__version__}")
    # prog given: argparse would otherwise lay out the usage line (no positionals: the bare
    # prog) to find it, asking for the terminal's width
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog=parser.prog)

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
