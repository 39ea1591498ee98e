"""The `gdstudy import` and `gdstudy cards coverage` commands (gdstudy/cli/cards.py registers them thinly)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import typer

from gdstudy.errors import GdstudyError
from gdstudy.outpath import shown

if TYPE_CHECKING:
    from typing import Callable

    from gdstudy.deck import Deck
    from gdstudy.interop.importer import ImportReport
    from gdstudy.store import Store

__all__ = ["run_import", "run_coverage", "json_text"]

# json.dumps escapes C0 controls but, with ensure_ascii=False, prints DEL, C1 controls (8-bit CSI)
# and lone surrogates (undecodable file names) raw: escape those too (still the same JSON value).
_JSON_RAW = re.compile("[\x7f-\x9f\ud800-\udfff]")


def json_text(value: object) -> str:
    """`value` as indented JSON that is safe to print on a terminal."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, indent=2, ensure_ascii=False))


def _paths(notes: Iterable[str | Path]) -> list[Path]:
    """The note paths as typed. One that does not exist (a typo) stops the command before anything
    is read or written: `error: no such file or folder: PATH` (all of them on one line). A broken
    link or an unreadable path is reported by the import itself, located, and the rest proceed."""
    from gdstudy.paths import user_path

    paths = [user_path(n, "note path") for n in notes]
    missing = [str(p) for p in paths if _missing(p)]
    if missing:
        raise GdstudyError(f"no such file or folder: {', '.join(missing)}")
    return paths


def _missing(p: Path) -> bool:
    try:
        os.lstat(p)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except (OSError, ValueError):  # too long a name, no permission…: the import says which, located
        return False
    return False


def run_import(notes: list[str], into: str | None, *, dry_run: bool, tags: Iterable[str], keep_osr: bool = False,
               open_store: "Callable[[], Store] | None" = None) -> None:
    """`into` None: the user's own deck folder, created and registered in the config (not on a dry run)."""
    from gdstudy.interop.importer import import_notes
    from gdstudy.paths import shipped_cards_dir, user_path
    from gdstudy.userdeck import ensure_user_deck, user_deck_dir

    paths = _paths(notes)  # a bad note path is refused before anything is created
    if into is not None:
        deck_dir = user_path(into, "--into")  # an unset $DECK must not mean the current folder
    elif dry_run:
        deck_dir = user_deck_dir()
        typer.echo(shown(f"cards would go to your deck folder {deck_dir}"))
    else:
        reg = ensure_user_deck()
        deck_dir = reg.folder
        for line in reg.lines():
            typer.echo(line)
    report = import_notes(paths, deck_dir, dry_run=dry_run, tags=tuple(tags), shipped=[shipped_cards_dir()])
    for e in report.errors:
        typer.echo(shown(str(e)), err=True)  # every printed path passes the text boundary
    for w in report.skipped:  # one bad card of a note: located, the note's other cards imported
        typer.echo(shown(f"warning: {w}"), err=True)
    for w in report.warnings:  # files in the deck folder the import could not look at: not its own
        typer.echo(shown(f"warning: {w}; skipped"), err=True)
    for line in report.lines():
        typer.echo(shown(line))
    if keep_osr and open_store is not None:
        _keep_osr(report, deck_dir, dry_run, open_store)
    if report.errors:
        raise GdstudyError(f"{len(report.errors)} problem(s): those notes were not imported (the others were)")


def _keep_osr(report: "ImportReport", deck_dir: Path, dry_run: bool, open_store: "Callable[[], Store]") -> None:
    """--keep-osr-schedule: the imported cards with an OSR schedule start with it (gdstudy.interop.osr_schedule)."""
    from gdstudy.deck import load_deck
    from gdstudy.interop.osr_schedule import keep_osr_schedules

    if not report.schedules:
        typer.echo("no OSR schedule comments in the notes: every card starts new")
        return
    deck = load_deck((), [deck_dir], check_demos=False) if deck_dir.is_dir() else None
    if deck is None:  # a dry run into a folder that does not exist yet: what would be kept
        typer.echo(f"would keep the OSR schedule of {len(report.schedules)} card(s)")
        return
    with open_store() as store:
        res = keep_osr_schedules(store, deck, report.schedules, dry_run=dry_run)
    for cid, entry in res.unreadable:
        at = report.schedule_at.get(cid, cid)
        typer.echo(shown(f"warning: {at}: OSR schedule '{entry}' of {cid} is not DUE,IVL,EASE; the card starts new"), err=True)
    verb = "would keep" if dry_run else "kept"
    typer.echo(f"{verb} the OSR schedule of {len(res.kept)} card(s)"
               + (f"; {len(res.studied)} already scheduled in gdstudy keep their own" if res.studied else ""))


def run_coverage(notes: list[str], deck: "Deck", *, as_json: bool) -> None:
    from gdstudy.interop.coverage import coverage
    from gdstudy.interop.importer import find_notes

    files, errors = find_notes(_paths(notes))
    cov = coverage(files, deck.cards)
    cov.errors = errors + cov.errors
    if as_json:
        typer.echo(json_text(cov.to_dict()))
    else:
        for line in cov.lines():
            typer.echo(shown(line))
    for e in cov.errors:
        typer.echo(shown(str(e)), err=True)
    if cov.errors:
        raise GdstudyError(f"{len(cov.errors)} note(s) could not be read")
