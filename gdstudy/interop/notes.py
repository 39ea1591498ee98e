"""Reading notes: a `.md`/`.txt` file becomes numbered text lines, its sections and markers.

A note is read like a card file (UTF-8, no NUL byte, at most `deck.MAX_FILE_BYTES`), a BOM is
dropped, CRLF/CR become LF, control characters other than tab go through the deck's text
boundary (`gdstudy.text.clean`: made visible; dropped where that module is absent). Line numbers are the
file's own (1-based), so every error and citation points at the line an editor shows.

Heading rules (`note_sections`), chosen per note, first match wins:
1. **Markdown**: the note has ATX headings (`#` .. `######`, then a space, then text), outside fenced
   code blocks and YAML front matter. Only those lines are headings; `#tag` (no space) is a tag.
2. **HTML**: no Markdown headings but `<h1>`..`<h6>` elements (raw or HTML-escaped `&lt;h2 ...>`, e.g.
   an RSS item). An RSS/Atom file keeps only its item's `<description>`/`<content>`; tags are
   stripped, entities decoded; a heading's `#` anchor link is dropped.
3. **Plain text** (slides, pasted text): a line is a heading when it stands alone (blank or
   whitespace-only lines, or the file's start/end, on both sides), has at most 10 words and 80
   characters, does not end in punctuation (`. , ; : ! ?`), starts with a letter, is not ALL CAPS
   (diagram labels), is in Title Case (the first word and every word of 4+ letters start with a
   capital) and has no markup (`::`, `==`, `[[`, `$`, `\\`, `|`, list markers).
Text before the first heading is the section titled by the front matter's `title:`, else `Intro`
(level 0; listed only when it has lines). Titles are whitespace-collapsed, with trailing `#`s and
trailing decorative symbols (☆, ★, emoji) and `#tags` removed. A section *has text* when some line of it (code
included) has at least 4 words once image embeds, tags, HTML tags and link markup are removed:
labels and captions alone are not text. The same title can occur several times (slides repeat
their title); a citation `note § Title` cites all of them.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from gdstudy.errors import CardError

__all__ = ["Section", "Note", "NoteError", "read_note", "parse_note", "note_sections", "INTRO", "NOTE_SUFFIXES"]

INTRO = "Intro"
NOTE_SUFFIXES = (".md", ".markdown", ".txt")
TAG_CHARS = r"[\w/-]"
# an Obsidian tag: '#', then a name with at least one non-digit; not inside a word, URL or entity
TAG = re.compile(r"(?<![\w&/#\\\]])#(?=[\w/-]*[^\W\d])(" + TAG_CHARS + r"+)")
ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Every pattern here runs in linear time on any line (no lazy scan that can run to the end of the
# text once per opener, no two adjacent quantifiers over the same characters without a possessive
# one): a 1 MB note of unclosed openers must not hang the import (benchmarks/bench_import_adversarial.py).
EMBED = re.compile(r"!\[\[([^\[\]|]*)(?:\|[^\[\]]*)?\]\]")
MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\(([^()\s]*+)[^()]*\)")  # *+: `![x](aaaa...` unclosed was O(n²)
WIKILINK = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
HTML_TAG = re.compile(r"<[!/?]?[A-Za-z][^<>]*>", re.S)
HTML_HEADING = re.compile(r"<h([1-6])\b[^<>]*>((?:(?!</?h[1-6]\b).)*?)</h\1\s*>", re.S | re.I)
A_ELEMENT = re.compile(r"<a\b([^<>]*)>[^<]*</a\s*>", re.I)  # an anchor link when a class value has "anchor"
CLASS_VALUE = re.compile(r"class=\"([^\"<>]*+)\"", re.I)
BIG_CHARREF = re.compile(r"&#(?:[xX](?P<hex>[0-9a-fA-F]{7,})|(?P<dec>[0-9]{8,}))(?P<semi>;?)")
SCRIPT = re.compile(r"<(script|style)\b(?:(?!</?(?:script|style)\b).)*?</\1\s*>", re.S | re.I)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
SMALL_WORDS = {"with", "from", "into", "onto", "over", "than", "that", "upon", "via", "vs"}


try:  # the one text boundary (control characters made visible), when this build has it
    from gdstudy.text import clean as _clean
except ImportError:  # pragma: no cover - older builds: control characters are dropped
    def _clean(s: str) -> str:
        return CONTROL.sub("", s)


class NoteError(CardError):
    """A problem in a note, located at `path:line`."""


@dataclass(frozen=True)
class Section:
    title: str
    level: int  # 0 = text before the first heading
    line: int   # 1-based line of the heading (of the first line, for the Intro)
    has_text: bool


@dataclass
class Note:
    """A note as numbered lines. `lines[i]` is line i+1 of the file (HTML notes: the text view)."""

    path: Path
    lines: list[str]
    kind: str                                   # "markdown", "html" or "plain"
    code: list[bool]                            # inside a fenced code block (fence lines included)
    skip: list[bool]                            # front matter: not content
    headings: dict[int, tuple[int, str]] = field(default_factory=dict)  # line -> (level, title)
    title: str | None = None                    # front matter title:
    tags: tuple[str, ...] = ()                  # front matter tags:
    sr: dict[int, str] = field(default_factory=dict)        # line -> OSR schedule (`!2026-01-01,3,250`)
    meta: set[int] = field(default_factory=set)             # lines that were only card metadata (SR comment)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    _starts: list[int] | None = field(default=None, repr=False)

    def intro_title(self) -> str:
        return self.title or INTRO

    def section_title(self, line: int) -> str:
        """The title of the section holding `line` (the nearest heading above it)."""
        if self._starts is None or len(self._starts) != len(self.headings):
            self._starts = sorted(self.headings)
        k = bisect.bisect_right(self._starts, line)
        return self.headings[self._starts[k - 1]][1] if k else self.intro_title()


# ---------------------------------------------------------------------------------------------
# reading


def _decode(path: Path, max_bytes: int) -> str:
    from gdstudy.safeyaml import read_bytes  # the deck loader's check: regular files only, bounded

    try:
        data = read_bytes(path, max_bytes)
    except CardError as e:
        raise NoteError(e.path, e.line, e.message) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise NoteError(str(path), line, "binary file (NUL byte), not a text note")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise NoteError(str(path), line, f"not UTF-8 (byte 0x{data[e.start]:02x})") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_note(path: Path, *, max_bytes: int | None = None) -> Note:
    """Read and parse one note file; NoteError (located) when it cannot be read as text."""
    if max_bytes is None:
        from gdstudy.deck import MAX_FILE_BYTES as max_bytes
    return parse_note(Path(path), _decode(Path(path), max_bytes))


def parse_note(path: Path, text: str) -> Note:
    """Parse note text (already decoded, LF line ends) into lines, code mask and headings."""
    lines = [_clean(ln) for ln in text.split("\n")]
    skip = [False] * len(lines)
    title, tags = _front_matter(lines, skip)
    code = _fences(lines, skip)
    from gdstudy.interop.notemarks import math_blocks, strip_marks

    math_blocks(lines, code, skip)  # first: `x ^2` in display maths is not a block id
    sr, meta, warnings = strip_marks(lines, code, skip)  # comments, SR schedules, ^block-ids
    note = Note(path=path, lines=lines, kind="markdown", code=code, skip=skip, title=title, tags=tags,
                sr=sr, meta=meta, warnings=warnings)
    for i, ln in enumerate(lines):
        if not code[i] and not skip[i]:
            m = ATX.match(ln)
            if m and m.group(2).strip():
                t = clean_title(_atx_text(m.group(2)))
                if t:
                    note.headings[i + 1] = (len(m.group(1)), t)
    if note.headings:
        return note
    if re.search(r"(?:<|&lt;)h[1-6]\b", text, re.I):
        _html_view(note, text)
        if note.headings:
            return note
        note.lines, note.code, note.skip = lines, code, skip
    note.kind = "plain"
    for i in _plain_headings(lines, code, skip):
        note.headings[i + 1] = (1, clean_title(lines[i]))
    return note


def _front_matter(lines: list[str], skip: list[bool]) -> tuple[str | None, tuple[str, ...]]:
    """YAML front matter (`---` ... `---`) at the top: only `title:` and `tags:` are read, by line
    (never composed as YAML: a note is untrusted). Its lines are marked as not content."""
    if not lines or lines[0].strip() != "---":
        return None, ()
    end = next((i for i in range(1, min(len(lines), 200)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return None, ()
    for i in range(end + 1):
        skip[i] = True
    title, tags, in_tags = None, [], False
    for ln in lines[1:end]:
        key, _, val = ln.partition(":")
        if in_tags and ln.lstrip().startswith("- "):
            tags.append(ln.lstrip()[2:].strip().strip("'\"#"))
            continue
        in_tags = False
        if key.strip() == "title" and val.strip():
            title = clean_title(val.strip().strip("'\""))
        elif key.strip() == "tags":
            v = val.strip()
            if not v:
                in_tags = True
            else:
                tags += [t.strip().strip("'\"#") for t in re.split(r"[,\s]+", v.strip("[]"))]
    return title or None, tuple(t for t in tags if t)


def _fences(lines: list[str], skip: list[bool]) -> list[bool]:
    code = [False] * len(lines)
    opener = None
    for i, ln in enumerate(lines):
        if skip[i]:
            continue
        m = FENCE.match(ln)
        if opener is None:
            if m:
                opener = m.group(1)
                code[i] = True
        else:
            code[i] = True
            if m and m.group(1)[0] == opener[0] and len(m.group(1)) >= len(opener) and not ln.strip().strip(opener[0]):
                opener = None
    return code


def _atx_text(t: str) -> str:
    """A heading's text without its optional closing `#` sequence (which needs a space before it)."""
    t = t.rstrip(" \t")
    bare = t.rstrip("#")
    return bare if bare != t and (not bare or bare[-1] in " \t") else t


def clean_title(t: str) -> str:
    t = WIKILINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), t)
    t = TAG.sub(" ", t)  # a #tag in a heading is a tag of the note, not part of the title
    t = " ".join(t.replace("**", "").split())
    end = len(t)  # trailing symbols (and the spaces between them) go; one cut, not a copy per symbol
    while end and unicodedata.category(t[end - 1]).startswith(("S", "Z")) and t[end - 1] not in ")]":
        end -= 1
        while end and t[end - 1].isspace():
            end -= 1
    return t[:end]


def _unescape(s: str) -> str:
    """`html.unescape`, without its int() of a numeric reference's digits: `&#` and 5,000 digits
    was a ValueError (Python's int-string limit), and big ints cost quadratic time. A reference
    past U+10FFFF is U+FFFD, as html.unescape makes it; leading zeros are dropped first."""
    if "&" not in s:
        return s
    if "&#" not in s:
        return html.unescape(s)

    def shorten(m: re.Match[str]) -> str:
        hexa = m.group("hex") is not None
        digits = (m.group("hex") if hexa else m.group("dec")).lstrip("0") or "0"
        if len(digits) > (6 if hexa else 7):
            return "\ufffd"
        return "&#" + ("x" if hexa else "") + digits + m.group("semi")

    return html.unescape(BIG_CHARREF.sub(shorten, s))


# ---------------------------------------------------------------------------------------------
# HTML notes


def _keep_only(text: str, start: int, end: int) -> str:
    """Blank everything outside [start, end) but keep every newline, so line numbers hold."""
    return re.sub(r"[^\n]", "", text[:start]) + text[start:end] + re.sub(r"[^\n]", "", text[end:])


def _feed_content(text: str) -> str:
    if not re.match(r"\s*<(\?xml|rss|feed)\b", text):
        return text
    item = re.search(r"<(item|entry)\b", text)
    if not item:
        return text
    body = re.compile(r"<(description|content:encoded|content)\b[^<>]*>").search(text, item.end())
    if not body:
        return text
    end = text.find(f"</{body.group(1)}>", body.end())
    kept = _keep_only(text, body.end(), end if end >= 0 else len(text))
    return kept.replace("<![CDATA[", "").replace("]]>", "")


def _html_view(note: Note, text: str) -> None:
    text = "\n".join(_clean(ln) for ln in _feed_content(text).split("\n"))
    if "&lt;" in text:  # HTML-escaped HTML (an RSS description): decode once, line by line
        text = "\n".join(_unescape(ln).replace("\n", " ") for ln in text.split("\n"))
    headings: dict[int, tuple[int, str]] = {}
    at = [0, 1]  # (position, its line): headings come in order, so newlines are counted once

    def anchor(m: re.Match[str]) -> str:
        return " " if any("anchor" in v.lower() for v in CLASS_VALUE.findall(m.group(1))) else m.group(0)

    def heading(m: re.Match[str]) -> str:
        inner = m.group(2)
        lead = len(inner) - len(inner.lstrip())
        pos = m.start(2) + lead
        at[1] += text.count("\n", at[0], pos)
        at[0] = pos
        line = at[1]
        title = clean_title(_unescape(HTML_TAG.sub(" ", A_ELEMENT.sub(anchor, inner))))
        if title:
            headings[line] = (int(m.group(1)), title)
        return re.sub(r"[^\n]", "", m.group(0))

    text = HTML_HEADING.sub(heading, text)
    text = SCRIPT.sub(lambda m: re.sub(r"[^\n]", "", m.group(0)), text)
    text = HTML_TAG.sub(lambda m: re.sub(r"[^\n]", "", m.group(0)), text)
    lines = [_clean(_unescape(ln).replace("\n", " ")) for ln in text.split("\n")]
    note.kind, note.lines, note.headings = "html", lines, headings
    note.code = [False] * len(lines)
    note.skip = [False] * len(lines)


# ---------------------------------------------------------------------------------------------
# plain-text headings


def _blank(lines: list[str], i: int) -> bool:
    return i < 0 or i >= len(lines) or not lines[i].strip()


def looks_like_title(s: str) -> bool:
    s = s.strip()
    if not s or len(s) > 80 or s[-1] in ".,;:!?" or not s[0].isalpha():
        return False
    if re.search(r"::|==|\[\[|\$|\\|\||`|#|^\s*(?:[-*+>]|\d+[.)])\s", s):
        return False
    words = WORD.findall(s)
    if not words or len(words) > 10:
        return False
    letters = [c for c in s if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return False  # ALL CAPS: a diagram label
    if not words[0][0].isupper():
        return False
    return all(w[0].isupper() or not w[0].isalpha() or len(w) < 4 or w.lower() in SMALL_WORDS for w in words)


def _plain_headings(lines: list[str], code: list[bool], skip: list[bool]) -> list[int]:
    return [
        i for i, ln in enumerate(lines)
        if not code[i] and not skip[i] and _blank(lines, i - 1) and _blank(lines, i + 1) and looks_like_title(ln)
    ]


# ---------------------------------------------------------------------------------------------
# sections


def plain_words(s: str) -> int:
    """Words in a line once embeds, tags, HTML tags and link markup are gone."""
    s = EMBED.sub(" ", s)
    s = MD_IMAGE.sub(" ", s)
    s = WIKILINK.sub(lambda m: " " + (m.group(2) or m.group(1)) + " ", s)
    s = HTML_TAG.sub(" ", s)
    s = TAG.sub(" ", s)
    return len(WORD.findall(s))


def sections_of(note: Note) -> list[Section]:
    starts = sorted(note.headings)
    out: list[Section] = []
    n = len(note.lines)
    first = starts[0] if starts else n + 1
    intro = [i for i in range(1, first) if not note.skip[i - 1] and note.lines[i - 1].strip()]
    if intro:
        out.append(Section(note.intro_title(), 0, intro[0], _has_text(note, intro[0], first)))
    for k, ln in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else n + 1
        level, title = note.headings[ln]
        out.append(Section(title, level, ln, _has_text(note, ln + 1, end)))
    return out


def _has_text(note: Note, start: int, end: int) -> bool:
    for i in range(start, end):
        ln = note.lines[i - 1]
        if note.skip[i - 1] or (note.code[i - 1] and FENCE.match(ln)):
            continue
        if plain_words(ln) >= 4:
            return True
    return False


def note_sections(path: Path) -> list[Section]:
    """Every section of a note, in file order: see the module docstring for the heading rules."""
    return sections_of(read_note(Path(path)))
