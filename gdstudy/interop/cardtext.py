"""Card text from note lines: where a one-line card's `::` is, which `#tags` a line has, and how a
line reads on a card (embeds as `[image: name]`, wiki links as labels, tags taken out, inline code
as written). Every scan is linear in the line (see `spans`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from gdstudy.interop.syntax import DEFAULT, Syntax
from gdstudy.interop.notes import EMBED, MD_IMAGE, TAG, WIKILINK
from gdstudy.interop.spans import LINK_TARGET, M, URL, blank_spans, cloze_spans, code_spans, mask, mask_math
from gdstudy.interop.spans import masked as _masked

__all__ = ["Line", "tags_in", "tag_only", "separator", "display"]


@dataclass(frozen=True)
class Line:
    no: int
    text: str
    code: bool


def tags_in(s: str) -> list[str]:
    if "#" not in s:
        return []
    masked = _masked(s)
    return [m.group(1) for m in TAG.finditer(masked)]


def tag_only(s: str) -> bool:
    return "#" in s and bool(s.strip()) and not TAG.sub("", _masked(s)).strip()


def separator(s: str, syntax: Syntax = DEFAULT) -> tuple[int, int, bool] | None:
    """Where the separator of a one-line card is: (index, length, reversed), or None. The first
    separator in the line wins (the longer one when both start there: `:::` over `::`)."""
    seps = [(sep, rev) for sep, rev in ((syntax.single, False), (syntax.single_rev, True)) if sep and sep in s]
    if not seps:
        return None
    masked = _masked(s)
    spans, unclosed = cloze_spans(masked)
    masked = blank_spans(masked, spans)
    if unclosed is not None:
        masked = masked[:unclosed] + M * (len(masked) - unclosed)
    masked = mask(masked, WIKILINK, LINK_TARGET)
    best: tuple[int, int, bool] | None = None
    for sep, rev in seps:
        i = masked.find(sep)
        if i >= 0 and (best is None or i < best[0] or (i == best[0] and len(sep) > best[1])):
            best = (i, len(sep), rev)
    if best is None or best[0] <= 0 or not masked[: best[0]].strip():
        return None
    return best


def display(s: str) -> tuple[str, list[str]]:
    """Card text for one note line: embeds as placeholders, wiki links as labels, `#tags` taken out
    (returned). Inline code is left exactly as written."""
    out, tags, pos = [], [], 0
    if not any(ch in s for ch in "[#`"):
        return s.rstrip(), tags
    for start, end in code_spans(s) if "`" in s else ():
        out.append(_display_plain(s[pos:start], tags))
        out.append(s[start:end])
        pos = end
    out.append(_display_plain(s[pos:], tags))
    return "".join(out).rstrip(), tags


def _display_plain(s: str, tags: list[str]) -> str:
    s = EMBED.sub(lambda m: f"[image: {m.group(1).strip() or 'embed'}]", s)
    s = MD_IMAGE.sub(lambda m: f"[image: {m.group(1).strip() or m.group(2).rsplit('/', 1)[-1] or 'image'}]", s)
    s = WIKILINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), s)
    masked = mask_math(mask(s, URL))
    kept, pos = [], 0
    for m in TAG.finditer(masked):
        tags.append(m.group(1))
        kept.append(s[pos : m.start()])
        pos = m.end()
    kept.append(s[pos:])
    return re.sub(r"  +", " ", "".join(kept)) if len(kept) > 1 else s


def _text(lines: list[Line], known: list[tuple[str, list[str]] | None] | None = None) -> tuple[str, list[str]]:
    """Card text for lines; `known[k]`: line k's display() when already computed."""
    parts, tags = [], []
    for k, ln in enumerate(lines):
        if ln.code:
            parts.append(ln.text.rstrip())
        else:
            got = known[k] if known is not None else None
            t, tg = got if got is not None else display(ln.text)
            parts.append(t.rstrip())
            tags += tg
    return _dedent(parts), tags


def _dedent(parts: list[str]) -> str:
    """Lines joined with the indentation they all share taken off (so a nested list, a quote or
    code keeps its shape on the card); blank lines at either end dropped."""
    lo, hi = 0, len(parts)
    while lo < hi and not parts[lo]:
        lo += 1
    while hi > lo and not parts[hi - 1]:
        hi -= 1
    parts = parts[lo:hi]
    lead = [p[: len(p) - len(p.lstrip(" \t"))] for p in parts if p]
    common = os.path.commonprefix(lead) if lead else ""
    if common:
        parts = [p[len(common):] if p else p for p in parts]
    return "\n".join(parts).strip()
