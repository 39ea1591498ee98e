"""What a note's text carries that is not card text: HTML comments (and OSR's `<!--SR:...-->`
schedule comments in them), OSR's `> [!sr|card-metadata]` callout, Obsidian `^block-id`s, and
multi-line `$$` display maths.

`strip_marks` runs on a note's lines before headings and cards are found (so nothing inside a
comment is a heading or a card): a comment is cut out of its line(s); a line that was only a
comment (or the SR callout, or only a `^block-id`) is not content (`skip`), so it neither makes
nor splits a card; an OSR schedule is kept in `Note.sr` by the line it is on. A `$$` line that
opens a display block (closed on a later line) and everything up to the closing `$$` are kept as
written, like fenced code (`==`/`::` in maths are never cards; `math_blocks` runs first, so `x ^2`
there is not a block id). Every scan is linear in the text.
"""

from __future__ import annotations

import re

from gdstudy.interop.spans import code_spans

__all__ = ["strip_marks", "math_blocks", "SR_CALLOUT", "BLOCK_ID"]

SR_CALLOUT = re.compile(r"^\s*>\s*\[!sr\|card-metadata\]", re.I)
BLOCK_ID = re.compile(r"(?:^|(?<=\s))\^[A-Za-z0-9-]++[ \t]*$")
SR_PREFIX = "SR:"


class _Code:
    """Is position k inside an inline code span? Asked with k increasing: one pass over the spans."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans, self.j = spans, 0

    def __call__(self, k: int) -> bool:
        spans = self.spans
        while self.j < len(spans) and spans[self.j][1] <= k:
            self.j += 1
        return self.j < len(spans) and spans[self.j][0] <= k


def strip_marks(lines: list[str], code: list[bool], skip: list[bool]) -> tuple[dict[int, str], set[int], list[tuple[int, str]]]:
    """Cut comments, SR callouts and block ids out of `lines` (in place). Returns the OSR
    schedules by 1-based line (`!2026-01-01,3,250`, as written after `SR:`), the lines that were
    only card metadata (an SR comment or callout), and located warnings."""
    sr: dict[int, str] = {}
    meta: set[int] = set()
    warnings: list[tuple[int, str]] = []
    opened_at: int | None = None  # 0-based line of an open comment
    text: list[str] = []           # the open comment's text
    callout = False
    for i, ln in enumerate(lines):
        if skip[i] or (code[i] and opened_at is None):
            callout = False
            continue
        if opened_at is None and "<!--" not in ln and "^" not in ln and not callout and ">" not in ln[:8]:
            continue
        in_code = _Code(code_spans(ln) if "`" in ln and opened_at is None else [])
        kept: list[str] = []
        pos, had = 0, opened_at is not None
        while pos <= len(ln):
            if opened_at is not None:
                e = ln.find("-->", pos)
                if e < 0:
                    text.append(ln[pos:])
                    break
                text.append(ln[pos:e])
                body = "\n".join(text)
                if body.startswith(SR_PREFIX):
                    sr[opened_at + 1] = body[len(SR_PREFIX):].strip()
                opened_at, text, pos = None, [], e + 3
                continue
            k = ln.find("<!--", pos)
            while k >= 0 and in_code(k):
                k = ln.find("<!--", k + 4)
            if k < 0:
                kept.append(ln[pos:])
                break
            kept.append(ln[pos:k])
            had, opened_at, pos = True, i, k + 4
            text = []
        new = "".join(kept) if had else ln
        if not code[i]:
            m = BLOCK_ID.search(new)
            if m:
                new, had = new[: m.start()].rstrip(), True
        is_meta = i + 1 in sr
        if SR_CALLOUT.match(new):
            callout, is_meta, new = True, True, ""
        elif callout and new.strip().lstrip(">").strip() == "" and new.lstrip().startswith(">"):
            is_meta, new = True, ""
        else:
            callout = False
        if had or is_meta:
            lines[i] = new
            if not new.strip():
                skip[i] = True
                if is_meta:
                    meta.add(i + 1)
    if opened_at is not None:
        warnings.append((opened_at + 1, "HTML comment '<!--' never closed with '-->': the rest of the note is a comment"))
    return sr, meta, warnings


def math_blocks(lines: list[str], code: list[bool], skip: list[bool]) -> None:
    """Mark multi-line `$$` display maths as code (kept as written, never cards). A block opens on
    a line that starts with `$$` and has no second `$$`, and ends at the next line with a `$$`; an
    opener with no closer is not a block."""
    nxt: list[int | None] = [None] * len(lines)
    after: int | None = None
    for i in range(len(lines) - 1, -1, -1):
        nxt[i] = after
        if "$$" in lines[i] and not code[i] and not skip[i]:
            after = i
    i = 0
    while i < len(lines):
        ln = lines[i].strip()
        if not code[i] and not skip[i] and ln.startswith("$$") and ln.count("$$") == 1 and nxt[i] is not None:
            end = nxt[i]
            assert end is not None
            for j in range(i, end + 1):
                code[j] = True
            i = end + 1
        else:
            i += 1
