"""`--deck NAME`: study one deck, or one of the two shipped decks, instead of everything loaded.

`--deck` takes a folder or card file (added to what is loaded, as before) or a deck name:
`notes` (every card outside `beyond-the-notes`: the deck made from the notes, and your own),
`beyond-the-notes`, or any deck's `deck:` name (as `gdstudy cards list` shows). A value that is an
existing path is a path; otherwise it must be a name, else one error line with the close names.
Several names select the union.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from gdstudy.deck import BEYOND_DECK, Card, Deck
from gdstudy.errors import ConfigError
from gdstudy.suggest import close_matches

__all__ = ["NOTES", "split_deck_args", "select_decks", "deck_group"]

NOTES = "notes"  # the group name for every card outside beyond-the-notes


def deck_group(card: Card) -> str:
    """The shipped deck a card belongs to for mixing: `beyond-the-notes` or `notes`."""
    return BEYOND_DECK if card.beyond else NOTES


def _is_path(value: str) -> bool:
    if "/" in value or value.startswith(".") or value.startswith("~"):
        return True
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return True  # let the path check say what is wrong with it


def split_deck_args(values: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """-> (paths to load, names to select)."""
    paths: list[str] = []
    names: list[str] = []
    for v in values or ():
        (paths if _is_path(v) else names).append(v)
    return paths, names


def select_decks(deck: Deck, names: Iterable[str]) -> Deck:
    """The cards of `deck` in any of the decks `names` (see the module docstring); the deck's
    problems are kept. An unknown name is one error line suggesting the close ones."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return deck
    known = sorted({NOTES, BEYOND_DECK} | {c.deck for c in deck.cards if c.deck})
    unknown = [n for n in wanted if n not in known]
    if unknown:
        near = list(dict.fromkeys(m for n in unknown for m in close_matches(n, known)))
        hint = f"did you mean {', '.join(near)}?" if near else f"the decks: {', '.join(known)}"
        raise ConfigError(f"no deck or folder {', '.join(map(repr, unknown))}; {hint}")
    chosen = set(wanted)
    cards = [c for c in deck.cards if c.deck in chosen or deck_group(c) in chosen]
    if not cards:
        raise ConfigError(f"deck {', '.join(map(repr, wanted))} has no cards")
    return Deck(cards, list(deck.problems))
