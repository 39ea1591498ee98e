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

__all__ = ["card_files", "walk", "missing_error", "SUFFIXES"]

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
            errors.append(missing_error(p, e))
            continue
        if stat.S_ISDIR(st.st_mode):
            files += _walk(p, errors)
        else:
            files.append(p)  # read_text refuses anything but a regular file, with its kind
    return files, errors


def missing_error(p: Path, e: OSError) -> CardError:
    """A path that cannot be stat()ed: a broken link, missing, or unreadable."""
    if p.is_symlink():
        return CardError(str(p), None, f"broken symbolic link (to {os.readlink(p)})")
    if isinstance(e, FileNotFoundError):
        return CardError(str(p), None, "no such file or folder")
    return CardError(str(p), None, f"cannot read: {e.strerror or e}")


def walk(root: Path, suffixes: tuple[str, ...], errors: list[CardError], *, hidden_files: bool = True) -> list[Path]:
    """Every file below `root` whose name ends in one of `suffixes` (any case), sorted. Symbolic
    links are followed: a folder reached twice (a loop, or a folder linked in twice) is read once,
    real folders before links to them (so a note keeps the path it has in the folder it lives in).
    Dot-folders (.git, .obsidian) are skipped, dot-files unless `hidden_files`. A matching name
    that is a broken link, or not a regular file (a FIFO, socket or device), is a CardError."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    todo, links = [root], []
    while todo or links:
        folder = todo.pop() if todo else links.pop(0)
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:  # a symlink loop, or the same folder linked twice
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            errors.append(CardError(str(folder), None, f"cannot read folder: {e.strerror or e}"))
            continue
        sub = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith("."):
                    (links if entry.is_symlink() else sub).append(path)
                continue
            if not entry.name.lower().endswith(suffixes) or (not hidden_files and entry.name.startswith(".")):
                continue
            try:
                st = entry.stat()
            except OSError as e:
                errors.append(missing_error(path, e))
                continue
            if stat.S_ISREG(st.st_mode):
                found.append(path)
            else:
                errors.append(CardError(str(path), None, f"not a regular file ({file_kind(st.st_mode)})"))
        todo += reversed(sub)  # depth first, in name order
    return sorted(found)


def _walk(root: Path, errors: list[CardError]) -> list[Path]:
    return walk(root, SUFFIXES, errors)
