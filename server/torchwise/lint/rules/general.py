"""Rules about the file as a whole."""

from __future__ import annotations

from torchwise.lint.base import Context, rule


@rule(code="TW001", name="syntax-error", group="general", severity="error",
      summary="The file does not parse; the other rules check it with the broken lines skipped.")
def syntax_error(ctx: Context):
    # The engine reports the parse error itself (it knows the Analysis); nothing to do here.
    return ()


@rule(code="TW002", name="unused-noqa", group="general", severity="information", default=False, fix="safe",
      summary="A `# noqa:` code that suppresses nothing: the rule finds nothing on that line, or no rule has that code.")
def unused_noqa(ctx: Context):
    # The engine reports it (it needs every other rule's findings first); see lint/noqa.py.
    return ()
