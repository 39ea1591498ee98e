"""When the command line prints colour: the one rule, used by every command that colours output.

Colour only when the stream is a terminal, never with `--no-color`, a non-empty `NO_COLOR`
(https://no-color.org) or `TERM=dumb`. `gdstudy --no-color` sets `NO_COLOR` for the process, so
Rich, typer's help and the Textual screens honour it too.
"""

from __future__ import annotations

import os
from typing import IO, Any

__all__ = ["wants_color", "disable_color"]


def wants_color(stream: IO[Any] | None, no_color: bool = False) -> bool:
    """Whether output written to `stream` may carry colour escape codes."""
    if no_color or os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def disable_color() -> None:
    """`--no-color` for the whole process (and what it starts): sets NO_COLOR."""
    os.environ["NO_COLOR"] = "1"
