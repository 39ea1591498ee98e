"""What every command shares: the error edge, the shared options, settings, deck and store."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

from gdstudy.errors import ConfigError, GdstudyError

# The helpers every command shares live without typer in gdstudy.reviewrun (the console script runs
# `gdstudy review` from there without importing the CLI): one implementation, these names for the CLI.
from gdstudy.reviewrun import (
    INTERACTIVE_BUSY_S,
    run_tui,
)
from gdstudy.reviewrun import clean as _clean
from gdstudy.reviewrun import deck as _deck
from gdstudy.reviewrun import report_problems as _report_problems
from gdstudy.reviewrun import retention_explicit as _retention_explicit
from gdstudy.reviewrun import settings as _settings
from gdstudy.reviewrun import store as _store

__all__ = ["edge", "DeckOpt", "DataDirOpt", "ForceOpt", "INTERACTIVE_BUSY_S",
           "_clean", "_deck", "_report_problems", "_retention_explicit", "_run_tui", "_settings", "_store"]

F = TypeVar("F", bound=Callable[..., Any])


def edge(fn: F) -> F:
    """Convert a GdstudyError into one line on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GdstudyError as e:
            typer.echo(f"error: {_clean(str(e))}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


# -- shared options ------------------------------------------------------------------------------

# Paths are taken as text and checked by `gdstudy.paths.user_path` (an empty `--data-dir ''` must
# not silently become the current folder, as a typer Path would make it).
DeckOpt = Annotated[
    Optional[list[str]],
    typer.Option("--deck", help="A deck folder or card file to add, or a deck name to keep only: notes, beyond-the-notes, or a deck's name (repeatable).", show_default=False),
]
DataDirOpt = Annotated[
    Optional[str],
    typer.Option("--data-dir", help="Where the review database lives. Default: $GDSTUDY_HOME or the user data dir.", show_default=False),
]


def _run_tui(tui: Any) -> None:
    """Run the app; a non-zero return code (a crash inside it, a SIGTERM/SIGHUP) ends the command
    with that code, never 0."""
    code = run_tui(tui)
    if code:
        raise typer.Exit(code)


def _minutes(value: float) -> float:
    import math

    if not math.isfinite(value) or not 0 < value <= 24 * 60:
        raise ConfigError(f"--minutes must be more than 0 and at most 1440 (a day), got {value:g}")
    return value


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing file that is not an earlier export of this kind (never the store, a card file, a note, a device, FIFO or symlink).")]
