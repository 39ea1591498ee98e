"""Where the shipped deck and demos live: inside the wheel (gdstudy/_data/...) after
`pip install .`, or at the repository root in a checkout / editable install."""

from __future__ import annotations

from pathlib import Path

__all__ = ["shipped_cards_dir", "shipped_demos_dir"]

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
