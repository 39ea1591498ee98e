"""Which files a deck is made of: card files and folders expanded into card files.

A folder gives every *.yaml / *.yml below it (any case, sorted; symlinks followed, loops cut;
dot-folders such as .git skipped). A card file that is a broken link, not a regular file (a FIFO,
socket or device) or unreadable, and a folder that cannot be listed, are reported as CardErrors,
never skipped silently; `gdstudy.safeyaml.read_text` refuses to read anything but a regular file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from gdstudy.errors import CardError
from gdstudy.safeyaml import file_kind

__all__ = ["card_files", "SUFFIXES"]

SUFFIXES = (".yaml", ".yml")  # matched case-insensitively: A.YAML is a card file too


def card_files(paths: Iterable[Path]) -> tuple[list[Path], list[CardError]]:
    """Expand files and folders into card files. A folder gives every *.yaml / *.yml below it
    (any case, sorted; symlinks followed, loops cut; dot-folders such as .git skipped); a card
    file that is a broken link, a FIFO or unreadable is an error, never skipped silently."""
    files: list[Path] = []
    errors: list[CardError] = []
    for p in map(Path, paths):
        try:
            st = p.stat()
        except OSError as e:
            errors.append(_missing(p, e))
            continue
        if stat.S_ISDIR(st.st_mode):
            files += _walk(p, errors)
        else:
            files.append(p)  # read_text refuses anything but a regular file, with its kind
    return files, errors


def _missing(p: Path, e: OSError) -> CardError:
    if p.is_symlink():
        return CardError(str(p), None, f"broken symbolic link (to {os.readlink(p)})")
    if isinstance(e, FileNotFoundError):
        return CardError(str(p), None, "no such file or folder")
    return CardError(str(p), None, f"cannot read: {e.strerror or e}")


def _walk(root: Path, errors: list[CardError]) -> list[Path]:
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:  # a symlink loop, or the same folder linked twice
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as e:
            errors.append(CardError(str(folder), None, f"cannot read folder: {e.strerror or e}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith("."):
                    todo.append(path)
                continue
            if not entry.name.lower().endswith(SUFFIXES):
                continue
            try:
                st = entry.stat()
            except OSError as e:
                errors.append(_missing(path, e))
                continue
            if stat.S_ISREG(st.st_mode):
                found.append(path)
            else:
                errors.append(CardError(str(path), None, f"not a regular file ({file_kind(st.st_mode)})"))
    return sorted(found)
