"""The scanners added for tolerant/OSR import stay linear on adversarial input (issue 22 item 3):
doubling the input at most about doubles the work, counted as Python line events (no timing), and
hypothesis text never makes them raise."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import parse_note
from gdstudy.interop.syntax import Syntax

OSR = Syntax(clozes=frozenset({"highlight", "bold", "curly"}), end_marker="---")


def steps(text: str, syntax: Syntax | None) -> int:
    """Python line events while parsing `text` (a quadratic scan grows 4x per doubling)."""
    count = [0]

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "line":
            count[0] += 1
        return tracer

    sys.settrace(tracer)
    try:
        note = parse_note(Path("n.md"), text)
        parse_cards(note) if syntax is None else parse_cards(note, syntax)
    finally:
        sys.settrace(None)
    return count[0]


INPUTS: dict[str, Callable[[int], str]] = {
    "comment openers inside inline code": lambda n: "`<!--` " * n + "\n",
    "unclosed comments, one line": lambda n: "<!-- " * n + "\n",
    "comment lines never closed": lambda n: "<!--\n" * n,
    "comments opened and closed": lambda n: "a <!-- b --> " * n + "\n",
    "comparisons": lambda n: "a==b " * n + "\n",
    "unclosed highlights": lambda n: "==x " * n + "\n",
    "block ids": lambda n: " ^a" * n + "\n" + "x ^b\n" * n,
    "display-math openers": lambda n: "$$\n" * n,
    "SR comments": lambda n: "q::a\n<!--SR:!2026-01-01,3,250-->\n" * n,
    "SR callouts": lambda n: "q::a\n> [!sr|card-metadata]\n" + "> \n" * n,
}
OSR_INPUTS: dict[str, Callable[[int], str]] = {
    "unclosed curly": lambda n: "{{ " * n + "\n",
    "unclosed bold": lambda n: "**x " * n + "\n",
    "end marker never reached": lambda n: "q\n?\n" + "a\n\n" * n,
}


@pytest.mark.parametrize("name", list(INPUTS) + list(OSR_INPUTS))
def test_doubling_the_input_about_doubles_the_work(name: str) -> None:
    make = INPUTS.get(name) or OSR_INPUTS[name]
    syntax = None if name in INPUTS else OSR
    small, big = steps(make(400), syntax), steps(make(800), syntax)
    assert big <= 2.6 * small + 200, (name, small, big)


def test_the_step_count_sees_a_quadratic_scan() -> None:
    """The check can fail: a scan that rereads the line per opener is flagged."""
    def quadratic(text: str) -> int:
        count = [0]

        def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
            if event == "line":
                count[0] += 1
            return tracer

        def scan(s: str) -> int:
            return sum(1 for i in range(len(s)) if s[i] == "<" for _ in range(i, len(s)))

        sys.settrace(tracer)
        try:
            scan(text)
        finally:
            sys.settrace(None)
        return count[0]

    small, big = quadratic("<" * 200), quadratic("<" * 400)
    assert big > 2.6 * small + 200


PIECES = ["<!--", "-->", "<!--SR:!2026-01-01,3,250-->", "> [!sr|card-metadata]", "> ", "^id", " ^b-1", "$$", "$",
          "==", "a==b", "**", "{{", "}}", "{{c1::", "::", ":::", "?", "??", "---", "`", "```", "\n", "\n\n", "#t", "x"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), st.booleans())
def test_any_text_parses_and_cards_are_located(text: str, osr: bool) -> None:
    note = parse_note(Path("n.md"), text)
    r = parse_cards(note, OSR) if osr else parse_cards(note)
    n = len(note.lines)
    assert all(1 <= line <= n and msg for line, msg in r.errors)
    for c in r.cards:
        assert c.front.strip() and c.back.strip() and 1 <= c.line <= c.last <= n
        assert "<!--SR:" not in c.front + c.back or "`" in text  # code (fenced or inline) is kept as written
