"""Card history (issue 22 item 8): `gdstudy cards show ID` and the browser's `h` list every review of a
card with the memory state at the time (replayed), its current state and its demo link."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.history import card_history, session_history
from gdstudy.scheduling import Grade, make_scheduler
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, ReviewRow, Store
from gdstudy.tui import make_app
from gdstudy.tui.history import HistoryModal
from tests.conftest import SMALL_DECK, Clock, run_cli

pytestmark = pytest.mark.usefixtures("utc_tz")

DEMO_DECK = SMALL_DECK.replace("    interview: true\n", "    interview: true\n    demo: {name: minibatch, params: {batch_size: 8}}\n", 1)
# (grade, days to wait after it)
PLAN = [(Grade.GOOD, 0.01), (Grade.GOOD, 2), (Grade.GOOD, 6), (Grade.AGAIN, 0.01), (Grade.GOOD, 3), (Grade.EASY, 1)]


def graded(session: ReviewSession, clock: Clock, cid: str = "alpha") -> list[Any]:
    """Grade `cid` along PLAN; the stored state before and after each grade."""
    card = session.deck.by_id[cid]
    seen = []
    for grade, wait in PLAN:
        before = session.state(cid)
        session.grade(card, session.preview(card)[grade])
        seen.append((before, session.state(cid), clock()))
        clock.advance(days=wait)
    return seen


@pytest.fixture
def session(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> ReviewSession:
    monkeypatch.chdir(tmp_path)  # a relative deck path: the same text in every snapshot
    Path("deck").mkdir()
    Path("deck/small.yaml").write_text(DEMO_DECK, encoding="utf-8")
    deck = load_deck([], [Path("deck")], check_demos=False)
    assert not deck.problems, deck.problems
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def test_replay_matches_the_stored_states_and_predicted_recall(session: ReviewSession, clock: Clock) -> None:
    seen = graded(session, clock)
    h = session_history(session, session.deck.by_id["alpha"])
    assert h.replayed and [r.grade for r in h.rows] == [int(g) for g, _ in PLAN]
    sch = make_scheduler(Settings(enable_fuzz=False))
    from gdstudy.scheduling import _to_fsrs

    for row, (before, after, at) in zip(h.rows, seen):
        assert row.at == at
        assert row.stability == pytest.approx(after.stability) and row.difficulty == pytest.approx(after.difficulty)
        assert row.interval_days == pytest.approx((after.due - at).total_seconds() / 86400)
        if before is None:
            assert row.recall is None and row.elapsed_days is None
        else:
            assert row.recall == pytest.approx(sch.get_card_retrievability(_to_fsrs("alpha", before, at), at))
            assert row.elapsed_days == pytest.approx((at - before.last_review).total_seconds() / 86400)
    assert h.rows[3].recall < 1 and h.rows[3].grade == 1  # the lapse, 6 days after its review
    assert h.state == session.state("alpha") and 0 < h.recall_now < 1


def test_cram_and_practice_rows_leave_the_state_alone(session: ReviewSession, clock: Clock) -> None:
    graded(session, clock)
    card = session.deck.by_id["alpha"]
    cram = ReviewSession(session.deck, session.store, session.settings, clock=clock, cram=True)
    cram.grade(card, cram.preview(card)[Grade.AGAIN])
    h = session_history(session, card)
    last = h.rows[-1]
    assert last.kind == "cram" and last.stability is None and last.interval_days is None and 0 < last.recall < 1
    assert h.rows[-2].stability == pytest.approx(session.state("alpha").stability)


def test_a_partial_import_is_listed_without_a_replay(tmp_path: Path, small_deck_dir: Path) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    with Store(tmp_path / "g.db") as store:  # the log starts at a review-state review: no first review
        store.import_reviews([ReviewRow("beta", 1_760_000_000_000, 3, None, "review", 2),
                              ReviewRow("beta", 1_760_900_000_000, 1, None, "review", 2)], lambda cid, hist: None)
        h = card_history(deck.by_id["beta"], store.log(card_id="beta"), None, [], Settings(), Clock()())
    assert not h.replayed and len(h.rows) == 2 and all(r.stability is None and r.recall is None for r in h.rows)


def test_cards_show_text_and_json(session: ReviewSession, clock: Clock, tmp_path: Path, isolated_home: Path) -> None:
    graded(session, clock)
    session.store.close()
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes((tmp_path / "g.db").read_bytes())
    code, out = run_cli("cards", "show", "alpha", "--deck", "deck", "--data-dir", data)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("alpha  (deck/small.yaml:") and lines[1].startswith("current: review · stability")
    assert "demo: minibatch — run `gdstudy demo minibatch --batch-size 8`" in out
    table = [line for line in lines if line.startswith("  20")]
    assert [line.split()[3] for line in table] == ["Good", "Good", "Good", "Again", "Good", "Easy"]
    code, out = run_cli("cards", "show", "alpha", "--json", "--deck", "deck", "--data-dir", data)
    doc = json.loads(out)
    assert doc["demo"]["command"] == "gdstudy demo minibatch --batch-size 8" and doc["replayed"]
    assert [r["grade_name"] for r in doc["reviews"]] == ["Good", "Good", "Good", "Again", "Good", "Easy"]
    assert doc["reviews"][0]["predicted_recall"] is None and 0 < doc["reviews"][3]["predicted_recall"] < 1
    assert doc["current"]["reps"] == 6 and doc["current"]["lapses"] == 1
    code, out = run_cli("cards", "show", "gamma", "--deck", "deck", "--data-dir", data)
    assert code == 0 and "current: new: never reviewed" in out and "no reviews yet" in out and "demo: none" in out


def test_unknown_id_is_one_line_with_close_ids(tmp_path: Path, small_deck_dir: Path) -> None:
    code, out = run_cli("cards", "show", "alpah", "--deck", small_deck_dir, "--data-dir", tmp_path / "d")
    assert code == 2 and out.strip().count("\n") == 0
    assert "no card 'alpah' in the loaded decks (did you mean alpha" in out


async def test_browser_h_shows_the_history(session: ReviewSession, clock: Clock) -> None:
    graded(session, clock)
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.press("h")  # the cursor is on the first card: alpha
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, HistoryModal) and modal.history.card.id == "alpha"
        table = modal.query_one("#history-table")
        assert table.row_count == len(PLAN)
        await pilot.press("escape")
        await pilot.press("down", "h")  # beta: never reviewed
        await pilot.pause()
        assert isinstance(app.screen, HistoryModal) and not app.screen.query("#history-table")
        assert "no reviews yet" in str(app.screen.query_one("#history-how").render())


async def test_markup_in_a_deck_path_is_literal(tmp_path: Path, clock: Clock) -> None:
    d = tmp_path / "[bold red]x"
    d.mkdir()
    (d / "small.yaml").write_text(SMALL_DECK, encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    app = make_app(s)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b", "h")
        await pilot.pause()
        assert "[bold red]x/small.yaml:" in str(app.screen.query_one("#history-title").render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_history(snap_compare, session: ReviewSession, clock: Clock, size) -> None:  # type: ignore[no-untyped-def]
    graded(session, clock)
    assert snap_compare(make_app(session), press=["b", "h"], terminal_size=size)


def test_a_damaged_grade_is_named_not_a_traceback(session: ReviewSession, clock: Clock, tmp_path: Path) -> None:
    import sqlite3

    graded(session, clock)
    session.store.close()
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes((tmp_path / "g.db").read_bytes())
    db = sqlite3.connect(data / DB_NAME)
    with db:
        db.execute("UPDATE review_log SET rating = 9 WHERE id = (SELECT MAX(id) FROM review_log)")
    db.close()
    code, out = run_cli("cards", "show", "alpha", "--deck", "deck", "--data-dir", data)
    assert code == 0 and "a damaged log row (grade 9 on " in out and "not recomputed" in out
    assert len([line for line in out.splitlines() if line.startswith("  20")]) == len(PLAN)  # every row listed
