"""Faults while grading (issue 9): a locked database, a full disk, a read-only database, the file
deleted or replaced while the review runs, another process grading the same card, and damaged or
hand-edited values. Each is a real fault where one can be made in a test: a second connection
holding BEGIN EXCLUSIVE, `PRAGMA max_page_count`, a `mode=ro` connection (tests run as root, who
ignores file modes), os.unlink/os.replace. The grade is not applied, the card stays, the user is
told why in one line, every earlier grade is intact, and the same grade can be retried."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from gdstudy.cli import app as cli_app
from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.errors import StaleStateError, StoreError, StoreFaultError
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store
from gdstudy.tui import make_app
from gdstudy.tui.review import ReviewScreen
from tests.conftest import Clock
from tests.waits import wait_until

SETTINGS = Settings(enable_fuzz=False)


def make_session(deck_dir: Path, db: Path, clock: Clock, timeout_s: float = 0.2) -> ReviewSession:
    return ReviewSession(load_deck([], [deck_dir], check_demos=False), Store(db, timeout_s=timeout_s), SETTINGS,
                         clock=clock)


def grade(s: ReviewSession, cid: str, g: Grade = Grade.GOOD) -> int:
    c = s.deck.by_id[cid]
    return s.grade(c, s.preview(c)[g], duration_ms=800)


def logged(db: Path) -> list[tuple[str, int]]:
    with Store(db) as s:
        return [(e.card_id, e.rating) for e in s.log()]


# -- the faults, each as (make it happen, undo it) ------------------------------------------------


HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def locked(s: ReviewSession) -> Callable[[], None]:
    """Another process holds the write lock (BEGIN EXCLUSIVE) until released."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(s.store.path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

    def release() -> None:
        holder.communicate("\n", timeout=30)
        assert holder.returncode == 0

    return release


def disk_full(s: ReviewSession) -> Callable[[], None]:
    """No page can be added to the database, and the log's last pages are filled to the brim with
    the smallest rows there are (cram reviews of a logged card), so any grade needs a new page."""
    pages = s.store.db.execute("PRAGMA page_count").fetchone()[0]
    s.store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreFaultError, match="disk full"):
        for _ in range(5000):
            s.store.record_cram("alpha", None, 3, s.now(), None)
    return lambda: s.store.db.execute("PRAGMA max_page_count = 1073741823") and None


def read_only(s: ReviewSession) -> Callable[[], None]:
    rw = s.store.db
    s.store.db = sqlite3.connect(f"file:{s.store.path}?mode=ro", uri=True, isolation_level=None)

    def restore() -> None:
        s.store.db.close()
        s.store.db = rw

    return restore


def upgraded(s: ReviewSession) -> Callable[[], None]:
    """A newer gdstudy migrates the database (its schema_version goes up) while this one runs."""

    def set_version(v: str) -> None:
        con = sqlite3.connect(s.store.path, isolation_level=None)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (v,))
        con.close()

    set_version("4")
    return lambda: set_version("3")


FAULTS = {"locked": locked, "disk full": disk_full, "read-only": read_only, "upgraded": upgraded}


@pytest.mark.parametrize("reason", [r for r in FAULTS if r != "upgraded"])  # (upgraded: a new Store refuses to open
def test_grade_during_a_fault_is_not_applied_and_can_be_retried(         # it; see test_adversarial_store.py)
        reason: str, small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    grade(s, "alpha")
    # a grade waits for a lock at most the store's timeout, SQLite's busy timeout (no clock needed)
    assert s.store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 200
    restore = FAULTS[reason](s)
    before = logged(db)
    beta = s.deck.by_id["beta"]
    outcomes = s.preview(beta)
    with pytest.raises(StoreFaultError) as err:
        s.grade(beta, outcomes[Grade.HARD])
    assert err.value.reason == reason and "\n" not in str(err.value)
    assert s.state("beta") is None and s.next_card().id == "beta"  # not applied: the card stays
    restore()
    assert logged(db) == before  # every earlier grade intact, the failed one absent
    s.grade(beta, outcomes[Grade.HARD])  # the same grade, retried
    assert logged(db) == before + [("beta", 2)]
    assert s.store.state("beta") == s.state("beta") is not None


def test_bury_suspend_and_undo_during_a_fault(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    grade(s, "alpha")
    release = locked(s)
    for action in (lambda: s.bury("beta"), lambda: s.suspend("beta"), s.undo):
        with pytest.raises(StoreFaultError, match="locked"):
            action()
    release()
    assert s.state("beta") is None and s.store.state("alpha") is not None and s.can_undo
    assert s.undo().card_id == "alpha" and s.store.state("alpha") is None


@pytest.mark.parametrize("files", [[""], ["", "-wal", "-shm"]], ids=["db", "db+wal+shm"])
def test_deleted_database_file_is_written_back_with_every_grade(
        files: list[str], small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    grade(s, "alpha")
    clock.advance(minutes=3)
    grade(s, "gamma", Grade.EASY)
    for suffix in files:
        os.unlink(str(db) + suffix)
    beta = s.deck.by_id["beta"]
    outcomes = s.preview(beta)
    with pytest.raises(StoreFaultError, match="deleted while gdstudy was running and has been written back") as err:
        s.grade(beta, outcomes[Grade.GOOD])
    assert err.value.reason == "restored" and s.state("beta") is None  # this grade was not applied
    assert logged(db) == [("alpha", 3), ("gamma", 4)]  # every earlier grade is on disk again
    s.grade(beta, outcomes[Grade.GOOD])  # and grading goes on, in the written-back file
    assert logged(db) == [("alpha", 3), ("gamma", 4), ("beta", 3)]
    assert s.undo().card_id == "beta" and logged(db) == [("alpha", 3), ("gamma", 4)]
    assert sorted(p.name for p in tmp_path.iterdir() if "restored" in p.name) == []


def test_deleted_database_still_open_elsewhere_is_saved_beside_it(
        small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    grade(s, "alpha")
    other = subprocess.Popen(  # another gdstudy process has the database open too
        [sys.executable, "-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]);"
         " db.execute('SELECT COUNT(*) FROM review_log').fetchone(); print('open', flush=True); sys.stdin.readline()",
         str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None and other.stdout.readline().strip() == "open"
    os.unlink(db)
    with pytest.raises(StoreFaultError, match="every grade so far was saved to .*restored") as err:
        grade(s, "beta")
    assert err.value.reason == "file gone" and not db.exists()
    copy = next(p for p in tmp_path.iterdir() if "restored" in p.name)
    assert logged(copy) == [("alpha", 3)]
    with pytest.raises(StoreFaultError, match="saved to"):  # says the same on every later try
        grade(s, "beta")
    other.communicate("\n", timeout=30)


def test_database_file_replaced_is_detected_before_the_next_write(
        small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    grade(s, "alpha")
    other = tmp_path / "other.db"  # another gdstudy database moved into its place (e.g. a restored backup)
    Store(other).close()
    os.replace(other, db)
    with pytest.raises(StoreFaultError, match="was replaced while gdstudy was running") as err:
        grade(s, "beta")
    assert err.value.reason == "file gone"
    assert s.state("beta") is None


def test_replaced_in_place_is_detected_by_the_identity_stamp(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    """Same file (inode), other contents: e.g. a backup copied over it with cp."""
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    other = tmp_path / "other" / DB_NAME
    other.parent.mkdir()
    Store(other).close()
    grade(s, "alpha")
    s.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ino = os.stat(db).st_ino
    with open(db, "r+b") as f:
        f.write(other.read_bytes())
        f.truncate()
    assert os.stat(db).st_ino == ino
    with pytest.raises(StoreFaultError, match="replaced"):
        grade(s, "beta")
    assert s.state("beta") is None


# -- two processes grading the same card ----------------------------------------------------------


def test_two_sessions_grading_the_same_card_never_log_two_first_reviews(
        small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    one, two = make_session(small_deck_dir, db, clock), make_session(small_deck_dir, db, clock)
    alpha = one.deck.by_id["alpha"]
    out_one, out_two = one.preview(alpha), two.preview(alpha)  # both see it as new
    one.grade(alpha, out_one[Grade.GOOD])
    with pytest.raises(StaleStateError, match="changed by another gdstudy") as err:
        two.grade(alpha, out_two[Grade.EASY])
    assert err.value.card_id == "alpha"
    assert two.state("alpha") == one.state("alpha")  # reloaded
    assert [e.state_before for e in two.store.log()] == [0]  # one first review
    clock.advance(minutes=5)
    two.grade(alpha, two.preview(alpha)[Grade.EASY])  # graded again from the fresh state
    assert [(e.rating, e.state_before) for e in two.store.log()] == [(3, 0), (4, 1)]
    assert two.store.state("alpha").reps == 2
    # a flag change from a stale state is refused too
    with pytest.raises(StaleStateError):
        one.suspend("alpha")
    assert not one.store.state("alpha").suspended and one.state("alpha") == two.state("alpha")


# -- damaged and hand-edited databases ------------------------------------------------------------


def _edited(data: Path, small_deck_dir: Path, sql: str) -> None:
    s = make_session(small_deck_dir, data / DB_NAME, Clock())
    grade(s, "alpha")
    grade(s, "beta")
    s.store.close()
    con = sqlite3.connect(data / DB_NAME)
    con.execute(sql)
    con.commit()
    con.close()


@pytest.mark.parametrize("sql, fragment", [
    ("UPDATE cards SET due = 'garbage' WHERE card_id = 'alpha'", "due='garbage'"),
    ("UPDATE cards SET state = 7 WHERE card_id = 'beta'", "state=7"),
    ("UPDATE cards SET stability = 'x' WHERE card_id = 'alpha'", "stability='x'"),
    ("UPDATE cards SET reps = -3 WHERE card_id = 'alpha'", "reps=-3"),
])
@pytest.mark.parametrize("command", [["stats"], ["stats", "--json"], ["cards", "list"]])
def test_hand_edited_values_give_one_error_line(tmp_path: Path, small_deck_dir: Path, sql: str, fragment: str,
                                                command: list[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _edited(data, small_deck_dir, sql)
    r = CliRunner().invoke(cli_app, [*command, "--deck", str(small_deck_dir), "--data-dir", str(data)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    lines = r.output.strip().splitlines()
    assert lines[-1].startswith("error: ") and fragment in lines[-1] and "cards table" in lines[-1]


def test_damaged_database_gives_one_error_line(tmp_path: Path, small_deck_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _edited(data, small_deck_dir, "SELECT 1")
    db = data / DB_NAME
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cards'").fetchone()[0]
    con.close()
    with open(db, "r+b") as f:  # scribble over the cards table's page
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    for command in (["stats"], ["cards", "list"]):
        r = CliRunner().invoke(cli_app, [*command, "--deck", str(small_deck_dir), "--data-dir", str(data)])
        assert r.exit_code == 2, r.output
        assert r.output.strip().splitlines()[-1].startswith("error: ") and "damaged" in r.output


def test_bad_stored_state_is_a_store_error(tmp_path: Path, small_deck_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _edited(data, small_deck_dir, "UPDATE cards SET last_review = '2026-13-45' WHERE card_id = 'beta'")
    with Store(data / DB_NAME) as s, pytest.raises(StoreError, match="card 'beta'.*last_review='2026-13-45'"):
        s.states()


# -- in the TUI -----------------------------------------------------------------------------------


def notes(app: object) -> list[tuple[str, str, str]]:
    return [(n.title, n.message, n.severity) for n in app._notifications]  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", ["locked", "disk full", "read-only", "upgraded"])
async def test_tui_grade_during_a_fault_keeps_the_card_and_says_why(
        reason: str, small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    app = make_app(s)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "3")
        rs = app.screen
        assert isinstance(rs, ReviewScreen) and rs.card.id == "beta"
        restore = FAULTS[reason](s)
        await pilot.press("space", "2")
        await pilot.pause()
        assert rs.card.id == "beta" and rs.revealed  # still on screen, still revealed
        (title, message, severity), = [n for n in notes(app) if n[2] == "error"]
        assert title == "Grade not saved" and severity == "error" and reason in message and "\n" not in message
        assert message.endswith("(press 2 to retry)")
        restore()
        await pilot.press("2")  # retry
        await pilot.pause()
        assert rs.card.id != "beta" or s.state("beta") is not None
    assert logged(db)[0] == ("alpha", 3) and logged(db)[-1] == ("beta", 2)


async def test_tui_bury_and_suspend_during_a_fault_say_why(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    s = make_session(small_deck_dir, tmp_path / DB_NAME, clock)
    app = make_app(s)
    async with app.run_test(size=(100, 30)) as pilot:
        release = locked(s)
        await pilot.press("minus", "at")
        await pilot.pause()
        errors = [n for n in notes(app) if n[2] == "error"]
        assert len(errors) == 2 and all("locked" in m for _, m, _ in errors)
        assert app.screen.card.id == "alpha"
        release()


async def test_tui_file_deleted_while_reviewing(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    app = make_app(s)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "3")
        os.unlink(db)
        await pilot.press("space", "3")
        await pilot.pause()
        assert app.screen.card.id == "beta"
        assert any("written back" in m and sev == "error" and "press 3 to retry" in m for _, m, sev in notes(app))
        await pilot.press("3")
        await pilot.pause()
        assert app.screen.card.id != "beta"
    assert logged(db) == [("alpha", 3), ("beta", 3)]


async def test_tui_card_graded_elsewhere_is_reloaded(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    other = make_session(small_deck_dir, db, clock)
    app = make_app(s)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        grade(other, "alpha", Grade.AGAIN)  # another gdstudy grades the card on screen
        await pilot.press("3")
        await pilot.pause()
        rs = app.screen
        assert rs.card.id == "alpha" and rs.revealed
        assert any("another gdstudy" in m for _, m, _ in notes(app))
        assert s.state("alpha") == other.state("alpha")
        await pilot.press("3")  # graded from the reloaded state
        await pilot.pause()
    with Store(db) as st:
        assert [(e.rating, e.state_before) for e in st.log()] == [(1, 0), (3, 1)]
        assert st.state("alpha").reps == 2  # the outcome was computed again from the reloaded state




async def test_tui_interview_grade_during_a_fault(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    from gdstudy.interview import InterviewSession
    from gdstudy.tui.interview import InterviewScreen

    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    iv = InterviewSession(s, minutes=10, seed=1)
    app = make_app(s, start="interview", interview=iv)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen) and app.screen.card.id == "alpha"
        release = locked(s)
        await pilot.press("ctrl+r", "3")
        await pilot.pause()
        assert app.screen.card.id == "alpha" and app.screen.revealed and iv.answers == []
        assert any(t == "Grade not saved" and "locked" in m for t, m, _ in notes(app))
        release()
        await pilot.press("3")
        await pilot.pause()
        assert [a.card_id for a in iv.answers] == ["alpha"]
    assert logged(db) == [("alpha", 3)]


async def test_tui_interview_summary_during_a_fault_is_reported_and_retried(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    """An interview timing out while the database is locked: no crash, the interview stays open with
    a notice (the typed answer kept once), and ctrl+e saves the summary once the lock is gone."""
    from gdstudy.interview import InterviewSession
    from gdstudy.tui.interview import InterviewScreen, InterviewSummaryScreen

    db = tmp_path / DB_NAME
    s = make_session(small_deck_dir, db, clock)
    iv = InterviewSession(s, minutes=10, seed=1)
    app = make_app(s, start="interview", interview=iv)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"an answer")  # kept at time-up (an interview with no answer is not saved)
        release = locked(s)
        clock.advance(minutes=11)  # the next tick: time up, the save meets the lock
        await wait_until(pilot, lambda: any(t == "Summary not saved" for t, _, _ in notes(app)))
        assert isinstance(app.screen, InterviewScreen) and iv.ended_at is None and iv.saved_id is None
        assert any(t == "Summary not saved" and "locked" in m for t, m, _ in notes(app))
        assert [a.text for a in iv.answers] == ["an answer"]
        release()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, InterviewSummaryScreen) and iv.saved_id is not None
    assert len(Store(db).interviews()) == 1
