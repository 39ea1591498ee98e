"""Which card syntax a note is read with: separators and cloze kinds.

gdstudy's own syntax is the default (`Q::A`, `Q:::A`, `?`/`??` lines, `==highlight==` and
`{{c1::cloze}}`). obsidian-spaced-repetition (OSR) lets a vault choose its separators, an end
marker for multi-line cards and its cloze patterns; `Syntax.from_osr` maps OSR's parser options
onto this, so the same parser reads an OSR vault (tests/data/osr_parser_cases.json checks it
against OSR's own parser tests). A separator that is empty or only whitespace is off, as in OSR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["Syntax", "DEFAULT", "CLOZE_KINDS"]

# highlight: ==x==; anki: {{c1::x}} / {{c1::x::hint}}; bold: **x**; curly: {{x}}
CLOZE_KINDS = ("highlight", "anki", "bold", "curly")


def _on(sep: str) -> str:
    return sep if sep.strip() else ""


@dataclass(frozen=True)
class Syntax:
    single: str = "::"
    single_rev: str = ":::"
    multi: str = "?"
    multi_rev: str = "??"
    end_marker: str = ""          # "": a multi-line card ends at a blank line; else at this line
    clozes: frozenset[str] = frozenset({"highlight", "anki"})

    def __post_init__(self) -> None:
        for name in ("single", "single_rev", "multi", "multi_rev", "end_marker"):
            object.__setattr__(self, name, _on(getattr(self, name)).strip() if name.startswith(("multi", "end"))
                               else _on(getattr(self, name)))
        bad = set(self.clozes) - set(CLOZE_KINDS)
        if bad:
            raise ValueError(f"unknown cloze kind {sorted(bad)[0]!r}: one of {', '.join(CLOZE_KINDS)}")

    def multi_kind(self, text: str) -> str | None:
        """"multi" / "rev" when the line is a multi-line separator, else None."""
        t = text.strip()
        if not t:
            return None
        if t == self.multi_rev:
            return "rev"
        if t == self.multi:
            return "multi"
        return None

    def is_end(self, text: str) -> bool:
        return bool(self.end_marker) and text.strip() == self.end_marker

    def cloze_openers(self) -> tuple[str, ...]:
        return tuple({"highlight": "==", "anki": "{{", "bold": "**", "curly": "{{"}[k] for k in sorted(self.clozes))

    @classmethod
    def from_osr(cls, options: Mapping[str, Any]) -> "Syntax":
        """OSR's ParserOptions (`singleLineCardSeparator`, ..., `clozePatterns`). A cloze pattern
        is known by its delimiters: `==...==` highlight, `**...**` bold, `{{...}}` curly (which
        also reads `{{1::x}}` and `{{c1::x}}`)."""
        kinds = set()
        for p in options.get("clozePatterns", ()):
            p = str(p)
            if p.startswith("=="):
                kinds.add("highlight")
            elif p.startswith("**"):
                kinds.add("bold")
            elif p.startswith("{{"):
                kinds.add("curly")
        return cls(
            single=str(options.get("singleLineCardSeparator", "::")),
            single_rev=str(options.get("singleLineReversedCardSeparator", ":::")),
            multi=str(options.get("multilineCardSeparator", "?")),
            multi_rev=str(options.get("multilineReversedCardSeparator", "??")),
            end_marker=str(options.get("multilineCardEndMarker", "")),
            clozes=frozenset(kinds),
        )


DEFAULT = Syntax()
