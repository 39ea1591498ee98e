"""The root of the `gdstudy` command: the typer app, `--version`, and no command → the home screen."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Study gradient descent, SGD and mini-batches: FSRS flashcards and runnable demos. With no command: the home screen.",
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"gdstudy {version('gdstudy')}")
        except PackageNotFoundError:  # running from a source tree that was never installed
            typer.echo("gdstudy (version unknown: not installed)")
        raise typer.Exit()


def _no_color(value: bool) -> None:
    if value:  # before any command runs: Rich, typer's help, the demos and the Textual screens read NO_COLOR
        from gdstudy.color import disable_color

        disable_color()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", callback=_no_color, is_eager=True, help="No colour in any output or screen (as NO_COLOR=1; plots get ASCII markers).")] = False,
) -> None:
    """Study gradient descent, SGD and mini-batches: FSRS flashcards and runnable demos. With no command: the home screen (in a terminal; else this help)."""
    if ctx.invoked_subcommand is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            typer.echo(ctx.get_help())
            return
        from gdstudy.cli.study import review

        review(start="home")
