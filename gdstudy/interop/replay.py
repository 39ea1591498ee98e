"""Replaying a card's review history through py-fsrs into its state, for `gdstudy log import`.

`Replayer(slug, history)` is the `replay` callback of `Store.import_reviews`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from gdstudy.scheduling import fsrs_id

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.store import CardState, ReviewRow

__all__ = ["Replayer", "to_ms", "from_ms", "DAY_MS"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MS = timedelta(milliseconds=1)
DAY_MS = 86_400_000


def to_ms(dt: datetime) -> int:
    return (dt.astimezone(timezone.utc) - EPOCH) // MS


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


class Replayer:
    """Recomputes a card's state from its full history: py-fsrs `review_card` in time order with
    gdstudy's settings (fuzz off during the replay: fuzz changes only due dates, never stability,
    difficulty or state). The last review's due date is the one recorded for it (`due_after`, or
    the stored state) when that lies within py-fsrs's fuzz range of the replayed interval;
    otherwise the last review is scheduled afresh, fuzzed as the settings say."""

    def __init__(self, settings: "Settings", content_hash: Callable[[str], str],
                 recorded_due: Callable[[str, int], int | None], parameters: list[float] | None = None) -> None:
        from fsrs import Rating

        from gdstudy.scheduling import make_scheduler

        def scheduler(s: "Settings") -> Any:  # the FSRS weights in force (`gdstudy optimize`), else defaults
            return make_scheduler(s) if parameters is None else make_scheduler(s, parameters)

        self.settings = settings
        self.plain = scheduler(replace(settings, enable_fuzz=False))
        self.fuzzed = scheduler(settings) if settings.enable_fuzz else self.plain
        self.ratings = {int(r): r for r in Rating}
        self.content_hash = content_hash
        self.recorded_due = recorded_due

    def __call__(self, slug: str, history: list["ReviewRow"]) -> "CardState | None":
        from fsrs import Card as FsrsCard

        from gdstudy.store import CardState

        rows = [r for r in history if r.kind != "cram"]  # cram never changes scheduling
        if not rows:
            return None
        review = self.plain.review_card
        ratings = self.ratings
        leech_at = self.settings.leech_threshold
        fc = FsrsCard(card_id=fsrs_id(slug), due=from_ms(rows[0].reviewed_at_ms))
        reps = lapses = 0
        leech = False
        before = fc
        for r in rows:
            lapses += r.rating == 1 and fc.state == 2  # Again on a review card: a lapse
            reps += 1
            before = fc
            fc, _ = review(fc, ratings[r.rating], review_datetime=from_ms(r.reviewed_at_ms))
            if leech_at > 0 and lapses >= leech_at:
                leech = True
        last = rows[-1]
        due = self._final_due(slug, last, fc, before)
        return CardState(
            slug, int(fc.state), fc.step, fc.stability, fc.difficulty, due, fc.last_review,
            reps=reps, lapses=lapses, content_hash=self.content_hash(slug),
            suspended=leech, leech=leech,
        )

    def _final_due(self, slug: str, last: "ReviewRow", fc: Any, before: Any) -> datetime:
        if fc.state != 2:  # learning/relearning steps are never fuzzed: the replay is exact
            return fc.due
        t = last.reviewed_at_ms
        ivl = round((to_ms(fc.due) - t) / DAY_MS)
        rec = self.recorded_due(slug, t)
        if rec is not None:
            days, rem = divmod(rec - t, DAY_MS)
            if rem > DAY_MS // 2:
                days, rem = days + 1, rem - DAY_MS
            lo, hi = _fuzz_range(ivl, self.settings.maximum_interval)
            if abs(rem) <= 1000 and lo <= days <= hi:
                return from_ms(rec)
        if self.fuzzed is self.plain:
            return fc.due
        again, _ = self.fuzzed.review_card(before, self.ratings[last.rating], review_datetime=from_ms(t))
        return again.due


def _fuzz_range(ivl: int, maximum: int) -> tuple[int, int]:
    """The fuzzed intervals py-fsrs can give for an interval of `ivl` days (its FUZZ_RANGES table)."""
    if ivl < 2.5:
        return ivl, ivl
    from fsrs.scheduler import FUZZ_RANGES

    delta = 1.0
    for fr in FUZZ_RANGES:
        delta += fr["factor"] * max(min(float(ivl), fr["end"]) - fr["start"], 0.0)
    lo, hi = max(2, round(ivl - delta)), min(round(ivl + delta), maximum)
    lo = min(lo, hi)
    # py-fsrs draws round(lo + random() * (hi - lo + 1)): hi + 1 is reachable too
    return lo, min(hi + 1, maximum)



