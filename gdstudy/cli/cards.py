"""`gdstudy cards …` (check, list, show, orphans, coverage) and `gdstudy import` (notes to cards)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gdstudy.cli.common import (
    DataDirOpt,
    DeckOpt,
    _clean,
    _deck,
    _report_problems,
    _retention_explicit,
    _settings,
    _store,
    edge,
)
from gdstudy.errors import ConfigError

__all__ = ["cards_app", "import_notes"]

cards_app = typer.Typer(help="Check, list and inspect cards.", no_args_is_help=True)


@cards_app.command("check")
@edge
def cards_check(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Card files or folders. Default: the shipped deck and your configured decks.", show_default=False)] = None,
    deck: DeckOpt = None,
) -> None:
    """Validate card files: one `path:line: message` per problem, with a one-line example of the fix; exit 0 when clean, 2 otherwise. Ids derived from the question are listed."""
    settings = _settings()
    if paths:
        from gdstudy.deck import load_deck
        from gdstudy.paths import user_path
        from gdstudy.userdeck import deck_sources

        shipped, _ = deck_sources(settings.decks)  # the packaged deck, or your copy of it (cards init)
        given = [user_path(p, "card path") for p in [*paths, *(deck or [])]]
        result = load_deck(shipped, given)  # the shipped deck given again is loaded once
    else:
        result = _deck(settings, deck, full_check=True)
    from gdstudy.userdeck import check_lines

    out, err = check_lines(result)
    for line in out:
        typer.echo(_clean(line))
    for line in err:
        typer.echo(_clean(line), err=True)
    n_files = len({c.path for c in result.cards})
    if result.problems:
        typer.echo(f"{len(result.problems)} problem(s); {len(result.cards)} valid card(s) in {n_files} file(s)", err=True)
        raise typer.Exit(2)
    typer.echo(f"ok: {len(result.cards)} cards in {n_files} files")


STATES = ("new", "learning", "review", "relearning", "due", "edited", "suspended", "buried", "leech")


@cards_app.command("list")
@edge
def cards_list(
    tag: Annotated[Optional[list[str]], typer.Option(help="Only cards with this tag (repeatable: any of).", show_default=False)] = None,
    state: Annotated[Optional[str], typer.Option(help=f"Only cards in this state: {', '.join(STATES)}.", show_default=False)] = None,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """List cards with their state and due date (`--state due`: today's plan, as review shows it)."""
    from gdstudy.scheduling import state_name
    from gdstudy.session import ReviewSession

    if state is not None and state not in STATES:
        raise ConfigError(f"unknown state '{state}' (choose from {', '.join(STATES)})")
    settings = _settings()
    cards = _deck(settings, deck, tags=tag)
    _report_problems(cards)
    with _store(data_dir) as store:
        session = ReviewSession(cards, store, settings)
        now = session.now()
        flags_by_id = session.flags(now)
        states = session.states()
    rows = []
    for c in cards.cards:
        st = states.get(c.id)
        flags = flags_by_id[c.id]
        if tag and not set(tag) & set(c.tags):
            continue
        if state and state not in flags:
            continue
        if st is None or st.is_new:
            due_txt = "today" if "due" in flags else "later"
        else:
            due_txt = "now" if st.due <= now and "due" in flags else st.due.astimezone().strftime("%Y-%m-%d %H:%M")
        label = state_name(st) + (" (edited)" if "edited" in flags else "") + "".join(
            f" [{f}]" for f in ("suspended", "buried", "leech") if f in flags)
        rows.append((c.id, label, due_txt, ",".join(c.tags)))
    if not rows:
        typer.echo("no cards match")
        return
    w = [max(len(r[i]) for r in rows + [("id", "state", "due", "tags")]) for i in range(3)]
    typer.echo(f"{'id':<{w[0]}}  {'state':<{w[1]}}  {'due':<{w[2]}}  tags")
    for r in rows:  # ids and tags are cleaned at load; the line is cleaned again as it is printed
        typer.echo(_clean(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}"))
    typer.echo(f"{len(rows)} card(s)")


@cards_app.command("orphans")
@edge
def cards_orphans(deck: DeckOpt = None, data_dir: DataDirOpt = None) -> None:
    """Cards with review history that are no longer in any deck (their history is kept)."""
    settings = _settings()
    cards = _deck(settings, deck)
    with _store(data_dir) as store:
        known = set(cards.by_id)
        orphan_ids = sorted((set(store.states()) | store.logged_card_ids()) - known)
        if not orphan_ids:
            typer.echo("no orphans: every card with history is in a deck")
            return
        for cid in orphan_ids:
            n = sum(1 for _ in store.log(card_id=cid))
            typer.echo(_clean(f"{cid}  ({n} review(s) kept)"))
    typer.echo(f"{len(orphan_ids)} orphan(s)")


@cards_app.command("show")
@edge
def cards_show(
    card_id: Annotated[str, typer.Argument(metavar="ID", help="The card's id (as in `gdstudy cards list`).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the history as JSON.")] = False,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """One card's history: every review (date, grade, interval, stability, difficulty, predicted recall at the time), its current state and demo."""
    from gdstudy.history import show
    from gdstudy.session import ReviewSession

    settings = _settings()
    cards = _deck(settings, deck)
    _report_problems(cards)
    with _store(data_dir) as store:
        text = show(ReviewSession(cards, store, settings, explicit_retention=_retention_explicit(None)), card_id, as_json=as_json)
    typer.echo(text if as_json else _clean(text))


@cards_app.command("coverage")
@edge
def cards_coverage(
    notes: Annotated[list[str], typer.Argument(help="Note files or folders (.md, .txt).", show_default=False)],
    deck: DeckOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Every heading of the notes with the number of cards citing it, the sections no card cites, the #look_into items."""
    from gdstudy.interop.notes_cli import run_coverage

    cards = _deck(_settings(), deck)
    _report_problems(cards)
    run_coverage(notes, cards, as_json=as_json)


@edge
def import_notes(
    notes: Annotated[list[str], typer.Argument(help="Note files or folders (.md, .txt; folders recursively).", show_default=False)],
    into: Annotated[Optional[str], typer.Option("--into", help="Deck folder for the card files (one per note; created if missing). Only card files this import wrote are rewritten. Default: your own deck (`cards/` in the data dir), registered in the config.", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be added/updated/unchanged/conflicts/orphaned; write nothing.")] = False,
    tag: Annotated[Optional[list[str]], typer.Option(help="Add this tag to every imported card (repeatable).", show_default=False)] = None,
    keep_osr_schedule: Annotated[bool, typer.Option("--keep-osr-schedule", help="Cards with an obsidian-spaced-repetition <!--SR:...--> comment start with that schedule (mapped to FSRS; see docs/import.md).")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Turn Markdown/Obsidian notes into cards (Q::A, Q:::A, ?, ==cloze==, {{c1::cloze}}, #interview_question); safe to re-run."""
    from gdstudy.interop.notes_cli import run_import

    run_import(notes, into, dry_run=dry_run, tags=tag or (), keep_osr=keep_osr_schedule, open_store=lambda: _store(data_dir))


@cards_app.command("path")
@edge
def cards_path(deck: DeckOpt = None) -> None:
    """Where every deck lives: the shipped deck (or your copy of it), your own deck, the configured decks and the config file."""
    from gdstudy.paths import user_path
    from gdstudy.userdeck import where_lines

    for line in where_lines(_settings(), [user_path(d, "--deck") for d in deck or []]):
        typer.echo(line)


@cards_app.command("init")
@edge
def cards_init(
    dest: Annotated[Optional[str], typer.Argument(help="Folder for the copy. Default: shipped-cards/ in the data dir.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="The folder exists: move it aside (DEST.old-DATE, never deleted) and copy again.")] = False,
) -> None:
    """Copy the shipped deck to an editable folder and register it in the config: gdstudy then loads your copy instead of the packaged deck."""
    from gdstudy.paths import user_path
    from gdstudy.userdeck import init_shipped_copy

    reg, moved = init_shipped_copy(user_path(dest, "folder") if dest is not None else None, force=force)
    if moved is not None:
        typer.echo(f"moved the old folder aside to {_clean(str(moved))}")
    typer.echo(_clean(f"copied the shipped deck to {reg.folder}; edit its cards there"))
    typer.echo(_clean(f"registered it in {reg.config} (decks)" if reg.registered else f"already in {reg.config} (decks)"))
