"""`gdstudy export anki` and `gdstudy log export|import` (the work is in gdstudy.interop)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from gdstudy.cli.common import (
    DataDirOpt,
    DeckOpt,
    ForceOpt,
    _deck,
    _report_problems,
    _settings,
    _store,
    edge,
)

if TYPE_CHECKING:
    from gdstudy.deck import Deck

__all__ = ["export_app", "log_app"]

export_app = typer.Typer(help="Export the cards to other tools (Anki).", no_args_is_help=True)
log_app = typer.Typer(help="Export or import the review log (FSRS revlog CSV).", no_args_is_help=True)


@export_app.command("anki")
@edge
def export_anki(
    out: Annotated[str, typer.Argument(help="The .apkg file to write; - for stdout (not a terminal).", show_default=False)],
    tag: Annotated[Optional[list[str]], typer.Option(help="Only cards with this tag (repeatable: any of).", show_default=False)] = None,
    include_schedule: Annotated[bool, typer.Option("--include-schedule", help="Also export card states and the review log (Anki applies them to cards new to the profile).")] = False,
    force: ForceOpt = False,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Write the cards as an Anki package: one note per card, sub-decks gdstudy::<deck>; re-importing updates the notes.

    OUT `-`: to stdout (not a terminal). Never replaces the store, a card file, note, device, FIFO or symlink; another existing file only with --force."""
    from gdstudy.interop.export_cli import run_export_anki

    settings = _settings()

    def cards() -> "Deck":
        d = _deck(settings, deck)
        _report_problems(d)
        return d

    run_export_anki(out, tags=tag or [], include_schedule=include_schedule, force=force, data_dir=data_dir,
                    settings=settings, load_deck=cards, open_store=lambda: _store(data_dir))


@log_app.command("export")
@edge
def log_export(
    out: Annotated[str, typer.Argument(help="The file to write (CSV, or JSON with --format json); - for stdout.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help="csv (FSRS revlog) or json.")] = "csv",
    force: ForceOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Write the review log in the FSRS revlog format (cram reviews excluded; undone reviews are not in the log).

    OUT `-`: to stdout. Never replaces the store, a card file, note, device, FIFO or symlink; another existing file only with --force."""
    from gdstudy.interop.export_cli import run_log_export

    run_log_export(out, fmt=fmt, force=force, data_dir=data_dir, open_store=lambda: _store(data_dir))


@log_app.command("import")
@edge
def log_import(
    src: Annotated[str, typer.Argument(help="An FSRS revlog CSV (as written by `gdstudy log export`).", show_default=False)],
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Merge a review log into the store (idempotent, one transaction) and recompute card states by replaying each card's history."""
    from gdstudy.interop.export_cli import run_log_import

    settings = _settings()
    run_log_import(src, deck=_deck(settings, deck), settings=settings, open_store=lambda: _store(data_dir))
