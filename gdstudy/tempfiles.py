"""Temp files of the writers (gdstudy.outpath): made with mkstemp (O_EXCL, 0600) and registered
at once, removed on SIGTERM/SIGHUP (`interruptible`), and - for those a kill -9 left - removed by
the next import (`remove_stale`: only files of import's naming pattern, older than that run).

Import's temp file for card file NAME is `.NAME.XXXXXXXX.tmp` (8 mkstemp characters); a name too
long for that is cut at a character boundary and ends `~.yaml`, so every temp name fits NAME_MAX."""

from __future__ import annotations

import os
import re
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["NAME_MAX", "IMPORT_TEMP", "import_temp_name", "Temps", "interruptible", "remove_stale", "remove_stale_scratch"]

NAME_MAX = 255
IMPORT_TEMP = re.compile(r"\A\..+\.ya?ml\.[a-z0-9_]{8}\.tmp\Z", re.IGNORECASE | re.DOTALL)
_RANDOM_TAIL = len(".XXXXXXXX.tmp")


def import_temp_name(name: str) -> str:
    """The mkstemp prefix of import's temp file for card file `name`: `.<name>.`, the name cut (at
    a character boundary, ending `~.yaml`) so that the whole temp name fits NAME_MAX bytes."""
    room = NAME_MAX - 2 - _RANDOM_TAIL  # the leading dot and the dot before the random part
    raw = os.fsencode(name)
    if len(raw) <= room:
        return f".{name}."
    ext = Path(name).suffix if Path(name).suffix.isascii() and len(Path(name).suffix) < 10 else ".yaml"
    stem = raw[: room - len(ext) - 1].decode("utf-8", "ignore")
    return f".{stem}~{ext}."


class Temps:
    """Temp files made by one writer; `cleanup()` removes those not yet renamed into place. A temp
    is registered the moment it exists (SIGTERM/SIGHUP are held off in between)."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()

    def make(self, folder: Path, prefix: str, suffix: str = ".tmp") -> Path:
        """A new empty temp file in `folder` (OSError if none can be made there)."""
        masked = _block()
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
            os.close(fd)
            self.paths.add(Path(tmp))
        finally:
            _unblock(masked)
        return Path(tmp)

    def done(self, tmp: Path) -> None:
        """`tmp` was renamed into place: nothing to remove."""
        self.paths.discard(tmp)

    def cleanup(self) -> None:
        for p in list(self.paths):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
            except OSError:  # a folder that turned read-only: nothing more to do; the next import removes it
                continue
            self.paths.discard(p)


_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


def _block() -> set[int] | None:
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
        return signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    return None


def _unblock(old: set[int] | None) -> None:
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block SIGTERM and SIGHUP raise SystemExit(128 + signal), so `finally` blocks
    remove the temp files before the process ends (with the usual exit status for that signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        for s in _SIGNALS:  # a second signal must not interrupt the cleanup
            signal.signal(s, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    old = {s: signal.signal(s, stop) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def remove_stale(root: Path, before: float, pattern: re.Pattern[str] = IMPORT_TEMP) -> int:
    """Delete regular files under `root` (dot-folders skipped, links not followed) named like this
    program's temp files and last changed before `before` (a Unix time: the start of this run):
    what an import killed with kill -9 left. Returns how many were removed."""
    removed = 0
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not pattern.match(name):
                continue
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
                if stat.S_ISREG(st.st_mode) and st.st_mtime < before and (uid is None or st.st_uid == uid):
                    os.unlink(p)
                    removed += 1
            except OSError:
                continue
    return removed


def remove_stale_scratch(prefix: str, before: float) -> int:
    """Scratch folders `<tmp>/<prefix>*` of killed runs (ours, last changed before `before`): their
    temp files of our naming pattern are removed, then the folders if empty. Returns files removed."""
    removed = 0  # never rmtree: only our own files are deleted
    base = tempfile.gettempdir()
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    try:
        entries = [e for e in os.scandir(base) if e.name.startswith(prefix)]
    except OSError:
        return 0
    for e in entries:
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_mtime >= before or (uid is not None and st.st_uid != uid):
            continue
        removed += remove_stale(Path(e.path), before)
        for dirpath, _dirs, _files in sorted(os.walk(e.path), key=lambda w: -len(w[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass  # not empty: something not ours is in it
    return removed
