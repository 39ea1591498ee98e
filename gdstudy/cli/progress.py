"""`gdstudy stats` and `gdstudy optimize`: numbers from the review log, and fitting FSRS to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from gdstudy.cli.common import (
    DataDirOpt,
    DeckOpt,
    _deck,
    _report_problems,
    _retention_explicit,
    _settings,
    _store,
    edge,
)
from gdstudy.errors import ConfigError

if TYPE_CHECKING:
    from gdstudy.stats import Stats

__all__ = ["stats", "optimize", "render_stats"]


def render_stats(st: "Stats") -> str:
    """Plain-text stats: counts, retention, a 14-day due forecast as a bar plot, recall now per tag
    (with its definition, stats.RECALL_NOW, under the table)."""
    from gdstudy.stats import RECALL_NOW

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
    lines += ["", "recall now by tag (weakest first; tags on ≥ 3 cards):"]
    for t in st.broad_tags():
        r = t.recall_now
        bar, pct = ("", "     -") if r is None else ("█" * round(20 * r), f"{r:6.1%}")
        lines.append(f"  {t.tag:<28} {bar:<20} {pct}  ({t.studied}/{t.cards} studied)")
    lines.append(f"  ({RECALL_NOW})")
    if st.calibration is not None:
        from gdstudy.optimize.report import render_calibration

        lines += ["", *render_calibration(st.calibration)]
    return "\n".join(lines)


@edge
def stats(
    tag: Annotated[Optional[list[str]], typer.Option(help="Only cards with this tag (repeatable).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the numbers as JSON.")] = False,
    deck: DeckOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Cards by state, reviews today, true retention, a 14-day forecast, streak and recall now per tag."""
    import json

    from gdstudy.session import ReviewSession

    settings = _settings()
    with _store(data_dir) as store:
        session = ReviewSession(_deck(settings, deck, tags=tag), store, settings, tags=tuple(tag or ()))
        st = session.stats()
        due = session.counts()  # the same plan as the review header and `cards list --state due`
    if as_json:
        typer.echo(json.dumps({**st.to_dict(), "due_today": {"new": due.new, "learning": due.learning, "review": due.review}}, indent=2))
    else:
        typer.echo(f"due today: {due.new} new, {due.learning} learning, {due.review} review")
        typer.echo(render_stats(st))


@edge
def optimize(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and report, save nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the FSRS-6 default parameters.")] = False,
    undo: Annotated[bool, typer.Option("--undo", help="Undo the last parameter change (fit, reset or retention).")] = False,
    retention: Annotated[bool, typer.Option("--retention", help="Simulate your deck (its cards from their stored states, your daily limits) at desired retentions 0.70-0.97 and recommend the cheapest per remembered card.")] = False,
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
            cards = _deck(settings, deck)
            _report_problems(cards)
            sw = apply.run_retention(store, settings, utcnow(), card_ids=[c.id for c in cards.cards], dry_run=dry_run)
            explicit = settings.desired_retention if _retention_explicit(None) else None
            typer.echo(json.dumps(sw.to_dict(), indent=2) if as_json else report.render_sweep(sw, dry_run=dry_run, explicit=explicit))
        else:
            ids = set(_deck(settings, deck).by_id)
            res = apply.run_fit(store, settings, utcnow(), deck_ids=ids, dry_run=dry_run)
            typer.echo(json.dumps(res.to_dict(), indent=2) if as_json else report.render_fit(res, dry_run=dry_run))
