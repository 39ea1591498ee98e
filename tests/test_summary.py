"""The review-session summary (gdstudy/summary.py, pure: the time is passed in) and
`gdstudy review --summary-json` / the text summary printed when the review screen closes."""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.session import ReviewSession
from gdstudy.store import LogEntry, Store
from gdstudy.summary import exit_report, render_summary, summarize
from tests.conftest import T0, Clock, run_cli


def entry(i: int, rating: int, minutes: float, *, kind: str = "review", before: int = 2, ms: int | None = 4000) -> LogEntry:
    return LogEntry(i, f"c{i}", rating, T0 + timedelta(minutes=minutes), ms, kind, before)


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


def test_counts_grades_time_retention_next_and_streak() -> None:
    yesterday = T0 - timedelta(days=1)
    today = [entry(1, 1, -60), entry(2, 3, -50, before=0), entry(3, 4, -40), entry(4, 2, -30),
             entry(5, 3, -20, kind="cram"), LogEntry(9, "old", 1, yesterday, 1000, "review", 2)]
    mine = today[2:5]  # this session: Easy, Hard, and a cram Good
    s = summarize(mine, today, [T0.date(), yesterday.date(), date(2026, 11, 19)], ("c7", T0 + timedelta(minutes=10)), T0)
    assert s.reviewed == 3 and s.grades == {"Again": 0, "Hard": 1, "Good": 1, "Easy": 1}
    assert s.seconds == 12.0
    assert s.reviews_today == 4  # cram and yesterday's are not today's reviews
    assert s.judged_today == 3 and s.retention_today == pytest.approx(2 / 3)  # the new card is no recall test
    assert s.streak == 2  # the gap on the 20th breaks it
    assert s.next_card == "c7" and s.next_due == T0 + timedelta(minutes=10)
    lines = render_summary(s)
    assert lines[0] == "Reviewed 3 cards in 12 s" and "Again 0  Hard 1  Good 1  Easy 1" in lines[1]
    assert "67% of 3 review(s)" in lines[2] and lines[3].startswith("Next due: c7 in 10m") and lines[4] == "Streak: 2 day(s)"
    d = s.to_dict()
    assert d["next_due"] == {"card_id": "c7", "at": (T0 + timedelta(minutes=10)).isoformat()}
    assert d["retention_today"] == 0.6667 and d["grades"]["Easy"] == 1


def test_an_empty_session_and_nothing_scheduled() -> None:
    s = summarize([], [], [], None, T0)
    assert (s.reviewed, s.seconds, s.retention_today, s.streak, s.next_due) == (0, 0.0, None, 0, None)
    assert "Next due: nothing scheduled" in render_summary(s) and "retention: — (no card in review state reviewed yet)" in render_summary(s)[2]
    assert exit_report(s, as_json=False) is None  # nothing reviewed: nothing printed
    assert json.loads(exit_report(s, as_json=True) or "")["reviewed"] == 0
    later = summarize([], [], [], (None, T0 + timedelta(hours=16)), T0)
    assert render_summary(later)[3].startswith("Next due: new cards in 16h")


def test_the_session_counts_its_own_grades_and_drops_undone_ones(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    for grade in (1, 3):
        card = s.next_card()
        s.grade(card, s.preview(card)[grade], duration_ms=2500)
    other = ReviewSession(deck, s.store, Settings(enable_fuzz=False), clock=clock)
    card = other.next_card()
    other.grade(card, other.preview(card)[4])  # another session's review: today's, not this session's
    s.undo()  # takes back this session's Good
    clock.advance(seconds=30)
    summary = s.summary()
    assert summary.reviewed == 1 and summary.grades["Again"] == 1 and summary.seconds == 2.5
    assert summary.reviews_today == 2 and summary.streak == 1
    assert summary.next_due is not None and summary.next_card is not None  # beta is due now again


def _review_with_keys(monkeypatch: pytest.MonkeyPatch, keys: list[str]) -> None:
    """`gdstudy review` runs its app headless at 80x24, pressing `keys`."""
    import gdstudy.tui

    real = gdstudy.tui.make_app

    def make_app(*a: Any, **kw: Any) -> Any:
        app = real(*a, **kw)

        async def script(pilot: Any) -> None:
            await pilot.press(*keys)

        app.run = functools.partial(app.run, headless=True, size=(80, 24), auto_pilot=script)
        return app

    monkeypatch.setattr(gdstudy.tui, "make_app", make_app)


def test_review_summary_json_on_quit(monkeypatch: pytest.MonkeyPatch, small_deck_dir: Path, isolated_home: Path) -> None:
    _review_with_keys(monkeypatch, ["space", "1", "space", "3", "q"])
    code, out = run_cli("review", "--deck", str(small_deck_dir), "--summary-json")
    assert code == 0, out
    d = json.loads(out[out.index("{"):])
    assert d["reviewed"] == 2 and d["grades"] == {"Again": 1, "Hard": 0, "Good": 1, "Easy": 0}
    assert d["reviews_today"] == 2 and d["streak"] == 1 and d["next_due"]["card_id"]


def test_review_prints_a_text_summary_on_quit(monkeypatch: pytest.MonkeyPatch, small_deck_dir: Path) -> None:
    _review_with_keys(monkeypatch, ["space", "4", "q"])
    code, out = run_cli("review", "--deck", str(small_deck_dir))
    assert code == 0 and "Session summary" in out and "Reviewed 1 card in" in out and "Easy 1" in out
    _review_with_keys(monkeypatch, ["q"])
    code, out = run_cli("review", "--deck", str(small_deck_dir))
    assert code == 0 and "Session summary" not in out  # nothing reviewed: nothing printed


def test_summary_json_is_in_review_help_and_no_command_without_a_terminal_prints_help() -> None:
    code, out = run_cli("review", "--help")
    assert code == 0 and "--summary-json" in out
    code, out = run_cli()
    assert code == 0 and "review" in out and "home screen" in out
