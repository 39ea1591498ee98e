"""The optional `refs:` list on a card and the `notes:` titles in a deck header (issues 10 and 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.deck import load_deck

DECK = """\
deck: refs
notes:
  a.txt: "Lecture slides: SGD"
cards:
  - id: with-refs
    front: Q?
    back: A.
    tags: [t]
    source: a.txt § Intro; b.txt § Other (a quote)
    refs: ["Robbins & Monro, Ann. Math. Statist. (1951)", "Polyak (1964)"]
  - id: plain
    front: Q2?
    back: A2.
    tags: [t]
    source: a.txt § Intro
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "d.yaml").write_text(text, encoding="utf-8")
    return load_deck([], [tmp_path], check_demos=False)


def test_refs_and_note_titles_load(tmp_path: Path) -> None:
    deck = _load(tmp_path, DECK)
    assert not deck.problems, deck.problems
    card = deck.by_id["with-refs"]
    assert card.refs == ("Robbins & Monro, Ann. Math. Statist. (1951)", "Polyak (1964)")
    assert deck.by_id["plain"].refs == ()
    assert card.source_parts == [("a.txt", "Intro"), ("b.txt", "Other (a quote)")]
    # a titled note shows its title, an untitled one keeps its file name
    assert card.source_label == "Lecture slides: SGD § Intro; b.txt § Other (a quote)"
    assert card.to_dict()["refs"] == list(card.refs)
    assert card.deck == "refs"  # the header's deck name travels with each card (Anki sub-decks use it)


@pytest.mark.parametrize(("refs", "fragment"), [
    ("refs: []", "'refs' must be a non-empty list"),
    ("refs: Polyak 1964", "'refs' must be a non-empty list"),
    ("refs: ['', x]", "'refs' must be a non-empty list"),
    ("refs: [12]", "refs must be text, got a number"),
])
def test_bad_refs_are_located_errors(tmp_path: Path, refs: str, fragment: str) -> None:
    deck = _load(tmp_path, f"- id: a\n  front: Q\n  back: b\n  tags: [t]\n  source: s\n  {refs}\n")
    assert [p.line for p in deck.problems] == [6] and fragment in str(deck.problems[0])


@pytest.mark.parametrize(("notes", "line", "fragment"), [
    ("notes: [a.txt]", 2, "'notes' must map note file names to titles"),
    ("notes:\n  a.txt: ''", 3, "'notes.a.txt' is empty"),
    ("notes:\n  a.txt: 12", 3, "must be text"),
])
def test_bad_note_titles_are_located_errors(tmp_path: Path, notes: str, line: int, fragment: str) -> None:
    deck = _load(tmp_path, f"deck: x\n{notes}\ncards: []\n")
    assert [p.line for p in deck.problems] == [line] and fragment in str(deck.problems[0]), deck.problems
