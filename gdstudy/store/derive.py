"""The card state before a review, derived from the log instead of stored twice.

A review row keeps the card's FSRS state *before* the review in typed columns (state, step,
stability, difficulty, due). Everything else the state before had is derived:

- `last_review`: the latest time among the card's earlier-logged non-cram reviews;
- `reps` / `lapses`: the state after minus this review (one rep; one lapse when a review-state
  card was graded Again);
- content hash and flags (suspended, buried, leech): the state after's.

The state after is the next review's state before, or the `cards` row for the latest one, so
nothing is stored twice. When the real state before differs from the derivation (the review made
the card a leech, the card text was edited since the last review, a history imported out of order,
an old database's odd rows), the differing fields are kept in `review_extra` (JSON, a few rows).

Shape: `derive(cols, after, prev_at, rating, at)` -> CardState | None, and `extras(actual, derived)`
-> dict of the fields to override, computed on `to_dict()` form with times at millisecond precision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from gdstudy.store.model import CardState, from_ms, ms_floor

__all__ = ["Cols", "cols_of", "derive", "extras", "apply_extras", "floor_dict", "UNKNOWN"]

# (state, step, stability, difficulty, due_ms): the typed "before" columns of a review row
Cols = tuple[int, "int | None", "float | None", "float | None", "int | None"]

REVIEW, AGAIN = 2, 1


class _Unknown:
    """The state before is not recorded (an imported review): such a review cannot be undone."""


UNKNOWN = _Unknown()


def cols_of(before: CardState | None) -> Cols:
    if before is None:
        return (0, None, None, None, None)
    from gdstudy.store.model import to_ms

    if before.is_new:  # a flag-only row: keep its due so the row is restored as it was
        return (0, None, None, None, to_ms(before.due))
    return (before.state, before.step, before.stability, before.difficulty, to_ms(before.due))


def derive(cols: Cols, after: CardState, prev_at: datetime | None, rating: int, at: datetime) -> "CardState | _Unknown":
    state, step, stability, difficulty, due_ms = cols
    if state != 0 and due_ms is None:
        return UNKNOWN
    lapsed = int(state == REVIEW and rating == AGAIN)
    return replace(
        after,
        state=state, step=step, stability=stability, difficulty=difficulty,
        due=from_ms(due_ms) if due_ms is not None else ms_floor(at),
        last_review=None if state == 0 else prev_at,
        reps=after.reps - 1, lapses=after.lapses - lapsed,
    )


def floor_dict(s: CardState) -> dict[str, Any]:
    """`s.to_dict()` with every time at millisecond precision (what the log can keep)."""
    return replace(
        s, due=ms_floor(s.due),
        last_review=ms_floor(s.last_review) if s.last_review else None,
        buried_until=ms_floor(s.buried_until) if s.buried_until else None,
    ).to_dict()


def _normal(actual: CardState | None, like: CardState) -> CardState:
    """No row at all is the same as a new row without flags."""
    if actual is not None:
        return actual
    return CardState(like.card_id, 0, None, None, None, like.due, None, 0, 0, like.content_hash)


def extras(actual: CardState | None, derived: "CardState | _Unknown") -> dict[str, Any] | None:
    if isinstance(derived, _Unknown):
        return None
    want, got = floor_dict(_normal(actual, derived)), floor_dict(derived)
    diff = {k: v for k, v in want.items() if got[k] != v}
    return diff or None


def apply_extras(derived: CardState, extra: dict[str, Any] | None) -> CardState | None:
    """The state before, or None when it was a new card with no flags (no `cards` row)."""
    s = CardState.from_dict({**derived.to_dict(), **extra}) if extra else derived
    if s.is_new and not (s.suspended or s.buried_until or s.leech):
        return None
    return s
