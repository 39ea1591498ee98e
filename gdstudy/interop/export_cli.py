"""The `gdstudy export anki` and `gdstudy log export/import` commands (gdstudy/cli/interop.py registers them thinly).

The output path is checked (gdstudy.outpath) before any work: before the deck is loaded or the
store opened. With `-` the data goes to stdout and the summary line to stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import typer

from gdstudy.errors import ConfigError

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.deck import Deck
    from gdstudy.store import Store

__all__ = ["run_export_anki", "run_log_export", "run_log_import"]


def _store_path(data_dir: str | None):  # type: ignore[no-untyped-def]
    from gdstudy.config import data_dir_path
    from gdstudy.store import DB_NAME

    return data_dir_path(data_dir) / DB_NAME


def _summary(line: str, to_stdout: bool) -> None:
    from gdstudy.outpath import shown

    typer.echo(shown(line), err=to_stdout)  # the data owns stdout


def run_export_anki(out: str, *, tags: list[str], include_schedule: bool, force: bool, data_dir: str | None,
                    settings: "Settings", load_deck: Callable[[], "Deck"], open_store: Callable[[], "Store"]) -> None:
    from gdstudy import outpath
    from gdstudy.interop.anki import export_apkg
    from gdstudy.tagfilter import check_tags

    target = outpath.target(out, outpath.ANKI_PACKAGE, force=force, store=_store_path(data_dir))
    cards = load_deck()
    check_tags(cards.cards, tags)
    chosen = [c for c in cards.cards if not tags or set(tags) & set(c.tags)]
    schedule = None
    if include_schedule:
        from gdstudy.interop.anki_schedule import Schedule
        from gdstudy.timeutil import utcnow

        ids = {c.id for c in chosen}
        with open_store() as store:
            states = {k: v for k, v in store.states().items() if k in ids}
            history: dict[str, list] = {}
            for r in store.iter_reviews(None):
                if r.kind != "cram" and r.card_id in ids:
                    history.setdefault(r.card_id, []).append(r)
        schedule = Schedule(states, history, settings, utcnow())
    res = export_apkg(chosen, target, schedule=schedule)
    what = (f"{res.scheduled} with their schedule and review log" if schedule else "no scheduling: cards arrive as new")
    _summary(f"wrote {'stdout' if target.stdout else res.path}: {res.notes} note(s) in {len(res.decks)} deck(s) ({what})", target.stdout)


def run_log_export(out: str, *, fmt: str, force: bool, data_dir: str | None, open_store: Callable[[], "Store"]) -> None:
    from gdstudy import outpath
    from gdstudy.interop.revlog import export_log

    if fmt not in ("csv", "json"):
        raise ConfigError(f"unknown format '{fmt}' (choose csv or json)")
    target = outpath.target(out, outpath.LOG_EXPORT, force=force, store=_store_path(data_dir))
    with open_store() as store:
        res = export_log(store, target, fmt=fmt)
    _summary(f"wrote {'stdout' if target.stdout else res.path}: {res.rows} review(s) of {res.cards} card(s); {res.cram_skipped} cram review(s) not exported",
             target.stdout)


def run_log_import(src: str, *, deck: "Deck", settings: "Settings", open_store: Callable[[], "Store"]) -> None:
    from gdstudy.interop.revlog import import_log
    from gdstudy.outpath import shown
    from gdstudy.paths import user_path

    path = user_path(src, "log file")
    with open_store() as store:
        res = import_log(store, path, deck, settings)
    typer.echo(shown(f"imported {path}: {res.added} review(s) added, {res.skipped} already present, "
                     f"{res.cards} card(s) rescheduled"))
    if res.orphans:
        shown_ids = ", ".join(res.orphans[:5]) + (" ..." if len(res.orphans) > 5 else "")
        typer.echo(shown(f"{len(res.orphans)} card(s) not in any deck kept as orphans: {shown_ids} "
                         "(see `gdstudy cards orphans`)"))
