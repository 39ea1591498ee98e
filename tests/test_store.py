"""The SQLite store: schema, refusal of foreign/newer databases, grades, undo, edits, orphans."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.errors import StoreError
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import SCHEMA_VERSION, Store
from tests.conftest import SMALL_DECK, Clock

SETTINGS = Settings(enable_fuzz=False)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def session(deck_dir: Path, db: Path, clock: Clock) -> ReviewSession:
    return ReviewSession(load_deck([], [deck_dir], check_demos=False), Store(db), SETTINGS, clock=clock)


def test_new_database_has_schema_and_wal(tmp_path: Path) -> None:
    with Store(tmp_path / "g.db") as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert s.integrity_check() == "ok"
    with Store(tmp_path / "g.db") as s:  # reopening is a no-op
        assert s.schema_version == SCHEMA_VERSION


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    con.commit(), con.close()
    before = sha(db)
    with pytest.raises(StoreError, match="written by a newer gdstudy"):
        Store(db)
    assert sha(db) == before


def test_foreign_sqlite_and_non_sqlite_are_refused_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE photos (id INTEGER)")
    con.commit(), con.close()
    text = tmp_path / "notes.db"
    text.write_text("my precious notes\n")
    for p, msg in ((foreign, "not a gdstudy database \\(it has other tables\\)"), (text, "not SQLite")):
        before = sha(p)
        with pytest.raises(StoreError, match=msg):
            Store(p)
        assert sha(p) == before
        assert not Path(str(p) + "-wal").exists()


def test_grade_commits_state_and_log_then_undo_restores(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "g.db"
    s = session(small_deck_dir, db, clock)
    card = s.next_card()
    assert card is not None and card.id == "alpha"
    out = s.preview(card)
    s.grade(card, out[Grade.GOOD], duration_ms=1500)
    # committed: a second connection sees it
    with Store(db) as other:
        (entry,) = list(other.log())
        assert (entry.card_id, entry.rating, entry.duration_ms) == ("alpha", 3, 1500)
        assert entry.state_before is None and entry.state_after == out[Grade.GOOD].after
        assert other.state("alpha") == out[Grade.GOOD].after
    clock.advance(minutes=1)
    card2 = s.next_card()
    s.grade(card2, s.preview(card2)[Grade.AGAIN])
    undone = s.undo()
    assert (undone.card_id, undone.what) == ("beta", "Again")
    assert s.store.state("beta") is None and s.state("beta") is None
    assert [e.card_id for e in s.store.log()] == ["alpha"]
    s.undo()
    assert s.store.states() == {} and list(s.store.log()) == []
    with pytest.raises(StoreError, match="nothing to undo"):
        s.undo()


def test_undo_of_a_review_restores_previous_state(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    s = session(small_deck_dir, tmp_path / "g.db", clock)
    card = s.deck.by_id["alpha"]
    s.grade(card, s.preview(card)[Grade.EASY])
    first = s.store.state("alpha")
    clock.advance(days=30)
    s.grade(card, s.preview(card)[Grade.AGAIN])
    assert s.store.state("alpha").lapses == 1
    s.undo()
    assert s.store.state("alpha") == first
    assert len(list(s.store.log())) == 1


def test_edited_card_keeps_progress_and_orphans_keep_history(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "g.db"
    s = session(small_deck_dir, db, clock)
    for cid in ("alpha", "beta"):
        c = s.deck.by_id[cid]
        s.grade(c, s.preview(c)[Grade.GOOD])
    s.store.close()
    (small_deck_dir / "small.yaml").write_text(
        SMALL_DECK.replace("The first letter.", "The first letter of the Greek alphabet.").replace("  - id: beta", "  - id: beta-renamed")
    )
    s2 = session(small_deck_dir, db, clock)
    alpha = s2.deck.by_id["alpha"]
    assert s2.is_edited(alpha) and s2.state("alpha") is not None and s2.state("alpha").reps == 1
    assert not s2.is_edited(s2.deck.by_id["gamma"])
    orphans = (set(s2.store.states()) | s2.store.logged_card_ids()) - set(s2.deck.by_id)
    assert orphans == {"beta"}
    # reviewing the edited card clears the flag
    clock.advance(minutes=15)
    s2.grade(alpha, s2.preview(alpha)[Grade.GOOD])
    assert not s2.is_edited(alpha)


def test_undo_after_reopening_undoes_the_last_logged_grade(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "g.db"
    s = session(small_deck_dir, db, clock)
    for cid, g in (("alpha", Grade.GOOD), ("beta", Grade.AGAIN)):
        c = s.deck.by_id[cid]
        s.grade(c, s.preview(c)[g])
    s.store.close()
    reopened = session(small_deck_dir, db, clock)
    assert reopened.can_undo
    undone = reopened.undo()
    assert (undone.card_id, undone.what) == ("beta", "Again")
    assert reopened.state("beta") is None and reopened.store.state("beta") is None
    assert reopened.next_card().id == "beta"
    assert reopened.undo().card_id == "alpha"
    assert not reopened.can_undo and list(reopened.store.log()) == []
