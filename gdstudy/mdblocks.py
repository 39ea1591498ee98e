"""Block-level Markdown in card text that the renderers need to know about: where fenced code
blocks are (nothing inside one is maths or a callout), Obsidian callouts, and `<br>` line breaks.

A callout is a block quote whose first line is `> [!type]` (optionally `+`/`-` for folding, then
a title): `> [!note] Step size` reads `> **Note:** Step size` for the TUI's Markdown and the Anki
export, which have no callouts of their own; the quote keeps its shape. The type is letters,
digits, `-` and `_` only, so it can carry no markup.

`<br>` (`<br/>`, `<br />`), the line break Obsidian users write inside a paragraph or a list item,
becomes a Markdown hard break (two spaces and a newline; at the end of a block they are nothing):
raw HTML is off in both renderers, so it would otherwise show as text. Not in code, and not in a
table row (a row is one line; there `<br>` stays as written).
Every scan is linear in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right

__all__ = ["fenced_spans", "label_callouts", "br_breaks"]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
# `(?:[ \t]*>)+[ \t]*`: one way only to split the quote marks and spaces (no backtracking blow-up)
_BR = re.compile(r"<br\s*/?>[ \t]*(\n)?", re.I)
_CALLOUT = re.compile(r"^((?:[ \t]*>)+[ \t]*)\[!([A-Za-z][\w-]{0,30})\][+-]?[ \t]*(.*)$", re.M)


def fenced_spans(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks (``` or ~~~, up to a closing fence of the same kind and at least the same
    length, or the end of the text), as character spans."""
    out: list[tuple[int, int]] = []
    pos = 0
    while (m := _FENCE.search(text, pos)) is not None:
        fence = m.group(1)
        line_end = text.find("\n", m.end())
        if line_end < 0:
            out.append((m.start(), len(text)))
            break
        close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.M)
        c = close.search(text, line_end + 1)
        end = len(text) if c is None else c.end()
        out.append((m.start(), end))
        pos = end
    return out


def label_callouts(text: str) -> str:
    """`> [!note] Title` -> `> **Note:** Title` (outside fenced code); other text unchanged."""
    if "[!" not in text:
        return text
    fences = fenced_spans(text) if ("```" in text or "~~~" in text) else []
    starts = [a for a, _ in fences]

    def label(m: re.Match[str]) -> str:
        k = bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < fences[k][1]:  # inside fenced code
            return m.group(0)
        kind = m.group(2).replace("-", " ").replace("_", " ").strip().capitalize()
        title = m.group(3).strip()
        return f"{m.group(1)}**{kind}:**" + (f" {title}" if title else "")

    return _CALLOUT.sub(label, text)


def br_breaks(text: str) -> str:
    """`a<br>b` -> `a`, two spaces, a newline, `b` (a hard break), outside code and table rows."""
    if "<" not in text or _BR.search(text) is None:
        return text
    from gdstudy.interop.spans import code_spans

    fences = fenced_spans(text) if ("```" in text or "~~~" in text) else []
    out, pos, k = [], 0, 0
    for line in text.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        while k < len(fences) and fences[k][1] <= start:
            k += 1
        in_fence = k < len(fences) and fences[k][0] <= start < fences[k][1]
        if in_fence or "<" not in line or line.lstrip().startswith("|"):
            out.append(line)
            continue
        code = code_spans(line) if "`" in line else []
        starts = [a for a, _ in code]

        def brk(m: re.Match[str], code: list[tuple[int, int]] = code, starts: list[int] = starts) -> str:
            j = bisect_right(starts, m.start()) - 1
            return m.group(0) if j >= 0 and m.start() < code[j][1] else "  \n"  # two spaces: a hard break

        out.append(_BR.sub(brk, line))
    return "".join(out)
