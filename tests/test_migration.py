"""Schema v2 -> v3: a database built by the v2 code (tests/_store_v2.py and tests/_session_v2.py,
frozen copies) migrates with every review kept, and gives the same `stats --json`, `cards list`,
`cards orphans`, `interview history` and undo behaviour; a failure or a crash in the middle of the
migration leaves the v2 file usable."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

import gdstudy.store
import gdstudy.store.schema
from gdstudy.cli import app
from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.errors import StoreError
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, SCHEMA_VERSION, Store, to_ms
from gdstudy.timeutil import utcnow
from tests import _session_v2, _store_v2
from tests.conftest import Clock

REPO = Path(__file__).resolve().parent.parent
SETTINGS = Settings(enable_fuzz=False, leech_threshold=2)

DECK = """\
deck: mig
cards:
{cards}
"""


def write_deck(folder: Path, edited: bool = False) -> Path:
    """Eight cards; `edited`: m-alpha's answer changes and m-gone leaves the deck (an orphan)."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    ids = ["m-alpha", "m-beta", "m-gamma", "m-delta", "m-eps", "m-zeta", "m-eta", "m-gone"]
    for i, cid in enumerate(ids[:-1] if edited else ids):
        back = f"Answer {i}." + (" Now longer." if edited and cid == "m-alpha" else "")
        cards.append(f"  - id: {cid}\n    front: Question {i}?\n    back: {back}\n    tags: [mig, t{i % 2}]\n"
                     f"    source: mig.txt § S{i}\n" + ("    interview: true\n" if i < 3 else ""))
    (folder / "mig.yaml").write_text(DECK.format(cards="".join(cards)), encoding="utf-8")
    return folder


class V2ForTodaysStats(_store_v2.Store):
    """The v2 store read by today's stats code, whose LogEntry.state_before is the state number,
    with the bulk reads today's session uses (v2 had no saved FSRS parameters: the defaults)."""

    def active_params(self) -> None:
        return None

    def params_history(self) -> list[Any]:
        return []

    def iter_reviews(self, kinds: Any = ("review",)) -> Iterator[Any]:
        from gdstudy.store import ReviewRow

        for e in sorted(super().log(), key=lambda e: (e.reviewed_at, e.id)):
            if kinds is None or e.kind in kinds:
                yield ReviewRow(e.card_id, to_ms(e.reviewed_at), e.rating, e.duration_ms, e.kind,
                                e.state_before.state if e.state_before else 0)

    def log(self, card_id: str | None = None, since: Any = None) -> Iterator[Any]:
        from gdstudy.store import LogEntry

        for e in super().log(card_id, since):
            yield LogEntry(e.id, e.card_id, e.rating, e.reviewed_at, e.duration_ms, e.kind,
                           e.state_before.state if e.state_before else 0)


def v2_session(deck_dir: Path, db: Path, clock: Clock, **kw: Any) -> _session_v2.ReviewSession:
    deck = load_deck([], [deck_dir], check_demos=False)
    return _session_v2.ReviewSession(deck, _store_v2.Store(db), SETTINGS, clock=clock, **kw)


def grade(s: Any, cid: str, g: Grade) -> None:
    c = s.deck.by_id[cid]
    s.grade(c, s.preview(c)[g], duration_ms=1234)


def build_v2(tmp: Path) -> tuple[Path, Path, Clock]:
    """A v2 database with reviews over 10 days, an undone grade (an id gap), a leech, an edited
    card, a buried and a suspended card, cram reviews, an orphan and a saved interview — all
    written by the v2 code."""
    deck_dir = write_deck(tmp / "deck")
    data = tmp / "v2"
    data.mkdir()
    db = data / DB_NAME
    now = utcnow().replace(microsecond=0)
    clock = Clock(now - timedelta(days=10))
    s = v2_session(deck_dir, db, clock)
    for cid, g in (("m-alpha", Grade.GOOD), ("m-beta", Grade.AGAIN), ("m-gamma", Grade.EASY),
                   ("m-eps", Grade.EASY), ("m-zeta", Grade.GOOD), ("m-gone", Grade.GOOD)):
        grade(s, cid, g)
        clock.advance(minutes=1)
    grade(s, "m-delta", Grade.HARD)
    s.undo()  # an undone grade: its id is never used again
    clock.advance(minutes=15)
    grade(s, "m-beta", Grade.GOOD)
    s.store.close()
    for lapse in range(2):  # m-eps lapses twice from review state: a leech, suspended
        clock.advance(days=3)
        s = v2_session(deck_dir, db, clock)
        assert s.state("m-eps").state == 2
        grade(s, "m-eps", Grade.AGAIN)
        if lapse == 0:
            clock.advance(minutes=10)
            grade(s, "m-eps", Grade.EASY)
        s.store.close()
    write_deck(deck_dir, edited=True)  # m-alpha's text changes: its next review logs the old hash
    clock.t = now - timedelta(hours=2)
    s = v2_session(deck_dir, db, clock)
    assert s.state("m-eps").leech and s.state("m-eps").suspended
    grade(s, "m-alpha", Grade.GOOD)
    grade(s, "m-zeta", Grade.HARD)
    s.suspend("m-delta")  # flag-only rows of new cards
    s.bury("m-eta")
    s.store.close()
    cram = v2_session(deck_dir, db, clock, cram=True, seed=3)
    grade(cram, "m-beta", Grade.AGAIN)
    grade(cram, "m-gamma", Grade.GOOD)
    cram.store.save_interview(clock(), clock() + timedelta(minutes=5),
                              {"cards": 2, "answered": 1, "grades": {"Again": 0, "Hard": 0, "Good": 1, "Easy": 0},
                               "weakest_tags": [{"tag": "mig", "mean_grade": 3.0, "cards": 1}], "answers": []})
    cram.store.close()
    clock.t = now
    return deck_dir, db, clock


@pytest.fixture
def v2(tmp_path: Path) -> tuple[Path, Path, Path, Clock]:
    deck_dir, db, clock = build_v2(tmp_path)
    migrated = tmp_path / "v3"
    migrated.mkdir()
    shutil.copy(db, migrated / DB_NAME)
    return deck_dir, db, migrated / DB_NAME, clock


def normal(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """No row and a new row without flags mean the same: compare without the latter."""
    return {cid: st.to_dict() for cid, st in states.items()
            if not (st.state == 0 and not st.suspended and not st.buried_until and not st.leech)}


def v2_rows(db: Path) -> list[tuple[Any, ...]]:
    with _store_v2.Store(db) as s:
        return [(e.id, e.card_id, to_ms(e.reviewed_at), e.rating, e.duration_ms, e.kind,
                 e.state_before.state if e.state_before else 0) for e in s.log()]


def test_migration_keeps_every_review_and_state(v2: tuple[Path, Path, Path, Clock]) -> None:
    _, db2, db3, _ = v2
    rows = v2_rows(db2)
    with _store_v2.Store(db2) as old:
        states2, interviews2 = normal(old.states()), old.interviews()
    assert len(rows) == 14 and {r[5] for r in rows} == {"review", "cram"}
    with Store(db3) as s:
        assert s.schema_version == SCHEMA_VERSION == 3
        assert [(e.id, e.card_id, to_ms(e.reviewed_at), e.rating, e.duration_ms, e.kind, e.state_before)
                for e in s.log()] == rows
        assert normal(s.states()) == states2
        assert s.interviews() == interviews2
        assert s.integrity_check() == "ok"
        tables = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"card_keys", "review_log", "review_extra", "params"} <= tables and "review_log_v3" not in tables
        cols = [r[1] for r in s.db.execute("PRAGMA table_info(review_log)")]
        assert "state_before" not in cols and "card_id" not in cols  # no JSON, no slug per row
        # the review that made m-eps a leech and the edited m-alpha are the only exceptions kept
        assert 1 <= s.db.execute("SELECT COUNT(*) FROM review_extra").fetchone()[0] <= 3
        next_id = s.record_cram("m-beta", None, 3, utcnow(), None)
    assert next_id > max(r[0] for r in rows)  # ids keep growing past the undone one (AUTOINCREMENT)


def cli(args: list[str]) -> str:
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize("command", [["stats", "--json"], ["cards", "list"], ["cards", "orphans"],
                                     ["interview", "history"], ["stats"]])
def test_cli_output_identical_after_migration(v2: tuple[Path, Path, Path, Clock], command: list[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    deck_dir, db2, db3, _ = v2
    args = [*command, *([] if command[0] == "interview" else ["--deck", str(deck_dir)]), "--data-dir"]
    with monkeypatch.context() as m:
        m.setattr(gdstudy.store, "Store", V2ForTodaysStats)
        before = cli([*args, str(db2.parent)])
    with _store_v2.Store(db2) as s:
        assert s.schema_version == 2  # (the v2 run did not migrate it)
    after = cli([*args, str(db3.parent)])
    assert after == before
    assert "m-gone" in cli(["cards", "orphans", "--deck", str(deck_dir), "--data-dir", str(db3.parent)])


def test_undo_identical_after_migration(v2: tuple[Path, Path, Path, Clock]) -> None:
    """Undo after reopening, all the way back: each step undoes the same grade and leaves the same
    card states as the v2 code does on the v2 file."""
    deck_dir, db2, db3, clock = v2
    n_rows = len(v2_rows(db2))
    old = v2_session(deck_dir, db2, clock)
    new = ReviewSession(load_deck([], [deck_dir], check_demos=False), Store(db3), SETTINGS, clock=clock)
    steps = 0
    while old.can_undo:
        assert new.can_undo
        u2, u3 = old.undo(), new.undo()
        assert (u3.card_id, u3.what) == (u2.card_id, u2.what)
        assert normal(new.store.states()) == normal(old.store.states()), f"after undo {steps + 1}: {u2}"
        assert normal(new.states()) == normal(new.store.states())
        steps += 1
    assert steps == n_rows == 14
    assert not new.can_undo and normal(new.store.states()) == normal(old.store.states())
    old.store.close(), new.store.close()


def test_v1_database_migrates(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('app', 'gdstudy'), ('schema_version', '1')")
    _store_v2._v1(con)
    state = ('{"card_id": "a", "state": 1, "step": 1, "stability": 2.3, "difficulty": 5.0, '
             '"due": "2026-11-22T12:10:00.000000+00:00", "last_review": "2026-11-22T12:00:00.000000+00:00", '
             '"reps": 1, "lapses": 0, "content_hash": "h", "suspended": 0, "buried_until": null}')
    con.execute("INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms, kind, state_before, state_after)"
                " VALUES ('a', 3, '2026-11-22T12:00:00.000000+00:00', 900, 'review', NULL, ?)", (state,))
    con.execute("INSERT INTO cards (card_id, state, step, stability, difficulty, due, last_review, reps, lapses,"
                " content_hash) VALUES ('a', 1, 1, 2.3, 5.0, '2026-11-22T12:10:00.000000+00:00',"
                " '2026-11-22T12:00:00.000000+00:00', 1, 0, 'h')")
    con.execute("COMMIT")
    con.close()
    with Store(db) as s:
        assert s.schema_version == 3
        assert [(e.card_id, e.rating, e.kind, e.state_before) for e in s.log()] == [("a", 3, "review", 0)]
        assert s.state("a").reps == 1 and not s.state("a").leech
        s.undo(s.last_log_id())
        assert s.states() == {}


def test_a_failure_in_the_middle_of_the_migration_leaves_the_v2_file(
        v2: tuple[Path, Path, Path, Clock], monkeypatch: pytest.MonkeyPatch) -> None:
    _, db2, db3, _ = v2
    rows = v2_rows(db3)
    real = gdstudy.store.schema.convert_row
    seen = []

    def failing(*a: Any) -> Any:
        seen.append(a[0])
        if len(seen) == 8:
            raise ValueError("simulated failure")
        return real(*a)

    monkeypatch.setattr(gdstudy.store.schema, "convert_row", failing)
    with pytest.raises(StoreError, match="cannot migrate review .* the database was not changed"):
        Store(db3)
    assert v2_rows(db3) == rows  # still v2, still every review, and the v2 code still uses it
    with _store_v2.Store(db3) as s:
        assert s.schema_version == 2 and s.integrity_check() == "ok"
    monkeypatch.setattr(gdstudy.store.schema, "convert_row", real)
    with Store(db3) as s:
        assert len(list(s.log())) == len(rows)


KILLER = """
import os, signal, sys
sys.path.insert(0, {repo!r})
import gdstudy.store.schema as schema
from gdstudy.store import Store
real, n = schema.convert_row, [0]
def convert_then_die(*a):
    n[0] += 1
    if n[0] == {k}:
        os.kill(os.getpid(), signal.SIGKILL)  # a real crash: no rollback, no cleanup
    return real(*a)
schema.convert_row = convert_then_die
Store(sys.argv[1])
"""


@pytest.mark.parametrize("k", [1, 12])
def test_sigkill_in_the_middle_of_the_migration_leaves_the_v2_file(v2: tuple[Path, Path, Path, Clock], k: int) -> None:
    _, db2, db3, _ = v2
    rows = v2_rows(db3)
    proc = subprocess.run([sys.executable, "-c", KILLER.format(repo=str(REPO), k=k), str(db3)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert v2_rows(db3) == rows
    with _store_v2.Store(db3) as s:
        assert s.schema_version == 2
    with Store(db3) as s:
        assert s.schema_version == 3 and len(list(s.log())) == len(rows)


@pytest.mark.parametrize("seed", range(8))
def test_random_v2_histories_migrate_and_undo_the_same(tmp_path: Path, seed: int) -> None:
    """Random v2 histories (grades, cram reviews, leeches, clock jumps, some backwards, times with
    microseconds): after migration, the log is the same, and undoing every row one by one leaves
    the same card states as the v2 code undoing its copy (times compared at the millisecond)."""
    import random as rnd

    rng = rnd.Random(seed)
    deck_dir = write_deck(tmp_path / "deck")
    (tmp_path / "v2").mkdir()
    db2 = tmp_path / "v2" / DB_NAME
    clock = Clock(utcnow() - timedelta(days=30))
    s = v2_session(deck_dir, db2, clock)
    ids = ["m-alpha", "m-beta", "m-gamma"]
    for _ in range(rng.randint(5, 25)):
        cid = rng.choice(ids)
        if rng.random() < 0.2:
            s.store.record_cram(cid, s.state(cid), rng.randint(1, 4), clock(), None)
        else:
            grade(s, cid, Grade(rng.choice([1, 1, 2, 3, 4])))
        clock.advance(minutes=rng.choice([-90, 1, 7, 60, 600, 3000]), microseconds=rng.randint(0, 999_999))
    s.store.close()
    db3 = tmp_path / DB_NAME
    shutil.copy(db2, db3)
    rows = v2_rows(db2)
    old = v2_session(deck_dir, db2, clock)
    new = ReviewSession(load_deck([], [deck_dir], check_demos=False), Store(db3), SETTINGS, clock=clock)
    assert [(e.id, e.card_id, to_ms(e.reviewed_at), e.rating, e.kind, e.state_before) for e in new.store.log()] == \
        [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in rows]
    for _ in rows:
        u2, u3 = old.undo(), new.undo()
        assert (u3.card_id, u3.what) == (u2.card_id, u2.what)
        assert ms_states(new.store.states()) == ms_states(old.store.states())
    assert not new.can_undo
    old.store.close(), new.store.close()


def ms_states(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from gdstudy.store.derive import floor_dict

    return {cid: floor_dict(st) for cid, st in normal_states(states).items()}


def normal_states(states: dict[str, Any]) -> dict[str, Any]:
    return {cid: st for cid, st in states.items()
            if not (st.state == 0 and not st.suspended and not st.buried_until and not st.leech)}
