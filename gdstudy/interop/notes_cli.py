"""The `gdstudy import` and `gdstudy cards coverage` commands (cli.py registers them thinly)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import typer

from gdstudy.errors import GdstudyError

if TYPE_CHECKING:
    from gdstudy.deck import Deck

__all__ = ["run_import", "run_coverage"]


def run_import(notes: list[Path], into: Path, *, dry_run: bool, tags: Iterable[str]) -> None:
    from gdstudy.interop.importer import import_notes
    from gdstudy.paths import shipped_cards_dir

    report = import_notes(notes, into, dry_run=dry_run, tags=tuple(tags), shipped=[shipped_cards_dir()])
    for e in report.errors:
        typer.echo(str(e), err=True)
    for w in report.warnings:  # files in the deck folder the import could not look at: not its own
        typer.echo(f"warning: {w}; skipped", err=True)
    for line in report.lines():
        typer.echo(line)
    if report.errors:
        raise GdstudyError(f"{len(report.errors)} problem(s): those notes were not imported (the others were)")


def run_coverage(notes: list[Path], deck: "Deck", *, as_json: bool) -> None:
    from gdstudy.interop.coverage import coverage
    from gdstudy.interop.importer import find_notes

    files, errors = find_notes(notes)
    cov = coverage(files, deck.cards)
    cov.errors = errors + cov.errors
    if as_json:
        typer.echo(json.dumps(cov.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in cov.lines():
            typer.echo(line)
    for e in cov.errors:
        typer.echo(str(e), err=True)
    if cov.errors:
        raise GdstudyError(f"{len(cov.errors)} note(s) could not be read")
