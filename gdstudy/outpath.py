"""The one output-path rule, used by every writer (`log export`, `export anki`, import's card files).

A writer never replaces
- the review store: the data dir's gdstudy.db and its -wal/-shm/-journal files, by name (even through
  another path to them) or by identity (a hard link: same st_dev/st_ino), nor any SQLite database;
- a card file or a note (*.yaml, *.yml, *.md, *.markdown) - except import, which rewrites only the card
  files it wrote itself (their `# gdstudy-import:` header), and the app's `e`/`a` (gdstudy.cardedit),
  which replace the card file the user edited, once it validates and only if it did not change on disk
  meanwhile;
- a device, a FIFO, a socket, a folder or a symbolic link (`-` is the way to write to stdout).
An existing regular file of another kind is replaced only with `--force`, or when it is recognisably
an earlier output of the same kind (a CSV whose header is exactly the revlog header, the JSON log
export, a zip holding an Anki collection). Every refusal is one OutputError line, raised before any
work; the target is checked again just before the temp file is renamed over it (a symlink or FIFO
created meanwhile is not replaced; a file that appeared where there was none is not either).

Output is written whole or not at all: a temp file beside the target (gdstudy.tempfiles: removed on
SIGTERM/SIGHUP), renamed into place. `-` streams to stdout; a binary package only when stdout is not
a terminal.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

from gdstudy.errors import ConfigError
from gdstudy.tempfiles import NAME_MAX, Temps, interruptible
from gdstudy.text import clean

__all__ = [
    "OutputError", "Kind", "Target", "LOG_EXPORT", "ANKI_PACKAGE", "CARD_FILE", "EDITED_CARD_FILE", "STDOUT", "target", "check",
    "probe", "store_files", "shown", "make_temp", "commit", "replacing", "open_text",
]

STDOUT = "-"
PROTECTED_SUFFIXES = (".yaml", ".yml", ".md", ".markdown")  # card files and notes
STORE_SIDES = ("", "-wal", "-shm", "-journal")
SQLITE_MAGIC = (b"SQLite format 3\x00", b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")  # database, WAL


class OutputError(ConfigError):
    """An output path a writer may not (or cannot) write: one line naming the path."""


def shown(path: str | Path) -> str:
    """A path (or a line quoting one) as printed: through the text boundary, no control byte
    reaches the terminal, and a newline in a file name is shown (␊), so it stays one line."""
    return clean(os.fsdecode(path) if isinstance(path, bytes) else str(path)).replace("\n", "\u240a")


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
# the app's edit (`e`) and add (`a`): the card file the user chose to change (gdstudy.cardedit checks
# it is unchanged on disk since it was read, and validates the new text, before it is replaced)
EDITED_CARD_FILE = Kind("card file edited in gdstudy", lambda p, _head: p.suffix.lower() in (".yaml", ".yml"), card_file=True)


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
    tmp = make_temp(Temps(), folder, ".gdstudy-probe-", shown_as=shown_as or folder)
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
        raise OutputError(f"{where}: it is the review store (or its journal); gdstudy never replaces it")
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(f"{where}: {e.strerror or e}") from None
    if any(_same(st, f) for f in t.store):
        raise OutputError(f"{where}: it is a link to the review store; gdstudy never replaces it")
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
        raise OutputError(f"{where}: it is a SQLite database; gdstudy never replaces one")
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


# -- temp files and the rename ------------------------------------------------------------------


def make_temp(temps: Temps, folder: Path, prefix: str, *, shown_as: Path) -> Path:
    """`temps.make` with an OSError as one OutputError line naming the output."""
    try:
        return temps.make(folder, prefix, ".tmp")
    except OSError as e:
        what = f"cannot write {shown(shown_as)}: cannot" if shown_as != folder else f"cannot write into {shown(folder)}: cannot"
        raise OutputError(f"{what} create a file in {shown(folder)}: {e.strerror or e}") from None


def commit(temps: Temps, tmp: Path, t: Target) -> None:
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
    temps.done(tmp)


@contextmanager
def replacing(t: Target) -> Iterator[Path]:
    """Yield a temp path beside the target; when the block ends without an error it replaces the
    target (after `check` again). For stdout, the file's bytes are copied to stdout instead."""
    temps = Temps()
    with interruptible():
        try:
            if t.stdout:
                try:
                    scratch = tempfile.TemporaryDirectory(prefix="gdstudy-out-")
                except OSError as e:
                    raise OutputError(f"cannot make a scratch folder in {shown(tempfile.gettempdir())}: "
                                      f"{e.strerror or e} (set TMPDIR)") from None
                with scratch as d:
                    yield Path(d) / "out"
                    sys.stdout.flush()
                    with open(Path(d) / "out", "rb") as f:
                        while chunk := f.read(1 << 20):
                            sys.stdout.buffer.write(chunk)
                    sys.stdout.buffer.flush()
                return
            assert t.path is not None
            tmp = make_temp(temps, t.path.parent, ".gdstudy-", shown_as=t.path)
            try:
                yield tmp
            except OSError as e:
                raise OutputError(f"cannot write {shown(t.path)}: {e.strerror or e}") from None
            commit(temps, tmp, t)
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
