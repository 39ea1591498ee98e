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
from tests.conftest import SMALL_DECK, T0, Clock

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
        assert entry.state_before == 0  # new
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


# ---------------------------------------------------------------------------------------------
# The shared bulk API (CONTRACTS.md §1): iter_reviews, import_reviews, parameter sets


def _graded(small_deck_dir: Path, db: Path, clock: Clock) -> ReviewSession:
    """alpha Good, beta Again, a cram review of gamma, alpha Good a day later."""
    s = session(small_deck_dir, db, clock)
    for cid, g in (("alpha", Grade.GOOD), ("beta", Grade.AGAIN)):
        c = s.deck.by_id[cid]
        s.grade(c, s.preview(c)[g], duration_ms=1000)
        clock.advance(minutes=1)
    s.store.record_cram("gamma", None, 3, clock(), 500)
    clock.advance(days=1)
    a = s.deck.by_id["alpha"]
    s.grade(a, s.preview(a)[Grade.GOOD], duration_ms=2000)
    return s


def test_iter_reviews_in_time_order_by_kind(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    from gdstudy.store import ReviewRow, to_ms

    s = _graded(small_deck_dir, tmp_path / "g.db", clock)
    rows = list(s.store.iter_reviews())
    assert all(isinstance(r, ReviewRow) for r in rows)
    assert [(r.card_id, r.rating, r.kind, r.state_before) for r in rows] == [
        ("alpha", 3, "review", 0), ("beta", 1, "review", 0), ("alpha", 3, "review", 1)]
    assert rows[0].reviewed_at_ms == to_ms(T0) and rows[2].duration_ms == 2000
    assert [r.kind for r in s.store.iter_reviews(kinds=None)] == ["review", "review", "cram", "review"]
    assert [r.card_id for r in s.store.iter_reviews(kinds=("cram",))] == ["gamma"]
    # an imported row with an earlier time sorts first; ties keep insertion order
    s.store.import_reviews([ReviewRow("beta", to_ms(T0) - 5000, 2, None, "review", 0),
                            ReviewRow("gamma", to_ms(T0) - 5000, 4, None, "review", 0)], lambda cid, h: None)
    assert [r.card_id for r in s.store.iter_reviews()][:3] == ["beta", "gamma", "alpha"]


def _replay_count(cid: str, history: list) -> "CardState":  # noqa: F821
    from datetime import timedelta

    from gdstudy.store import CardState, from_ms

    last = from_ms(history[-1].reviewed_at_ms)
    return CardState(cid, 2, None, 5.0, 5.0, last + timedelta(days=3), last, reps=len(history), content_hash="x")


def test_import_reviews_is_idempotent_and_replays_touched_cards(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    from gdstudy.store import ReviewRow, to_ms

    s = _graded(small_deck_dir, tmp_path / "g.db", clock)
    s.suspend("beta")
    existing = list(s.store.iter_reviews())
    new = [ReviewRow("beta", to_ms(T0) + 10, 3, 700, "review", 1), ReviewRow("delta-orphan", to_ms(T0), 4, None, "review", 0)]
    seen: dict[str, list] = {}

    def replay(cid: str, history: list) -> "CardState":  # noqa: F821
        seen[cid] = history
        return _replay_count(cid, history)

    res = s.store.import_reviews(existing + new + new[:1], replay)  # (a duplicate inside the import too)
    assert (res.added, res.skipped, res.cards) == (2, 4, 2)
    assert set(seen) == {"beta", "delta-orphan"}
    assert [r.reviewed_at_ms for r in seen["beta"]] == sorted(r.reviewed_at_ms for r in seen["beta"])
    assert len(seen["beta"]) == 2
    beta = s.store.state("beta")
    assert beta.reps == 2 and beta.suspended and beta.content_hash == s.deck.by_id["beta"].content_hash  # flags kept
    assert s.store.state("delta-orphan").reps == 1
    again = s.store.import_reviews(existing + new, replay)
    assert (again.added, again.skipped, again.cards) == (0, 5, 0)
    assert len(list(s.store.iter_reviews(kinds=None))) == 6


def test_import_reviews_rolls_back_everything_on_error(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    from gdstudy.store import ReviewRow, to_ms

    s = _graded(small_deck_dir, tmp_path / "g.db", clock)
    before_rows, before_states = list(s.store.iter_reviews(kinds=None)), s.store.states()

    def boom(cid: str, history: list) -> None:
        raise RuntimeError("replay failed")

    with pytest.raises(RuntimeError):
        s.store.import_reviews([ReviewRow("zeta", to_ms(T0), 3, None, "review", 0)], boom)
    bad = [ReviewRow("zeta", to_ms(T0), 3, None, "review", 0), ReviewRow("eta", to_ms(T0), 9, None, "review", 0)]
    with pytest.raises(StoreError, match="row 2 is not a valid review"):
        s.store.import_reviews(bad, _replay_count)
    for r in (ReviewRow("eta", to_ms(T0), 3, None, "flashcard", 0), ReviewRow("eta", to_ms(T0), 3, -5, "review", 0),
              ReviewRow("eta", to_ms(T0), 3, None, "review", 4), ReviewRow("", to_ms(T0), 3, None, "review", 0)):
        with pytest.raises(StoreError, match="row 2 is not a valid review"):
            s.store.import_reviews(iter([bad[0], r]), _replay_count)  # (a generator: read once)
    assert list(s.store.iter_reviews(kinds=None)) == before_rows and s.store.states() == before_states

    class LogFileError(Exception):
        pass

    def rows_then_fail():  # the revlog reader streams rows and may fail half-way
        yield ReviewRow("zeta", to_ms(T0), 3, None, "review", 0)
        yield ReviewRow("beta", to_ms(T0) + 99, 2, None, "review", 1)
        raise LogFileError("line 3: bad date")

    with pytest.raises(LogFileError):
        s.store.import_reviews(rows_then_fail(), _replay_count)
    assert list(s.store.iter_reviews(kinds=None)) == before_rows and s.store.states() == before_states
    assert s.store.import_reviews([ReviewRow("zeta", to_ms(T0), 3, None, "review", 0)], _replay_count).added == 1


def test_params_history_and_undo(tmp_path: Path) -> None:
    from gdstudy.store import ParamsRow

    with Store(tmp_path / "g.db") as st:
        assert st.active_params() is None and st.params_history() == [] and st.undo_params() is None
        p1 = [0.2] * 21
        i1 = st.save_params(p1, at=T0, n_reviews=1000, scores={"log_loss": 0.3})
        i2 = st.save_params(None, at=T0.replace(hour=13), n_reviews=1200, scores={})
        hist = st.params_history()
        assert [h.id for h in hist] == [i1, i2] and all(isinstance(h, ParamsRow) for h in hist)
        assert hist[0] == ParamsRow(i1, p1, T0, 1000, {"log_loss": 0.3})
        assert st.active_params().params is None  # a reset to the defaults is a saved set too
    with Store(tmp_path / "g.db") as st:  # persisted
        assert st.undo_params() == ParamsRow(i1, p1, T0, 1000, {"log_loss": 0.3})
        assert st.undo_params() is None and st.params_history() == []


def test_undo_after_reopening_keeps_flags_set_after_the_grade(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    """Undoing a grade restores the card's scheduling state from before it; a suspension or bury
    made after the grade (in a later session) stays. (The v2 store reverted those too.)"""
    db = tmp_path / "g.db"
    s = session(small_deck_dir, db, clock)
    grade_first = s.deck.by_id["alpha"]
    s.grade(grade_first, s.preview(grade_first)[Grade.GOOD])
    s.store.close()
    later = session(small_deck_dir, db, clock)
    later.suspend("alpha")
    later.store.close()
    reopened = session(small_deck_dir, db, clock)
    assert reopened.undo().card_id == "alpha"
    st = reopened.store.state("alpha")
    assert st is not None and st.is_new and st.suspended and st.reps == 0 and list(reopened.store.log()) == []


def test_undo_of_an_imported_review_is_refused_but_later_grades_undo(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    from gdstudy.store import ReviewRow, to_ms

    s = session(small_deck_dir, tmp_path / "g.db", clock)
    s.store.import_reviews([ReviewRow("alpha", to_ms(T0) - 86_400_000, 3, None, "review", 0),
                            ReviewRow("alpha", to_ms(T0) - 3_600_000, 3, None, "review", 1)], _replay_count)
    s._reload("alpha")
    imported = s.store.state("alpha")
    a = s.deck.by_id["alpha"]
    s.grade(a, s.preview(a)[Grade.AGAIN])
    assert s.undo().card_id == "alpha" and s.store.state("alpha") == imported  # a native grade undoes exactly
    with pytest.raises(StoreError, match="cannot undo an imported review of 'alpha'"):
        s.undo()
    assert len(list(s.store.log())) == 2 and s.store.state("alpha") == imported


def test_undo_is_exact_when_the_clock_went_backwards(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    s = session(small_deck_dir, tmp_path / "g.db", clock)
    a = s.deck.by_id["alpha"]
    states = []
    for step in (dict(days=2), dict(days=-3), dict(hours=5)):  # the system clock jumps back once
        s.grade(a, s.preview(a)[Grade.GOOD])
        states.append(s.store.state("alpha"))
        clock.advance(**step)
    s.grade(a, s.preview(a)[Grade.HARD])
    for expected in reversed(states):
        s.undo()
        assert s.store.state("alpha") == expected
    s.undo()
    assert s.store.state("alpha") is None


@pytest.mark.parametrize("seed", range(12))
def test_random_histories_undo_exactly_after_reopening(small_deck_dir: Path, tmp_path: Path, seed: int) -> None:
    """Random grades, cram reviews and clock jumps (some backwards), with leeches: after quitting
    and reopening, undoing every logged row one by one gives back, each time, exactly the card
    states there were before that row was logged (the derivation + review_extra are exact)."""
    import random as rnd

    rng = rnd.Random(seed)
    clock = Clock(T0)
    db = tmp_path / "g.db"
    settings = Settings(enable_fuzz=False, leech_threshold=2, new_per_day=100, max_reviews_per_day=1000)
    s = ReviewSession(load_deck([], [small_deck_dir], check_demos=False), Store(db), settings, clock=clock)
    snapshots = []
    for _ in range(rng.randint(5, 30)):
        cid = rng.choice(["alpha", "beta", "gamma"])
        snapshots.append(s.store.states())
        if rng.random() < 0.2:
            s.store.record_cram(cid, s.state(cid), rng.randint(1, 4), s.now(), None)
        else:
            card = s.deck.by_id[cid]
            s.grade(card, s.preview(card)[Grade(rng.choice([1, 1, 2, 3, 4]))], duration_ms=rng.randint(0, 9000))
        clock.advance(minutes=rng.choice([-90, 1, 7, 60, 600, 3000, 20000]), seconds=rng.random() * 60)
    s.store.close()
    reopened = ReviewSession(load_deck([], [small_deck_dir], check_demos=False), Store(db), settings, clock=clock)
    for expected in reversed(snapshots):
        reopened.undo()
        assert reopened.store.states() == expected
    assert not reopened.can_undo
