"""A card's review history: every logged review with the memory state at the time, its current
state and its demo link (`gdstudy cards show ID`, the browser's `h` panel).

The log keeps each review's grade, time and kind. Stability (S), difficulty (D) and the predicted
recall (R) are recomputed the way the calibration does (`gdstudy.optimize.calibration`): the card's
scheduled reviews (kind "review") replayed with py-fsrs in time order, each with the parameter set
in force at its time (`params_at`), the settings' learning steps, fuzz off. For each review:
R = py-fsrs' retrievability of the state before it at the review time (none for the first, when
the card was new); S, D and the interval (due − review time, unfuzzed, with the desired retention
in force now) of the state after it. Cram and practice reviews never change the schedule: they are
listed with the R of the state at their time and no new S, D or interval. A card whose log does not
start with its first review (a partial import) is listed without S, D and R (nothing to replay from).
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from gdstudy.errors import ConfigError
from gdstudy.scheduling import ReplaySchedulers, state_name

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.deck import Card, Deck
    from gdstudy.store import CardState, LogEntry

__all__ = ["HistoryRow", "CardHistory", "card_history", "session_history", "find_card", "demo_command", "render_text", "table_rows"]

GRADES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
SCHEDULED = "review"


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    kind: str  # review, cram, interview (practice)
    grade: int
    elapsed_days: float | None  # since the card's previous scheduled review
    recall: float | None  # predicted recall at the time (state before)
    stability: float | None  # after (scheduled reviews only)
    difficulty: float | None
    interval_days: float | None  # due after − review time

    def to_dict(self) -> dict[str, Any]:
        r = lambda v, n: None if v is None else round(v, n)  # noqa: E731
        return {"at": self.at.isoformat(), "kind": self.kind, "grade": self.grade, "grade_name": GRADES.get(self.grade),
                "elapsed_days": r(self.elapsed_days, 3), "predicted_recall": r(self.recall, 4),
                "stability_days": r(self.stability, 4), "difficulty": r(self.difficulty, 4),
                "interval_days": r(self.interval_days, 3)}


@dataclass(frozen=True)
class CardHistory:
    card: "Card"
    rows: list[HistoryRow]
    state: "CardState | None"
    recall_now: float | None
    replayed: bool  # False: S, D, R not recomputed (`damaged` says why when it is not a partial import)
    damaged: str = ""

    def to_dict(self, now: datetime) -> dict[str, Any]:
        st = self.state
        current: dict[str, Any] = {"state": state_name(st)}
        if st is not None and not st.is_new:
            current |= {"stability_days": st.stability, "difficulty": st.difficulty, "due": st.due.isoformat(),
                        "last_review": st.last_review.isoformat() if st.last_review else None,
                        "reps": st.reps, "lapses": st.lapses, "predicted_recall_now": self.recall_now}
        if st is not None:
            current |= {"suspended": st.suspended, "leech": st.leech,
                        "buried_until": st.buried_until.isoformat() if st.buried_until and st.buried_until > now else None}
        demo = self.card.demo
        return {"id": self.card.id, "where": self.card.where, "current": current,
                "demo": None if demo is None else {**demo.to_dict(), "command": demo_command(self.card)},
                "replayed": self.replayed, "damaged": self.damaged or None, "reviews": [r.to_dict() for r in self.rows]}


def find_card(deck: "Deck", card_id: str) -> "Card":
    """The card with this id, or one error line naming the closest ids."""
    card = deck.by_id.get(card_id)
    if card is not None:
        return card
    near = difflib.get_close_matches(card_id, list(deck.by_id), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(near)}?)" if near else " (see `gdstudy cards list`)"
    raise ConfigError(f"no card {card_id!r} in the loaded decks{hint}")


def demo_command(card: "Card") -> str | None:
    if card.demo is None:
        return None
    flags = "".join(f" --{str(k).replace('_', '-')} {shlex.quote(str(v))}" for k, v in card.demo.params.items())
    return f"gdstudy demo {shlex.quote(card.demo.name)}{flags}"


class _Replay(ReplaySchedulers):
    """py-fsrs schedulers by parameter set (fuzz off, the settings' steps), and its Card/Rating."""

    def __init__(self, settings: "Settings", desired_retention: float) -> None:
        from fsrs import Card, Rating

        super().__init__(settings, desired_retention)
        self.Card, self.Rating = Card, Rating


def card_history(card: "Card", log: Iterable["LogEntry"], state: "CardState | None", params_history: Sequence[Any],
                 settings: "Settings", now: datetime, desired_retention: float | None = None) -> CardHistory:
    """`log`: the card's logged reviews (`Store.log(card_id=...)`); `params_history`: the saved
    parameter sets, oldest first; `state`: the stored state now."""
    from gdstudy.optimize.calibration import params_at

    entries = sorted(log, key=lambda e: (e.reviewed_at, e.id))
    scheduled = [e for e in entries if e.kind == SCHEDULED]
    bad = next((e for e in entries if e.rating not in GRADES), None)
    damaged = "" if bad is None else f"a damaged log row (grade {bad.rating} on {bad.reviewed_at:%Y-%m-%d %H:%M} UTC)"
    replayed = bool(scheduled) and scheduled[0].state_before == 0 and not damaged
    rows: list[HistoryRow] = []
    rp = _Replay(settings, desired_retention or settings.desired_retention) if entries else None
    fc: Any = None
    last_at: datetime | None = None
    for e in entries:
        t = e.reviewed_at
        elapsed = (t - last_at).total_seconds() / 86400 if last_at is not None else None
        sch = rp.scheduler(params_at(params_history, t)) if rp else None
        recall = None
        if replayed and fc is not None and fc.stability is not None and fc.last_review is not None:
            recall = float(sch.get_card_retrievability(fc, t))
        if e.kind != SCHEDULED:
            rows.append(HistoryRow(t, e.kind, e.rating, elapsed, recall, None, None, None))
            continue
        s = d = ivl = None
        if replayed:
            if fc is None:
                fc = rp.Card(card_id=1, due=t)  # type: ignore[union-attr]
            fc, _ = sch.review_card(fc, rp.Rating(e.rating), review_datetime=t)  # type: ignore[union-attr]
            s, d, ivl = fc.stability, fc.difficulty, (fc.due - t).total_seconds() / 86400
        rows.append(HistoryRow(t, e.kind, e.rating, elapsed, recall, s, d, ivl))
        last_at = t
    recall_now = None
    if (state is not None and not state.is_new and state.last_review and rp is not None
            and isinstance(state.stability, (int, float)) and 0 < state.stability < float("inf")):
        from fsrs import Card as FsrsCard
        from fsrs import State

        cur = FsrsCard(card_id=1, state=State(state.state), step=state.step, stability=state.stability,
                       difficulty=state.difficulty, due=state.due, last_review=state.last_review)
        recall_now = float(rp.scheduler(params_at(params_history, now)).get_card_retrievability(cur, now))
    return CardHistory(card, rows, state, recall_now, replayed, damaged)


# -- text --------------------------------------------------------------------------------------------

COLUMNS = ("date", "kind", "grade", "elapsed", "recall", "stability", "difficulty", "interval")


def _days(v: float | None) -> str:
    if v is None:
        return "—"
    if v < 1:
        return f"{v * 24:.1f}h" if v * 24 >= 1 else f"{v * 1440:.0f}m"
    return f"{v:.1f}d"


def table_rows(h: CardHistory) -> list[tuple[str, ...]]:
    """One tuple of cell texts per review, oldest first (COLUMNS)."""
    out = []
    for r in h.rows:
        out.append((r.at.astimezone().strftime("%Y-%m-%d %H:%M"), r.kind if r.kind != "interview" else "practice",
                    GRADES.get(r.grade, str(r.grade)), _days(r.elapsed_days),
                    "—" if r.recall is None else f"{r.recall:.1%}", _days(r.stability),
                    "—" if r.difficulty is None else f"{r.difficulty:.2f}", _days(r.interval_days)))
    return out


def current_line(h: CardHistory, now: datetime) -> str:
    st = h.state
    if st is None or st.is_new:
        text = "new: never reviewed"
    else:
        due = st.due.astimezone().strftime("%Y-%m-%d %H:%M")
        recall = "" if h.recall_now is None else f" · recall now {h.recall_now:.1%}"
        text = (f"{state_name(st)} · stability {_days(st.stability)} · difficulty {st.difficulty or 0:.2f}{recall} · "
                f"due {due} · {st.reps} review(s), {st.lapses} lapse(s)")
    if st is not None:
        flags = [f for f in ("suspended", "leech") if getattr(st, f)]
        if st.buried_until and st.buried_until > now:
            flags.append("buried")
        text += "".join(f" [{f}]" for f in flags)
    return text


def demo_line(h: CardHistory) -> str:
    cmd = demo_command(h.card)
    return "demo: none" if cmd is None else f"demo: {h.card.demo.name} — run `{cmd}` (or press d in review)"  # type: ignore[union-attr]


def how_line(h: CardHistory) -> str:
    if not h.rows:
        return "no reviews yet"
    if h.damaged:
        return f"{len(h.rows)} review(s); {h.damaged}: stability, difficulty and recall are not recomputed"
    if not h.replayed:
        return (f"{len(h.rows)} review(s); the log does not start with this card's first review (a partial import): "
                "stability, difficulty and recall are not recomputed")
    return (f"{len(h.rows)} review(s) · stability, difficulty, recall replayed with py-fsrs (parameters in force at "
            "each review, your steps, fuzz off)")


def render_text(h: CardHistory, now: datetime) -> str:
    lines = [f"{h.card.id}  ({h.card.where})", f"current: {current_line(h, now)}", demo_line(h), how_line(h)]
    rows = table_rows(h)
    if rows:
        w = [max(len(x[i]) for x in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        lines.append("  " + "  ".join(c.ljust(w[i]) for i, c in enumerate(COLUMNS)).rstrip())
        for r in rows:
            lines.append("  " + "  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def session_history(session: Any, card: "Card") -> CardHistory:
    """The history as a `ReviewSession` sees it: its store, settings, clock and the desired
    retention its scheduler uses now."""
    store = session.store
    return card_history(card, store.log(card_id=card.id), session.state(card.id), store.params_history(),
                        session.settings, session.now(), session.scheduler.desired_retention)


def show(session: Any, card_id: str, *, as_json: bool) -> str:
    """`gdstudy cards show ID`: the text (or JSON) of the card's history."""
    import json

    h = session_history(session, find_card(session.deck, card_id))
    now = session.now()
    return json.dumps(h.to_dict(now), indent=2) if as_json else render_text(h, now)
