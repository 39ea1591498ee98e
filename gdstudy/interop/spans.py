"""Where inline code, math, URLs and cloze marks are in a line: the scanners behind the card
syntaxes. All run in linear time on any input (no lazy pattern that rescans to the end of the line
once per opener), so a 1 MB line of unclosed openers cannot hang an import. A masked string has
the same length as the original, so positions found in it index the original."""

from __future__ import annotations

import re

__all__ = ["M", "URL", "MATH", "LINK_TARGET", "CLOZE_OPEN", "code_spans", "cloze_spans", "highlight_spans", "curly_spans",
           "math_spans", "blank_spans", "mask", "mask_math", "masked"]

M = "\x00"  # mask character (NUL never survives reading a note)
URL = re.compile(r"<?\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s<>]*>?")
# Math: `$$...$$`, or `$x...$` (no space just inside, `\$` escapes, a closer not followed by a
# digit). The regex documents the syntax; `math_spans` finds exactly its matches in linear time
# (the regex rescans to the end of the line once per escaped `$`: 48 KB of `$a\$a\$a...` took 51 s).
MATH = re.compile(r"\$\$[^$]+\$\$|\$(?=[^\s$])(?:[^$\\]|\\.)*?(?<=[^\s\\])\$(?!\d)")
LINK_TARGET = re.compile(r"\]\([^()]*\)")
CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")
TICKS = re.compile(r"`+")

Span = tuple[int, int]


def code_spans(s: str) -> list[Span]:
    """Inline code: a run of n backticks up to the next run of exactly n (CommonMark), in linear
    time: each run's next run of the same length is found from the right first."""
    runs = [(m.start(), m.end()) for m in TICKS.finditer(s)]
    nxt: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for k in range(len(runs) - 1, -1, -1):
        n = runs[k][1] - runs[k][0]
        nxt[k] = last.get(n)
        last[n] = k
    out, k = [], 0
    while k < len(runs):
        j = nxt[k]
        if j is None:
            k += 1
            continue
        out.append((runs[k][0], runs[j][1]))
        k = j + 1
    return out


def math_spans(s: str) -> list[Span]:
    """The spans `MATH.finditer(s)` finds, in one pass. An opener whose scan fails at position e
    (a `$` that cannot close, or the end) makes every opener before e fail too: each `$` the scan
    passed was the second character of a `\\x` pair, so a scan from it retraces the same path."""
    out: list[Span] = []
    n, pos = len(s), 0
    while True:
        k = s.find("$", pos)
        if k < 0 or k + 1 >= n:
            return out
        if s[k + 1] == "$":  # `$$[^$]+$$`, else the single-`$` form cannot start here either
            m = s.find("$", k + 2)
            if m > k + 2 and m + 1 < n and s[m + 1] == "$":
                out.append((k, m + 2))
                pos = m + 2
            else:
                pos = k + 1
            continue
        if s[k + 1].isspace():
            pos = k + 1
            continue
        j = k + 1
        while j < n:
            c = s[j]
            if c == "\\":
                if j + 1 >= n or s[j + 1] == "\n":
                    break
                j += 2
            elif c == "$":
                break
            else:
                j += 1
        if j < n and s[j] == "$" and not s[j - 1].isspace() and s[j - 1] != "\\" and not (j + 1 < n and s[j + 1].isdecimal()):
            out.append((k, j + 1))
            pos = j + 1
        else:
            pos = max(k + 1, j - 1)  # j - 1 may still open `$$` with the `$` at j
    return out


def mask_math(s: str) -> str:
    """`s` with math blanked out (what `mask(s, MATH)` gives, in linear time)."""
    return blank_spans(s, math_spans(s)) if "$" in s else s


def cloze_spans(s: str) -> tuple[list[tuple[int, int, str]], int | None]:
    """`{{cN::...}}` spans (start, end, N as written: digits, maybe thousands of them) and the
    position of an opener with no closing `}}`."""
    out, pos = [], 0
    while True:
        m = CLOZE_OPEN.search(s, pos)
        if not m:
            return out, None
        end = s.find("}}", m.end())
        if end < 0:
            return out, m.start()
        out.append((m.start(), end + 2, m.group(1)))
        pos = end + 2


COMPARE_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_)]")


def highlight_spans(s: str, mark: str = "==") -> tuple[list[Span], int | None]:
    """`==x==` spans (Obsidian: no space just inside the marks) and an unclosed opener, if any.
    One left-to-right pass: an opener takes the first valid closer after it; if it has none, no
    later opener can have one either. `mark="**"` finds bold spans the same way.

    `==` right after a letter, digit, `_`, `)` or `]` is a comparison (`a==b`, `f(x)==0`), never
    an opener: prose comparisons are not highlights (and not an unclosed cloze)."""
    out: list[Span] = []
    opened: int | None = None
    ch = mark[0]
    compare = mark == "=="
    i = s.find(mark)
    while i >= 0:
        if opened is None:
            if (i + 2 < len(s) and not s[i + 2].isspace() and s[i + 2] != ch
                    and not (compare and i > 0 and s[i - 1] in COMPARE_BEFORE)):
                opened = i
                i = s.find(mark, i + 3)
            else:
                i = s.find(mark, i + 1)
        elif not s[i - 1].isspace() and s[i - 1] != ch:
            out.append((opened, i + 2))
            opened = None
            i = s.find(mark, i + 2)
        else:
            i = s.find(mark, i + 1)
    return out, opened


def curly_spans(s: str) -> tuple[list[Span], int | None]:
    """OSR's `{{x}}` clozes: `{{` up to the next `}}` (something in between), and an unclosed opener."""
    out: list[Span] = []
    pos = 0
    while True:
        k = s.find("{{", pos)
        if k < 0:
            return out, None
        end = s.find("}}", k + 2)
        if end < 0:
            return out, k
        if end > k + 2:
            out.append((k, end + 2))
        pos = end + 2


def blank_spans(s: str, spans: list[Span] | list[tuple[int, int, int]]) -> str:
    if not spans:
        return s
    parts, pos = [], 0
    for sp in spans:
        parts += [s[pos : sp[0]], M * (sp[1] - sp[0])]
        pos = sp[1]
    parts.append(s[pos:])
    return "".join(parts)


def mask(s: str, *patterns: re.Pattern[str]) -> str:
    for p in patterns:
        s = p.sub(lambda m: M * len(m.group(0)), s)
    return s


def masked(s: str) -> str:
    """`s` with inline code, URLs and math blanked out (same length, so positions hold)."""
    if "`" in s:
        s = blank_spans(s, code_spans(s))
    if "://" in s:
        s = mask(s, URL)
    return mask_math(s)
