"""The `gdstudy` command line: a thin typer layer. Domain errors become one line and exit 2.

Heavy imports (Textual, numpy, plotext, torch, fsrs, yaml) happen inside the commands that need
them, so `gdstudy --help` stays fast.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional, TypeVar

import typer

from gdstudy.errors import ConfigError, GdstudyError

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.deck import Deck
    from gdstudy.stats import Stats
    from gdstudy.store import Store

__all__ = ["app", "main"]

app = typer.Typer(
    help="Study gradient descent, SGD and mini-batches: FSRS flashcards and runnable demos. With no command: the home screen.",
    pretty_exceptions_enable=False,
    add_completion=False,
)
cards_app = typer.Typer(help="Check, list and inspect cards.", no_args_is_help=True)
app.add_typer(cards_app, name="cards")

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


def _clean(text: str) -> str:
    """Every CLI line quoting untrusted text (card problems, errors) passes the one text rule."""
    from gdstudy.text import clean

    return clean(text)


# -- shared options ------------------------------------------------------------------------------

# Paths are taken as text and checked by `gdstudy.paths.user_path` (an empty `--data-dir ''` must
# not silently become the current folder, as a typer Path would make it).
DeckOpt = Annotated[
    Optional[list[str]],
    typer.Option("--deck", help="Extra deck folder or card file (repeatable); adds to the shipped deck.", show_default=False),
]
DataDirOpt = Annotated[
    Optional[str],
    typer.Option("--data-dir", help="Where the review database lives. Default: $GDSTUDY_HOME or the user data dir.", show_default=False),
]


def _settings(**overrides: Any) -> "Settings":
    from gdstudy.config import load_settings, parse_steps

    for key in ("learning_steps", "relearning_steps"):
        if overrides.get(key) is not None:
            overrides[key] = parse_steps(overrides[key], key.replace("_", " "))
    return load_settings(overrides)


def _deck(settings: "Settings", decks: list[str] | None, *, full_check: bool = False) -> "Deck":
    from gdstudy.deck import load_deck
    from gdstudy.paths import shipped_cards_dir, user_path

    user = [*settings.decks, *(user_path(d, "--deck") for d in decks or [])]
    for d in user:
        try:
            exists = Path(d).exists()
        except (OSError, ValueError) as e:  # e.g. a name too long for the file system
            raise ConfigError(f"deck folder {d}: {getattr(e, 'strerror', None) or e}") from None
        if not exists:
            raise ConfigError(f"deck folder {d} does not exist")
    return load_deck([shipped_cards_dir()], user, demo_params=full_check)


# The review and interview screens wait this long for another process's write lock before a grade is
# refused with a "locked" notice (and can be retried): the screen never freezes longer than this.
# One-shot commands keep the store's 10 s.
INTERACTIVE_BUSY_S = 3.0


def _store(data_dir: str | Path | None, *, interactive: bool = False) -> "Store":
    from gdstudy.config import data_dir as resolve
    from gdstudy.store import DB_NAME, Store

    path = resolve(data_dir) / DB_NAME
    return Store(path, timeout_s=INTERACTIVE_BUSY_S) if interactive else Store(path)


def _report_problems(deck: "Deck") -> None:
    for p in deck.problems:
        typer.echo(_clean(str(p)), err=True)


def _run_tui(tui: Any) -> None:
    """Run the app; a crash inside it (Textual has shown the traceback) or a SIGTERM/SIGHUP
    ends the command with the app's non-zero return code, never 0."""
    tui.run()
    code = getattr(tui, "return_code", 0) or 0
    if code:
        raise typer.Exit(code)


def _minutes(value: float) -> float:
    import math

    if not math.isfinite(value) or not 0 < value <= 24 * 60:
        raise ConfigError(f"--minutes must be more than 0 and at most 1440 (a day), got {value:g}")
    return value


# -- review --------------------------------------------------------------------------------------


@app.command()
@edge
def review(
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
    retention: Annotated[Optional[float], typer.Option(help="Desired retention, in (0, 1). Default 0.9.", show_default=False)] = None,
    new_per_day: Annotated[Optional[int], typer.Option(help="New cards per day. Default 20.", show_default=False)] = None,
    max_reviews: Annotated[Optional[int], typer.Option(help="Maximum reviews per day. Default 200.", show_default=False)] = None,
    learning_steps: Annotated[Optional[str], typer.Option(help="Learning steps, e.g. '1m,10m'.", show_default=False)] = None,
    relearning_steps: Annotated[Optional[str], typer.Option(help="Relearning steps, e.g. '10m'.", show_default=False)] = None,
    fuzz: Annotated[Optional[bool], typer.Option("--fuzz/--no-fuzz", help="Fuzz long intervals (default on).", show_default=False)] = None,
    cram: Annotated[bool, typer.Option("--cram", help="Review every card regardless of due dates; logged as cram, scheduling unchanged.")] = False,
    tag: Annotated[Optional[list[str]], typer.Option(help="Only cards with this tag (repeatable: any of).", show_default=False)] = None,
    summary_json: Annotated[bool, typer.Option("--summary-json", help="On exit print the session summary as JSON (reviewed, grades, seconds, retention today, next due, streak); without it a text summary is printed when cards were reviewed.")] = False,
    start: Annotated[str, typer.Option(hidden=True)] = "review",
) -> None:
    """Review due cards in the terminal (Textual); nothing due: the home screen. Keys: space reveal, 1-4 grade, u undo, d demo, Esc home, ? help, q quit."""
    settings = _settings(
        desired_retention=retention, new_per_day=new_per_day, max_reviews_per_day=max_reviews,
        learning_steps=learning_steps, relearning_steps=relearning_steps, enable_fuzz=fuzz,
    )
    cards = _deck(settings, deck)
    _report_problems(cards)
    from gdstudy.session import ReviewSession
    from gdstudy.tui import make_app

    with _store(data_dir, interactive=True) as store:
        store.active_params()  # a damaged saved parameter set is one error line here, not in the screen
        session = ReviewSession(cards, store, settings, cram=cram, tags=tuple(tag or ()),
                                explicit_retention=_retention_explicit(retention))
        if tag and not session.cards:
            raise ConfigError(f"no cards with tag {', '.join(tag)}")
        _run_tui(make_app(session) if start == "review" else make_app(session, start="home"))
        from gdstudy.summary import exit_report

        report = exit_report(session.summary(), as_json=summary_json)
    if report:
        typer.echo(_clean(report))


# -- cards ---------------------------------------------------------------------------------------


@cards_app.command("check")
@edge
def cards_check(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Card files or folders. Default: the shipped deck and your configured decks.", show_default=False)] = None,
    deck: DeckOpt = None,
) -> None:
    """Validate card files: one `path:line: message` per problem; exit 0 when clean, 2 otherwise."""
    settings = _settings()
    if paths:
        from gdstudy.deck import load_deck
        from gdstudy.paths import shipped_cards_dir, user_path

        shipped = shipped_cards_dir()
        given = [user_path(p, "card path") for p in [*paths, *(deck or [])]]
        result = load_deck([shipped], given)  # the shipped deck given again is loaded once
    else:
        result = _deck(settings, deck, full_check=True)
    _report_problems(result)
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
    cards = _deck(settings, deck)
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


@app.command("import")
@edge
def import_notes(
    notes: Annotated[list[str], typer.Argument(help="Note files or folders (.md, .txt; folders recursively).", show_default=False)],
    into: Annotated[str, typer.Option("--into", help="Deck folder for the card files (one per note; created if missing). Only card files this import wrote are rewritten.", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be added/updated/unchanged/conflicts/orphaned; write nothing.")] = False,
    tag: Annotated[Optional[list[str]], typer.Option(help="Add this tag to every imported card (repeatable).", show_default=False)] = None,
) -> None:
    """Turn Markdown/Obsidian notes into cards (Q::A, Q:::A, ?, ==cloze==, {{c1::cloze}}, #interview_question); safe to re-run."""
    from gdstudy.interop.notes_cli import run_import

    run_import(notes, into, dry_run=dry_run, tags=tag or ())


def render_stats(st: "Stats") -> str:
    """Plain-text stats: counts, retention, a 14-day due forecast as a bar plot, mastery per tag."""
    b = st.by_state
    lines = [
        f"cards: {b['new']} new, {b['learning']} learning, {b['review']} review, {b['relearning']} relearning"
        f"  ({b['suspended']} suspended, {b['buried']} buried, {b['leech']} leech)",
        f"today: {st.reviews_today} review(s), {st.cram_today} cram review(s)   streak: {st.streak} day(s)",
        "retention (30 days): "
        + (f"{st.retention:.1%} of {st.retention_reviews} review(s)" if st.retention is not None else "no reviews of mature cards yet")
        + f"   cram reviews (30 days, not scheduled): {st.cram_last_30d}",
        "",
        "due in the next 14 days:",
    ]
    peak = max((n for _, n in st.forecast), default=0) or 1
    for d, n in st.forecast:
        lines.append(f"  {d:%a %d %b}  {'█' * round(30 * n / peak):<30} {n}")
    lines += ["", "mastery by tag (mean recall probability now, weakest first; tags on ≥ 3 cards):"]
    for t in st.broad_tags():
        lines.append(f"  {t.tag:<28} {'█' * round(20 * t.mastery):<20} {t.mastery:6.1%}  ({t.studied}/{t.cards} studied)")
    if st.calibration is not None:
        from gdstudy.optimize.report import render_calibration

        lines += ["", *render_calibration(st.calibration)]
    return "\n".join(lines)


@app.command()
@edge
def stats(
    tag: Annotated[Optional[list[str]], typer.Option(help="Only cards with this tag (repeatable).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the numbers as JSON.")] = False,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Cards by state, reviews today, true retention, a 14-day forecast, streak and mastery per tag."""
    import json

    from gdstudy.session import ReviewSession

    settings = _settings()
    with _store(data_dir) as store:
        session = ReviewSession(_deck(settings, deck), store, settings, tags=tuple(tag or ()))
        st = session.stats()
        due = session.counts()  # the same plan as the review header and `cards list --state due`
    if as_json:
        typer.echo(json.dumps({**st.to_dict(), "due_today": {"new": due.new, "learning": due.learning, "review": due.review}}, indent=2))
    else:
        typer.echo(f"due today: {due.new} new, {due.learning} learning, {due.review} review")
        typer.echo(render_stats(st))


def _retention_explicit(flag: float | None) -> bool:
    """Whether a flag or the config file sets the desired retention (then it wins over the one
    `gdstudy optimize --retention` recommended)."""
    from gdstudy.config import _from_toml, config_path

    return flag is not None or "desired_retention" in _from_toml(config_path())


@app.command()
@edge
def optimize(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and report, save nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the FSRS-6 default parameters.")] = False,
    undo: Annotated[bool, typer.Option("--undo", help="Undo the last parameter change (fit, reset or retention).")] = False,
    retention: Annotated[bool, typer.Option("--retention", help="Simulate desired retentions 0.70-0.97 and recommend the cheapest per remembered card.")] = False,
    history: Annotated[bool, typer.Option("--history", help="List the saved parameter sets, oldest first (the last is in force).")] = False,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Fit FSRS-6 to your own reviews (needs the optimize extra: fsrs-rs-python); adopted only if better on held-out reviews."""
    import json

    from gdstudy.optimize import apply, report
    from gdstudy.timeutil import utcnow

    if reset + undo + retention + history > 1:
        raise ConfigError("choose one of --reset, --undo, --retention, --history")
    settings = _settings()
    with _store(data_dir) as store:
        if history:
            rows = [apply.describe(r) | {"change": (r.scores or {}).get("change")} for r in store.params_history()]
            if as_json:
                typer.echo(json.dumps(rows, indent=2))
            for r in [] if as_json else rows:
                extra = f", desired retention {r['desired_retention']:.2f}" if r.get("desired_retention") else ""
                typer.echo(f"{r['change'] or '-':<9} {r['label']}{extra}")
            if not rows and not as_json:
                typer.echo("never optimized: the FSRS-6 defaults are in force")
        elif reset or undo:
            if dry_run:
                raise ConfigError("--dry-run applies to fitting and --retention only")
            done = apply.run_reset(store, utcnow()) if reset else apply.run_undo(store)
            label = apply.describe(done.active)["label"]
            typer.echo(json.dumps(done.to_dict(), indent=2) if as_json else f"{done.what}; now in force: {label}")
        elif retention:
            sw = apply.run_retention(store, settings, utcnow(), dry_run=dry_run)
            explicit = settings.desired_retention if _retention_explicit(None) else None
            typer.echo(json.dumps(sw.to_dict(), indent=2) if as_json else report.render_sweep(sw, dry_run=dry_run, explicit=explicit))
        else:
            ids = set(_deck(settings, deck).by_id)
            res = apply.run_fit(store, settings, utcnow(), deck_ids=ids, dry_run=dry_run)
            typer.echo(json.dumps(res.to_dict(), indent=2) if as_json else report.render_fit(res, dry_run=dry_run))


interview_app = typer.Typer(help="Timed mock interview on interview-tagged cards.", invoke_without_command=True)
app.add_typer(interview_app, name="interview")


@interview_app.callback()
@edge
def interview(
    ctx: typer.Context,
    minutes: Annotated[float, typer.Option(help="Time limit in minutes.")] = 20.0,
    tag: Annotated[Optional[list[str]], typer.Option(help="Only cards with this tag (repeatable).", show_default=False)] = None,
    count: Annotated[Optional[int], typer.Option(help="At most this many cards.", show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed for the card order.", show_default=False)] = None,
    schedule: Annotated[bool, typer.Option("--schedule", help="Self-grades are real reviews (reschedule the cards; new cards only within today's limit). Default: practice, scheduling unchanged.")] = False,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Type your answer, reveal the reference beside it, self-grade (practice unless --schedule). `history` lists past sessions, `history N` shows one."""
    if ctx.invoked_subcommand is not None:
        return
    from gdstudy.interview import InterviewSession
    from gdstudy.session import ReviewSession
    from gdstudy.tui import make_app

    minutes = _minutes(minutes)
    settings = _settings()
    cards = _deck(settings, deck)
    _report_problems(cards)
    with _store(data_dir, interactive=True) as store:
        store.active_params()  # (as for review)
        review = ReviewSession(cards, store, settings, tags=tuple(tag or ()), explicit_retention=_retention_explicit(None))
        iv = InterviewSession(review, minutes=minutes, count=count, seed=seed, schedule=schedule)
        _run_tui(make_app(review, start="interview", interview=iv))


@interview_app.command("history")
@edge
def interview_history(
    number: Annotated[Optional[int], typer.Argument(help="Show interview #N: every question, your typed answer and the reference.", show_default=False)] = None,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Past mock interviews: when, how many cards, grades, weakest tags. `history N` rereads one."""
    with _store(data_dir) as store:
        rows = store.interviews()
    if not rows:
        typer.echo("no interviews yet: start one with `gdstudy interview`")
        return
    if number is not None:
        from gdstudy.interview import render_interview

        match = [r for r in rows if r[0] == number]
        if not match:
            raise ConfigError(f"no interview #{number} (have #{rows[0][0]}–#{rows[-1][0]}: see `gdstudy interview history`)")
        i, start, end, s = match[0]
        typer.echo(_clean(render_interview(i, start, end, s, _deck(_settings(), deck))))
        return
    from gdstudy.interview import unfinished

    for i, start, end, s in rows:
        grades = " ".join(f"{k[0]}{v}" for k, v in s["grades"].items())
        weak = ", ".join(w["tag"] for w in s["weakest_tags"][:3]) or "-"
        mins = (end - start).total_seconds() / 60
        kind = "graded" if s.get("scheduled", True) else "practice"  # saved before 'scheduled' existed: graded
        typer.echo(_clean(f"#{i}  {start.astimezone():%Y-%m-%d %H:%M}  {mins:4.1f} min  {s['answered']}/{s['cards']} cards{unfinished(s)}  "
                          f"{kind}  grades {grades}  weakest: {weak}"))
    typer.echo("reread one with `gdstudy interview history N`")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"gdstudy {version('gdstudy')}")
        except PackageNotFoundError:  # running from a source tree that was never installed
            typer.echo("gdstudy (version unknown: not installed)")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Study gradient descent, SGD and mini-batches: FSRS flashcards and runnable demos. With no command: the home screen (in a terminal; else this help)."""
    if ctx.invoked_subcommand is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            typer.echo(ctx.get_help())
            return
        review(start="home")


# -- export / log (gdstudy.interop) -------------------------------------------------------------

export_app = typer.Typer(help="Export the cards to other tools (Anki).", no_args_is_help=True)
app.add_typer(export_app, name="export")
log_app = typer.Typer(help="Export or import the review log (FSRS revlog CSV).", no_args_is_help=True)
app.add_typer(log_app, name="log")


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing file that is not an earlier export of this kind (never the store, a card file, a note, a device, FIFO or symlink).")]


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


def _register_demo() -> None:
    import importlib.util

    if importlib.util.find_spec("gdstudy.demo.cli") is None:  # demo framework not in this build
        return
    from gdstudy.demo.cli import register

    register(app)


_register_demo()


def main() -> None:
    try:
        app()
    except GdstudyError as e:  # raised outside a command body (e.g. while registering)
        print(f"error: {_clean(str(e))}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
