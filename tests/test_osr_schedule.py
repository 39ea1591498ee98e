"""`gdstudy import --keep-osr-schedule` (issue 22 item 4): an OSR `<!--SR:!DUE,IVL,EASE-->` comment
becomes the card's starting FSRS state, written through the store's imported-history path."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gdstudy.deck import load_deck
from gdstudy.interop.osr_schedule import difficulty, parse_entry
from gdstudy.store import DB_NAME, Store

from tests.conftest import run_cli as run  # noqa: E402

NOTE = """# OSR
What is SGD?::Stochastic gradient descent
<!--SR:!2026-12-10,12,270-->
Batch size:::S <!--SR:!2026-12-05,3,250!2026-12-20,30,130-->
New card::no schedule
Odd card::bad entry
<!--SR:!fsrs,2023-09-06T00:10:00.000Z,0,0.4,5.5,1,1,0,1-->
"""


@pytest.mark.parametrize("text, want", [
    ("2026-01-01,3,250", (datetime(2026, 1, 1, tzinfo=timezone.utc), 3, 250)),
    (" 2026-02-28 , 10 , 130 ", (datetime(2026, 2, 28, tzinfo=timezone.utc), 10, 130)),
    ("2026-02-30,3,250", None), ("2026-01-01,3", None), ("fsrs,2023-09-06T00:10:00.000Z,0,0.4", None),
    ("2026-01-01,99999,250", None), ("2026-01-01,3,99999", None), ("1" * 5000, None),
])
def test_entries(text: str, want: tuple | None) -> None:
    e = parse_entry(text)
    assert (None if e is None else (e.due, e.interval, e.ease)) == want


def test_difficulty_mapping() -> None:
    assert difficulty(250) == 5.0 and difficulty(130) == pytest.approx(9.8) and difficulty(350) == 1.0
    assert difficulty(1000) == 1.0 and difficulty(100) == 10.0


def test_keep_osr_schedule_starts_cards_with_their_osr_state(tmp_path: Path, isolated_home: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "n.md").write_text(NOTE, encoding="utf-8")
    deck_dir = tmp_path / "deck"
    code, out = run("import", str(tmp_path / "v"), "--into", str(deck_dir), "--keep-osr-schedule")
    assert code == 0, out
    assert "kept the OSR schedule of 3 card(s)" in out
    assert f"warning: {tmp_path / 'v' / 'n.md'}:7: OSR schedule 'fsrs,2023-09-06T00:10:00.000Z,0,0.4,5.5,1,1,0,1' of " in out
    assert "is not DUE,IVL,EASE; the card starts new" in out
    deck = load_deck((), [deck_dir], check_demos=False)
    by_front = {c.front: c for c in deck.cards}
    assert by_front["What is SGD?"].back == "Stochastic gradient descent"  # the comment never reaches the card
    assert by_front["Batch size"].back == "S"
    with Store(isolated_home / DB_NAME) as store:
        sgd = store.state(by_front["What is SGD?"].id)
        fwd, rev = store.state(by_front["Batch size"].id), store.state(by_front["S"].id)
        assert store.state(by_front["New card"].id) is None and store.state(by_front["Odd card"].id) is None
        log = list(store.iter_reviews())
    assert sgd is not None and sgd.state == 2 and sgd.stability == 12.0 and sgd.difficulty == pytest.approx(4.2)
    assert sgd.due == datetime(2026, 12, 10, tzinfo=timezone.utc) and sgd.last_review == sgd.due - timedelta(days=12)
    assert sgd.content_hash == by_front["What is SGD?"].content_hash and sgd.reps == 1
    assert fwd is not None and rev is not None
    assert (fwd.due.day, fwd.stability, fwd.difficulty) == (5, 3.0, 5.0)  # first entry: the card
    assert (rev.due.day, rev.stability, rev.difficulty) == (20, 30.0, pytest.approx(9.8))  # second: its reverse
    assert len(log) == 3 and {r.rating for r in log} == {3}

    # again: nothing added, the stored states are kept
    code, out = run("import", str(tmp_path / "v"), "--into", str(deck_dir), "--keep-osr-schedule")
    assert code == 0 and "3 already scheduled in gdstudy keep their own" in out
    with Store(isolated_home / DB_NAME) as store:
        assert len(list(store.iter_reviews())) == 3 and store.state(sgd.card_id) == sgd


def test_without_the_flag_cards_start_new_and_dry_run_writes_nothing(tmp_path: Path, isolated_home: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "n.md").write_text(NOTE, encoding="utf-8")
    code, out = run("import", str(tmp_path / "v"), "--into", str(tmp_path / "deck"))
    assert code == 0 and "OSR" not in out
    assert not (isolated_home / DB_NAME).exists()  # without the flag the store is not even opened
    code, out = run("import", str(tmp_path / "v"), "--into", str(tmp_path / "deck"), "--keep-osr-schedule", "--dry-run")
    assert code == 0 and "would keep the OSR schedule of 3 card(s)" in out
    with Store(isolated_home / DB_NAME) as store:
        assert not list(store.iter_reviews()) and not store.states()
