"""`gdstudy cards coverage`: which sections of the notes the cards cite, and which they don't.

The two shipped decks are reported apart: the cards from the notes (and your own) against the
notes' sections, and the `beyond-the-notes` deck, which cites the literature instead, by topic tag.

A card cites sections through its `source:`: `note § Heading`, several joined with `;`.
`Heading (detail)` cites `Heading`; the note is matched by its path relative to the folder given,
or by its file name when that is unique. Sections with the same title in one note (slides repeat
their title) are one entry. A section *with text* (see `notes`) that no card cites is uncovered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from gdstudy.deck import BEYOND_DECK, BEYOND_TAG, Card
from gdstudy.errors import CardError
from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import NoteError, read_note, sections_of
from gdstudy.interop.notefiles import NoteFile

__all__ = ["SectionCoverage", "LookIntoItem", "Coverage", "parse_source", "coverage"]


@dataclass
class SectionCoverage:
    note: str
    title: str
    level: int
    lines: list[int]
    has_text: bool
    cards: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.lines[0]

    @property
    def covered(self) -> bool:
        return bool(self.cards) or not self.has_text

    def to_dict(self) -> dict[str, Any]:
        return {"note": self.note, "title": self.title, "level": self.level, "line": self.line, "lines": self.lines,
                "has_text": self.has_text, "cards": len(self.cards), "card_ids": self.cards}


@dataclass(frozen=True)
class LookIntoItem:
    note: str
    line: int
    section: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"note": self.note, "line": self.line, "section": self.section, "text": self.text}


@dataclass
class Coverage:
    sections: list[SectionCoverage] = field(default_factory=list)
    look_into: list[LookIntoItem] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (card id, citation)
    errors: list[CardError] = field(default_factory=list)
    notes_cards: int = 0  # cards that cite the notes (or may: every card outside beyond-the-notes)
    beyond: dict[str, list[str]] = field(default_factory=dict)  # beyond-the-notes: topic tag -> card ids

    @property
    def beyond_cards(self) -> int:
        return len({c for ids in self.beyond.values() for c in ids})

    @property
    def uncovered(self) -> list[SectionCoverage]:
        return [s for s in self.sections if not s.covered]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sections": [s.to_dict() for s in self.sections],
            "uncovered": [{"note": s.note, "title": s.title, "line": s.line} for s in self.uncovered],
            "look_into": [i.to_dict() for i in self.look_into],
            "unmatched_citations": [{"card": c, "citation": t} for c, t in self.unmatched],
            "errors": [str(e) for e in self.errors],
            "decks": {
                "notes": {"cards": self.notes_cards, "sections": len(self.sections), "uncovered": len(self.uncovered)},
                BEYOND_DECK: {"cards": self.beyond_cards, "topics": {t: len(ids) for t, ids in self.beyond.items()}},
            },
        }

    def lines(self) -> list[str]:
        out: list[str] = []
        note = None
        for s in self.sections:
            if s.note != note:
                note = s.note
                out += ["", note] if out else [note]
            mark = "  (no text)" if not s.has_text else ("" if s.cards else "  <- no card cites this")
            head = ("#" * s.level + " " if s.level else "") + s.title
            out.append(f"  {len(s.cards):>3} card(s)  {head}  (line {s.line}){mark}")
        unc = self.uncovered
        out += ["", f"sections with text no card cites: {len(unc)}"]
        out += [f"  {s.note}:{s.line} § {s.title}" for s in unc]
        out += ["", f"#look_into items: {len(self.look_into)}"]
        out += [f"  {i.note}:{i.line} (§ {i.section}): {i.text}" for i in self.look_into]
        if self.unmatched:
            out += ["", f"citations that match no heading: {len(self.unmatched)}"]
            out += [f"  {cid}: {cit}" for cid, cit in self.unmatched]
        out += ["", f"deck from the notes: {self.notes_cards} card(s) against {len(self.sections)} section(s), {len(unc)} uncovered"]
        if self.beyond:
            out += [f"deck {BEYOND_DECK}: {self.beyond_cards} card(s) citing the literature, by topic:"]
            out += [f"  {len(ids):>3} card(s)  {t}" for t, ids in sorted(self.beyond.items())]
        return out


def parse_source(source: str) -> list[tuple[str, str | None]]:
    """`a.txt § H1; b.md § H2 (detail)` -> [("a.txt", "H1"), ("b.md", "H2 (detail)")]."""
    out: list[tuple[str, str | None]] = []
    for part in source.split(";"):
        f, sep, h = part.partition("§")
        if f.strip():
            out.append((f.strip(), h.strip() if sep and h.strip() else None))
    return out


def _match(heading: str, titles: dict[str, SectionCoverage]) -> SectionCoverage | None:
    if heading in titles:
        return titles[heading]
    if not heading.endswith(")"):
        return None
    # the longest title t with heading == t + " (...)": tried at each " (" from the right, so the
    # cost is the citation's length, not the number of sections (cards x sections was quadratic)
    cut = heading.rfind(" (")
    while cut > 0:
        if heading[:cut] in titles:
            return titles[heading[:cut]]
        cut = heading.rfind(" (", 0, cut)
    return None


def coverage(notes: list[NoteFile], cards: Iterable[Card]) -> Coverage:
    cov = Coverage()
    by_note: dict[str, dict[str, SectionCoverage]] = {}
    for n in notes:
        try:
            note = read_note(n.path)
        except NoteError as e:
            cov.errors.append(e)
            continue
        titles: dict[str, SectionCoverage] = {}
        for s in sections_of(note):
            sc = titles.get(s.title)
            if sc is None:
                sc = titles[s.title] = SectionCoverage(n.key, s.title, s.level, [s.line], s.has_text)
                cov.sections.append(sc)
            else:
                sc.lines.append(s.line)
                sc.has_text = sc.has_text or s.has_text
        by_note[n.key] = titles
        cov.look_into += [LookIntoItem(n.key, i.line, i.section, i.text) for i in parse_cards(note).look_into]
    names: dict[str, list[str]] = {}
    for key in by_note:
        names.setdefault(Path(key).name, []).append(key)
    for card in cards:
        if card.beyond:
            for t in card.tags:
                if t != BEYOND_TAG:
                    cov.beyond.setdefault(t, []).append(card.id)
            continue
        cov.notes_cards += 1
        for f, heading in parse_source(card.source):
            key = f if f in by_note else (names[f][0] if len(names.get(f, [])) == 1 else None)
            if key is None:
                continue  # a note not in this report
            sc = _match(heading, by_note[key]) if heading else None
            if sc is None:
                cov.unmatched.append((card.id, f"{f} § {heading}" if heading else f))
            elif card.id not in sc.cards:
                sc.cards.append(card.id)
    return cov
