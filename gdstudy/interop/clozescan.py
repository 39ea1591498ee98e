"""Where a note line's clozes are, for the cloze kinds a `Syntax` turns on: `{{c1::x}}` /
`{{c1::x::hint}}` (anki), `==x==` (highlight), `**x**` (bold, OSR) and `{{x}}` (curly, OSR).
Inline code, URLs and maths are masked first; each kind is looked for only outside the spans of
the kinds before it. Linear in the line (see `spans`)."""

from __future__ import annotations

from gdstudy.interop.spans import blank_spans, cloze_spans, curly_spans, highlight_spans
from gdstudy.interop.spans import masked as _masked
from gdstudy.interop.syntax import DEFAULT, Syntax

__all__ = ["find_clozes", "MAX_CLOZE_DIGITS"]

MAX_CLOZE_DIGITS = 9  # {{c123456789::...}}: a longer number is an error (int() of 4,301 digits raises)

Found = tuple[int, int, str, str, "str | None"]  # (start, end, number, content, hint)


def find_clozes(s: str, no: int, syntax: Syntax = DEFAULT) -> tuple[list[Found], list[str]]:
    """The clozes of line `no` (numbered `cN` as written, the others `h<no>.<k>` in reading
    order) and its problems (an unclosed cloze: the rest of the line is read as text)."""
    kinds = syntax.clozes
    if not any(o in s for o in syntax.cloze_openers()):
        return [], []
    masked, found, errors = _masked(s), [], []
    numbered: list[Found] = []
    if "anki" in kinds:
        spans, unclosed = cloze_spans(masked)
        for start, end, num in spans:
            if len(num) > MAX_CLOZE_DIGITS:
                return [], [f"cloze number has {len(num):,} digits: at most {MAX_CLOZE_DIGITS} ({{{{c{num[:6]}…::)"]
            body = masked[start : end - 2]
            open_len = body.index("::") + 2
            h = body.find("::", open_len)
            content = s[start + open_len : start + h] if h >= 0 else s[start + open_len : end - 2]
            hint = s[start + h + 2 : end - 2] if h >= 0 else None
            numbered.append((start, end, f"c{int(num)}", content, hint))
        if unclosed is not None:
            errors.append("cloze with no closing }}")
            masked = masked[:unclosed]
        masked = blank_spans(masked, spans)
    plain: list[tuple[int, int, int]] = []  # (start, end, width of the marks)
    if "curly" in kinds:
        spans2, unclosed = curly_spans(masked)
        plain += [(a, b, 2) for a, b in spans2]
        if unclosed is not None:
            errors.append("cloze with no closing }}")
            masked = masked[:unclosed]
        masked = blank_spans(masked, spans2)
    for kind, mark in (("highlight", "=="), ("bold", "**")):
        if kind not in kinds or mark not in masked:
            continue
        marks, unclosed = highlight_spans(masked, mark)
        plain += [(a, b, 2) for a, b in marks]
        if unclosed is not None and kind == "highlight":  # an unclosed ** is bold text, not a cloze
            errors.append("cloze with no closing == (read as text)")
        masked = blank_spans(masked, marks)
    plain.sort()
    found = numbered + [(a, b, f"h{no}.{k}", s[a + w : b - w], None) for k, (a, b, w) in enumerate(plain, 1)]
    return sorted(found), errors
