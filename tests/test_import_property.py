"""Property tests: any note text parses without an exception, and whatever the import writes reads
back through the deck loader unchanged, and re-imports as unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdstudy.deck import load_deck
from gdstudy.interop.importer import import_notes
from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import parse_note, sections_of

PIECES = ["::", ":::", "==", "{{c1::", "{{c2::", "::hint", "}}", "?", "??", "#tag", "#look_into",
          "#interview_question", "# ", "## ", "`", "```", "$", "$$", "[[", "]]", "![[x.png]]", "http://a/b::c",
          "\n", "\n\n", "\r\n", " ", "\t", "é", "θ", "---", "- ", "> ", "&lt;h1>", "</h1>", "\x1b[2J", "\x85",
          "'", '"', "&", "*", "|", ">", "%", "@", "!", "~", "null", "true", "0x1"]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet="abcXYZ Q", min_size=1, max_size=6)),
                max_size=60).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_any_note_parses(text: str) -> None:
    note = parse_note(Path("n.md"), text.replace("\r\n", "\n"))
    sections_of(note)
    r = parse_cards(note)
    n_lines = len(note.lines)
    assert all(1 <= line <= n_lines and msg for line, msg in r.errors)
    for c in r.cards:
        assert c.front.strip() and c.back.strip() and 1 <= c.line <= n_lines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_import_writes_what_the_loader_reads_and_is_idempotent(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        notes, deck_dir = Path(tmp) / "notes", Path(tmp) / "deck"
        notes.mkdir()
        (notes / "n.md").write_bytes(text.encode("utf-8", "surrogatepass"))
        r = import_notes([notes], deck_dir)
        if r.errors:
            assert all(str(e).startswith(str(notes / "n.md")) for e in r.errors)
            assert not deck_dir.exists() or not list(deck_dir.rglob("*.yaml"))
            return
        deck = load_deck((), [deck_dir], check_demos=False)
        assert deck.ok, deck.problems
        assert len(deck.cards) == r.count("added")
        again = import_notes([notes], deck_dir)
        assert not again.written and again.unchanged == len(deck.cards) and not again.changes


N = 200_000  # characters: a scan that is quadratic in the line length would take minutes here


@pytest.mark.parametrize("text", [
    "==x " * (N // 4), "$a " * (N // 3), "$$ " * (N // 3), "`` ` " * (N // 5), "{{c1::x " * (N // 8),
    ":" * N, "a." * (N // 2) + "://", "[[a" * (N // 3), "![a](" * (N // 5), "](" * (N // 2), "#a" * (N // 2),
    "![[" * (N // 3), "<h1>" * (N // 4), "&lt;h1>" * (N // 7), "<a<a" * (N // 4), "<script>" * (N // 8),
    "# a #" * (N // 5), "q\n?\n" * (N // 4), "a::b\n" * (N // 5), "==x== " * (N // 6), "{{c1::x}}" * (N // 9),
], ids=lambda t: repr(t[:12]))
def test_pathological_notes_finish(text: str) -> None:
    """Unclosed openers, huge lines, thousands of cards: parsed in linear time, bounded output."""
    note = parse_note(Path("n.md"), text)
    sections_of(note)
    r = parse_cards(note)
    assert len(r.cards) <= 10_000
