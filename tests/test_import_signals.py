"""`gdstudy import` killed mid-write (issue 20, item 8): SIGTERM/SIGHUP remove the hidden temp files
(`.NOTE.md.yaml.XXXXXXXX.tmp`) from the deck folder and the dry run's scratch folder; the temp
files a kill -9 leaves are removed by the next run (only those of import's naming pattern, older
than that run). A real process, a real signal, sent once a temp file exists (a condition, not a
sleep)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gdstudy.tempfiles import IMPORT_TEMP
from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

NOTES = 1500


def _vault(root: Path) -> Path:
    vault = root / "vault"
    vault.mkdir()
    for i in range(NOTES):
        (vault / f"n{i:04d}.md").write_text(
            f"# Note {i}\n" + "".join(f"What is fact {i}.{k}?::It is answer {k} of note {i}.\n" for k in range(6)),
            encoding="utf-8")
    return vault


def _temps(root: Path) -> list[Path]:
    return [Path(d) / f for d, _, files in os.walk(root) for f in files if IMPORT_TEMP.match(f)]


def _start(args: list[str], root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GDSTUDY_HOME": str(root / "home"), "TMPDIR": str(root / "tmp")}
    return subprocess.Popen([sys.executable, "-m", "gdstudy.cli", "import", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def _kill_once_writing(proc: subprocess.Popen[bytes], watch: Path, sig: int) -> list[Path]:
    """Wait until the import has made a temp file under `watch`, then send `sig`; the temp files seen."""
    seen: list[Path] = []
    while proc.poll() is None and not seen:
        seen = _temps(watch) if watch.exists() else []
    assert seen, f"the import ended before writing (exit {proc.returncode}): make the vault bigger"
    proc.send_signal(sig)
    proc.wait(timeout=120)
    return seen


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "deck").mkdir()
    _vault(tmp_path)
    return tmp_path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_import_leaves_no_temp_files(root: Path, sig: int) -> None:
    deck = root / "deck"
    proc = _start([str(root / "vault"), "--into", str(deck)], root)
    _kill_once_writing(proc, deck, sig)
    assert proc.returncode == 128 + sig, proc.stderr.read().decode()  # type: ignore[union-attr]
    assert b"Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
    assert _temps(deck) == [] and _temps(root / "tmp") == []
    assert [p.name for p in deck.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_dry_run_removes_its_scratch_folder(root: Path, sig: int) -> None:
    proc = _start([str(root / "vault"), "--into", str(root / "deck"), "--dry-run"], root)
    _kill_once_writing(proc, root / "tmp", sig)
    assert proc.returncode == 128 + sig
    assert list((root / "tmp").iterdir()) == [] and list((root / "deck").iterdir()) == []


def test_temp_files_a_kill_9_left_are_removed_by_the_next_run(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = root / "deck"
    proc = _start([str(root / "vault"), "--into", str(deck)], root)
    _kill_once_writing(proc, deck, signal.SIGKILL)
    left = _temps(deck)
    assert left, "kill -9 cannot clean up: the next run must"
    mine = deck / ".notes.md.yaml.tmp"  # not import's pattern: never touched
    mine.write_text("keep")
    monkeypatch.setenv("GDSTUDY_HOME", str(root / "home"))
    code, out = run_cli("import", root / "vault" / "n0000.md", "--into", deck)
    assert code == 0, out
    assert f"removed {len(left)} temp file(s) left by an interrupted import" in out
    assert _temps(deck) == [] and mine.read_text() == "keep"


def test_a_dry_run_after_a_kill_9_removes_the_stale_scratch_folder(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = _start([str(root / "vault"), "--into", str(root / "deck"), "--dry-run"], root)
    _kill_once_writing(proc, root / "tmp", signal.SIGKILL)
    assert _temps(root / "tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(root / "tmp"))
    code, out = run_cli("import", root / "vault" / "n0000.md", "--into", root / "deck", "--dry-run")
    assert code == 0, out
    assert list((root / "tmp").iterdir()) == []


def test_only_stale_files_of_the_pattern_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck, vault = tmp_path / "deck", tmp_path / "vault"
    (deck / "sub").mkdir(parents=True)
    vault.mkdir()
    (vault / "a.md").write_text("# H\nQ?::A.\n")
    old = time.time() - 3600
    stale = [deck / ".a.md.yaml.abcd1234.tmp", deck / "sub" / ".x.md.yaml.zzzz_zzz.tmp"]
    keep = [deck / ".a.md.yaml.abc.tmp", deck / "a.md.yaml.abcdefgh.tmp.bak", deck / ".hidden" / ".a.md.yaml.abcdefgh.tmp"]
    for p in stale + keep:
        p.parent.mkdir(exist_ok=True)
        p.write_text("x")
        os.utime(p, (old, old))
    (deck / ".link.md.yaml.abcdefgh.tmp").symlink_to(tmp_path / "vault")
    code, out = run_cli("import", vault, "--into", deck, "--dry-run")
    assert code == 0 and all(p.exists() for p in stale)  # a dry run writes nothing, removes nothing
    code, out = run_cli("import", vault, "--into", deck)
    assert code == 0 and "removed 2 temp file(s)" in out, out
    assert not any(p.exists() for p in stale) and all(p.exists() for p in keep)
    assert (deck / ".link.md.yaml.abcdefgh.tmp").is_symlink()
