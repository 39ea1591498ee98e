"""Untrusted YAML in, a bounded node tree out: the only way gdstudy reads a YAML file.

    read_text(path) -> str      bytes -> text: regular files only (a FIFO is never opened for a
                                blocking read), at most MAX_FILE_BYTES bytes and MAX_LINES lines,
                                no NUL byte, UTF-8
    compose(path, text) -> Node one document composed from libyaml's event stream by a loop
                                (no recursion), refusing anchors/aliases and every tag beyond the
                                plain YAML types, and cutting any collection nested deeper than
                                MAX_DEPTH (the cut subtree becomes a marker node: `too_deep(node)`)

Nothing is ever constructed here: values are read from the nodes by the deck loader, which checks
the resolved tag of every scalar first. Every problem is a `CardError` at `path:line`.

Why not `yaml.compose`: PyYAML's C composer recurses once per nesting level, so a few KB of `[[[[`
overflowed the C stack (libyaml >= 0.2.6 stops at 1000 levels, with a syntax error for the whole
file). The loop here is as fast (~0.2 s for 10,000 cards) and the depth bound costs nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from yaml.events import (
    AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
    SequenceStartEvent, StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gdstudy.errors import CardError

__all__ = ["read_bytes", "read_text", "compose", "too_deep", "file_kind", "MAX_FILE_BYTES", "MAX_LINES", "MAX_DEPTH", "SAFE_TAGS"]

MAX_FILE_BYTES = 1_000_000
MAX_LINES = 50_000
MAX_DEPTH = 50
SAFE_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)
TOO_DEEP = "tag:gdstudy,2026:too-deep"  # the marker that replaces a subtree cut at MAX_DEPTH

# libyaml's parser when available (~10x faster than the pure-Python one); both are safe here.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a file"


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`: opened without blocking (a FIFO is
    refused, never waited on), a device or folder refused by its kind, and read up to one byte
    past the cap (so /dev/zero behind a link, or a file that grows, costs at most the cap).
    CardError (one line, at `path`) otherwise. The one check behind card files and notes."""
    where = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise CardError(where, None, f"cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CardError(where, None, f"not a regular file ({file_kind(st.st_mode)})")
        if st.st_size > max_bytes:
            raise CardError(where, None, f"file is {st.st_size:,} bytes, over the {max_bytes:,}-byte cap")
        chunks, size = [], 0
        while size <= max_bytes:  # the file may grow while we read it
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as e:
        raise CardError(where, None, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise CardError(where, None, f"file is over the {max_bytes:,}-byte cap")
    return data


def read_text(path: Path) -> str:
    where = str(path)
    data = read_bytes(path)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CardError(where, line, "binary file (NUL byte), not a YAML card file")
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if lines > MAX_LINES:
        raise CardError(where, None, f"file has {lines:,} lines, over the {MAX_LINES:,}-line cap")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise CardError(where, line, f"not UTF-8 (byte 0x{data[e.start]:02x})") from None


def too_deep(node: Node) -> int:
    """The line of the first subtree cut at MAX_DEPTH inside `node` (0: none)."""
    return getattr(node, "deep", 0)


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def compose(path: Path, text: str) -> Node | None:
    where = str(path)
    deep_line = 0
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader already checks the first characters here
        try:
            return _compose(where, loader)
        except _TooDeepAbort as e:  # libyaml's own limit hit while skipping a cut subtree
            deep_line = e.line
    except yaml.reader.ReaderError as e:
        raise _reader_error(where, text, e) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(e.problem or e.context or "syntax error").split())
        raise CardError(where, line, f"YAML syntax error: {msg}") from None
    except yaml.YAMLError as e:
        raise CardError(where, None, f"YAML error: {' '.join(str(e).split())}") from None
    finally:
        if loader is not None:
            loader.dispose()
    raise CardError(where, deep_line, f"YAML is nested deeper than {MAX_DEPTH} levels")


def _reader_error(where: str, text: str, e: yaml.reader.ReaderError) -> CardError:
    """A character YAML forbids in a file (raw ESC, DEL, C1 ...), located at its first occurrence."""
    c = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or "?")
    pos = text.find(chr(c))
    line = text.count("\n", 0, pos) + 1 if pos >= 0 else None
    escape = f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    what = "control character" if c < 0x20 or 0x7F <= c <= 0x9F else "character"
    return CardError(where, line, f"{what} U+{c:04X} is not allowed in a YAML file "
                                  f'(write it as "{escape}" in a double-quoted string)')


class _TooDeepAbort(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _compose(where: str, loader: yaml.SafeLoader) -> Node | None:
    """Events -> nodes with an explicit stack. Shape: stack holds [collection, pending key] per
    open collection; `skip` > 0 while inside a subtree deeper than MAX_DEPTH (counted, not built)."""
    resolve = loader.resolve
    stack: list[list] = []
    root: Node | None = None
    docs = 0
    skip = 0
    skip_mark = None
    any_deep = False
    get_event = loader.get_event
    while True:
        try:
            ev = get_event()
        except yaml.MarkedYAMLError as e:
            # libyaml >= 0.2.6 stops at 1000 levels, and its scanner runs ahead of the events: the
            # error can come before this loop has seen level MAX_DEPTH
            if "nesting depth" in str(e.problem or ""):
                mark = skip_mark or e.problem_mark
                raise _TooDeepAbort(mark.line + 1 if mark else 0) from None
            raise
        cls = type(ev)
        if skip:
            if cls is SequenceStartEvent or cls is MappingStartEvent:
                skip += 1
                continue
            if cls is not SequenceEndEvent and cls is not MappingEndEvent:
                continue
            skip -= 1
            if skip:
                continue
            node: Node = ScalarNode(TOO_DEEP, "", skip_mark, ev.end_mark)
            node.deep = skip_mark.line + 1  # type: ignore[attr-defined,union-attr]
        elif cls is ScalarEvent:
            if ev.anchor is not None:
                raise CardError(where, ev.start_mark.line + 1, "YAML anchors and aliases are not allowed")
            tag = ev.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, ev.value, ev.implicit)
            if tag not in SAFE_TAGS:
                raise CardError(where, ev.start_mark.line + 1, f"YAML tag {_tag_name(tag)} is not allowed")
            node = ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        elif cls is SequenceStartEvent or cls is MappingStartEvent:
            if ev.anchor is not None:
                raise CardError(where, ev.start_mark.line + 1, "YAML anchors and aliases are not allowed")
            if len(stack) >= MAX_DEPTH:
                skip, skip_mark, any_deep = 1, ev.start_mark, True
                continue
            kind = SequenceNode if cls is SequenceStartEvent else MappingNode
            tag = ev.tag
            if tag is None or tag == "!":
                tag = resolve(kind, None, ev.implicit)
            if tag not in SAFE_TAGS:
                raise CardError(where, ev.start_mark.line + 1, f"YAML tag {_tag_name(tag)} is not allowed")
            stack.append([kind(tag, [], ev.start_mark, None, ev.flow_style), None])
            continue
        elif cls is SequenceEndEvent or cls is MappingEndEvent:
            node = stack.pop()[0]
            node.end_mark = ev.end_mark
        elif cls is AliasEvent:
            raise CardError(where, ev.start_mark.line + 1, "YAML anchors and aliases are not allowed")
        elif cls is DocumentStartEvent:
            docs += 1
            if docs > 1:
                raise CardError(where, ev.start_mark.line + 1, "a card file holds one YAML document (found a second '---')")
            continue
        elif cls is StreamEndEvent:
            return root
        else:  # StreamStartEvent, DocumentEndEvent
            continue
        # attach the finished node to its parent (or make it the root)
        if not stack:
            root = node
            continue
        top = stack[-1]
        parent = top[0]
        if any_deep and too_deep(node) and not too_deep(parent):
            parent.deep = too_deep(node)
        if type(parent) is SequenceNode:
            parent.value.append(node)
        elif top[1] is None:
            top[1] = node
        else:
            parent.value.append((top[1], node))
            top[1] = None

