"""What a review session did, and what comes next: the summary shown when the queue empties, printed
when the review ends (`gdstudy review --summary-json` prints it as JSON), and the day's figures on
the home screen.

Pure: every input, the time included, is passed in; `ReviewSession.summary()` reads them from the
store. Retention today is counted as `gdstudy stats` counts true retention (reviews of cards that
were in review state; recalled = any grade but Again), over today's study day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from gdstudy.store import LogEntry
from gdstudy.timeutil import day_start, ensure_utc, format_interval, streak, study_day

__all__ = ["SessionSummary", "summarize", "render_summary", "exit_report", "next_text"]

GRADE_LABELS = ("Again", "Hard", "Good", "Easy")  # ratings 1..4, as `Grade.label` names them


@dataclass(frozen=True)
class SessionSummary:
    now: datetime
    cram: bool
    reviewed: int                  # this session's grades (undone ones are not counted)
    grades: dict[str, int]         # Again/Hard/Good/Easy -> count, this session
    seconds: float                 # time on the cards: from showing each to grading it
    reviews_today: int             # today's scheduled reviews (every session; cram not counted)
    retention_today: float | None  # recalled / judged, today's reviews of review-state cards
    judged_today: int
    next_card: str | None          # the next card due (None: new cards, or nothing scheduled)
    next_due: datetime | None
    streak: int                    # consecutive study days up to today

    def to_dict(self) -> dict[str, Any]:
        return {
            "cram": self.cram, "reviewed": self.reviewed, "grades": dict(self.grades),
            "seconds": round(self.seconds, 1), "reviews_today": self.reviews_today,
            "retention_today": None if self.retention_today is None else round(self.retention_today, 4),
            "retention_reviews_today": self.judged_today,
            "next_due": {"card_id": self.next_card, "at": self.next_due.isoformat()} if self.next_due else None,
            "streak": self.streak, "at": self.now.isoformat(),
        }


def summarize(
    session_log: Iterable[LogEntry],
    today_log: Iterable[LogEntry],
    study_days: Iterable[date],
    next_up: tuple[str | None, datetime] | None,
    now: datetime,
    day_hour: int = 4,
    *,
    cram: bool = False,
) -> SessionSummary:
    """`session_log`: this session's log entries; `today_log`: every entry of (at least) today;
    `study_days`: every study day with a review (for the streak); `next_up`: the next card due
    and when (card None: new cards are next), or None when nothing is scheduled."""
    now = ensure_utc(now)
    mine = list(session_log)
    grades = {label: sum(e.rating == k for e in mine) for k, label in enumerate(GRADE_LABELS, 1)}
    start = day_start(now, day_hour)
    today = [e for e in today_log if e.kind != "cram" and start <= e.reviewed_at <= now]
    judged = [e for e in today if e.state_before == 2]
    card, when = next_up if next_up else (None, None)
    return SessionSummary(
        now=now, cram=cram, reviewed=len(mine), grades=grades,
        seconds=sum((e.duration_ms or 0) for e in mine) / 1000,
        reviews_today=len(today),
        retention_today=sum(e.rating > 1 for e in judged) / len(judged) if judged else None,
        judged_today=len(judged),
        next_card=card, next_due=when,
        streak=streak(study_days, study_day(now, day_hour)),
    )


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def next_text(s: SessionSummary) -> str:
    """'alpha in 10m (Sun 22 Nov 12:10)', 'alpha now', 'new cards in 16h (...)', 'nothing scheduled'."""
    if s.next_due is None:
        return "nothing scheduled"
    what = s.next_card or "new cards"
    if s.next_due <= s.now:
        return f"{what} now"
    return f"{what} in {format_interval(s.next_due - s.now)} ({s.next_due.astimezone():%a %d %b %H:%M})"


def render_summary(s: SessionSummary) -> list[str]:
    """The summary as plain lines (the TUI shows them, `gdstudy review` prints them on exit)."""
    grades = "  ".join(f"{k} {v}" for k, v in s.grades.items())
    kind = ("cram " if s.cram else "") + ("card" if s.reviewed == 1 else "cards")
    retention = (f"{s.retention_today:.0%} of {s.judged_today} review(s) of cards in review"
                 if s.retention_today is not None else "— (no card in review state reviewed yet)")
    lines = [
        f"Reviewed {s.reviewed} {kind} in {_duration(s.seconds)}" + ("  (scheduling unchanged)" if s.cram else ""),
        f"Grades: {grades}",
        f"Today: {s.reviews_today} review(s) · retention: {retention}",
        f"Next due: {next_text(s)}",
        f"Streak: {s.streak} day(s)",
    ]
    return lines


def exit_report(s: SessionSummary, *, as_json: bool) -> str | None:
    """What `gdstudy review` prints when the screen closes: the summary as JSON (always, for
    scripts), or as text when the session reviewed something (else nothing)."""
    if as_json:
        import json

        return json.dumps(s.to_dict(), indent=2)
    if not s.reviewed:
        return None
    return "\n".join(["Session summary", *("  " + line for line in render_summary(s))])
