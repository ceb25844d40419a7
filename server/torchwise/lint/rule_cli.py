"""``torchwise rule``: a rule's page, or the list of every rule (like ``ruff rule``)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from torchwise.lint.base import Rule

# rule_docs, json and the terminal helpers are imported by the command itself: every
# ``torchwise check`` builds this parser, and none of it is needed for that


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "rule", help="explain a lint rule, or list them all",
        description="Print a lint rule's documentation (by code or name), or list every rule with --all.")
    p.add_argument("rule", nargs="?", metavar="CODE|NAME", help="a rule code (TW101) or name (missing-zero-grad)")
    p.add_argument("--all", action="store_true", help="list every rule: code, name, group, default, fix")
    p.add_argument("--output-format", "--format", dest="output_format", choices=("text", "json"), default="text",
                   help="text (default) or json")
    p.set_defaults(func=run)
    return p


def rule_dict(r: Rule) -> dict:
    from torchwise.lint import rule_docs

    return {"code": r.code, "name": r.name, "group": r.group, "severity": r.severity, "default": r.default,
            "fix": r.fix or "none", "summary": r.summary, "url": r.url, "explanation": rule_docs.page_markdown(r)}


def _table(rules: list[Rule]) -> str:
    rows = [("CODE", "NAME", "GROUP", "DEFAULT", "FIX", "SUMMARY")]
    rows += [(r.code, r.name, r.group, "on" if r.default else "off", r.fix or "-", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5] + "\n"
                   for row in rows)


def run(args: argparse.Namespace) -> int:
    import json

    from torchwise.lint import rule_docs
    from torchwise.lint.engine import all_rules, get_rule
    from torchwise.lint.term import use_color

    if args.all == bool(args.rule):
        print("torchwise: error: give a rule code or name, or --all", file=sys.stderr)
        return 2
    if args.all:
        rules = all_rules()
        if args.output_format == "json":
            sys.stdout.write(json.dumps([rule_dict(r) for r in rules], indent=2) + "\n")
        else:
            sys.stdout.write(_table(rules))
        return 0
    r = get_rule(args.rule)
    if r is None:
        print(f"torchwise: error: unknown rule {args.rule!r} (see `torchwise rule --all`)", file=sys.stderr)
        return 2
    if args.output_format == "json":
        sys.stdout.write(json.dumps(rule_dict(r), indent=2) + "\n")
    else:
        sys.stdout.write(rule_docs.render_terminal(rule_docs.page_markdown(r), use_color(sys.stdout)))
    return 0
