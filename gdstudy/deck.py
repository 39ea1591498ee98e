"""Cards: the YAML format, loading and validation.

A card file is a list of cards, or a mapping with an optional header (`deck`, `description`,
`notes`: the titles of the source notes the cards cite, by file name) and `cards:`. A card may carry
`refs:`, literature references for what it states beyond its source notes. Every problem becomes
a `CardError` located at `path:line`; a bad card is skipped, the rest of its file and every other
file still load.

Every card file is untrusted input (decks are shared and imported). `gdstudy.safeyaml` reads it
(regular files only, byte/line caps, no anchors/aliases, no tags beyond the plain YAML types,
nesting bounded, nothing constructed); here every scalar's resolved tag is checked before its value
is used (`front: 2001-02-30` is a located error, never a ValueError), every text field passes
`gdstudy.text.clean` once (control characters made visible) and has a length limit (`LIMITS`).
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gdstudy.deckfiles import SUFFIXES, card_files
from gdstudy.errors import CardError, DemoError
from gdstudy.safeyaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_LINES, compose, read_text, too_deep
from gdstudy.text import clean, one_line, shorten

__all__ = ["Card", "DemoLink", "Deck", "load_deck", "card_files", "content_hash", "BEYOND_DECK", "BEYOND_TAG", "LIMITS",
           "MAX_FILE_BYTES", "MAX_LINES", "MAX_DEPTH", "SUFFIXES"]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CARD_KEYS = {"id", "front", "back", "tags", "source", "demo", "interview", "refs"}
REQUIRED = ("id", "front", "back", "tags", "source")  # the shipped deck (checked against the notes)
USER_REQUIRED = ("front", "back", "tags")  # a user's own deck: no id -> derived from the question, source optional
# The shipped `beyond-the-notes` deck: interview questions the notes don't cover. Its cards cite the
# literature (`refs:`) instead of a note (`source:`) and carry the BEYOND_TAG label.
BEYOND_DECK, BEYOND_TAG = "beyond-the-notes", "beyond-notes"
BEYOND_REQUIRED = ("id", "front", "back", "tags", "refs")
HEADER_KEYS = {"deck", "description", "notes", "cards"}
# Length limits, in characters (after trimming); "tags", "refs" and "notes" are counts. Documented in docs/reliability.md (a test checks the table).
LIMITS = {
    "id": 64, "front": 2_000, "back": 10_000, "source": 300, "tags": 20, "tag": 40,
    "deck": 100, "description": 1_000, "demo.name": 64, "demo.params": 30, "demo.value": 200,
    "refs": 20, "ref": 400, "notes": 100, "note": 200,
}
SINGLE_LINE = {"source", "deck", "demo.name"}  # whitespace runs collapse to one space


@dataclass(frozen=True)
class DemoLink:
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params)}


@dataclass(frozen=True)
class Card:
    id: str
    front: str
    back: str
    tags: tuple[str, ...]
    source: str
    path: str
    line: int
    demo: DemoLink | None = None
    interview: bool = False
    shipped: bool = False
    refs: tuple[str, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()  # (note file, title) from the file's deck header
    deck: str = ""  # the file's `deck:` header name ("" for a plain list of cards)
    derived_id: bool = False  # no `id:` in the file: made from the question (gdstudy.cardid)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def beyond(self) -> bool:
        """A card of the shipped beyond-the-notes deck (it cites the literature, not the notes)."""
        return self.shipped and self.deck == BEYOND_DECK

    @property
    def source_parts(self) -> list[tuple[str, str]]:
        """The cited places as (note file, section): `a.txt § Sec; b.txt § Other` -> two pairs."""
        if not self.source:
            return []
        out = []
        for part in self.source.split("; "):
            note, _, section = part.partition(" § ")
            out.append((note.strip(), section.strip()))
        return out

    @property
    def source_label(self) -> str:
        """The source for people: each note file replaced by its title when the deck header gives one."""
        titles = dict(self.notes)
        return "; ".join(f"{titles.get(n, n)} § {s}" if s else titles.get(n, n) for n, s in self.source_parts)

    @property
    def content_hash(self) -> str:
        return content_hash(self.front, self.back)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "front": self.front, "back": self.back, "tags": list(self.tags)}
        if self.source:
            d["source"] = self.source
        if self.demo:
            d["demo"] = self.demo.to_dict()
        if self.interview:
            d["interview"] = True
        if self.refs:
            d["refs"] = list(self.refs)
        return d


def content_hash(front: str, back: str) -> str:
    """Hash of the card text with whitespace normalised, so re-wrapping a line is not an edit."""
    norm = "\x1f".join(" ".join(s.split()) for s in (front, back))
    return hashlib.sha256(norm.encode()).hexdigest()[:16]


@dataclass
class Deck:
    cards: list[Card] = field(default_factory=list)
    problems: list[CardError] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.cards}

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------------------------
# reading values from checked nodes: the resolved tag decides, nothing is constructed blindly

TEXT = "tag:yaml.org,2002:str"
_KINDS = {"int": "a number", "float": "a number", "bool": "true/false", "null": "null", "timestamp": "a date",
          "seq": "a list", "map": "a mapping"}
_constructor = yaml.SafeLoader("")


def _kind(node: Node) -> str:
    return _KINDS.get(node.tag.rsplit(":", 1)[-1], "something else")


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _err(path: Path, node: Node, message: str) -> CardError:
    return CardError(str(path), _line(node), message)


def _is_text(node: Node) -> bool:
    return type(node) is ScalarNode and node.tag == TEXT


def _not_text(path: Path, what: str, node: Node) -> CardError:
    hint = ": put it in quotes" if type(node) is ScalarNode else ""
    return _err(path, node, f"{what} must be text, got {_kind(node)}{hint}")


def _text(path: Path, key: str, k: Node, v: Node) -> str:
    """A text field: a str scalar, cleaned, trimmed, not empty, within its length limit."""
    if not _is_text(v):
        raise _not_text(path, f"'{key}'", v)
    s = one_line(v.value) if key in SINGLE_LINE else clean(v.value).strip()
    if not s:
        raise _err(path, k, f"'{key}' is empty")
    limit = LIMITS.get(key)
    if limit is not None and len(s) > limit:
        raise _err(path, v, f"'{key}' is {len(s):,} characters, over the {limit:,}-character limit")
    return s


def _scalar(path: Path, what: str, node: Node) -> Any:
    """A plain scalar value (text, number, true/false, null, date); anything unreadable
    (`0b_`, a 5,000-digit integer, 2001-02-30) is a located error."""
    if type(node) is not ScalarNode:
        raise _err(path, node, f"{what} must be a number, text or true/false, got {_kind(node)}")
    if node.tag == TEXT:
        value = clean(node.value)
        if len(value) > LIMITS["demo.value"]:
            raise _err(path, node, f"{what} is {len(value):,} characters, over the {LIMITS['demo.value']:,}-character limit")
        return value
    try:
        return _constructor.construct_object(node)
    except (ValueError, OverflowError, ArithmeticError, yaml.YAMLError):
        raise _err(path, node, f"{what}: '{shorten(node.value, 40)}' is not a valid {_kind(node).removeprefix('a ')}") from None
    finally:
        _constructor.constructed_objects.clear()


def _mapping(path: Path, node: MappingNode, what: str) -> dict[str, tuple[Node, Node]]:
    out: dict[str, tuple[Node, Node]] = {}
    for k, v in node.value:
        if type(k) is not ScalarNode:
            raise _err(path, k, f"{what} keys must be plain names")
        if k.value in out:
            raise _err(path, k, f"duplicate key '{shorten(k.value, 40)}' in {what}")
        out[k.value] = (k, v)
    return out


# ---------------------------------------------------------------------------------------------
# cards


def _text_list(path: Path, v: Node, key: str, item: str, empty: str) -> tuple[str, ...]:
    """A non-empty list of one-line texts (`tags`, `refs`), within LIMITS[key] items of at most
    LIMITS[item] characters each."""
    if type(v) is not SequenceNode or not v.value:
        raise _err(path, v, empty)
    if len(v.value) > LIMITS[key]:
        raise _err(path, v, f"{len(v.value)} {key}, over the limit of {LIMITS[key]}")
    out = []
    for node in v.value:
        if not _is_text(node):
            raise _not_text(path, key, node)
        t = one_line(node.value)
        if not t:
            raise _err(path, node, empty)
        if len(t) > LIMITS[item]:
            raise _err(path, node, f"{item} '{shorten(t, 20)}' is {len(t):,} characters, over the {LIMITS[item]}-character limit")
        out.append(t)
    return tuple(out)


def _tags(path: Path, v: Node) -> tuple[str, ...]:
    return _text_list(path, v, "tags", "tag", "'tags' must be a list of non-empty names")


def _refs(path: Path, v: Node) -> tuple[str, ...]:
    """`refs:` a non-empty list of literature references (text, one line each)."""
    return _text_list(path, v, "refs", "ref", "'refs' must be a non-empty list of references (text)")


def _demo(path: Path, k: Node, v: Node) -> DemoLink:
    if _is_text(v):
        return DemoLink(_text(path, "demo.name", k, v))
    if type(v) is not MappingNode:
        raise _err(path, v, "'demo' must be a demo name or {name: ..., params: {...}}")
    fields = _mapping(path, v, "'demo'")
    extra = set(fields) - {"name", "params"}
    if extra:
        raise _err(path, fields[min(extra)][0], f"unknown key '{shorten(min(extra), 40)}' in 'demo' (allowed: name, params)")
    if "name" not in fields or not _is_text(fields["name"][1]) or not fields["name"][1].value.strip():
        raise _err(path, v, "'demo' needs a 'name' (text)")
    name = _text(path, "demo.name", *fields["name"])
    params: dict[str, Any] = {}
    if "params" in fields:
        pv = fields["params"][1]
        if type(pv) is not MappingNode:
            raise _err(path, pv, "'demo.params' must be a mapping of parameter names to values")
        pf = _mapping(path, pv, "'demo.params'")
        if len(pf) > LIMITS["demo.params"]:
            raise _err(path, pv, f"{len(pf)} demo parameters, over the limit of {LIMITS['demo.params']}")
        for key, (pk, val) in pf.items():
            if not _is_text(pk):
                raise _err(path, pk, "'demo.params' must be a mapping of parameter names to values")
            params[clean(key)] = _scalar(path, f"'demo.params.{shorten(key, 40)}'", val)
    return DemoLink(name, params)


def _interview(path: Path, v: Node) -> bool:
    if type(v) is not ScalarNode or v.tag != "tag:yaml.org,2002:bool":
        raise _err(path, v, "'interview' must be true or false")
    return bool(_scalar(path, "'interview'", v))


def _notes(path: Path, v: Node) -> tuple[tuple[str, str], ...]:
    """Header `notes:` note file name -> title (one line)."""
    if type(v) is not MappingNode:
        raise _err(path, v, "'notes' must map note file names to titles")
    fields = _mapping(path, v, "'notes'")
    if len(fields) > LIMITS["notes"]:
        raise _err(path, v, f"{len(fields)} note titles, over the limit of {LIMITS['notes']}")
    out = []
    for name, (k, t) in fields.items():
        if not _is_text(k):
            raise _not_text(path, "a note file name in 'notes'", k)
        if not _is_text(t):
            raise _not_text(path, f"'notes.{shorten(one_line(name), 40)}'", t)
        title = one_line(t.value)
        if not title:
            raise _err(path, k, f"'notes.{shorten(one_line(name), 40)}' is empty")
        if len(title) > LIMITS["note"]:
            raise _err(path, t, f"a note title is {len(title):,} characters, over the {LIMITS['note']}-character limit")
        out.append((one_line(name), title))
    return tuple(out)


def _card(path: Path, node: Node, shipped: bool, header: "_Header | None" = None) -> Card:
    deep = too_deep(node)
    if deep:
        raise CardError(str(path), deep, f"YAML is nested deeper than {MAX_DEPTH} levels")
    if type(node) is not MappingNode:
        raise _err(path, node, "a card must be a mapping with " + ", ".join(REQUIRED if shipped else USER_REQUIRED))
    fields = _mapping(path, node, "card")
    for key, (k, _) in fields.items():
        if key not in CARD_KEYS:
            raise _err(path, k, f"unknown key '{shorten(key, 40)}' (allowed: {', '.join(sorted(CARD_KEYS))})")
    beyond = shipped and header is not None and header.deck == BEYOND_DECK
    for key in BEYOND_REQUIRED if beyond else REQUIRED if shipped else USER_REQUIRED:
        if key not in fields:
            why = f" (a {BEYOND_DECK} card cites the literature)" if beyond and key == "refs" else ""
            raise _err(path, node, f"card is missing '{key}'{why}")
    front = _text(path, "front", *fields["front"])
    if "id" in fields:
        cid = _text(path, "id", *fields["id"])
        if not SLUG.match(cid):
            raise _err(path, fields["id"][1], f"id '{shorten(cid, 40)}' must be a slug: lowercase letters, digits and single hyphens")
    else:
        from gdstudy.cardid import derived_id

        cid = derived_id(front)
    tags = _tags(path, fields["tags"][1])
    if beyond and BEYOND_TAG not in tags:
        raise _err(path, fields["tags"][1], f"a {BEYOND_DECK} card needs the tag '{BEYOND_TAG}'")
    return Card(
        id=cid,
        derived_id="id" not in fields,
        front=front,
        back=_text(path, "back", *fields["back"]),
        tags=tags,
        source=_text(path, "source", *fields["source"]) if "source" in fields else "",
        demo=_demo(path, *fields["demo"]) if "demo" in fields else None,
        interview=_interview(path, fields["interview"][1]) if "interview" in fields else False,
        path=str(path),
        line=_line(node),
        shipped=shipped,
        refs=_refs(path, fields["refs"][1]) if "refs" in fields else (),
        notes=header.notes if header else (),
        deck=header.deck if header else "",
    )


@dataclass(frozen=True)
class _Header:
    """What a card file's header gives every card in it."""

    deck: str = ""
    notes: tuple[tuple[str, str], ...] = ()


def _header(path: Path, root: MappingNode, problems: list[CardError]) -> tuple[Node, _Header]:
    """The deck-file header: each bad header field is reported, the cards still load. Returns the
    `cards:` node and what the header gives the cards (deck name, note titles)."""
    fields = _mapping(path, root, "deck header")
    for key, (k, v) in fields.items():
        if key != "cards" and too_deep(v):  # not a deck file at all: one error for the file
            raise CardError(str(path), too_deep(v), f"YAML is nested deeper than {MAX_DEPTH} levels")
    notes: tuple[tuple[str, str], ...] = ()
    deck = ""
    for key, (k, v) in fields.items():
        try:
            if key not in HEADER_KEYS:
                raise _err(path, k, f"unknown deck key '{shorten(key, 40)}' (allowed: {', '.join(sorted(HEADER_KEYS))})")
            if key == "deck":
                deck = _text(path, key, k, v)
            if key == "description":
                _text(path, key, k, v)
            if key == "notes":
                notes = _notes(path, v)
        except CardError as e:
            problems.append(e)
    if "cards" not in fields:
        raise _err(path, root, "deck file has no 'cards:' list")
    return fields["cards"][1], _Header(deck, notes)


def _card_nodes(path: Path, root: Node | None, problems: list[CardError]) -> tuple[list[Node], _Header]:
    """-> (the card nodes, what the header gives them)."""
    header = _Header()
    if root is None:
        return [], header
    if type(root) is MappingNode:
        root, header = _header(path, root, problems)
        if type(root) is not SequenceNode:
            raise _err(path, root, "'cards' must be a list")
    if type(root) is SequenceNode:
        return list(root.value), header
    raise _err(path, root, "a card file must be a list of cards or a mapping with 'cards:'")


def _load_file(path: Path, shipped: bool, problems: list[CardError]) -> list[Card]:
    try:
        nodes, header = _card_nodes(path, compose(path, read_text(path)), problems)
    except CardError as e:
        problems.append(e)
        return []
    cards = []
    for node in nodes:
        try:
            cards.append(_card(path, node, shipped, header))
        except CardError as e:
            problems.append(e)
    return cards


def _check_demo(card: Card, validate: Any) -> None:
    if card.demo is None or validate is None:
        return
    try:
        validate(card.demo.name, card.demo.params)
    except DemoError as e:
        raise CardError(card.path, card.line, f"card '{card.id}': {e}") from None


def _demo_validator(params: bool) -> Any:
    """Full check (imports each linked demo to validate its params) or a cheap name check."""
    import importlib.util

    if importlib.util.find_spec("gdstudy.demo.registry") is None:  # demo framework not in this build
        return None
    if params:
        from gdstudy.demo.registry import validate_params

        return validate_params
    from gdstudy.paths import demo_names

    names = set(demo_names())  # listed once per load, not once per card; the registry is not imported

    def check_name(name: str, _params: Any) -> None:
        if name.replace("_", "-") not in names:
            from gdstudy.demo.registry import demo_path

            demo_path(name)  # raises DemoError, with its close matches

    return check_name


def load_deck(
    shipped: Iterable[Path] = (), user: Iterable[Path] = (), *, check_demos: bool = True, demo_params: bool = True
) -> Deck:
    """Load the shipped deck folders, then user paths. Duplicate ids keep the first and report the
    rest; a file reached twice (the same folder given twice, a link to a file already loaded) is
    loaded once. `check_demos`: demo links must name a demo; `demo_params`: and their params must
    be valid (imports the demo modules — `cards check` does it, `review` only checks names)."""
    gc_was_on = gc.isenabled()
    gc.disable()  # the node trees are acyclic garbage: collector passes only cost time (~2x on 10k cards)
    try:
        return _load(list(shipped), list(user), _demo_validator(demo_params) if check_demos else None)
    finally:
        if gc_was_on:
            gc.enable()


def _load(shipped: list[Path], user: list[Path], validate: Any) -> Deck:
    problems: list[CardError] = []
    cards: list[Card] = []
    seen: dict[str, Card] = {}
    loaded: set[str] = set()
    for paths, is_shipped in ((shipped, True), (user, False)):
        files, errs = card_files(paths)
        problems += errs
        for f in files:
            real = os.path.realpath(f)
            if real in loaded:
                continue
            loaded.add(real)
            for card in _load_file(f, is_shipped, problems):
                first = seen.get(card.id)
                if first is not None:
                    whose = "the shipped deck" if first.shipped and not card.shipped else "another card"
                    problems.append(CardError(card.path, card.line, f"duplicate id '{card.id}': already used by {whose} at {first.where}"))
                    continue
                try:
                    _check_demo(card, validate)
                except CardError as e:
                    problems.append(e)
                    continue
                seen[card.id] = card
                cards.append(card)
    return Deck(cards=cards, problems=problems)
