"""Cards: the YAML format, loading and validation.

A card file is a list of cards, or a mapping with an optional header (`deck`, `description`,
`notes`: the titles of the source notes the cards cite, by file name) and `cards:`. A card may carry
`refs:`, literature references for what it states beyond its source notes. Every problem becomes a `CardError` located at `path:line`; a bad card is skipped, the
rest of its file and every other file still load.

YAML is read with PyYAML's *safe* composer: anchors/aliases are refused outright (no alias bombs)
and any tag outside the plain YAML types (e.g. `!!python/object`) is an error, never constructed.
"""

from __future__ import annotations

import gc
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from gdstudy.errors import CardError, DemoError

__all__ = ["Card", "DemoLink", "Deck", "load_deck", "card_files", "content_hash", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 1_000_000
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CARD_KEYS = {"id", "front", "back", "tags", "source", "demo", "interview", "refs"}
REQUIRED = ("id", "front", "back", "tags", "source")
HEADER_KEYS = {"deck", "description", "notes", "cards"}
SAFE_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


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

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def source_parts(self) -> list[tuple[str, str]]:
        """The cited places as (note file, section): `a.txt § Sec; b.txt § Other` -> two pairs."""
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
        d: dict[str, Any] = {
            "id": self.id, "front": self.front, "back": self.back,
            "tags": list(self.tags), "source": self.source,
        }
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
# files


def card_files(paths: Iterable[Path]) -> tuple[list[Path], list[CardError]]:
    """Expand files and folders into card files (*.yaml, *.yml, sorted); missing paths are errors."""
    files: list[Path] = []
    errors: list[CardError] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            errors.append(CardError(str(p), None, "no such file or folder"))
    return files, errors


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CardError(str(path), None, f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte cap")
        data = path.read_bytes()
    except OSError as e:
        raise CardError(str(path), None, f"cannot read: {e.strerror or e}") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CardError(str(path), line, "binary file (NUL byte), not a YAML card file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise CardError(str(path), line, f"not UTF-8 (byte 0x{data[e.start]:02x})") from None


# libyaml's safe loader when available (~10x faster), else PyYAML's pure-Python one: both safe.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(path: Path, text: str) -> yaml.Node | None:
    """Parse to a node tree (never constructing arbitrary objects), then refuse aliases and any
    tag beyond the plain YAML types."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(e.problem or e.context or "syntax error").split())
        raise CardError(str(path), line, f"YAML syntax error: {msg}") from None
    except yaml.YAMLError as e:
        raise CardError(str(path), None, f"YAML error: {' '.join(str(e).split())}") from None
    if node is not None:
        _check_nodes(path, node)
    return node


def _check_nodes(path: Path, root: yaml.Node) -> None:
    """Walk the tree once. An alias makes the composer reuse a node object, so a node seen twice
    is an alias: refused at once, which also stops an alias bomb before it is ever expanded."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            raise CardError(str(path), n.start_mark.line + 1, "YAML anchors and aliases are not allowed")
        seen.add(id(n))
        if n.tag not in SAFE_TAGS:
            raise CardError(str(path), n.start_mark.line + 1, f"YAML tag {n.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed")
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack += [k, v]
        elif isinstance(n, yaml.SequenceNode):
            stack += n.value


_constructor = yaml.SafeLoader("")


def _value(node: yaml.Node) -> Any:
    """A plain value from a checked node (str, int, float, bool, None, list, dict)."""
    try:
        return _constructor.construct_object(node, deep=True)
    finally:
        _constructor.constructed_objects.clear()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# ---------------------------------------------------------------------------------------------
# cards


def _mapping(path: Path, node: yaml.MappingNode, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise CardError(str(path), _line(k), f"{what} keys must be plain names")
        if k.value in out:
            raise CardError(str(path), _line(k), f"duplicate key '{k.value}' in {what}")
        out[k.value] = (k, v)
    return out


def _text(path: Path, key: str, k: yaml.Node, v: yaml.Node) -> str:
    val = _value(v)
    if not isinstance(val, str):
        raise CardError(str(path), _line(v), f"'{key}' must be text, got {type(val).__name__}")
    if not val.strip():
        raise CardError(str(path), _line(k), f"'{key}' is empty")
    return val.strip()


def _demo(path: Path, v: yaml.Node) -> DemoLink:
    val = _value(v)
    if isinstance(val, str) and val.strip():
        return DemoLink(val.strip())
    if isinstance(val, dict):
        extra = set(val) - {"name", "params"}
        if extra:
            raise CardError(str(path), _line(v), f"unknown key '{sorted(extra)[0]}' in 'demo' (allowed: name, params)")
        name, params = val.get("name"), val.get("params", {})
        if not isinstance(name, str) or not name.strip():
            raise CardError(str(path), _line(v), "'demo' needs a 'name' (text)")
        if not isinstance(params, dict) or not all(isinstance(p, str) for p in params):
            raise CardError(str(path), _line(v), "'demo.params' must be a mapping of parameter names to values")
        return DemoLink(name.strip(), dict(params))
    raise CardError(str(path), _line(v), "'demo' must be a demo name or {name: ..., params: {...}}")


def _refs(path: Path, v: yaml.Node) -> tuple[str, ...]:
    refs = _value(v)
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r.strip() for r in refs):
        raise CardError(str(path), _line(v), "'refs' must be a non-empty list of references (text)")
    return tuple(r.strip() for r in refs)


def _notes(path: Path, v: yaml.Node) -> tuple[tuple[str, str], ...]:
    if not isinstance(v, yaml.MappingNode):
        raise CardError(str(path), _line(v), "'notes' must map note file names to titles")
    out = []
    for name, (k, t) in _mapping(path, v, "notes").items():
        out.append((name.strip(), _text(path, f"notes.{name}", k, t)))
    return tuple(out)


def _card(path: Path, node: yaml.Node, shipped: bool, notes: tuple[tuple[str, str], ...] = ()) -> Card:
    if not isinstance(node, yaml.MappingNode):
        raise CardError(str(path), _line(node), "a card must be a mapping with id, front, back, tags, source")
    fields = _mapping(path, node, "card")
    for key, (k, _) in fields.items():
        if key not in CARD_KEYS:
            raise CardError(str(path), _line(k), f"unknown key '{key}' (allowed: {', '.join(sorted(CARD_KEYS))})")
    for key in REQUIRED:
        if key not in fields:
            raise CardError(str(path), _line(node), f"card is missing '{key}'")
    cid = _text(path, "id", *fields["id"])
    if not SLUG.match(cid):
        raise CardError(str(path), _line(fields["id"][1]), f"id '{cid}' must be a slug: lowercase letters, digits and single hyphens")
    tk, tv = fields["tags"]
    tags = _value(tv)
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise CardError(str(path), _line(tv), "'tags' must be a list of non-empty names")
    interview = False
    if "interview" in fields:
        iv = _value(fields["interview"][1])
        if not isinstance(iv, bool):
            raise CardError(str(path), _line(fields["interview"][1]), "'interview' must be true or false")
        interview = iv
    return Card(
        id=cid,
        front=_text(path, "front", *fields["front"]),
        back=_text(path, "back", *fields["back"]),
        tags=tuple(t.strip() for t in tags),
        source=_text(path, "source", *fields["source"]),
        demo=_demo(path, fields["demo"][1]) if "demo" in fields else None,
        interview=interview,
        path=str(path),
        line=_line(node),
        shipped=shipped,
        refs=_refs(path, fields["refs"][1]) if "refs" in fields else (),
        notes=notes,
    )


def _card_nodes(path: Path, root: yaml.Node | None) -> tuple[list[yaml.Node], tuple[tuple[str, str], ...]]:
    """-> (the card nodes, the header's note titles)."""
    if root is None:
        return [], ()
    if isinstance(root, yaml.SequenceNode):
        return list(root.value), ()
    if isinstance(root, yaml.MappingNode):
        fields = _mapping(path, root, "deck header")
        for key, (k, _) in fields.items():
            if key not in HEADER_KEYS:
                raise CardError(str(path), _line(k), f"unknown deck key '{key}' (allowed: {', '.join(sorted(HEADER_KEYS))})")
        for key in ("deck", "description"):
            if key in fields:
                _text(path, key, *fields[key])
        if "cards" not in fields:
            raise CardError(str(path), _line(root), "deck file has no 'cards:' list")
        notes = _notes(path, fields["notes"][1]) if "notes" in fields else ()
        cards = fields["cards"][1]
        if not isinstance(cards, yaml.SequenceNode):
            raise CardError(str(path), _line(cards), "'cards' must be a list")
        return list(cards.value), notes
    raise CardError(str(path), _line(root), "a card file must be a list of cards or a mapping with 'cards:'")


def _load_file(path: Path, shipped: bool, problems: list[CardError]) -> list[Card]:
    try:
        nodes, notes = _card_nodes(path, _compose(path, _read_text(path)))
    except CardError as e:
        problems.append(e)
        return []
    cards = []
    for node in nodes:
        try:
            cards.append(_card(path, node, shipped, notes))
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
    try:
        from gdstudy.demo.registry import demo_path, validate_params
    except ImportError:  # demo framework not installed in this build
        return None
    if params:
        return validate_params
    return lambda name, _params: demo_path(name)


def load_deck(
    shipped: Iterable[Path] = (), user: Iterable[Path] = (), *, check_demos: bool = True, demo_params: bool = True
) -> Deck:
    """Load the shipped deck folders, then user paths. Duplicate ids keep the first and report the
    rest. `check_demos`: demo links must name a demo; `demo_params`: and their params must be valid
    (imports the demo modules — `cards check` does it, `review` only checks names, which is cheap)."""
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
    for paths, is_shipped in ((shipped, True), (user, False)):
        files, errs = card_files(paths)
        problems += errs
        for f in files:
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
