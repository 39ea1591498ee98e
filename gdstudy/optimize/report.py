"""Plain-text reports of `gdstudy optimize` (the CLI prints these; --json prints to_dict())."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdstudy.optimize.calibration import Calibration
    from gdstudy.optimize.fit import FitResult
    from gdstudy.optimize.retention import Sweep

__all__ = ["render_fit", "render_sweep", "render_calibration"]


def render_fit(r: "FitResult", *, dry_run: bool) -> str:
    lines = [
        f"reviews used: {r.n_reviews} ({r.n_items} recall tests a day or more after the previous review; "
        f"same-day learning steps feed the model but are not tests)",
        f"orphans (cards no longer in a deck, counted): {r.orphans}"
        + (f"   cards skipped (history without its first learning review): {r.incomplete}" if r.incomplete else ""),
    ]
    if r.excluded:
        lines.append("excluded: " + ", ".join(f"{n} {k}" for k, n in sorted(r.excluded.items())))
    if r.needed:
        lines.append(f"too few reviews to fit: {r.n_items} recall tests, {r.needed} more needed "
                     f"(at least {r.n_items + r.needed}); keeping the current parameters")
        return "\n".join(lines)
    lines += ["", f"held-out evaluation (time-series splits: fit on the past, test on the {r.heldout} later reviews):",
              f"  {'':<22} {'log loss':>9} {'RMSE(bins)':>11}"]
    for name, s in (("FSRS-6 defaults", r.default), ("fitted", r.fitted)):
        lines.append(f"  {name:<22} {s['log_loss']:>9.4f} {s['rmse_bins']:>11.4f}")
    if r.current and r.refit:
        lines += [f"all {r.n_items} recall tests (the earlier fit in force saw most of them):"]
        for name, s in (("parameters in force", r.current), ("new fit", r.refit)):
            lines.append(f"  {name:<22} {s['log_loss']:>9.4f} {s['rmse_bins']:>11.4f}")
    if r.params:
        from gdstudy.optimize.engine import DEFAULT_PARAMETERS as D

        first = "/".join(f"{x:.2f}" for x in D[:4]), "/".join(f"{x:.2f}" for x in r.params[:4])
        lines += ["", f"first-review stability, days (Again/Hard/Good/Easy): defaults {first[0]}, fitted {first[1]}",
                  f"forgetting-curve decay (w20): defaults {D[20]:.3f}, fitted {r.params[20]:.3f}"]
    lines += ["", r.reason + "."]
    if r.adopt:
        lines.append("dry run: nothing saved" if dry_run else "adopted: scheduling uses them from the next card "
                     "(undo with `gdstudy optimize --undo`)")
    else:
        lines.append("kept the parameters in force")
    lines.append(f"({r.seconds:.1f} s)")
    return "\n".join(lines)


def render_sweep(s: "Sweep", *, dry_run: bool, explicit: float | None) -> str:
    lines = [f"parameters: {s.config.get('parameters', 'as given')}", *_simulated(s.config),
             f"  {'retention':>9} {'min/day':>8} {'reviews/day':>12} {'remembered':>11} {'s per remembered':>17}"]
    for p in s.points:
        mark = "  <- least time per remembered card" if p is s.best else ""
        lines.append(f"  {p.retention:>9.2f} {p.minutes_per_day:>8.1f} {p.reviews_per_day:>12.1f} "
                     f"{p.remembered:>11.0f} {p.seconds_per_remembered:>17.1f}{mark}")
    lines.append(f"recommended desired retention: {s.best.retention:.2f}")
    if s.best is s.points[0] or s.best is s.points[-1]:
        lines.append("note: the least time is at the edge of the range swept; the recommendation stays within "
                     f"{s.points[0].retention:.2f}–{s.points[-1].retention:.2f} on purpose")
    if dry_run:
        lines.append("dry run: nothing saved")
    else:
        lines.append("saved: reviews use it from the next card (undo with `gdstudy optimize --undo`)")
    if explicit is not None:
        lines.append(f"note: your config or flag sets desired retention {explicit:.2f}; that still wins")
    lines.append(f"({s.seconds:.1f} s)")
    return "\n".join(lines)


def _simulated(c: dict) -> list[str]:
    """What was simulated: the user's deck and limits (or the generic deck), and where answer times
    and grades come from."""
    log = c.get("from_your_log") or []
    times = (f"answer times: your log's medians (a review graded Good {c.get('seconds_per_review', 0):.1f} s)"
             if "costs" in log else
             f"answer times: the simulator's defaults (Anki users' means: a review graded Good "
             f"{c.get('seconds_per_review', 0):.1f} s; your log needs 50 timed answers of a kind)")
    names = {"first_rating_prob": "first answers", "review_rating_prob": "review answers"}
    mine = [names[k] for k in log if k in names]
    grades = f"grades: from your log ({', '.join(mine)})" if mine else "grades: the simulator's defaults"
    if not c.get("your_deck"):
        return [f"simulated a generic deck of {c['deck_size']} new cards, {c['new_per_day']} new a day, "
                f"over {c['days']} days", f"{times}; {grades}"]
    leech = c.get("leech_suspends_after")
    out = [f"simulated your deck: {c['cards']} cards ({c['reviewed']} reviewed, {c['new']} new"
           + (f"; {c['suspended_left_out']} suspended left out" if c.get("suspended_left_out") else "") + "), "
           f"limits {c['new_per_day']} new/day, {c['reviews_per_day']} reviews/day, over {c['days']} days",
           "  " + ("reviewed cards start from their stored stability, difficulty, last review and due date"
                  if c["reviewed"] else "no card reviewed yet: every card starts new")
           + (f" ({c['in_learning_steps']} in learning steps: simulated as due, without the steps)" if c.get("in_learning_steps") else "")
           + ("; leeches suspended after " + str(leech) + " lapses" if leech else "")
           + f"; mean of 16 runs (seeds {c.get('seeds', '42..57')})",
           f"{times}; {grades}"]
    return out


def render_calibration(c: "Calibration") -> list[str]:
    if not c.n:
        return ["calibration: no recall tests yet (reviews a day or more after the previous one)"]
    held = f", held-out log loss {c.heldout['log_loss']:.4f}" if c.heldout.get("log_loss") is not None else ""
    lines = [f"calibration: {c.n} recall tests as predicted at the time: log loss {c.log_loss:.4f}, "
             f"RMSE(bins) {c.rmse_bins:.4f}; in force now: {c.in_force}{held}",
             f"  {'predicted':>11} {'reviews':>8} {'mean pred.':>10} {'actual':>7}"]
    for b in reversed(c.bins):  # most reviews (high predicted recall) first
        bar = "█" * round(20 * b.actual)
        lines.append(f"  {b.lo:.2f}–{b.hi:.2f} {b.n:>8} {b.predicted:>10.1%} {b.actual:>7.1%}  {bar}")
    return lines
