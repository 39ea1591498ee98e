"""The one output-path rule, used by every writer (`log export`, `export anki`, import's card files).

A writer never replaces
- the review store: the data dir's gdstudy.db and its -wal/-shm/-journal files, by name (even through
  another path to them) or by identity (a hard link: same st_dev/st_ino), nor any SQLite database;
- a card file or a note (*.yaml, *.yml, *.md, *.markdown) - except import, which rewrites only the card
  files it wrote itself (their `# gdstudy-import:` header);
- a device, a FIFO, a socket, a folder or a symbolic link (`-` is the way to write to stdout).
An existing regular file of another kind is replaced only with `--force`, or when it is recognisably
an earlier output of the same kind (a CSV whose header is exactly the revlog header, the JSON log
export, a zip holding an Anki collection). Every refusal is one OutputError line, raised before any
work; the target is checked again just before the temp file is renamed over it (a symlink or FIFO
created meanwhile is not replaced; a file that appeared where there was none is not either).

Output is written whole or not at all: a temp file beside the target (mkstemp: O_EXCL, 0600),
renamed into place. SIGTERM/SIGHUP during a write remove the temp files (`interruptible`); a kill -9
leaves them, and `remove_stale` (run by the next import) deletes those of import's naming pattern.
`-` streams to stdout; a binary package only when stdout is not a terminal.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import sys
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

from gdstudy.errors import ConfigError
from gdstudy.text import clean

__all__ = [
    "OutputError", "Kind", "Target", "LOG_EXPORT", "ANKI_PACKAGE", "CARD_FILE", "STDOUT", "target", "check",
    "shown", "probe", "store_files", "Temps", "replacing", "open_text", "interruptible", "remove_stale",
    "remove_stale_scratch", "import_temp_name", "IMPORT_TEMP",
]

STDOUT = "-"
NAME_MAX = 255
PROTECTED_SUFFIXES = (".yaml", ".yml", ".md", ".markdown")  # card files and notes
STORE_SIDES = ("", "-wal", "-shm", "-journal")
SQLITE_MAGIC = (b"SQLite format 3\x00", b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")  # database, WAL
# import's temp files: `.<card file name>.<8 mkstemp characters>.tmp` (a long name is cut, ending `~.yaml`)
IMPORT_TEMP = re.compile(r"\A\..+\.ya?ml\.[a-z0-9_]{8}\.tmp\Z", re.IGNORECASE | re.DOTALL)
_RANDOM_TAIL = len(".XXXXXXXX.tmp")


class OutputError(ConfigError):
    """An output path a writer may not (or cannot) write: one line naming the path."""


def shown(path: str | Path) -> str:
    """A path as printed: through the text boundary (no control byte reaches the terminal)."""
    return clean(os.fsdecode(path) if isinstance(path, bytes) else str(path))


# -- what counts as an earlier output of the same kind ------------------------------------------


def _head(path: Path, n: int = 4096) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        return os.read(fd, n)
    finally:
        os.close(fd)


def _is_log_export(path: Path, head: bytes) -> bool:
    from gdstudy.interop.revlog import COLUMNS

    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    return first == ",".join(COLUMNS).encode() or head.startswith(b'{"format": "fsrs-revlog", "columns": ')


def _is_anki_package(path: Path, head: bytes) -> bool:
    if not head.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "media" in names and bool(names & {"collection.anki2", "collection.anki21", "collection.anki21b"})


def _is_imported_card_file(path: Path, head: bytes) -> bool:
    from gdstudy.interop.cardfile import MARKER

    return any(ln.startswith(MARKER.encode()) for ln in head.split(b"\n")[:4])


@dataclass(frozen=True)
class Kind:
    what: str                                   # "review-log export", ...: for messages
    earlier: Callable[[Path, bytes], bool]      # an existing file that is an earlier output of this kind
    binary: bool = False                        # never streamed to a terminal
    card_file: bool = False                     # import: its own card files (.yaml) may be rewritten


LOG_EXPORT = Kind("review-log export", _is_log_export)
ANKI_PACKAGE = Kind("Anki package", _is_anki_package, binary=True)
CARD_FILE = Kind("card file written by gdstudy import", _is_imported_card_file, card_file=True)


@dataclass(frozen=True)
class Target:
    path: Path | None                # None: stdout
    kind: Kind
    force: bool = False
    store: tuple[str, ...] = ()      # the store's files, resolved

    @property
    def stdout(self) -> bool:
        return self.path is None


# -- the rule ------------------------------------------------------------------------------------


def target(out: str | Path, kind: Kind, *, force: bool = False, store: Path | None = None,
           try_write: bool = True) -> Target:
    """Check `out` for a writer of `kind` (see the module doc) and return it as a Target; `-` is
    stdout. `store`: the review store's path (default: the data dir's, as the store resolves it).
    `try_write`: also make (and remove) a temp file beside it, so an unwritable folder is refused now."""
    from gdstudy.paths import user_path

    if str(out) == STDOUT:
        if kind.binary and _isatty(sys.stdout):
            raise OutputError(f"refusing to write an {kind.what} (binary) to the terminal: redirect stdout or give a file name")
        return Target(None, kind, force)
    t = Target(user_path(out, "output path"), kind, force, store_files(store))
    check(t)
    if try_write:
        probe(t.path.parent, t.path)  # type: ignore[union-attr]
    return t


def probe(folder: Path, shown_as: Path | None = None) -> None:
    """Make and remove a temp file in `folder`: OutputError now if none can be made there
    (read-only, /proc, /sys, a full disk ...), before any work is done."""
    tmp = Temps().make(folder, ".gdstudy-probe-", ".tmp", shown_as=shown_as or folder)
    try:
        os.unlink(tmp)
    except OSError as e:
        raise OutputError(f"cannot write into {shown(folder)}: {e.strerror or e}") from None


def check(t: Target) -> None:
    """Raise OutputError unless `t.path` may be written now (called again just before the rename)."""
    p = t.path
    assert p is not None
    where = f"cannot write {shown(p)}"
    if p.name in ("", ".", ".."):
        raise OutputError(f"{where}: it is a folder")
    if len(os.fsencode(p.name)) > NAME_MAX:
        raise OutputError(f"{where}: file name too long ({len(os.fsencode(p.name))} bytes; the limit is {NAME_MAX})")
    try:
        parent = os.stat(p.parent)
    except FileNotFoundError:
        if t.kind.card_file:
            return  # import creates a note's sub-folder under the deck folder (checked again before the rename)
        raise OutputError(f"{where}: folder {shown(p.parent)} does not exist") from None
    except NotADirectoryError:
        raise OutputError(f"{where}: {shown(p.parent)} is not a folder") from None
    except OSError as e:
        raise OutputError(f"{where}: {e.strerror or e}") from None
    if not stat.S_ISDIR(parent.st_mode):
        raise OutputError(f"{where}: {shown(p.parent)} is not a folder")
    real = os.path.join(os.path.realpath(p.parent), p.name)
    if real in t.store:
        raise OutputError(f"{where}: it is the review store (or its journal); exports never replace it")
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(f"{where}: {e.strerror or e}") from None
    if any(_same(st, f) for f in t.store):
        raise OutputError(f"{where}: it is a link to the review store; exports never replace it")
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{where}: it is a symbolic link; gdstudy never writes through one "
                          f"(give the real path{', or - for stdout' if not t.kind.card_file else ''})")
    if not stat.S_ISREG(st.st_mode):
        from gdstudy.safeyaml import file_kind

        raise OutputError(f"{where}: it is {file_kind(st.st_mode)}, not a regular file"
                          + ("" if t.kind.card_file else " (use - to write to stdout)"))
    try:
        head = _head(p)
    except OSError as e:
        raise OutputError(f"{where}: cannot read it to check what it is: {e.strerror or e}") from None
    if head.startswith(SQLITE_MAGIC):
        raise OutputError(f"{where}: it is a SQLite database; exports never replace one")
    if t.kind.earlier(p, head):
        return
    if p.suffix.lower() in PROTECTED_SUFFIXES:
        what = "a card file" if p.suffix.lower() in (".yaml", ".yml") else "a note"
        raise OutputError(f"{where}: it is {what}; {'gdstudy import' if t.kind.card_file else 'exports'} never replace one"
                          + ("" if t.kind.card_file else ", even with --force"))
    if not t.force:
        raise OutputError(f"{where}: it exists and is not an earlier {t.kind.what}; give --force to replace it")


def _same(st: os.stat_result, path: str) -> bool:
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)


def store_files(store: Path | None = None) -> tuple[str, ...]:
    """The store's files (resolved): `store` or the data dir's gdstudy.db, and its -wal/-shm/-journal."""
    if store is None:
        from gdstudy.config import data_dir_path
        from gdstudy.store import DB_NAME

        try:
            store = data_dir_path() / DB_NAME
        except ConfigError:  # no usable data dir: there is no store there to protect
            return ()
    real = os.path.realpath(store)
    return tuple(real + side for side in STORE_SIDES)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- temp files, renames, signals ----------------------------------------------------------------


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

    def make(self, folder: Path, prefix: str, suffix: str = ".tmp", *, shown_as: Path) -> Path:
        masked = _block()
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
            os.close(fd)
            self.paths.add(Path(tmp))
        except OSError as e:
            what = f"cannot write {shown(shown_as)}: cannot" if shown_as != folder else f"cannot write into {shown(folder)}: cannot"
            raise OutputError(f"{what} create a file in {shown(folder)}: {e.strerror or e}") from None
        finally:
            _unblock(masked)
        return Path(tmp)

    def commit(self, tmp: Path, t: Target) -> None:
        """Rename `tmp` over `t.path` after checking the target again (OutputError if it may not
        be replaced any more). A target that is still missing is created with link(): it fails
        if something appeared meanwhile, where rename would replace it."""
        assert t.path is not None
        check(t)
        try:
            try:
                os.lstat(t.path)
            except FileNotFoundError:
                try:
                    os.link(tmp, t.path)
                except FileExistsError:
                    raise OutputError(f"cannot write {shown(t.path)}: a file appeared there meanwhile; not replaced") from None
                except OSError:  # a file system without hard links: rename (checked just above)
                    os.replace(tmp, t.path)
                else:
                    os.unlink(tmp)
            else:
                os.replace(tmp, t.path)
        except OSError as e:
            raise OutputError(f"cannot write {shown(t.path)}: {e.strerror or e}") from None
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


@contextmanager
def replacing(t: Target) -> Iterator[Path]:
    """Yield a temp path beside the target; when the block ends without an error it replaces the
    target (after `check` again). For stdout, the file's bytes are copied to stdout instead."""
    temps = Temps()
    with interruptible():
        try:
            if t.stdout:
                with tempfile.TemporaryDirectory(prefix="gdstudy-out-") as d:
                    yield Path(d) / "out"
                    sys.stdout.flush()
                    with open(Path(d) / "out", "rb") as f:
                        while chunk := f.read(1 << 20):
                            sys.stdout.buffer.write(chunk)
                    sys.stdout.buffer.flush()
                return
            assert t.path is not None
            tmp = temps.make(t.path.parent, ".gdstudy-", ".tmp", shown_as=t.path)
            try:
                yield tmp
            except OSError as e:
                raise OutputError(f"cannot write {shown(t.path)}: {e.strerror or e}") from None
            temps.commit(tmp, t)
        finally:
            temps.cleanup()


@contextmanager
def open_text(t: Target) -> Iterator[IO[str]]:
    """A text stream for the target: stdout itself for `-`, else a temp file renamed into place."""
    if t.stdout:
        yield sys.stdout
        sys.stdout.flush()
        return
    with replacing(t) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        yield f


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
