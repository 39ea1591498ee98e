"""Every card's `source:` points at a real place in the user's notes (issue 10).

A source is `NOTE § HEADING` or `NOTE § HEADING (a short quote)`, several joined by `; ` (`Intro`, or
the note's front-matter title, is the text before its first heading). With the notes present (a dev checkout has them in
../shared/notes), each cited heading must be a heading of that note as `note_sections()` reads it (the
same reader `gdstudy cards coverage` uses), each quote must occur in that section's text, and a card
whose cited sections have no text of their own (an image only) must carry `refs:`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_deck_content import NOTE_CARDS, NOTES_DIR

notes_mod = pytest.importorskip("gdstudy.interop.notes")
pytestmark = pytest.mark.skipif(not NOTES_DIR.is_dir(), reason="the source notes are not beside this checkout")

QUOTED = re.compile(r"^(?P<head>.*?)\s*\((?P<quote>[^()]*)\)$")


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", s).split()).casefold()


def _sections(note: str) -> list[tuple[object, str]]:
    """(section, the note's text from its heading to the next heading) for every section of the note."""
    path = NOTES_DIR / note
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    secs = notes_mod.note_sections(path)
    out = []
    for i, sec in enumerate(secs):
        end = secs[i + 1].line - 1 if i + 1 < len(secs) else len(lines)
        out.append((sec, "\n".join(lines[max(sec.line - 1, 0):end])))
    return out


def _resolve(note: str, cited: str) -> tuple[list[tuple[object, str]], str | None]:
    """-> (the sections with that heading, the quote or None)."""
    secs = _sections(note)
    same = [(s, t) for s, t in secs if _norm(s.title) == _norm(cited)]
    if same:
        return same, None
    m = QUOTED.match(cited)
    if m:
        return [(s, t) for s, t in secs if _norm(s.title) == _norm(m["head"])], m["quote"]
    return [], None


@pytest.mark.parametrize("card", [c for _, c in NOTE_CARDS], ids=lambda c: c["id"])
def test_source_points_at_a_heading_and_a_quote_of_the_note(card: dict) -> None:
    textless = True
    for part in card["source"].split("; "):
        note, _, cited = part.partition(" § ")
        found, quote = _resolve(note, cited)
        headings = sorted({s.title for s, _ in _sections(note)})
        assert found, f"{card['id']}: {note} has no heading {cited!r}; its headings: {headings}"
        if quote is not None:
            assert any(_norm(quote) in _norm(text) for _, text in found), \
                f"{card['id']}: {quote!r} is not in {note} § {found[0][0].title}"
        textless &= not any(s.has_text for s, _ in found)
    if textless:
        assert card.get("refs"), f"{card['id']}: its cited sections have no text (images only) and it has no refs"
