"""Where the shipped deck and demos live: inside the wheel (gdstudy/_data/...) after
`pip install .`, or at the repository root in a checkout / editable install; and `user_path`, the
one check for a path a user types (a flag, a config value, an environment variable)."""

from __future__ import annotations

import os
from pathlib import Path

from gdstudy.errors import ConfigError

__all__ = ["demo_names", "shipped_cards_dir", "shipped_demos_dir", "user_path"]


def user_path(value: str | Path, what: str) -> Path:
    """A path a user typed, `~` expanded. An empty value (which would silently mean the current
    folder), a NUL byte or `~user` for an unknown user is a ConfigError naming `what`."""
    from gdstudy.text import shorten

    text = str(value)
    if not text.strip():
        raise ConfigError(f"{what} is empty: give a folder path")
    if "\x00" in text:
        raise ConfigError(f"{what} '{shorten(text)}' contains a NUL byte")
    try:
        return Path(text).expanduser()
    except RuntimeError:  # ~user for a user that does not exist (or no home directory)
        user = text.split("/", 1)[0]
        raise ConfigError(f"{what} '{shorten(text)}': cannot expand {user}: no such user") from None

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name  # checkout layout


def shipped_cards_dir() -> Path:
    return _find("cards")


def shipped_demos_dir() -> Path:
    return _find("demos")


def demo_names() -> list[str]:
    """Sorted demo names: file stems of demos/*.py (not starting with _), '_' -> '-'. Only lists
    files (no demo is imported): the deck checks card links with it on every review start."""
    folder = shipped_demos_dir()
    if not folder.is_dir():
        return []
    # os.listdir, not Path.glob: glob compiles a pattern (fnmatch, re) on every start
    return sorted(n[:-3].replace("_", "-") for n in os.listdir(folder) if n.endswith(".py") and not n.startswith("_"))
