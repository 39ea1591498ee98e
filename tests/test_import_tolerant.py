"""Tolerant partial import (issue 22 item 3): each card is parsed on its own, a bad one is a located
warning and the rest of the note imports; prose `==` comparisons are not highlights."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.deck import load_deck
from gdstudy.interop.importer import import_notes
from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import parse_note

from tests.conftest import run_cli as run  # noqa: E402


def parsed(text: str):
    return parse_cards(parse_note(Path("n.md"), text))


def fronts(text: str) -> list[str]:
    return [c.front for c in parsed(text).cards]


@pytest.mark.parametrize("text", [
    "Use a==b to compare.\n",
    "In Python `x == y` is equality and a==b too.\n",
    "if f(x)==0 and g[i]==1 then stop\n",
    "x == y holds here\n",
    "$a==b$ and $$c==d$$ are maths\n",
    "$$\nL(w)==0\n$$\n",
    "```\nif a==b:\n    pass\n```\n",
])
def test_prose_comparisons_are_not_highlights_nor_errors(text: str) -> None:
    r = parsed(text)
    assert r.cards == [] and r.errors == [], (r.cards, r.errors)


def test_a_comparison_pair_is_not_a_highlight_but_a_real_one_is() -> None:
    # `a==b and c==d` used to hide "b and c" behind a cloze
    assert fronts("a==b and c==d\n") == []
    assert fronts("The step is ==small== when a==b.\n") == ["The step is […] when a==b."]


def test_a_bad_card_is_a_located_warning_and_the_rest_of_the_note_imports() -> None:
    text = ("# H\nGood one::yes\n\nan ==unclosed highlight\n\nQuestion::\n\n?\norphan answer\n\n"
            "Another good::card\n\n{{c1::never closed\n")
    r = parsed(text)
    assert not r.fatal
    assert fronts(text) == ["Good one", "Another good"]
    assert [(line, msg.split(" (")[0]) for line, msg in r.errors] == [
        (4, "cloze with no closing =="), (6, "card with no answer after '::'"),
        (8, "'?' with no question above it"), (13, "cloze with no closing }}")]


def test_import_writes_the_good_cards_and_warns_with_file_and_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "note.md").write_text("# H\nfine::card\n\nthe ==word is unclosed\n\nQuestion::\n", encoding="utf-8")
    deck = tmp_path / "deck"
    r = import_notes([notes], deck)
    assert not r.errors
    assert [str(e) for e in r.skipped] == [f"{notes / 'note.md'}:4: cloze with no closing == (read as text)",
                                           f"{notes / 'note.md'}:6: card with no answer after '::'"]
    assert [c.front for c in load_deck((), [deck], check_demos=False).cards] == ["fine"]
    code, out = run("import", str(notes), "--into", str(tmp_path / "deck2"))
    assert code == 0, out
    assert f"warning: {notes / 'note.md'}:4: cloze with no closing ==" in out
    assert "2 card problem(s)" in out and "1 added" in out


def test_a_card_over_the_limits_is_skipped_not_the_note(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "n.md").write_text("short::card\nlong::" + "x" * 30_000 + "\n", encoding="utf-8")
    r = import_notes([notes], tmp_path / "deck")
    assert not r.errors and len(r.skipped) == 1 and ":2: card answer (back)" in str(r.skipped[0])
    assert [c.front for c in load_deck((), [tmp_path / "deck"], check_demos=False).cards] == ["short"]


def test_note_wide_refusals_still_skip_the_whole_note() -> None:
    text = "".join(f"q{i}::a{i}\n" for i in range(50)) + "\n" + " ".join(f"#t{i}" for i in range(60)) + "\n"
    r = parsed(text)
    assert r.fatal and not r.cards
