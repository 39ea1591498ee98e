"""Editing and adding cards from the app (`e`, `a` in review and the browser), without Textual.

Edit: the card's file is copied to a scratch file, which `$VISUAL`/`$EDITOR` opens (at the card's
line, `+LINE`, for editors that take it). When the editor exits:
- the text is what it was given: nothing changes (on the first round "unchanged", after an error
  "given up": the card is kept as it was);
- else the text is validated by the deck loader, with the rest of the deck (an id another card
  uses is an error). An error reopens the editor on the same text with the problems as comment
  lines at the top (`# gdstudy: ...`, removed again before the next check): nothing typed is lost;
- a valid text replaces the card file (gdstudy.outpath's EDITED_CARD_FILE: only if the file did not
  change on disk meanwhile; temp file, then rename). The card keeps its id, so its schedule is
  kept; its new text no longer matches the stored content hash, which marks it *edited*. A card
  whose id was derived from its question keeps that id when the question is reworded (`id:` is
  written into the card).
A shipped card is first copied with the whole shipped deck (`gdstudy cards init`), then edited
there. Add: a new card (question, answer, tags, optional demo) is appended to `added.yaml` in the
user's own deck, validated the same way; the deck folder is registered in the config.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gdstudy.deck import Card, Deck, load_deck
from gdstudy.errors import CardError, GdstudyError

__all__ = ["BANNER", "MAX_ROUNDS", "ADDED_FILE", "editor_argv", "Edit", "Outcome", "edit_card", "add_card",
           "replace_file", "EditError", "editable_card"]

BANNER = "# gdstudy: "
MAX_ROUNDS = 10  # editor runs for one edit; after that the text is kept in a temp file (named)
ADDED_FILE = "added.yaml"
LINE_EDITORS = {"vi", "vim", "nvim", "view", "gvim", "nano", "pico", "emacs", "emacsclient", "micro", "kak", "joe", "jed", "mg", "ne"}


class EditError(GdstudyError):
    """The editor cannot run, or the card file cannot be read or replaced."""


def editor_argv(path: Path, line: int | None = None, env: dict[str, str] | None = None) -> list[str]:
    """The command that opens `path`: $VISUAL, else $EDITOR, else vi; `+LINE` first for editors
    that take it (vi, nano, emacs ...)."""
    env = os.environ if env is None else env
    raw = env.get("VISUAL") or env.get("EDITOR") or "vi"
    try:
        argv = shlex.split(raw)
    except ValueError as e:
        raise EditError(f"$VISUAL/$EDITOR '{raw}' cannot be read as a command: {e}") from None
    if not argv:
        argv = ["vi"]
    if line and Path(argv[0]).name in LINE_EDITORS:
        argv.append(f"+{line}")
    return [*argv, str(path)]


def run_editor(argv: list[str]) -> None:
    """Run the editor and wait for it (the app is suspended around this)."""
    try:
        subprocess.run(argv, check=False)
    except OSError as e:
        raise EditError(f"cannot run the editor '{argv[0]}': {e.strerror or e}; set $VISUAL or $EDITOR") from None


def _read(path: Path) -> str:
    from gdstudy.safeyaml import read_text

    return read_text(path)  # regular files only, bounded, UTF-8 (a CardError names the file)


def strip_banner(text: str) -> str:
    lines = text.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith(BANNER):
        i += 1
    return "\n".join(lines[i:])


def with_banner(text: str, problems: list[CardError]) -> str:
    """`text` with the problems on top as comment lines (their line numbers counted in the file as
    the editor shows it, banner included)."""
    from gdstudy.cardhints import fix_hint
    from gdstudy.text import one_line

    shown = problems[:20]
    n = 2 + 2 * len(shown)
    lines = [f"{BANNER}this card file did not validate; fix it and save (nothing was saved yet)."]
    for p in shown:
        where = f"line {p.line + n}: " if p.line else ""
        lines += [f"{BANNER}{where}{one_line(p.message)}", f"{BANNER}  fix: {fix_hint(p)}"]
    lines.append(f"{BANNER}to give up, quit without saving: the card stays as it was. These lines are removed.")
    return "\n".join([*lines, text])


@dataclass
class Outcome:
    kind: str              # saved | unchanged | given up | failed
    message: str
    deck: Deck | None = None
    card: Card | None = None   # the edited (or added) card as it now is


@dataclass
class Edit:
    target: Path
    original: str
    shipped: bool
    line: int = 1
    card_id: str = ""
    derived: bool = False
    index: int = -1            # the card's position in its file
    scratch_dir: tempfile.TemporaryDirectory = field(default_factory=lambda: tempfile.TemporaryDirectory(prefix="gdstudy-edit-"))

    @property
    def scratch(self) -> Path:
        return Path(self.scratch_dir.name) / self.target.name


def _validate(edit: Edit, text: str, deck: Deck) -> tuple[list[Card], list[CardError]]:
    """The cards of `text` as the deck loader reads them, and its problems (an id another file of
    the deck uses is one)."""
    edit.scratch.write_text(text, encoding="utf-8")
    loaded = load_deck([edit.scratch] if edit.shipped else [], [] if edit.shipped else [edit.scratch], demo_params=False)
    problems = list(loaded.problems)
    others = {c.id: c for c in deck.cards if c.path != str(edit.target)}
    for c in loaded.cards:
        if c.id in others:
            problems.append(CardError(str(edit.scratch), c.line, f"duplicate id '{c.id}': already used by another card at {others[c.id].where}"))
    return loaded.cards, problems


def _keep_id(text: str, edit: Edit, cards: list[Card]) -> str:
    """A card whose id was derived from its question, reworded: write its old id into it (at the
    same position in the file) so its schedule stays with it."""
    if not edit.derived or any(c.id == edit.card_id for c in cards) or not 0 <= edit.index < len(cards):
        return text
    new = cards[edit.index]
    if not new.derived_id:
        return text
    from gdstudy.safeyaml import compose

    root = compose(edit.scratch, text)
    from yaml.nodes import MappingNode, SequenceNode

    if type(root) is MappingNode:
        root = next((v for k, v in root.value if k.value == "cards"), None)
    if type(root) is not SequenceNode or edit.index >= len(root.value):
        return text
    node = root.value[edit.index]
    lines = text.split("\n")
    row, col = node.start_mark.line, node.start_mark.column
    if type(node) is not MappingNode or row >= len(lines):
        return text
    line = lines[row]
    if node.flow_style:
        lines[row] = line[:col + 1] + f"id: {edit.card_id}, " + line[col + 1:]
    else:
        lines[row] = line[:col] + f"id: {edit.card_id}\n" + " " * col + line[col:]
    return "\n".join(lines)


def replace_file(deck: Deck, path: Path | str, cards: list[Card]) -> Deck:
    """`deck` with the cards of file `path` replaced by `cards` (in its place; appended for a new file)."""
    path = str(path)
    out: list[Card] = []
    placed = False
    for c in deck.cards:
        if c.path == path:
            if not placed:
                out += cards
                placed = True
            continue
        out.append(c)
    if not placed:
        out += cards
    return Deck(cards=out, problems=[p for p in deck.problems if p.path != path])


def _restamp(cards: list[Card], edit: Edit) -> list[Card]:
    from dataclasses import replace

    return [replace(c, path=str(edit.target)) for c in cards]


def _keep(text: str) -> str:
    """Save `text` where it outlives the edit (the system temp folder): -> its path, or why not."""
    try:
        fd, kept_at = tempfile.mkstemp(prefix="gdstudy-unsaved-", suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        return f"(could not be kept: {e.strerror or e})"
    return kept_at


def _commit(edit: Edit, text: str) -> None:
    """Replace the card file with `text`: only if it is still what the edit began from. On any
    refusal the text is kept in a temp file the message names (nothing typed is lost)."""
    from gdstudy import outpath

    try:
        now = _read(edit.target) if edit.target.exists() or os.path.islink(edit.target) else ""
        if now != edit.original:
            raise EditError(f"{outpath.shown(edit.target)} changed on disk while you edited it")
        t = outpath.Target(edit.target, outpath.EDITED_CARD_FILE, store=outpath.store_files())
        with outpath.open_text(t) as f:
            f.write(text)
    except GdstudyError as e:
        why = str(e).removeprefix("cannot save: ")
        raise EditError(f"cannot save: {why}; your text is kept in {outpath.shown(_keep(text))}") from None


Runner = Callable[[list[str]], None]


def _loop(edit: Edit, deck: Deck, run: Runner, *, start: str) -> Outcome:
    """Open the editor until the text validates (saved), or comes back as it was given."""
    given = start
    for round_ in range(MAX_ROUNDS):
        edit.scratch.write_text(given, encoding="utf-8")
        run(editor_argv(edit.scratch, edit.line + (given.count("\n") - strip_banner(given).count("\n"))))
        try:
            raw = edit.scratch.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            return Outcome("failed", f"cannot read the edited text back: {e}")
        if raw == given:
            if round_ == 0 and given == edit.original:
                return Outcome("unchanged", f"'{edit.card_id}' unchanged" if edit.card_id else "nothing added")
            return Outcome("given up", f"edit given up: '{edit.card_id}' is kept as it was")
        text = strip_banner(raw)
        cards, problems = _validate(edit, text, deck)
        if not problems:
            kept = _keep_id(text, edit, cards)
            if kept != text:
                cards2, problems2 = _validate(edit, kept, deck)
                if not problems2:
                    text, cards = kept, cards2
            _commit(edit, text)
            cards = _restamp(cards, edit)
            mine = next((c for c in cards if c.id == edit.card_id), None)
            return Outcome("saved", f"saved {edit.target}", replace_file(deck, edit.target, cards), mine)
        given = with_banner(text, problems)
    return Outcome("failed", f"still not valid after {MAX_ROUNDS} tries: nothing saved; your text is in {_keep(strip_banner(given))}")


def edit_card(card: Card, deck: Deck, run: Runner = run_editor) -> Outcome:
    """Edit `card`'s file (see the module doc); `run` runs the editor command (the TUI suspends
    itself around it). The card file must be editable (not the packaged deck: `editable_card`). A card
    `gdstudy import` made is edited in its note, which is imported again (gdstudy.interop.noteedit)."""
    from gdstudy.interop.noteedit import edit_note, note_of

    note = note_of(card)
    if note is not None:
        return edit_note(note, card, deck, run)
    target = Path(card.path)
    try:
        original = _read(target)
    except CardError as e:
        raise EditError(f"cannot edit: {e}") from None
    same = [c for c in deck.cards if c.path == card.path]
    edit = Edit(target, original, card.shipped, card.line, card.id, card.derived_id,
                next((i for i, c in enumerate(same) if c.id == card.id), -1))
    with edit.scratch_dir:
        return _loop(edit, deck, run, start=original)


def add_card(deck: Deck, folder: Path, front: str, back: str, tags: list[str], demo: str = "") -> Outcome:
    """Append a card to `folder`/added.yaml (created if missing), validated with the deck; its id is
    derived from the question and written into the file (so rewording it later keeps it)."""
    from gdstudy.cardid import derived_id
    from gdstudy.interop.cardfile import dump

    target = folder / ADDED_FILE
    try:
        original = _read(target) if os.path.lexists(target) else ""
    except CardError as e:
        raise EditError(f"cannot add: {e}") from None
    card: dict[str, object] = {"id": derived_id(front), "front": front.strip(), "back": back.strip(), "tags": tags}
    if demo.strip():
        card["demo"] = demo.strip()
    head = "# Cards added in gdstudy (a): edit them here or with e in the app.\n" if not original else ""
    sep = "" if not original or original.endswith("\n") else "\n"
    text = original + sep + head + dump([card])
    edit = Edit(target, original, False, card_id=str(card["id"]))
    with edit.scratch_dir:
        cards, problems = _validate(edit, text, deck)
        if problems:
            return Outcome("failed", "; ".join(str(p).replace(str(edit.scratch), str(target)) for p in problems[:3]))
        _commit(edit, text)
        cards = _restamp(cards, edit)
    new = next(c for c in cards if c.id == card["id"])
    return Outcome("saved", f"added '{new.id}' to {target}", replace_file(deck, target, cards), new)


def editable_card(card: Card, deck: Deck) -> tuple[Card, Deck, str]:
    """`card` in a file the user may edit: a card of the packaged deck is first copied with the whole
    shipped deck (`gdstudy cards init`, registered in the config), and the deck reloaded from the copy.
    -> (the card, the deck, what was done: "" when nothing)."""
    from gdstudy.paths import shipped_cards_dir
    from gdstudy.userdeck import SHIPPED_COPY, SHIPPED_MARKER, init_shipped_copy

    packaged = os.path.realpath(shipped_cards_dir())
    if not card.shipped or not os.path.realpath(card.path).startswith(packaged + os.sep):
        return card, deck, ""
    from gdstudy.config import data_dir_path
    from gdstudy.configwrite import add_deck

    copy = Path(os.path.abspath(data_dir_path() / SHIPPED_COPY))
    if (copy / SHIPPED_MARKER).is_file():  # made earlier (not loaded now: a --deck run, or unregistered)
        add_deck(copy)
        note = f"using your copy of the shipped deck in {copy}"
    else:
        reg, _ = init_shipped_copy(copy)
        note = f"copied the shipped deck to {reg.folder} (registered in {reg.config}) to edit it there"
    users = list(dict.fromkeys(Path(c.path) for c in deck.cards if not c.shipped))
    new = load_deck([copy], users, demo_params=False)
    if card.id not in new.by_id:
        raise EditError(f"'{card.id}' is not in the copy of the shipped deck at {copy}")
    return new.by_id[card.id], new, note
