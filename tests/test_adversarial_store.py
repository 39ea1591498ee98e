"""Issue 20, items 9-15: the review store, log import, optimize and the config file against a
careless user and an attacker. Each refusal is one `error:` line, exit 2, no traceback; the store
passes `PRAGMA integrity_check` and is unchanged where the command refused."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as hst

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.errors import GdstudyError, StoreError, StoreFaultError
from gdstudy.interop.revlog import COLUMNS, LogFileError, import_log, read_log, to_ms
from gdstudy.scheduling import Grade, fsrs_id
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, CardState, Store
from tests.conftest import T0, Clock, run_cli

SETTINGS = Settings(enable_fuzz=False)
DAY = timedelta(days=1)


# -- helpers ---------------------------------------------------------------------------------------


def one_error(code: int, text: str, *fragments: str) -> None:
    assert code == 2, text
    assert text.startswith("error: ") and text.count("\n") == 1, text
    assert "Traceback" not in text
    for f in fragments:
        assert f in text, (f, text)


def intact(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def new_store(data: Path) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    Store(data / DB_NAME).close()
    return data / DB_NAME


def write_log(path: Path, rows: list[tuple[str, int, int, int]]) -> Path:
    """rows: (slug, time ms, rating, state before)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for slug, t, rating, state in rows:
            w.writerow((fsrs_id(slug), t, rating, state, 1000, slug, ""))
    return path


def sql(db: Path, statement: str, *args: Any) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute(statement, args)
    finally:
        con.close()


def deck_of(deck_dir: Path):  # type: ignore[no-untyped-def]
    return load_deck([], [deck_dir], check_demos=False)


# -- 9: review times in the future -------------------------------------------------------------------


def test_future_review_time_is_refused_with_its_line(small_deck_dir: Path, tmp_path: Path) -> None:
    db = new_store(tmp_path / "d")
    now = T0
    f = write_log(tmp_path / "in.csv", [
        ("alpha", to_ms(now - 2 * DAY), 3, 0),
        ("beta", to_ms(now + timedelta(hours=23)), 3, 0),  # a clock a few hours ahead: accepted
        ("gamma", to_ms(now + 3 * DAY), 3, 0),  # line 4
    ])
    before = dump(db)
    with Store(db) as s, pytest.raises(LogFileError) as err:
        import_log(s, f, deck_of(small_deck_dir), SETTINGS, now=now)
    assert str(err.value).startswith(f"{f}:4: ") and "future" in str(err.value), err.value
    assert dump(db) == before
    f.write_text(f.read_text().rsplit("\n", 2)[0] + "\n")  # without the future row it imports
    with Store(db) as s:
        res = import_log(s, f, deck_of(small_deck_dir), SETTINGS, now=now)
    assert res.added == 2


def test_future_review_time_through_the_cli(small_deck_dir: Path, tmp_path: Path) -> None:
    db = new_store(tmp_path / "d")
    f = write_log(tmp_path / "in.csv", [("alpha", 1_700_000_000_000, 3, 0), ("alpha", 4_000_000_000_000, 3, 2)])
    before = dump(db)
    code, text = run_cli("log", "import", f, "--deck", small_deck_dir, "--data-dir", db.parent)
    one_error(code, text, f"{f}:3:", "future")
    assert dump(db) == before
    intact(db)


# -- 10: the database migrated by a newer gdstudy while a session is open ---------------------------------


def test_grade_into_a_database_upgraded_meanwhile_is_refused(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    s = ReviewSession(deck_of(small_deck_dir), Store(db, timeout_s=0.2), SETTINGS, clock=clock)
    c = s.deck.by_id["alpha"]
    s.grade(c, s.preview(c)[Grade.GOOD], duration_ms=800)
    sql(db, "UPDATE meta SET value = '4' WHERE key = 'schema_version'")  # a newer gdstudy migrated it
    b = s.deck.by_id["beta"]
    with pytest.raises(StoreFaultError, match="newer gdstudy") as err:
        s.grade(b, s.preview(b)[Grade.GOOD], duration_ms=800)
    assert err.value.reason == "upgraded"
    assert "\n" not in str(err.value)
    with pytest.raises(StoreFaultError, match="newer gdstudy"):
        s.suspend("gamma")
    s.store.close()
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("SELECT card FROM review_log")] == [1]  # alpha only
    assert con.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 1
    con.close()


# -- 11: an uncompacted store (kill -9 during the post-migration VACUUM) is compacted on open -------------


def _bloat(db: Path, mb: int) -> None:
    """Free pages as a killed VACUUM leaves them: a big table dropped, the file not shrunk."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete = FAST")
    con.execute("BEGIN")
    con.execute("CREATE TABLE old_log (x BLOB)")
    con.executemany("INSERT INTO old_log VALUES (?)", ((os.urandom(1000),) for _ in range(mb * 1000)))
    con.execute("COMMIT")
    con.execute("DROP TABLE old_log")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _freelist(db: Path) -> tuple[int, int]:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA freelist_count").fetchone()[0], con.execute("PRAGMA page_count").fetchone()[0]
    finally:
        con.close()


def test_uncompacted_store_is_compacted_on_open(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / DB_NAME
    with Store(db) as st:
        s = ReviewSession(deck_of(small_deck_dir), st, SETTINGS, clock=clock)
        c = s.deck.by_id["alpha"]
        s.grade(c, s.preview(c)[Grade.GOOD], duration_ms=800)
        states = st.states()
    _bloat(db, 20)
    free, pages = _freelist(db)
    assert free / pages > 0.9
    big = db.stat().st_size
    with Store(db) as st:
        assert st.states() == states and [e.card_id for e in st.log()] == ["alpha"]
    free, pages = _freelist(db)
    assert free / pages < 0.5 and db.stat().st_size < big / 4
    intact(db)


def test_a_little_free_space_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    Store(db).close()
    _bloat(db, 1)  # 1 MB free: not worth a VACUUM on open
    free = _freelist(db)[0]
    Store(db).close()
    assert _freelist(db)[0] == free


def test_migration_killed_before_its_vacuum_is_compacted_at_the_next_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The v2 -> v3 migration commits, then the process dies before VACUUM (simulated: the
    VACUUM never runs); the next open gives the pages back."""
    from gdstudy.store.core import StoreBase
    from tests import _store_v2

    db = tmp_path / DB_NAME
    v2 = _store_v2.Store(db)
    after = json.dumps({"card_id": "x", "state": 2, "step": None, "stability": 3.0, "difficulty": 5.0,
                        "due": "2026-01-02T00:00:00.000000+00:00", "last_review": "2026-01-01T00:00:00.000000+00:00",
                        "reps": 1, "lapses": 0, "content_hash": "h" * 64, "suspended": 0, "buried_until": None,
                        "leech": 0, "pad": "p" * 700})
    v2.db.execute("BEGIN")
    v2.db.executemany("INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms, kind, state_before, state_after)"
                      " VALUES (?, 3, ?, 1000, 'review', NULL, ?)",
                      ((f"c{i}", f"2026-01-01T00:00:{i % 60:02d}.{i:06d}+00:00"[:32], after) for i in range(12_000)))
    v2.db.execute("COMMIT")
    v2.close()
    monkeypatch.setattr(StoreBase, "_compact", lambda self: None)  # killed before the VACUUM
    Store(db).close()
    free, pages = _freelist(db)
    assert free / pages > 0.5
    monkeypatch.undo()
    with Store(db) as st:
        assert st.schema_version == 3 and sum(1 for _ in st.iter_reviews()) == 12_000
    free, pages = _freelist(db)
    assert free / pages < 0.5
    intact(db)


# -- 12: damaged rows -----------------------------------------------------------------------------------


def _with_params(db: Path, params: str | None, scores: str = "{}") -> None:
    sql(db, "INSERT INTO params (at_ms, params, n_reviews, scores) VALUES (?, ?, 5, ?)", to_ms(T0), params, scores)


BAD_PARAMS = ['"x"', "[1, 2, 3]", "{}", "[" + ",".join(["1e999"] * 21) + "]", "[" + ",".join(['"a"'] * 21) + "]",
              "[" + ",".join(["true"] * 21) + "]", "not json", "[[" * 5000 + "]]" * 5000, "[" + ",".join(["1.0"] * 22) + "]"]


@pytest.mark.parametrize("params", BAD_PARAMS)
@pytest.mark.parametrize("command", [["stats"], ["optimize", "--history"], ["optimize", "--retention", "--dry-run"], ["log", "import"],
                                     ["review"], ["interview"]])
def test_damaged_params_row_is_one_error_line(small_deck_dir: Path, tmp_path: Path, params: str, command: list[str]) -> None:
    db = new_store(tmp_path / "d")
    _with_params(db, params)
    if command == ["log", "import"]:
        command = [*command, str(write_log(tmp_path / "in.csv", [("alpha", to_ms(T0), 3, 0)]))]
    before = dump(db)
    code, text = run_cli(*command, "--deck", small_deck_dir, "--data-dir", db.parent)
    one_error(code, text, str(db), "parameters")
    assert dump(db) == before
    intact(db)


@pytest.mark.parametrize("retention", ["0.0001", "0", "1", "1.5", "-0.2", '"high"', "true", "NaN"])
def test_stored_desired_retention_outside_0_1_is_refused(small_deck_dir: Path, tmp_path: Path, retention: str,
                                                         clock: Clock) -> None:
    db = new_store(tmp_path / "d")
    _with_params(db, None, '{"change": "retention", "desired_retention": %s}' % retention)
    with Store(db) as st:
        s = ReviewSession(deck_of(small_deck_dir), st, SETTINGS, clock=clock)
        with pytest.raises(StoreError, match="desired_retention") as err:
            s.preview(s.deck.by_id["alpha"])
        assert str(db) in str(err.value) and "\n" not in str(err.value)
    code, text = run_cli("optimize", "--history", "--data-dir", db.parent)
    one_error(code, text, str(db), "desired_retention")


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hst.recursive(hst.none() | hst.booleans() | hst.floats(allow_nan=True) | hst.integers() | hst.text(max_size=5),
                           lambda kids: hst.lists(kids, max_size=25) | hst.dictionaries(hst.text(max_size=5), kids, max_size=4),
                           max_leaves=30))
def test_any_params_json_is_a_parameter_set_or_one_store_error(tmp_path: Path, value: Any) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        db = new_store(Path(d))
        _with_params(db, json.dumps(value), json.dumps({"desired_retention": value}))
        with Store(db) as st:
            try:
                row = st.active_params()
            except StoreError as e:
                assert str(e).startswith(f"{db}:") and "\n" not in str(e)
            else:
                assert row is not None and (row.params is None or len(row.params) == 21)
                dr = row.scores.get("desired_retention")
                assert dr is None or 0 < dr < 1


@pytest.mark.parametrize("value", [None, "abc", "", "3.0", "-1", " 3", "99999999999999999999999"])
@pytest.mark.parametrize("command", [["stats"], ["interview", "history"], ["cards", "list"], ["optimize", "--history"]])
def test_schema_version_missing_or_not_a_number(small_deck_dir: Path, tmp_path: Path, value: str | None,
                                                command: list[str]) -> None:
    db = new_store(tmp_path / "d")
    if value is None:
        sql(db, "DELETE FROM meta WHERE key = 'schema_version'")
    else:
        sql(db, "UPDATE meta SET value = ? WHERE key = 'schema_version'", value)
    before = dump(db)
    code, text = run_cli(*command, "--data-dir", db.parent)
    one_error(code, text, str(db), "schema_version")
    assert dump(db) == before
    intact(db)


GOOD_SUMMARY = {"cards": 2, "answered": 1, "minutes": 20.0, "grades": {"Again": 0, "Hard": 0, "Good": 1, "Easy": 0},
                "mean_seconds": 4.0, "weakest_tags": [{"tag": "greek", "mean_grade": 3.0, "cards": 1}],
                "answers": [{"card_id": "alpha", "answer": "a", "grade": 3, "seconds": 4.0}], "tags": [],
                "scheduled": False}


def _with_interview(db: Path, summary: str) -> None:
    sql(db, "INSERT INTO interview_sessions (started_at, ended_at, summary) VALUES (?, ?, ?)",
        "2026-11-22T12:00:00.000000+00:00", "2026-11-22T12:05:00.000000+00:00", summary)


BAD_SUMMARIES = ["[]", '"x"', "3", "null", json.dumps({**GOOD_SUMMARY, "grades": []}),
                 json.dumps({**GOOD_SUMMARY, "weakest_tags": [3]}), json.dumps({**GOOD_SUMMARY, "answered": "1"}),
                 json.dumps({k: v for k, v in GOOD_SUMMARY.items() if k != "cards"}),
                 json.dumps({**GOOD_SUMMARY, "answers": [{"card_id": "alpha"}]}),
                 json.dumps({**GOOD_SUMMARY, "answers": [{**GOOD_SUMMARY["answers"][0], "grade": 7}]}),
                 json.dumps({**GOOD_SUMMARY, "weakest_tags": [{"tag": None}]})]


@pytest.mark.parametrize("summary", BAD_SUMMARIES)
@pytest.mark.parametrize("number", [[], ["1"]])
def test_interview_summary_of_the_wrong_shape(small_deck_dir: Path, tmp_path: Path, summary: str, number: list[str]) -> None:
    db = new_store(tmp_path / "d")
    _with_interview(db, summary)
    code, text = run_cli("interview", "history", *number, "--deck", small_deck_dir, "--data-dir", db.parent)
    one_error(code, text, str(db), "interview")
    intact(db)


def test_a_good_summary_still_reads(small_deck_dir: Path, tmp_path: Path) -> None:
    db = new_store(tmp_path / "d")
    _with_interview(db, json.dumps(GOOD_SUMMARY))
    old = {k: v for k, v in GOOD_SUMMARY.items() if k not in ("scheduled", "tags", "mean_seconds", "minutes")}
    _with_interview(db, json.dumps(old))  # saved before those fields existed
    code, text = run_cli("interview", "history", "--deck", small_deck_dir, "--data-dir", db.parent)
    assert code == 0 and text.count("cards") == 2, text
    code, text = run_cli("interview", "history", "1", "--deck", small_deck_dir, "--data-dir", db.parent)
    assert code == 0 and "your answer" in text, text


json_shapes = hst.recursive(hst.none() | hst.booleans() | hst.integers(-3, 5) | hst.floats() | hst.sampled_from(["alpha", "tag", ""]),
                            lambda kids: hst.lists(kids, max_size=3) | hst.dictionaries(
                                hst.sampled_from(["cards", "answered", "grades", "weakest_tags", "answers", "tag",
                                                  "card_id", "answer", "grade", "seconds", "scheduled", "Good"]), kids,
                                max_size=6), max_leaves=20)


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=json_shapes)
def test_any_summary_shape_is_listed_or_one_store_error(tmp_path: Path, small_deck_dir: Path, shape: Any) -> None:
    import tempfile

    from gdstudy.interview import render_interview

    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        db = new_store(Path(d))
        _with_interview(db, json.dumps(shape))
        with Store(db) as st:
            try:
                rows = st.interviews()
            except StoreError as e:
                assert str(e).startswith(f"{db}:") and "\n" not in str(e)
                return
        i, start, end, s = rows[0]
        render_interview(i, start, end, s, deck_of(small_deck_dir))
        code, text = run_cli("interview", "history", "--data-dir", db.parent)
        assert code == 0, text


def test_config_with_a_deeply_nested_array(tmp_path: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    cfg = isolated_home / "config.toml"
    cfg.write_text("decks = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    code, text = run_cli("stats")
    one_error(code, text, str(cfg), "nested")


# -- 13: optimize --retention racing a --reset / --undo -------------------------------------------------


@pytest.mark.parametrize("meanwhile", ["reset", "undo"])
def test_retention_sweep_does_not_revert_a_reset_made_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 meanwhile: str) -> None:
    from gdstudy.optimize import apply, retention
    from gdstudy.optimize.engine import DEFAULT_PARAMETERS

    db = new_store(tmp_path / "d")
    _with_params(db, json.dumps(list(DEFAULT_PARAMETERS)), '{"change": "fit"}')
    _with_params(db, json.dumps([round(p * 1.01, 4) for p in DEFAULT_PARAMETERS]), '{"change": "fit"}')

    history: list[Any] = []

    def slow_sweep(params: Any, **kw: Any) -> retention.Sweep:  # another gdstudy changes the set meanwhile
        with Store(db) as other:
            apply.run_reset(other, T0) if meanwhile == "reset" else apply.run_undo(other)
            history.extend((r.id, r.params, r.scores) for r in other.params_history())
        p = retention.RetentionPoint(0.85, 1.0, 1.0, 1.0, 1.0)
        return retention.Sweep([p], p, {"deck_size": 10, "days": 10, "new_per_day": 1, "from_your_log": []})

    monkeypatch.setattr(retention, "sweep", slow_sweep)
    code, text = run_cli("optimize", "--retention", "--data-dir", db.parent)
    one_error(code, text, str(db), "changed by another gdstudy", "nothing was saved")
    with Store(db) as st:  # the reset / undo made meanwhile is what is in force
        assert [(r.id, r.params, r.scores) for r in st.params_history()] == history and history
        assert st.active_params().scores.get("desired_retention") is None
    intact(db)


def test_retention_sweep_saves_when_nothing_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gdstudy.optimize import apply, retention

    db = new_store(tmp_path / "d")
    p = retention.RetentionPoint(0.85, 1.0, 1.0, 1.0, 1.0)
    monkeypatch.setattr(retention, "sweep", lambda params, **kw: retention.Sweep([p], p))
    with Store(db) as st:
        apply.run_retention(st, SETTINGS, T0, card_ids=["a"], dry_run=False)
        assert st.active_params().scores["desired_retention"] == 0.85


# -- 14: bytes, long lines and special files in a log -----------------------------------------------------


def _rows_text(n: int) -> bytes:
    lines = [",".join(COLUMNS)] + [f"{fsrs_id('alpha')},{1_700_000_000_000 + i},3,0,1000,alpha," for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_non_utf8_byte_is_reported_on_its_own_line(tmp_path: Path) -> None:
    body = _rows_text(120).split(b"\n")
    body[89] = body[89][:5] + b"\xff" + body[89][5:]  # line 90, past the decoder's first chunk
    f = tmp_path / "in.csv"
    f.write_bytes(b"\n".join(body))
    assert body[89] in f.read_bytes() and f.read_bytes().index(b"\xff") > 4000
    with pytest.raises(LogFileError) as err:
        list(read_log(f, {}))
    msg = str(err.value)
    assert msg.startswith(f"{f}:90: ") and "UTF-8" in msg and "position" not in msg, msg


def test_a_huge_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    f = tmp_path / "in.csv"
    with f.open("wb") as out:
        out.write(_rows_text(3))
        out.write(b"1," + b"9" * (40 << 20))  # line 5: 40 MB without a newline
    tracemalloc.start()
    try:
        with pytest.raises(LogFileError) as err:
            list(read_log(f, {}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak
    assert str(err.value).startswith(f"{f}:5: ") and "long" in str(err.value), err.value


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_log_import_refuses_what_is_not_a_regular_file(tmp_path: Path, special: str) -> None:
    """Run in a child (a FIFO without a writer would block a plain open() forever: the child's
    timeout is only a safety net, it is never reached when the file is refused)."""
    src = Path(special)
    if special == "fifo":
        src = tmp_path / "pipe.csv"
        os.mkfifo(src)
    elif special == "folder":
        src = tmp_path / "logs.csv"
        src.mkdir()
    db = new_store(tmp_path / "d")
    before = dump(db)
    env = {**os.environ, "GDSTUDY_HOME": str(tmp_path / "home")}
    r = subprocess.run([sys.executable, "-m", "gdstudy.cli", "log", "import", str(src), "--data-dir", str(db.parent)],
                       capture_output=True, text=True, timeout=120, env=env)
    one_error(r.returncode, r.stderr, str(src), "not a regular file")
    assert dump(db) == before
    intact(db)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=hst.binary(max_size=200))
def test_random_bytes_in_an_import_leave_the_store_as_it_was(tmp_path: Path, small_deck_dir: Path, body: bytes) -> None:
    import tempfile

    deck = deck_of(small_deck_dir)
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        db = new_store(Path(d) / "data")
        f = write_log(Path(d) / "in.csv", [("alpha", to_ms(T0 - DAY), 3, 0)])
        with f.open("ab") as out:
            out.write(body)
        before = dump(db)
        with Store(db) as st:
            try:
                res = import_log(st, f, deck, SETTINGS, now=T0)
            except GdstudyError as e:
                assert str(e).startswith(f"{f}:") and "\n" not in str(e), e
                refused = True
            else:
                refused = False
                assert res.added >= 1
        assert (dump(db) == before) == refused
        intact(db)


@hsettings(max_examples=150, deadline=None)
@given(body=hst.binary(max_size=400), cut=hst.integers(0, 40))
def test_any_bytes_are_rows_or_one_error_on_the_right_line(body: bytes, cut: int) -> None:
    import tempfile

    head = _rows_text(3)
    data = head[: len(head) - cut] + body
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "h.csv"
        f.write_bytes(data)
        try:
            got = list(read_log(f, {}, now_ms=to_ms(T0)))
        except LogFileError as e:
            msg = str(e)
            assert msg.startswith(f"{f}:") and "\n" not in msg, msg
            line = int(msg[len(str(f)) + 1:].split(":", 1)[0])
            lines = data.split(b"\n")
            assert 1 <= line <= len(lines), msg
            bad = next((i for i, ln in enumerate(lines, 1) if not _utf8(ln)), None)
            if "UTF-8" in msg:
                assert line == bad, (msg, bad)
            elif bad is not None:
                assert line <= bad, (msg, bad)
        else:
            for r in got:
                assert 1 <= r.rating <= 4 and 0 <= r.state_before <= 3 and r.reviewed_at_ms >= 0


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- 15: leeches recomputed for every card an import touches -----------------------------------------------


def _lapsing_history(slug: str, start: datetime, lapses: int) -> list[tuple[str, int, int, int]]:
    """Good until review state, then `lapses` times Again (a lapse) + Good, a few days apart."""
    out, t, state = [], start, 0
    for rating in [3, 3, 3] + [1, 3] * lapses:
        out.append((slug, to_ms(t), rating, state))
        t += timedelta(days=4)
        state = 2
    return out


def test_imported_lapses_make_a_leech_on_every_machine(small_deck_dir: Path, tmp_path: Path) -> None:
    deck = deck_of(small_deck_dir)
    start = T0 - timedelta(days=200)
    f = write_log(tmp_path / "in.csv", _lapsing_history("alpha", start, 10))
    fresh = new_store(tmp_path / "a")
    known = new_store(tmp_path / "b")  # alpha has a state here (studied on this machine, not leech)
    with Store(known) as st:
        st.put_state(CardState("alpha", 2, None, 5.0, 5.0, start - DAY, start - 2 * DAY, reps=1,
                               content_hash=deck.by_id["alpha"].content_hash))
    got = []
    for db in (fresh, known):
        with Store(db) as st:
            import_log(st, f, deck, Settings(), now=T0)
            s = st.state("alpha")
            got.append((s.leech, s.suspended, s.lapses >= 8))
    assert got == [(True, True, True), (True, True, True)]


def test_a_leech_unsuspended_by_hand_stays_unsuspended(small_deck_dir: Path, tmp_path: Path) -> None:
    deck = deck_of(small_deck_dir)
    start = T0 - timedelta(days=200)
    f = write_log(tmp_path / "in.csv", _lapsing_history("alpha", start, 10))
    db = new_store(tmp_path / "a")
    with Store(db) as st:
        import_log(st, f, deck, Settings(), now=T0)
        s = st.state("alpha")
        from dataclasses import replace

        st.put_state(replace(s, suspended=False))  # `unsuspend`: studied again, still flagged a leech
        more = write_log(tmp_path / "more.csv", [("alpha", to_ms(T0 - DAY), 3, 2)])
        import_log(st, more, deck, Settings(), now=T0)
        s = st.state("alpha")
        assert s.leech and not s.suspended
