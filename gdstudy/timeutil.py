"""Time in one place: every datetime inside gdstudy is timezone-aware UTC.

Only `utcnow()` reads the clock; scheduling logic takes `now` as an argument."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable

__all__ = ["utcnow", "ensure_utc", "iso", "parse_iso", "day_start", "study_day", "streak", "format_interval"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ensure_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: gdstudy needs timezone-aware UTC times")
    return dt.astimezone(timezone.utc)


def iso(dt: datetime) -> str:
    """Fixed-width ISO-8601 UTC, so stored strings sort in time order."""
    return ensure_utc(dt).isoformat(timespec="microseconds")


def parse_iso(s: str) -> datetime:
    return ensure_utc(datetime.fromisoformat(s))


def day_start(now: datetime, hour: int = 4) -> datetime:
    """Start (UTC) of the study day containing `now`, in local time, rolling over at `hour`
    (like Anki's 4 a.m.): reviews at 1 a.m. still count for the previous evening."""
    local = ensure_utc(now).astimezone()
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return start.astimezone(timezone.utc)


def study_day(t: datetime, hour: int) -> date:
    """The local calendar date of the study day containing `t` (days roll over at `hour`)."""
    return day_start(t, hour).astimezone().date()


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive study days up to today (or up to yesterday, if today has no review yet)."""
    have = set(days)
    d = today if today in have else today - timedelta(days=1)
    n = 0
    while d in have:
        n, d = n + 1, d - timedelta(days=1)
    return n


def format_interval(delta: timedelta) -> str:
    """Short human interval: 45s, 10m, 3h, 4d, 2.1mo, 1.3y."""
    s = max(delta.total_seconds(), 0)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.0f}h"
    days = s / 86400
    if days < 30:
        return f"{days:.0f}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"
