"""From the review log to FSRS training items, the way Anki and fsrs-rs do it.

Pure (no fsrs-rs import): reviews are plain (rating, delta_days) pairs here; `engine.py` turns
them into the library's `FSRSItem`s.

Rules (those of Anki's revlog conversion, as in fsrs-rs-python's `train_csv.py` example):
- only scheduled reviews (kind "review", which includes mock-interview grades made with
  `--schedule`); cram and practice reviews never changed scheduling and are excluded (counted by
  kind in `excluded`); undone reviews are gone from the log;
- a card's history starts at its last learning block (reviews made while the card was new or
  learning); a card whose history has no learning block (e.g. a partial log imported from another
  tool) cannot be replayed from its first review and is dropped (counted in `incomplete`);
- `delta_days` is the number of *study days* between a review and the card's previous one
  (days roll over at `day_hour`, local time), so same-day learning steps have delta 0 and are
  used by FSRS-6's short-term stability, not as recall tests;
- one training item per review that comes a study day or more after the previous one
  (delta > 0): the card's reviews up to and including that one; the last review is the target.
Orphans (cards no longer in any deck) count: they are the user's memory too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Iterable, Protocol

__all__ = ["SCHEDULED_KINDS", "LoggedReview", "Review", "Item", "ItemSet", "build_items", "study_day_index"]

SCHEDULED_KINDS = ("review",)  # the kind that moves a card's schedule (not cram or practice)
NEW, LEARNING = 0, 1
MS_PER_DAY = 86_400_000


class LoggedReview(Protocol):
    """What is read from a log row (gdstudy.store.ReviewRow has these fields)."""

    card_id: str
    reviewed_at_ms: int
    rating: int
    kind: str
    state_before: int


@dataclass(frozen=True)
class Review:
    rating: int  # 1 Again .. 4 Easy
    delta_days: int  # study days since the card's previous review; 0 for the first and same-day ones


@dataclass(frozen=True)
class Item:
    """A training example: `reviews[-1]` is the recall test, the ones before are its history."""

    card_id: str
    reviews: tuple[Review, ...]
    at_ms: int  # time of the target review (items are sorted by it)

    @property
    def recalled(self) -> bool:
        return self.reviews[-1].rating > 1


@dataclass(frozen=True)
class ItemSet:
    items: list[Item]  # sorted by time of the target review
    histories: dict[str, tuple[Review, ...]]  # each used card's whole (trimmed) history
    reviews_used: int  # logged reviews in the used histories (same-day steps included)
    incomplete: int  # cards dropped: history without a learning block
    orphans: int  # used cards that are in no deck (when the deck's ids were given)
    excluded: dict[str, int] = field(default_factory=dict)  # reviews of other kinds, by kind

    @property
    def n(self) -> int:
        """Recall tests available for fitting (reviews a day or more after the previous one)."""
        return len(self.items)


def study_day_index(at_ms: int, day_hour: int, tz: tzinfo | None) -> int:
    """Days since the epoch of the study day containing `at_ms` (days start at `day_hour` in `tz`;
    None = the local time zone)."""
    t = datetime.fromtimestamp(at_ms / 1000, timezone.utc).astimezone(tz)
    offset_ms = int(t.utcoffset().total_seconds() * 1000)  # type: ignore[union-attr]
    return (at_ms + offset_ms - day_hour * 3_600_000) // MS_PER_DAY


def _last_learning_block(rows: list[LoggedReview]) -> list[LoggedReview]:
    start = -1
    for i in range(len(rows) - 1, -1, -1):
        if rows[i].state_before in (NEW, LEARNING):
            start = i
        elif start != -1:
            break
    return rows[start:] if start != -1 else []


def build_items(
    rows: Iterable[LoggedReview],
    *,
    day_hour: int = 4,
    tz: tzinfo | None = None,
    deck_ids: set[str] | None = None,
    kinds: tuple[str, ...] = SCHEDULED_KINDS,
) -> ItemSet:
    by_card: dict[str, list[LoggedReview]] = defaultdict(list)
    excluded: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.kind in kinds:
            by_card[r.card_id].append(r)
        else:
            excluded[r.kind] += 1
    items: list[Item] = []
    histories: dict[str, tuple[Review, ...]] = {}
    used = incomplete = 0
    for card_id, card_rows in by_card.items():
        card_rows.sort(key=lambda r: r.reviewed_at_ms)  # stable: ties keep log order
        kept = _last_learning_block(card_rows)
        if not kept:
            incomplete += 1
            continue
        days = [study_day_index(r.reviewed_at_ms, day_hour, tz) for r in kept]
        reviews = tuple(
            Review(int(r.rating), 0 if i == 0 else max(0, days[i] - days[i - 1])) for i, r in enumerate(kept)
        )
        histories[card_id] = reviews
        used += len(reviews)
        for i in range(1, len(reviews)):
            if reviews[i].delta_days > 0:
                items.append(Item(card_id, reviews[: i + 1], kept[i].reviewed_at_ms))
    items.sort(key=lambda it: it.at_ms)
    orphans = 0 if deck_ids is None else sum(1 for c in histories if c not in deck_ids)
    return ItemSet(items, histories, used, incomplete, orphans, dict(excluded))
