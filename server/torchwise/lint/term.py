"""Whether to colour terminal output: on a TTY, unless ``NO_COLOR`` is set;
``FORCE_COLOR`` turns it on anywhere (https://no-color.org, https://force-color.org)."""

from __future__ import annotations

import os
from typing import TextIO


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def plain(text: str) -> str:
    """``text`` without Markdown code marks, for places that show plain text (the
    Problems panel, quick-fix titles, pickers)."""
    return text.replace("`", "")
