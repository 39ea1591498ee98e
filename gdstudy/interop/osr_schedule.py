"""`gdstudy import --keep-osr-schedule`: an obsidian-spaced-repetition schedule comment
(`<!--SR:!2026-01-01,3,250-->`: due date, interval in days, ease in ‰) becomes the card's starting
FSRS state (mapping and reasons in docs/import.md#obsidian-spaced-repetition-osr):

    due = DUE (00:00 UTC)         last review = DUE - IVL days
    stability = max(IVL, 1) days  difficulty = clip(5 + (250 - EASE) / 25, 1, 10)
    state = review, reps = 1

Written the way `gdstudy log import` writes imported history (`Store.import_reviews`): one review
row per card (Good, at the last-review time; importing twice adds nothing) in one transaction, and
the card's state from the mapping. A card that already has a state in the store (studied in
gdstudy) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdstudy.deck import Deck
    from gdstudy.store import CardState, Store

__all__ = ["OsrEntry", "OsrResult", "parse_entry", "osr_state", "keep_osr_schedules"]

ENTRY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*,\s*(\d{1,5})\s*,\s*(\d{1,4})\s*$")
MAX_IVL = 36_500
EASE_RANGE = (100, 1000)


@dataclass(frozen=True)
class OsrEntry:
    due: datetime
    interval: int  # days
    ease: int      # ‰: 250 = 2.5


@dataclass
class OsrResult:
    kept: list[str] = field(default_factory=list)        # card ids that start with their OSR schedule
    studied: list[str] = field(default_factory=list)     # already in the store: their own state kept
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (card id, entry as written)


def parse_entry(text: str) -> OsrEntry | None:
    """`2026-01-01,3,250` -> OsrEntry; None for anything else (OSR's `fsrs,...` entries included)."""
    m = ENTRY.match(text)
    if not m:
        return None
    y, mo, d, ivl, ease = (int(g) for g in m.groups())
    try:
        due = datetime(y, mo, d, tzinfo=timezone.utc)
    except ValueError:
        return None
    if not (0 <= ivl <= MAX_IVL and EASE_RANGE[0] <= ease <= EASE_RANGE[1]) or due.year < 1971:
        return None
    return OsrEntry(due, ivl, ease)


def difficulty(ease: int) -> float:
    return min(10.0, max(1.0, 5.0 + (250 - ease) / 25))


def osr_state(card_id: str, e: OsrEntry, content_hash: str) -> "CardState":
    from gdstudy.store import CardState

    ivl = max(e.interval, 1)
    return CardState(card_id, 2, None, float(ivl), difficulty(e.ease), e.due, e.due - timedelta(days=ivl),
                     reps=1, lapses=0, content_hash=content_hash)


def keep_osr_schedules(store: "Store", deck: "Deck", schedules: dict[str, str], *, dry_run: bool = False) -> OsrResult:
    """Start each card of `schedules` (card id -> OSR entry) that is in `deck` and new in `store`
    with its OSR schedule (see the module docstring)."""
    from gdstudy.interop.replay import to_ms
    from gdstudy.store import ReviewRow

    res = OsrResult()
    existing = store.states()
    states: dict[str, "CardState"] = {}
    for cid, text in schedules.items():
        card = deck.by_id.get(cid)
        if card is None:
            continue  # not written (a conflict file): nothing to start
        entry = parse_entry(text)
        if entry is None:
            res.unreadable.append((cid, text))
        elif cid in existing and not existing[cid].is_new:
            res.studied.append(cid)
        else:
            states[cid] = osr_state(cid, entry, card.content_hash)
            res.kept.append(cid)
    if dry_run or not states:
        return res
    rows = [ReviewRow(cid, to_ms(st.last_review), 3, None, "review", 0) for cid, st in states.items()  # type: ignore[arg-type]
            if st.last_review is not None]

    def replay(cid: str, history: list[ReviewRow]) -> "CardState | None":
        return states[cid]

    store.import_reviews(rows, replay)
    return res
