"""The `gdstudy` command line: a thin typer layer, one module per command group. Domain errors
become one line and exit 2 (`common.edge`).

Heavy imports (Textual, numpy, plotext, torch, fsrs, yaml) happen inside the commands that need
them, so `gdstudy --help` stays fast. The table below is the order `--help` lists the commands in.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import typer
import typer.main

from gdstudy.cli.app import app
from gdstudy.cli.cards import cards_app, import_notes
from gdstudy.cli.common import (  # noqa: F401  (used by tests and tools as gdstudy.cli.X)
    INTERACTIVE_BUSY_S,
    _clean,
    _retention_explicit,
    _store,
    edge,
)
from gdstudy.cli.interop import export_app, log_app
from gdstudy.cli.progress import optimize, render_stats, stats
from gdstudy.cli.study import interview_app, review
from gdstudy.errors import GdstudyError

__all__ = ["app", "main", "edge", "render_stats", "INTERACTIVE_BUSY_S"]

app.add_typer(cards_app, name="cards")
app.command()(review)
app.command("import")(import_notes)
app.command()(stats)
app.command()(optimize)
app.add_typer(interview_app, name="interview")
app.add_typer(export_app, name="export")
app.add_typer(log_app, name="log")

# click itself says "Did you mean 'review'?" for a mistyped command; typer's own suggestion would
# say it a second time on the same line
for _typer in (app, *(g.typer_instance for g in app.registered_groups)):
    _typer.suggest_commands = False


def _register_demo() -> None:
    import importlib.util

    if importlib.util.find_spec("gdstudy.demo.cli") is None:  # demo framework not in this build
        return
    from gdstudy.demo.cli import register

    register(app)


_register_demo()


def _command_name(info: Any) -> str | None:
    """The name typer gives a registered command or group."""
    if info.name:
        return info.name
    callback = getattr(info, "callback", None)
    return typer.main.get_command_name(callback.__name__) if callback is not None else None


def dispatch_app(argv: list[str]) -> typer.Typer:
    """The app to run for `argv`: when it starts with a command's name, a copy of `app` holding
    only that command, so typer builds the options of one command, not of every one (about 10 ms
    on each launch); anything else (no command, an option first, a typo) gets the whole app."""
    name = argv[0] if argv else ""
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if _command_name(g) == name]
    if not commands and not groups:
        return app
    one = copy.copy(app)  # the same root callback, settings and help; one command
    one.registered_commands, one.registered_groups = commands, groups
    return one


def main() -> None:
    try:
        dispatch_app(sys.argv[1:])()
    except GdstudyError as e:  # raised outside a command body (e.g. while registering)
        print(f"error: {_clean(str(e))}", file=sys.stderr)
        sys.exit(2)
