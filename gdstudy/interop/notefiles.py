"""Which notes an import or a coverage report reads: files and folders expanded into notes, each
with the key its cards cite it by (its path relative to the folder given, or its file name)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from gdstudy.deckfiles import missing_error, walk
from gdstudy.errors import CardError
from gdstudy.interop.notes import NOTE_SUFFIXES
from gdstudy.safeyaml import file_kind

__all__ = ["NoteFile", "find_notes"]


@dataclass(frozen=True)
class NoteFile:
    path: Path   # the file to read
    key: str     # how cards cite it: path relative to the folder given (posix), or the file name
    root: str    # the folder given (resolved), for orphan reports


def find_notes(paths: Iterable[Path]) -> tuple[list[NoteFile], list[CardError]]:
    """Files and folders (recursively, as the deck loader walks: symlinks followed, loops cut, hidden
    folders such as .obsidian and hidden files skipped) -> notes. What is not read is reported:
    a broken link, a FIFO/device, a name that is not UTF-8 (its cards would cite it)."""
    notes: list[NoteFile] = []
    errors: list[CardError] = []
    for p in map(Path, paths):
        try:
            st = p.stat()
        except OSError as e:
            errors.append(missing_error(p, e))
            continue
        if stat.S_ISDIR(st.st_mode):
            root = str(p.resolve())
            notes += [NoteFile(f, f.relative_to(p).as_posix(), root) for f in walk(p, NOTE_SUFFIXES, errors, hidden_files=False)]
        elif p.suffix.lower() not in NOTE_SUFFIXES:
            errors.append(CardError(_shown(p), None, f"not a note (expected {', '.join(NOTE_SUFFIXES)})"))
        elif not stat.S_ISREG(st.st_mode):
            errors.append(CardError(_shown(p), None, f"not a regular file ({file_kind(st.st_mode)})"))
        else:
            notes.append(NoteFile(p, p.name, str(p.resolve().parent)))
    seen: dict[str, NoteFile] = {}
    unique = []
    for n in notes:
        if not _utf8(n.key):
            errors.append(CardError(_shown(n.path), None, "file name is not UTF-8: rename it (its cards cite the note by name)"))
            continue
        if n.key in seen:
            errors.append(CardError(str(n.path), None, f"same name as {seen[n.key].path}: both would write {n.key}.yaml"))
            continue
        seen[n.key] = n
        unique.append(n)
    return unique, errors


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # a byte that is not UTF-8 in a file name (os.fsdecode's surrogates)
        return False
    return True


def _shown(p: Path) -> str:
    """A path for a message: bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(p).decode("utf-8", "backslashreplace")
