"""Run gdstudy's note parser on obsidian-spaced-repetition's own parser test cases
(tests/data/osr_parser_cases.json) and compare: the same cards, of the same type, on the same
lines, with the same question and answer (once OSR's schedule comments, `^block-id`s and `#tags`,
which gdstudy takes out of card text, are taken out of OSR's card text too)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gdstudy.interop.notecards import NoteCard, parse_cards
from gdstudy.interop.notes import TAG, parse_note
from gdstudy.interop.syntax import Syntax

CASES = Path(__file__).parent / "data" / "osr_parser_cases.json"
SR_LINE = re.compile(r"^\s*(?:>\s*)?(?:<!--SR:.*-->|\[!sr\|card-metadata\]).*$", re.I)
SR_INLINE = re.compile(r"<!--SR:[^>]*-->")
BLOCK_ID = re.compile(r"(?:^|(?<=\s))\^[A-Za-z0-9-]+[ \t]*$", re.M)


def load() -> list[dict[str, Any]]:
    return json.loads(CASES.read_text(encoding="utf-8"))["cases"]


def _norm(s: str) -> str:
    return " ".join(TAG.sub(" ", s).split())


def _osr_text(text: str) -> str:
    lines = [ln for ln in text.split("\n") if not SR_LINE.match(ln)]
    return BLOCK_ID.sub("", SR_INLINE.sub("", "\n".join(lines)))


def expected_cards(case: dict[str, Any]) -> list[tuple]:
    """OSR's cards as (type, first, last, question, answer); last counts only the card's text lines
    (OSR's range takes in trailing blank lines before an end marker)."""
    syn = Syntax.from_osr(case["options"])
    out = []
    for kind, text, first, _last in case["expected"]:
        last = first + text.count("\n")
        q = a = None
        body = _osr_text(text)
        if kind.startswith("SingleLine"):
            sep = syn.single_rev if kind == "SingleLineReversed" else syn.single
            q, _, a = body.partition(sep)
        elif kind.startswith("MultiLine"):
            sep = syn.multi_rev if kind == "MultiLineReversed" else syn.multi
            lines = body.split("\n")
            k = next(i for i, ln in enumerate(lines) if ln.strip() == sep)
            q, a = "\n".join(lines[:k]), "\n".join(lines[k + 1 :])
        out.append((kind, first, last, None if q is None else _norm(q), None if a is None else _norm(a)))
    return out


def _osr_type(c: NoteCard) -> str:
    if c.kind == "multiline":
        return "MultiLineReversed" if c.reverse else "MultiLineBasic"
    return {"basic": "SingleLineBasic", "reversed": "SingleLineReversed", "cloze": "Cloze"}.get(c.kind, c.kind)


def our_cards(case: dict[str, Any]) -> list[tuple]:
    note = parse_note(Path("case.md"), case["text"].replace("\r\n", "\n"))
    r = parse_cards(note, Syntax.from_osr(case["options"]))
    out, clozes = [], set()
    for c in r.cards:
        if c.suffix == "rev":
            continue  # the reverse of a reversible card: OSR lists the question once
        if c.kind == "cloze":
            if c.line in clozes:
                continue  # one OSR cloze question per paragraph, however many deletions
            clozes.add(c.line)
            out.append(("Cloze", c.line - 1, c.last - 1, None, None))
        else:
            out.append((_osr_type(c), c.line - 1, c.last - 1, _norm(c.front), _norm(c.back)))
    return out


def agreement() -> tuple[list[str], dict[str, tuple[list[tuple], list[tuple]]]]:
    """(ids that agree, {id: (OSR's cards, ours)} for those that do not)."""
    agree, differ = [], {}
    for case in load():
        want, got = expected_cards(case), our_cards(case)
        if want == got:
            agree.append(case["id"])
        else:
            differ[case["id"]] = (want, got)
    return agree, differ


if __name__ == "__main__":  # python -m tests.osr_cases: the agreement and every disagreement
    ok, bad = agreement()
    print(f"{len(ok)}/{len(ok) + len(bad)} OSR parser cases agree")
    for cid, (want, got) in bad.items():
        print(f"{cid}:\n  OSR:     {want}\n  gdstudy: {got}")
