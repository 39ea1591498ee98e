"""The app's `e` on a card `gdstudy import` made: the note it came from is opened (at the card's
line), not the generated card file (a hand edit there would be a conflict at the next import), and
that one note is imported again when the editor exits.

The card file's import record (`# gdstudy-import: {"note": ..., "root": ...}`) names the note
(`root/note`) and so the deck folder (the card file is `DECK_DIR/<note>.yaml`). The tags the first
import added with `--tag` are not recorded: they are the tags every card of the file has beyond what
the note itself gives it, and are given again. A note that no longer imports (a located error, or a
conflict with a hand edit of the card file) is reported and the cards stay as they were.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable

from gdstudy.deck import Card, Deck

if TYPE_CHECKING:
    from gdstudy.cardedit import Outcome

__all__ = ["NoteOfCard", "note_of", "edit_note"]


@dataclass(frozen=True)
class NoteOfCard:
    note: Path       # the note file
    key: str         # its key in the import record
    root: Path       # the folder it was imported from
    deck_dir: Path   # the folder its card file is in (the import's --into)
    card_file: Path
    line: int        # the card's line in the note (1 when it cannot be found)


def note_of(card: Card) -> NoteOfCard | None:
    """The note `card` was imported from, when its card file has an import record and the note is
    still there; else None (the card file itself is edited)."""
    from gdstudy.interop.cardfile import read_marker

    path = Path(card.path)
    m = read_marker(path)
    if m is None or not isinstance(m.get("root"), str):
        return None
    key = m["note"]
    parts = PurePosixPath(key).parts
    from gdstudy.interop.notes import NOTE_SUFFIXES

    if (not parts or ".." in parts or PurePosixPath(key).is_absolute() or len(path.parents) < len(parts)
            or PurePosixPath(key).suffix.lower() not in NOTE_SUFFIXES):  # a record naming something else: not a note
        return None
    deck_dir = path.parents[len(parts) - 1]
    if os.path.normpath(deck_dir / (key + ".yaml")) != os.path.normpath(path):
        return None
    note = Path(m["root"]) / key
    if not note.is_file():
        return None
    return NoteOfCard(note, key, Path(m["root"]), deck_dir, path, _line(note, card.front))


def _line(note: Path, front: str) -> int:
    """The first line of the note holding the start of the question (1 when none does)."""
    from gdstudy.errors import CardError
    from gdstudy.safeyaml import read_bytes

    first = front.strip().split("\n", 1)[0].strip()[:40]
    if not first:
        return 1
    try:
        text = read_bytes(note).decode("utf-8", "replace")
    except CardError:  # unreadable now (the editor will say so): open it at the top
        return 1
    for i, ln in enumerate(text.split("\n"), 1):
        if first in ln:
            return i
    return 1


def _extra_tags(n: NoteOfCard, deck: Deck) -> tuple[str, ...]:
    """The `--tag`s of the first import: on every card of the file, beyond the note's own tags."""
    from gdstudy.interop.importer import DEFAULT_TAG, find_notes
    from gdstudy.interop.notecards import parse_cards
    from gdstudy.interop.notes import NoteError, read_note

    mine = [c for c in deck.cards if c.path == str(n.card_file)]
    if not mine:
        return ()
    common = set(mine[0].tags).intersection(*(set(c.tags) for c in mine[1:]))
    notes, _ = find_notes([n.root])
    nf = next((x for x in notes if x.key == n.key), None)
    own: set[str] = {DEFAULT_TAG}
    if nf is not None:
        try:
            for c in parse_cards(read_note(nf.path)).cards:
                own |= set(c.tags)
        except NoteError:
            pass  # the note does not parse now: its error is reported by the import itself
    return tuple(sorted(common - own))


def edit_note(n: NoteOfCard, card: Card, deck: Deck, run: Callable[[list[str]], None]) -> "Outcome":
    from gdstudy.cardedit import Outcome, editor_argv, replace_file
    from gdstudy.interop.importer import import_notes
    from gdstudy.paths import shipped_cards_dir

    def read() -> bytes:
        try:
            return n.note.read_bytes()
        except OSError:
            return b""

    before = read()
    extra = _extra_tags(n, deck)
    run(editor_argv(n.note, n.line))
    if read() == before:
        return Outcome("unchanged", f"{n.note} unchanged: '{card.id}' kept")
    report = import_notes([n.root], n.deck_dir, tags=extra, shipped=[shipped_cards_dir()], only={n.key})
    problems = [str(e) for e in report.errors] + [f"{c.file}: {c.card} {c.detail}".strip() for c in report.changes if c.kind == "conflict"]
    if problems:
        return Outcome("failed", f"{n.note} saved, but its cards were not updated: {problems[0]}"
                       + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    from gdstudy.deck import load_deck

    cards = load_deck([], [n.card_file], check_demos=False).cards if n.card_file.exists() else []
    new = replace_file(deck, n.card_file, cards)
    mine = new.by_id.get(card.id)
    gone = "" if mine is not None else f"; '{card.id}' is no longer in the note (its history is kept)"
    skipped = list(getattr(report, "skipped", []))  # one bad card line: located, the note's other cards imported
    warn = f"; skipped {skipped[0]}" + (f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else "") if skipped else ""
    return Outcome("saved", f"saved {n.note} and imported it again ({report.count('added')} added, "
                   f"{report.count('updated')} updated){gone}{warn}", new, mine)
