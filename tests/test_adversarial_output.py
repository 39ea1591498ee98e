"""Adversarial output paths (issue 20, items 1, 2, 5, 7, 17 and the long-name part of 6): every
writer (`log export`, `export anki`, import's card files) follows one rule, gdstudy.outpath.

A writer never replaces the store (or its -wal/-shm/-journal, by any path or link), a card file or
note, a device, a FIFO, a socket or a symlink; an existing regular file of another kind only with
--force (or when it is an earlier export of the same kind); `-` is stdout. Every refusal is one
`error:` line, exit 2, before any work, and nothing but the named output changes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import SMALL_DECK, invoke_cli
from tests.test_revlog import study

ESC_NAME = "\x1b]0;pwned\x07\x1b[2J\x9b31m"  # OSC 2 title + CSI clear + 8-bit CSI


def _tree(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under `root` (not following links): kind and bytes / link target."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            m = p.lstat().st_mode
            if stat.S_ISLNK(m):
                out[str(p)] = ("link", os.readlink(p))
            elif stat.S_ISREG(m):
                out[str(p)] = ("file", p.read_bytes())
            elif stat.S_ISDIR(m):
                out[str(p)] = ("dir", b"")
            else:
                out[str(p)] = ("special", b"")
    return out


def _store_ok(db: Path) -> None:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] > 0
    finally:
        con.close()


@pytest.fixture(scope="module")
def studied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a real review history (made once; each test copies it)."""
    base = tmp_path_factory.mktemp("studied")
    deck = base / "deck"
    deck.mkdir()
    (deck / "small.yaml").write_text(SMALL_DECK, encoding="utf-8")
    study(deck, base / "data", days=8)
    return base / "data"


@pytest.fixture
def home(studied: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    (h / "gdstudy.db").write_bytes((studied / "gdstudy.db").read_bytes())
    monkeypatch.setenv("GDSTUDY_HOME", str(h))
    monkeypatch.chdir(tmp_path)  # a writer that took `-` for a file name writes here, not into the checkout
    return h


def _run(*args: object):  # type: ignore[no-untyped-def]
    r = invoke_cli(*args)
    return r.exit_code, r.stdout, r.stderr


def _one_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "\x1b" not in err and "\x9b" not in err
    for n in needles:
        assert n in err, err


WRITERS = {
    "csv": ("log", "export"),
    "json": ("log", "export", "--format", "json"),
    "apkg": ("export", "anki"),
}


# -- item 1: the store ---------------------------------------------------------------------------


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("how", ["direct", "other path", "hard link", "symlink", "wal", "shm", "journal"])
def test_an_export_never_replaces_the_store(home: Path, tmp_path: Path, writer: str, how: str) -> None:
    db = home / "gdstudy.db"
    for side in ("-wal", "-shm", "-journal"):  # as an open (or crashed) store leaves them
        Path(f"{db}{side}").write_bytes(b"")
    target = {
        "direct": db, "other path": home / ".." / "home" / "gdstudy.db",
        "wal": Path(f"{db}-wal"), "shm": Path(f"{db}-shm"), "journal": Path(f"{db}-journal"),
    }.get(how)
    if how == "hard link":
        target = tmp_path / "backup.csv"
        os.link(db, target)
    elif how == "symlink":
        target = tmp_path / "log.csv"
        target.symlink_to(db)
    before = _tree(tmp_path)
    for force in ((), ("--force",)):
        code, out, err = _run(*WRITERS[writer], target, *force)
        _one_error(code, out, err)
    assert _tree(tmp_path) == before
    _store_ok(db)


def test_an_export_refuses_any_sqlite_database(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    before = other.read_bytes()
    code, out, err = _run("log", "export", other, "--force")
    _one_error(code, out, err, "database")
    assert other.read_bytes() == before


# -- item 2: devices, FIFOs, sockets, symlinks, card files, notes, other files ------------------


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_devices_fifos_symlinks_and_card_files_are_never_replaced(home: Path, tmp_path: Path, writer: str) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    plain = tmp_path / "plain.txt"
    plain.write_text("mine\n")
    link = tmp_path / "link.csv"
    link.symlink_to(plain)
    card = tmp_path / "cards.yaml"
    card.write_text(SMALL_DECK)
    note = tmp_path / "note.md"
    note.write_text("# Note\nQ::A\n")
    targets = [fifo, link, card, note, Path("/dev/null"), Path("/dev/stdout")]
    if os.geteuid() == 0:
        dev = tmp_path / "null"
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        targets.append(dev)
    before = _tree(tmp_path)
    for t in targets:
        for force in ((), ("--force",)):
            code, out, err = _run(*WRITERS[writer], t, *force)
            _one_error(code, out, err)
    assert _tree(tmp_path) == before
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_another_file_is_replaced_only_with_force(home: Path, tmp_path: Path, writer: str) -> None:
    out = tmp_path / f"mine.{'apkg' if writer == 'apkg' else writer}"
    out.write_text("my thesis, not an export\n")
    code, stdout, err = _run(*WRITERS[writer], out)
    _one_error(code, stdout, err, "--force")
    assert out.read_text() == "my thesis, not an export\n"
    code, stdout, err = _run(*WRITERS[writer], out, "--force")
    assert code == 0, err
    assert out.read_bytes() != b"my thesis, not an export\n"
    # an earlier export of the same kind is replaced without --force
    code, stdout, err = _run(*WRITERS[writer], out)
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == [out.name]  # no temp files left


def test_a_csv_that_only_looks_like_a_revlog_needs_force(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    out.write_text("card_id,review_time,review_rating,review_state,review_duration\n1,2,3,0,\n")  # another tool's
    code, stdout, err = _run("log", "export", out)
    _one_error(code, stdout, err, "--force")
    z = tmp_path / "x.apkg"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("thesis.txt", "not anki")
    code, stdout, err = _run("export", "anki", z)
    _one_error(code, stdout, err, "--force")


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_folders_missing_parents_and_unwritable_folders_are_one_line(home: Path, tmp_path: Path, writer: str) -> None:
    for target in (tmp_path, tmp_path / "nope" / "x.out", tmp_path / "home" / "gdstudy.db" / "x.out",
                   Path("/proc/self/x.out"), Path("/sys/x.out"), Path("/sys/kernel/x.out"), ""):
        code, out, err = _run(*WRITERS[writer], target)
        _one_error(code, out, err)
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        code, out, err = _run(*WRITERS[writer], ro / "x.out")
        _one_error(code, out, err)


# -- `-`: stdout ---------------------------------------------------------------------------------


def test_dash_streams_the_log_to_stdout(home: Path) -> None:
    code, out, err = _run("log", "export", "-")
    assert code == 0, err
    assert out.splitlines()[0].startswith("card_id,review_time,review_rating")
    assert len(out.splitlines()) > 3 and "wrote" not in out and "review(s)" in err
    assert not (home / "-").exists() and not Path("-").exists()
    code, out, err = _run("log", "export", "-", "--format", "json")
    assert code == 0 and out.startswith('{"format": "fsrs-revlog"'), err


def test_dash_streams_the_package_to_stdout_unless_it_is_a_terminal(home: Path, tmp_path: Path) -> None:
    import io
    import subprocess
    import sys

    r = invoke_cli("export", "anki", "-")
    assert r.exit_code == 0, r.stderr
    with zipfile.ZipFile(io.BytesIO(r.stdout_bytes)) as z:
        assert "collection.anki2" in z.namelist()
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "gdstudy.cli", "export", "anki", "-"], stdout=follower,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    err = p.stderr.decode()
    assert p.returncode == 2 and err.startswith("error: ") and err.count("\n") == 1 and "terminal" in err, err


# -- item 5: printed paths -----------------------------------------------------------------------


def test_escape_sequences_in_paths_never_reach_the_terminal(home: Path, tmp_path: Path) -> None:
    out = tmp_path / f"log{ESC_NAME}.csv"
    for args in (("log", "export", out), ("export", "anki", tmp_path / f"deck{ESC_NAME}.apkg"),
                 ("log", "import", out), ("log", "import", tmp_path / f"missing{ESC_NAME}.csv")):
        r = invoke_cli(*args)
        assert "\x1b" not in r.output and "\x9b" not in r.output and "\x07" not in r.output, r.output
        assert "␛" in r.output, r.output
    assert out.exists()
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / f"n{ESC_NAME}.md").write_text("# Heading\nWhat is a step?::A move.\n")
    (vault / f"bad{ESC_NAME}.md").write_text("# H\n{{c1::open\n")
    for args in (("import", vault, "--into", tmp_path / "deck"), ("import", vault, "--into", tmp_path / "deck", "--dry-run"),
                 ("cards", "coverage", vault), ("cards", "coverage", vault, "--json"),
                 ("cards", "coverage", vault / f"gone{ESC_NAME}.md")):
        r = invoke_cli(*args)
        assert "\x1b" not in r.output and "\x9b" not in r.output and "\x07" not in r.output, (args, r.output)
    assert any(p.name.startswith("n\x1b") for p in (tmp_path / "deck").iterdir())  # the real name on disk


# -- item 17 -------------------------------------------------------------------------------------


def test_import_into_an_empty_path_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "n.md").write_text("# H\nQ?::A.\n")
    monkeypatch.chdir(tmp_path)
    before = _tree(tmp_path)
    for empty in ("", "  "):
        code, out, err = _run("import", vault, "--into", empty)
        _one_error(code, out, err, "--into")
    assert _tree(tmp_path) == before


# -- import's card files: the same rule ----------------------------------------------------------


def test_import_never_writes_through_a_symlink_or_fifo_card_file(tmp_path: Path) -> None:
    vault, deck = tmp_path / "vault", tmp_path / "deck"
    vault.mkdir()
    deck.mkdir()
    for n in ("a", "b", "c"):
        (vault / f"{n}.md").write_text(f"# H\nWhat is {n}?::It is {n}.\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (deck / "a.md.yaml").symlink_to(victim)
    code, out, err = _run("import", vault, "--into", deck)
    assert code == 2 and "Traceback" not in err
    assert "a.md" in err and "symbolic link" in err, err
    assert victim.read_text() == "precious\n" and (deck / "a.md.yaml").is_symlink()
    assert (deck / "b.md.yaml").is_file() and (deck / "c.md.yaml").is_file()


def test_import_into_a_folder_without_temp_files_is_one_error_line(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "n.md").write_text("# H\nQ?::A.\n")
    for into in ("/proc/self", "/sys/kernel"):
        code, out, err = _run("import", vault, "--into", into)
        assert code == 2 and "Traceback" not in err, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err


def test_long_note_names_import_or_are_a_located_warning(tmp_path: Path) -> None:
    vault, deck = tmp_path / "vault", tmp_path / "deck"
    vault.mkdir()
    fits = "f" * 237 + ".md"   # card file 245 bytes: fits; its temp file would not with the full name
    also = "é" * 120 + ".md"   # 243 bytes of UTF-8
    too = "t" * 248 + ".md"    # note fits (251 bytes), its card file (256) does not
    for name in (fits, also, too, "ok.md"):
        (vault / name).write_text("# H\nWhat is it?::It is.\n")
    code, out, err = _run("import", vault, "--into", deck)
    assert code == 2 and "Traceback" not in err, err
    assert (deck / (fits + ".yaml")).is_file() and (deck / (also + ".yaml")).is_file() and (deck / "ok.md.yaml").is_file()
    warn = [ln for ln in err.splitlines() if not ln.startswith("error:")]
    assert len(warn) == 1 and too[:20] in warn[0] and "too long" in warn[0], err
    assert [p.name for p in deck.iterdir() if p.name.endswith(".tmp")] == []


# -- hypothesis: random target kinds and names ---------------------------------------------------

KINDS = ["missing", "other-file", "earlier-export", "symlink-store", "symlink-file", "fifo", "device", "folder",
         "missing-parent", "ro-folder", "store-hardlink"]
NAMES = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=30).filter(
    lambda s: s not in (".", "..") and len(s.encode()) < 200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), name=NAMES, writer=st.sampled_from(sorted(WRITERS)), force=st.booleans())
def test_random_targets_follow_the_rule(home: Path, tmp_path_factory: pytest.TempPathFactory, kind: str, name: str,
                                        writer: str, force: bool) -> None:
    work = tmp_path_factory.mktemp("t")
    db = home / "gdstudy.db"
    db_bytes = db.read_bytes()
    name = name + (".apkg" if writer == "apkg" else f".{writer}")
    if name.lower().endswith((".yaml", ".yml", ".md")):
        name += ".out"
    target = work / name
    expect_ok = kind in ("missing", "earlier-export") or (kind == "other-file" and force)
    if kind == "other-file":
        target.write_bytes(b"someone else's data\n")
    elif kind == "earlier-export":
        assert _run(*WRITERS[writer], target)[0] == 0
    elif kind == "symlink-store":
        target.symlink_to(db)
    elif kind == "symlink-file":
        (work / "real").write_text("x")
        target.symlink_to(work / "real")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        if os.geteuid() == 0:
            os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        else:
            target = Path("/dev/null")
    elif kind == "folder":
        target.mkdir()
    elif kind == "missing-parent":
        target = work / "no" / name
    elif kind == "ro-folder":
        target = Path("/sys/kernel") / name if os.geteuid() == 0 else work / "ro" / name
        if os.geteuid() != 0:
            (work / "ro").mkdir()
            (work / "ro").chmod(0o500)
    elif kind == "store-hardlink":
        os.link(db, target)
    before = _tree(work)
    code, out, err = _run(*WRITERS[writer], target, *(("--force",) if force else ()))
    assert "Traceback" not in err
    assert "\x1b" not in out + err and "\x9b" not in out + err
    if expect_ok:
        assert code == 0, (kind, err)
        assert target.is_file() and not target.is_symlink()
        after = _tree(work)
        after.pop(str(target))
        before.pop(str(target), None)
        assert after == before  # nothing but the output changed (no temp files left)
    else:
        _one_error(code, out, err)
        assert _tree(work) == before
    assert db.read_bytes() == db_bytes
    _store_ok(db)


# -- the target is checked again just before the rename -------------------------------------------


@pytest.mark.parametrize("appears", ["symlink", "fifo", "other file"])
def test_a_target_that_changes_meanwhile_is_not_replaced(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         appears: str) -> None:
    import gdstudy.interop.revlog as revlog
    from gdstudy.outpath import OutputError
    from gdstudy.store import Store

    out = tmp_path / "log.csv"
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    real_id = revlog.fsrs_id

    def meanwhile(slug: str) -> int:  # runs while the export writes its temp file
        if not os.path.lexists(out):
            if appears == "symlink":
                out.symlink_to(victim)
            elif appears == "fifo":
                os.mkfifo(out)
            else:
                out.write_text("someone else's\n")
        return real_id(slug)

    monkeypatch.setattr(revlog, "fsrs_id", meanwhile)
    with Store(home / "gdstudy.db") as store, pytest.raises(OutputError, match="cannot write"):
        revlog.export_log(store, out)
    assert victim.read_text() == "precious\n"
    assert os.path.lexists(out) and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    if appears == "symlink":
        assert out.is_symlink()
    elif appears == "fifo":
        assert stat.S_ISFIFO(os.lstat(out).st_mode)
    else:
        assert out.read_text() == "someone else's\n"


def test_each_writer_documents_force_and_stdout_in_its_help() -> None:
    for cmd in (("log", "export"), ("export", "anki")):
        r = invoke_cli(*cmd, "--help")
        assert r.exit_code == 0 and "--force" in r.output and "OUT `-`: to stdout" in r.output, r.output
