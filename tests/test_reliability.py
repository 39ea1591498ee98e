"""Reliability: crash safety, concurrent writers, refusing foreign databases, bad flags.

The crash and concurrency tests run real processes (`tests/_review_driver.py`) that drive a
`ReviewSession` exactly as the TUI does; the parent then inspects the database with plain sqlite3
and a fresh `Store`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gdstudy.paths
import gdstudy.tui
from gdstudy.cli import app
from gdstudy.errors import StoreError
from gdstudy.store import DB_NAME, SCHEMA_VERSION, Store, to_ms
from tests.waits import HANG_S

DRIVER = Path(__file__).with_name("_review_driver.py")
REPO = Path(__file__).resolve().parent.parent


def write_deck(folder: Path, prefix: str, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"deck: {prefix}", "cards:"]
    for i in range(n):
        lines += [
            f"  - id: {prefix}-{i:04d}",
            f"    front: Question {i} of deck {prefix}?",
            f"    back: Answer {i}.",
            "    tags: [generated]",
            "    source: generated.txt § Reliability",
        ]
    (folder / f"{prefix}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def driver(data_dir: Path, deck_dir: Path, n: int, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(data_dir), str(deck_dir), str(n), *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in `folder` with its hash: a refused database must leave this unchanged."""
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def log_rows(db_path: Path) -> list[sqlite3.Row]:
    """The review log read with plain sqlite3 (schema v3: the slug is in card_keys)."""
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(
            "SELECT r.id, k.card_id, r.rating, r.at_ms, r.kind, r.state FROM review_log r"
            " JOIN card_keys k ON k.key = r.card ORDER BY r.id").fetchall()
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# SIGKILL in the middle of a review


@pytest.mark.parametrize("k", [1, 25])
def test_sigkill_after_k_grades_keeps_every_committed_grade(tmp_path: Path, k: int) -> None:
    data = tmp_path / "data"
    data.mkdir()
    deck = write_deck(tmp_path / "deck", "kill", 30)
    proc = driver(data, deck, 0)  # 0: grade until killed
    assert proc.stdout is not None
    printed: list[tuple[int, str]] = []
    try:
        assert proc.stdout.readline().startswith("opening ")
        assert proc.stdout.readline().startswith("opened ")
        while len(printed) < k:
            line = proc.stdout.readline()
            assert line, f"driver exited early: {proc.wait()} {proc.stderr.read() if proc.stderr else ''}"
            _, n, log_id, card_id = line.split()
            assert int(n) == len(printed) + 1
            printed.append((int(log_id), card_id))
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    # Read what is left through the same buffered file objects (communicate() would read the raw
    # pipe and miss lines readline() had already buffered).
    rest, err = proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL
    # Lines already in the pipe when the process died were printed after their grade committed too.
    for line in rest.splitlines():
        _, _, log_id, card_id = line.split()
        printed.append((int(log_id), card_id))
    assert "Traceback" not in err

    db_path = data / DB_NAME
    rows = log_rows(db_path)
    assert len(rows) >= k
    logged = [(r["id"], r["card_id"]) for r in rows]
    # Every grade the process reported is there, in order; at most one more (committed, not yet printed).
    assert logged[: len(printed)] == printed
    assert len(printed) <= len(logged) <= len(printed) + 1

    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(db_path) as store:
        assert store.integrity_check() == "ok"
        assert store.schema_version == SCHEMA_VERSION
        # The cards table agrees with the log: each card was last reviewed at its last logged
        # grade, and has one rep per logged grade.
        states = store.states()
        last: dict[str, int] = {}
        reps: dict[str, int] = {}
        for r in rows:
            last[r["card_id"]] = r["at_ms"]
            reps[r["card_id"]] = reps.get(r["card_id"], 0) + 1
        assert set(states) == set(last)
        for cid, at_ms in last.items():
            assert to_ms(states[cid].last_review) == at_ms and states[cid].reps == reps[cid]
        # And the database is still writable: undo the last grade, like `u` after restarting would.
        entry = store.undo(rows[-1]["id"])
        assert entry.card_id == rows[-1]["card_id"]
    assert len(log_rows(db_path)) == len(rows) - 1


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_sigkill_real_tui_mid_review(tmp_path: Path) -> None:
    """The real `gdstudy review` in a pseudo-terminal: press space and 3 until k grades are in the
    database, then SIGKILL it. The grades are there (committed as they were made, not at quit)
    and the database is intact and opens again."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    k = 4
    home = tmp_path / "home"
    home.mkdir()
    db_path = home / DB_NAME
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k_: v for k_, v in os.environ.items() if k_ != "GDSTUDY_CONFIG"}
    env.update(GDSTUDY_HOME=str(home), TERM="xterm-256color", PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "gdstudy.cli", "review"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=tmp_path, start_new_session=True)
    os.close(slave)
    screen = b""

    def drain(wait: float) -> None:
        nonlocal screen
        while select.select([master], [], [], wait)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen += chunk
            wait = 0.01

    def rows() -> int:
        if not db_path.exists():
            return 0
        db = sqlite3.connect(db_path)
        try:
            return db.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
        except sqlite3.Error:
            return 0
        finally:
            db.close()

    try:
        deadline = time.monotonic() + HANG_S  # a condition; the limit only ends a hang
        while b"Show answer" not in screen and time.monotonic() < deadline and proc.poll() is None:
            drain(0.1)
        assert b"Show answer" in screen, screen[-2000:].decode(errors="replace")
        while rows() < k and time.monotonic() < deadline:
            os.write(master, b" ")
            drain(0.05)
            os.write(master, b"3")
            drain(0.1)
        seen = rows()
        assert seen >= k, f"only {seen} grades after {HANG_S:g} s"
        assert proc.poll() is None, "the TUI exited by itself"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == -signal.SIGKILL
    assert b"Traceback" not in screen
    after = log_rows(db_path)
    assert len(after) >= seen >= k
    assert all(r["rating"] == 3 for r in after)
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(db_path) as store:
        assert set(store.states()) == {r["card_id"] for r in after}
    # And the CLI reads it fine afterwards.
    result = subprocess.run([sys.executable, "-m", "gdstudy.cli", "cards", "list", "--state", "learning"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert after[0]["card_id"] in result.stdout


# ---------------------------------------------------------------------------------------------
# two writers at once


@pytest.mark.parametrize("fresh_db", [True, False], ids=["fresh-db", "existing-db"])
def test_two_processes_grading_at_once(tmp_path: Path, fresh_db: bool) -> None:
    n = 200
    data = tmp_path / "data"
    data.mkdir()
    if not fresh_db:
        Store(data / DB_NAME).close()
    decks = {p: write_deck(tmp_path / f"deck-{p}", p, 40) for p in ("left", "right")}
    procs = {p: driver(data, d, n, "--wait") for p, d in decks.items()}
    try:
        for p, proc in procs.items():
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        # The barrier: both are loaded and blocked on stdin; release them together.
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = {p: proc.communicate(timeout=120) for p, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    opening: dict[str, float] = {}
    done: dict[str, float] = {}
    for p, proc in procs.items():
        out, err = results[p]
        assert proc.returncode == 0, f"{p}: exit {proc.returncode}\n{err}"
        assert err == "", f"{p} wrote to stderr:\n{err}"
        assert "locked" not in out + err
        lines = out.splitlines()
        assert [ln.split()[0] for ln in lines] == ["opening", "opened"] + ["graded"] * n + ["done"]
        opening[p], done[p] = float(lines[0].split()[1]), float(lines[-1].split()[1])
    # Both really ran at the same time: each was opening the database before the other finished.
    # (Their rows need not interleave: a writer at full speed can keep the write lock while the
    # other waits on the busy timeout, which is a path this test is also meant to exercise.)
    assert max(opening.values()) < min(done.values()), "the two writers did not overlap; the test proved nothing"

    rows = log_rows(data / DB_NAME)
    assert len(rows) == 2 * n
    by_deck = {p: sum(1 for r in rows if r["card_id"].startswith(p + "-")) for p in decks}
    assert by_deck == {"left": n, "right": n}
    with Store(data / DB_NAME) as store:
        assert store.integrity_check() == "ok"
        assert len(store.states()) == 80


def test_two_processes_grading_the_same_cards_never_double_a_review(tmp_path: Path) -> None:
    """Both review the same deck at once: a grade computed from a state the other process has
    changed meanwhile is refused and reloaded (optimistic concurrency), so no card gets two
    "first reviews" and each card's reps match its log."""
    n = 60
    data = tmp_path / "data"
    data.mkdir()
    Store(data / DB_NAME).close()
    deck = write_deck(tmp_path / "deck", "same", 20)
    procs = [driver(data, deck, n, "--wait", "--retry-stale") for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    stale = 0
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0 and err == "", err
        kinds = [ln.split()[0] for ln in out.splitlines()]
        assert kinds.count("graded") == n
        stale += kinds.count("stale")
    assert stale >= 1, "the two processes never graded the same card at once; the test proved nothing"
    rows = log_rows(data / DB_NAME)
    assert len(rows) == 2 * n
    with Store(data / DB_NAME) as store:
        states = store.states()
    for cid in {r["card_id"] for r in rows}:
        befores = [r["state"] for r in rows if r["card_id"] == cid]
        assert befores[0] == 0 and 0 not in befores[1:], f"{cid}: two first reviews {befores}"
        assert states[cid].reps == len(befores)


# ---------------------------------------------------------------------------------------------
# databases that are not ours are refused and left untouched


def _newer_schema_db(path: Path) -> None:
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
        db.execute("CREATE TABLE from_the_future (x)")
    db.close()


def _foreign_sqlite_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        db.execute("INSERT INTO invoices (amount) VALUES (12.5), (99.0)")
    db.close()


def _foreign_wal_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
    db.close()


def _other_app_meta_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('app', 'someone-else'), ('schema_version', '1')")
    db.close()


def _text_file(path: Path) -> None:
    path.write_text("these are my notes, not a database\n" * 50, encoding="utf-8")


def _garbage_with_sqlite_header(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)


BAD_DBS = {
    "newer-schema": (_newer_schema_db, "newer gdstudy"),
    "foreign-sqlite": (_foreign_sqlite_db, "not a gdstudy database"),
    "foreign-wal-sqlite": (_foreign_wal_db, "not a gdstudy database"),
    "other-app-meta": (_other_app_meta_db, "not a gdstudy database"),
    "text-file": (_text_file, "not a gdstudy database"),
    "corrupt-sqlite": (_garbage_with_sqlite_header, "not a gdstudy database"),
}


@pytest.mark.parametrize("kind", list(BAD_DBS))
def test_store_refuses_foreign_database_and_leaves_it_unchanged(tmp_path: Path, kind: str) -> None:
    make, message = BAD_DBS[kind]
    data = tmp_path / "data"
    data.mkdir()
    db_path = data / DB_NAME
    make(db_path)
    before = snapshot(data)
    assert list(before) == [DB_NAME]
    for _ in range(2):  # refusing twice changes nothing either
        with pytest.raises(StoreError) as err:
            Store(db_path)
        assert message in str(err.value)
        assert "\n" not in str(err.value)
    assert snapshot(data) == before  # same bytes, and no -wal / -shm / -journal left behind


@pytest.mark.parametrize("command", [["cards", "list"], ["cards", "orphans"], ["review"]])
@pytest.mark.parametrize("kind", ["newer-schema", "foreign-sqlite", "text-file"])
def test_cli_refuses_foreign_database(
    tmp_path: Path, kind: str, command: list[str], no_tui: list, small_shipped: Path
) -> None:
    make, message = BAD_DBS[kind]
    data = tmp_path / "data"
    data.mkdir()
    make(data / DB_NAME)
    before = snapshot(data)
    result = CliRunner().invoke(app, [*command, "--data-dir", str(data)])
    assert result.exit_code == 2
    assert_one_error_line(result, message)
    assert snapshot(data) == before
    assert no_tui == []


def test_cli_refuses_newer_schema_found_through_gdstudy_home(
    isolated_home: Path, no_tui: list, small_shipped: Path
) -> None:
    isolated_home.mkdir(parents=True)
    _newer_schema_db(isolated_home / DB_NAME)
    before = snapshot(isolated_home)
    result = CliRunner().invoke(app, ["review"])
    assert result.exit_code == 2
    assert_one_error_line(result, "newer gdstudy")
    assert "the database was not changed" in result.output
    assert snapshot(isolated_home) == before


def test_database_path_that_is_a_folder_is_refused(tmp_path: Path, no_tui: list, small_shipped: Path) -> None:
    data = tmp_path / "data"
    (data / DB_NAME).mkdir(parents=True)
    result = CliRunner().invoke(app, ["cards", "list", "--data-dir", str(data)])
    assert result.exit_code == 2
    assert_one_error_line(result, "is a folder")


# ---------------------------------------------------------------------------------------------
# bad flags


@pytest.fixture
def no_tui(monkeypatch: pytest.MonkeyPatch) -> list:
    """Replace the TUI so a `review` whose flags are (wrongly) accepted records a call instead of
    taking over the terminal; the tests assert it was never reached."""
    launched: list = []

    class _Stub:
        def run(self) -> None:
            launched.append("run")

    monkeypatch.setattr(gdstudy.tui, "make_app", lambda session: _Stub())
    return launched


@pytest.fixture
def small_shipped(small_deck_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use the 3-card test deck as the shipped deck: these tests are about flags, not content."""
    monkeypatch.setattr(gdstudy.paths, "shipped_cards_dir", lambda: small_deck_dir)
    return small_deck_dir


def assert_one_error_line(result, *fragments: str) -> None:
    out = result.output
    assert "Traceback" not in out
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("error: "), out
    for f in fragments:
        assert f in lines[0], out


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1", "0.0", "1.0", "-1", "inf", "nan"])
@pytest.mark.parametrize("form", ["separate", "equals"])
def test_retention_outside_open_unit_interval(value: str, form: str, no_tui: list, small_shipped: Path) -> None:
    args = ["review", "--retention", value] if form == "separate" else ["review", f"--retention={value}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert_one_error_line(result, "retention")
    assert no_tui == []


def test_retention_out_of_range_in_config_file(isolated_home: Path, no_tui: list, small_shipped: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("[scheduling]\ndesired_retention = 1.2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["review"])
    assert result.exit_code == 2
    assert_one_error_line(result, "retention", "1.2")
    assert no_tui == []


@pytest.mark.parametrize("deck", ["/nope", "/nope/deeper/deck.yaml", "relative/missing"])
def test_unknown_deck_folder(tmp_path: Path, deck: str, no_tui: list, small_shipped: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["review", "--deck", deck])
    assert result.exit_code == 2
    assert_one_error_line(result, deck, "does not exist")
    assert no_tui == []


def test_unknown_deck_folder_among_good_ones(tmp_path: Path, small_deck_dir: Path, no_tui: list,
                                            small_shipped: Path) -> None:
    other = write_deck(tmp_path / "other", "other", 2)
    result = CliRunner().invoke(app, ["review", "--deck", str(other), "--deck", "/nope"])
    assert result.exit_code == 2
    assert_one_error_line(result, "/nope")
    assert no_tui == []


def test_unknown_deck_folder_in_config_file(isolated_home: Path, no_tui: list, small_shipped: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text('decks = ["/nope/my-deck"]\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["review"])
    assert result.exit_code == 2
    assert_one_error_line(result, "/nope/my-deck")
    assert no_tui == []


@pytest.mark.parametrize("command", [["review"], ["cards", "list"], ["cards", "orphans"]])
@pytest.mark.parametrize("where", ["file", "under-file", "under-file-deeper"])
def test_data_dir_that_cannot_be_a_folder(tmp_path: Path, command: list[str], where: str, no_tui: list,
                                          small_shipped: Path) -> None:
    """Tests run as root, so permission bits don't stop anything: use a regular file where the
    data folder should be, or a path below such a file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("i am a file\n", encoding="utf-8")
    data = {"file": blocker, "under-file": blocker / "data", "under-file-deeper": blocker / "a" / "b"}[where]
    before = sha256(blocker)
    result = CliRunner().invoke(app, [*command, "--data-dir", str(data)])
    assert result.exit_code == 2
    assert_one_error_line(result, "data dir", str(data))
    assert sha256(blocker) == before
    assert no_tui == []


def test_gdstudy_home_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_tui: list,
                                     small_shipped: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv("GDSTUDY_HOME", str(home))
    result = CliRunner().invoke(app, ["review"])
    assert result.exit_code == 2
    assert_one_error_line(result, str(home))
    assert no_tui == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--new-per-day", "-1"], "new per day"),
        (["--max-reviews", "-5"], "max reviews per day"),
        (["--learning-steps", "1m,zz"], "learning steps"),
        (["--relearning-steps", "-10m"], "relearning steps"),
    ],
)
def test_other_bad_scheduling_flags(args: list[str], fragment: str, no_tui: list, small_shipped: Path) -> None:
    result = CliRunner().invoke(app, ["review", *args])
    assert result.exit_code == 2
    assert_one_error_line(result, fragment)
    assert no_tui == []


def test_good_flags_do_reach_the_tui(tmp_path: Path, no_tui: list, small_shipped: Path) -> None:
    """The guard above works: with valid flags `review` gets as far as launching the app."""
    result = CliRunner().invoke(app, ["review", "--retention", "0.85", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert no_tui == ["run"]
