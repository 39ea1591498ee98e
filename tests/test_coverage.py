"""gdstudy cards coverage: sections cited by cards, sections no card cites, #look_into items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdstudy.cli import app
from gdstudy.deck import load_deck
from gdstudy.interop.coverage import coverage, parse_source
from gdstudy.interop.importer import find_notes
from gdstudy.paths import shipped_cards_dir
from tests.test_deck_content import NOTES_DIR as NOTES  # $GDSTUDY_NOTES_DIR or ../shared/notes

runner = CliRunner()
FIVE = [
    "000_e0c09ec66bc19b89.txt", "001_e13f089455f4b340.txt", "002_4563b932c3c43359.txt",
    "003_cc16fd243074cc18.txt", "004_7dc5dca5d2e017b4.txt",
]

NOTE = """\
# Alpha
Alpha has enough words to be text.

# Beta
Beta also has enough words here.

#look_into
Check the beta claim in the paper.

# Gamma
![[only-a-picture.png]]
"""

CARDS = """\
- id: a1
  front: q
  back: a
  tags: [x]
  source: n.md § Alpha; other.md § Nowhere
- id: a2
  front: q
  back: a
  tags: [x]
  source: "n.md § Alpha (the detail)"
- id: bad
  front: q
  back: a
  tags: [x]
  source: n.md § Not A Heading
"""


def test_parse_source() -> None:
    assert parse_source("a.txt § H1; b.md § H2 (x)") == [("a.txt", "H1"), ("b.md", "H2 (x)")]
    assert parse_source("just-a-file.md") == [("just-a-file.md", None)]


def test_coverage_counts_uncovered_and_look_into(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "cards.yaml").write_text(CARDS, encoding="utf-8")
    deck = load_deck((), [tmp_path / "cards.yaml"], check_demos=False)
    notes, errs = find_notes([tmp_path / "notes"])
    cov = coverage(notes, deck.cards)
    assert not errs and not cov.errors
    assert [(s.title, s.cards, s.has_text) for s in cov.sections] == [
        ("Alpha", ["a1", "a2"], True), ("Beta", [], True), ("Gamma", [], False),
    ]
    assert [s.title for s in cov.uncovered] == ["Beta"]
    assert [(i.line, i.section, i.text) for i in cov.look_into] == [(8, "Beta", "Check the beta claim in the paper.")]
    assert cov.unmatched == [("bad", "n.md § Not A Heading")]  # other.md is not in this report: ignored

    r = runner.invoke(app, ["cards", "coverage", str(tmp_path / "notes"), "--deck", str(tmp_path / "cards.yaml"), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["uncovered"] == [{"note": "n.md", "title": "Beta", "line": 4}]
    assert data["sections"][0]["cards"] == 2 and data["look_into"][0]["line"] == 8

    r = runner.invoke(app, ["cards", "coverage", str(tmp_path / "notes"), "--deck", str(tmp_path / "cards.yaml")])
    assert r.exit_code == 0
    assert "    2 card(s)  # Alpha  (line 1)" in r.output
    assert "# Beta  (line 4)  <- no card cites this" in r.output
    assert "n.md:4 § Beta" in r.output and "n.md:8 (§ Beta): Check the beta claim" in r.output


def test_coverage_of_an_unreadable_note_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_bytes(b"\x00")
    r = runner.invoke(app, ["cards", "coverage", str(tmp_path / "b.md")])
    assert r.exit_code == 2 and "b.md:1: binary file" in r.output and "Traceback" not in r.output


def test_imported_cards_cover_their_own_sections(tmp_path: Path) -> None:
    from gdstudy.interop.importer import import_notes

    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "n.md").write_text("# One\nWhat is one?::The first number.\n# Two\nMore words of plain text.\n", encoding="utf-8")
    import_notes([tmp_path / "v"], tmp_path / "deck")
    deck = load_deck((), [tmp_path / "deck"], check_demos=False)
    cov = coverage(find_notes([tmp_path / "v"])[0], deck.cards)
    assert [(s.title, len(s.cards)) for s in cov.sections] == [("One", 1), ("Two", 0)]
    assert not cov.unmatched


@pytest.mark.skipif(not NOTES.is_dir(), reason="the user's notes (../shared/notes) are not here")
def test_shipped_deck_covers_every_section_with_text_of_the_five_notes() -> None:
    deck = load_deck([shipped_cards_dir()], (), check_demos=False)
    notes, errs = find_notes([NOTES / n for n in FIVE])
    cov = coverage(notes, deck.cards)
    assert not errs and not cov.errors
    assert [f"{s.note} § {s.title}" for s in cov.uncovered] == []
    assert [f"{cid}: {cit}" for cid, cit in cov.unmatched] == []


@pytest.mark.skipif(not NOTES.is_dir(), reason="the user's notes (../shared/notes) are not here")
def test_importing_the_five_real_notes(tmp_path: Path) -> None:
    from gdstudy.interop.importer import import_notes

    r = import_notes([NOTES / n for n in FIVE], tmp_path / "deck")
    assert not r.errors, r.errors
    deck = load_deck((), [tmp_path / "deck"], check_demos=False)
    assert deck.ok
    (card,) = deck.cards  # the notes hold one card: 000's #interview_question
    assert card.interview and card.front == "Why do we initialize the weights using random noise, instead of all at 0?"
    assert card.back.startswith("To avoid symmetrical updates") and card.source == "000_e0c09ec66bc19b89.txt § Mini-batches"
    cov = coverage(find_notes([NOTES / n for n in FIVE])[0], deck.cards)
    assert [(i.note, i.line) for i in cov.look_into] == [("000_e0c09ec66bc19b89.txt", 30)]
    again = import_notes([NOTES / n for n in FIVE], tmp_path / "deck")
    assert again.unchanged == 1 and not again.written
