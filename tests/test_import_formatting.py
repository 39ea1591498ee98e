"""Formatting survives the import (issue 22 item 5, import side): callouts, block quotes, line
breaks, nested lists, tables and fenced code keep their shape in the card text written to YAML;
`#look_into`-style tags at the end of a `Q::A` line are tags and count in `cards coverage`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gdstudy.deck import load_deck
from gdstudy.interop.importer import import_notes

from tests.conftest import run_cli as run  # noqa: E402

NOTE = Path(__file__).parent / "data" / "formatting_note.md"


@pytest.fixture
def imported(tmp_path: Path) -> dict[str, object]:
    v = tmp_path / "v"
    v.mkdir()
    shutil.copy(NOTE, v / "f.md")
    r = import_notes([v], tmp_path / "deck")
    assert not r.errors and not r.skipped, (r.errors, r.skipped)
    deck = load_deck((), [tmp_path / "deck"], check_demos=False)  # read back from the YAML written
    return {c.front: c for c in deck.cards}


@pytest.mark.parametrize("front, back", [
    ("What does a callout look like?", "> [!note] Remember\n> The step size must be small.\n>   - nested in the callout"),
    ("Which loop?", "Steps:\n1. Sample a batch\n   - shuffle first\n     - every epoch\n2. Step\nLine one\nline two with a hard break"),
    ("Table question", "| batch | noise |\n|---|---|\n| 1 | high |\n| N | none |"),
    ("Code question", "```python\nfor x in batch:\n\n    step(x)\n```"),
    ("Explain momentum.", "> A block quote\n> over two lines\n- list\n  - nested"),
    ("Indented list?", "- top\n  - nested\n- second"),
])
def test_shapes_survive_into_the_yaml(imported: dict, front: str, back: str) -> None:
    assert imported[front].back == back


def test_trailing_tags_of_a_one_line_card_are_tags_not_answer_text(imported: dict) -> None:
    card = imported["Quote question"]
    assert card.back == "> quoted answer" and "look_into" in card.tags


def test_look_into_on_a_card_line_counts_in_coverage(tmp_path: Path) -> None:
    v = tmp_path / "v"
    v.mkdir()
    (v / "n.md").write_text("# Momentum\nWhat is Nesterov?::Look-ahead momentum #look_into #optim\n\n"
                            "Heavy ball\n?\nMomentum with friction #look_into\n", encoding="utf-8")
    code, out = run("cards", "coverage", str(v), "--json")
    assert code == 0, out
    items = json.loads(out)["look_into"]
    assert [(i["line"], i["section"]) for i in items] == [(2, "Momentum"), (4, "Momentum")]
    r = import_notes([v], tmp_path / "deck")
    cards = load_deck((), [tmp_path / "deck"], check_demos=False).cards
    assert not r.errors and all("look_into" in c.tags for c in cards)
    assert {c.back for c in cards} == {"Look-ahead momentum", "Momentum with friction"}
    assert "optim" in cards[0].tags
