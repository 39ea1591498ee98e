"""Generated card files: YAML emitted by the safe dumper (never by string formatting), and the
import record in the header comment that tells `gdstudy import` what it last wrote:

    # gdstudy-import: {"v": 1, "note": "ml/sgd.md", "root": "/abs/vault", "cards": {"<id>": "<hash>"}}

`<hash>` is 16 hex digits of sha256 over the card's fields as the deck loader reads them
(`Card.to_dict()`, JSON with sorted keys); JSON with ensure_ascii, so the line is one ASCII line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
    SequenceStartEvent, StreamEndEvent, StreamStartEvent,
)

from gdstudy.deck import Card

__all__ = ["MARKER", "HEADER", "card_hash", "body", "header", "read_marker", "clean_text", "one_line", "limits", "shorten"]

MARKER = "# gdstudy-import: "
HEADER = (
    "# Written by `gdstudy import` from a note: edit the note and import again.\n"
    "# A card edited here by hand is left alone (reported as a conflict); delete this file to regenerate it.\n"
)


try:  # the deck loader's text boundary, when this build has it
    from gdstudy.text import clean as clean_text
    from gdstudy.text import one_line
except ImportError:  # pragma: no cover - older deck loader: text is only trimmed
    def clean_text(s: str) -> str:
        return s

    def one_line(s: str) -> str:
        return s.strip()


def limits() -> dict[str, int]:
    import gdstudy.deck as deck

    return dict(getattr(deck, "LIMITS", {}))


def shorten(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def card_hash(card: Card | dict[str, Any]) -> str:
    d = card if isinstance(card, dict) else card.to_dict()
    return hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


_T = "tag:yaml.org,2002:"
_STR = _T + "str"


# libyaml's emitter when present (else PyYAML's); only its emitter and resolver table are used.
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _plain_ok(value: str) -> bool:
    """Would `value` written plain read back as text (not `true`, `1e3`, `~`, a date ...)? The
    serializer's own test (its implicit resolvers), without building a node."""
    table = _Dumper.yaml_implicit_resolvers
    for tag, regexp in table.get(value[:1], []) + table.get(None, []):
        if regexp.match(value):
            return tag == _STR  # type: ignore[no-any-return]
    return True


def _events(v: Any, out: list[yaml.Event]) -> None:
    """The events the safe serializer would emit for `v` (plain data, no anchors), built directly:
    multi-line text as a `|` block when YAML allows it (the emitter falls back to quoting), lists of
    names in flow style. Half the time of building nodes and serializing them."""
    if isinstance(v, str):
        out.append(ScalarEvent(None, None, (_plain_ok(v), True), v, style="|" if "\n" in v else None))
    elif isinstance(v, bool):
        out.append(ScalarEvent(None, None, (True, False), "true" if v else "false"))
    elif isinstance(v, list):
        out.append(SequenceStartEvent(None, None, True, flow_style=all(isinstance(x, str) for x in v)))
        for x in v:
            _events(x, out)
        out.append(SequenceEndEvent())
    elif isinstance(v, dict):
        out.append(MappingStartEvent(None, None, True, flow_style=False))
        for k, x in v.items():
            _events(k, out)
            _events(x, out)
        out.append(MappingEndEvent())
    else:
        raise TypeError(f"cannot write {type(v).__name__} to a card file")


def dump(doc: Any) -> str:
    """YAML text for plain data (str, bool, list, dict), by the safe emitter."""
    events: list[yaml.Event] = [StreamStartEvent(), DocumentStartEvent(explicit=False)]
    _events(doc, events)
    events += [DocumentEndEvent(explicit=False), StreamEndEvent()]
    return yaml.emit(events, Dumper=_Dumper, allow_unicode=True, width=100)  # type: ignore[no-any-return]


def body(note_key: str, cards: list[dict[str, Any]], deck: str = "") -> str:
    """The YAML of a generated card file (after its header comment); `deck`: its `deck:` name
    (default: the note's name)."""
    lim = limits()
    name = one_line(shorten(deck or note_key, lim.get("deck", 10**9)))
    desc = one_line(shorten(f"Cards imported from the note {note_key}", lim.get("description", 10**9)))
    return dump({"deck": name, "description": desc, "cards": cards})


def header(note_key: str, root: str, cards: list[dict[str, Any]]) -> str:
    """The comment lines on top of a generated card file, with the import record."""
    marker = {"v": 1, "note": note_key, "root": root, "cards": {c["id"]: card_hash(c) for c in cards}}
    return HEADER + MARKER + json.dumps(marker, ensure_ascii=True, separators=(",", ":")) + "\n"


def read_marker(path: Path, text: str | None = None) -> dict[str, Any] | None:
    """The import record in a card file's header (`text`: the file's text, when already read), or
    None (not written by the import, damaged, or not a regular file: read by the deck loader's
    bounded, non-blocking `read_bytes`, never a plain open() that a FIFO or /dev/zero would hang)."""
    if text is None:
        from gdstudy.errors import CardError
        from gdstudy.safeyaml import read_bytes

        try:
            head = [ln.decode("utf-8", "replace") for ln in read_bytes(path).split(b"\n", 4)[:4]]
        except CardError:
            return None
    else:
        head = text.split("\n", 4)[:4]
    for ln in head:
        if ln.startswith(MARKER):
            try:
                m = json.loads(ln[len(MARKER):])
            except (ValueError, RecursionError):  # RecursionError: `[[[[...` nested past the C parser's limit
                return None
            ok = (isinstance(m, dict) and isinstance(m.get("note"), str) and isinstance(m.get("cards"), dict)
                  and all(isinstance(k, str) and isinstance(v, str) for k, v in m["cards"].items()))
            return m if ok else None
    return None
