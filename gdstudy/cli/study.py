"""`gdstudy review` and `gdstudy interview`: the commands that open the review screens."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gdstudy.cli.common import (
    DataDirOpt,
    DeckOpt,
    _clean,
    _deck,
    _minutes,
    _report_problems,
    _retention_explicit,
    _run_tui,
    _settings,
    _store,
    edge,
)
from gdstudy.errors import ConfigError

__all__ = ["review", "interview_app"]


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
    from gdstudy import reviewrun

    code = reviewrun.review(deck, data_dir, retention=retention, new_per_day=new_per_day, max_reviews=max_reviews,
                            learning_steps=learning_steps, relearning_steps=relearning_steps, fuzz=fuzz, cram=cram,
                            tags=tag, summary_json=summary_json, start=start)
    if code:
        raise typer.Exit(code)


interview_app = typer.Typer(help="Timed mock interview on interview-tagged cards.", invoke_without_command=True)


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
    cards = _deck(settings, deck, tags=tag)
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
