"""HTML comments, OSR schedule comments/callouts and `^block-id`s never reach a card (issue 22 item 4)."""

from __future__ import annotations

from pathlib import Path

from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import parse_note, sections_of


def cards(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_cards(parse_note(Path("n.md"), text)).cards]


def test_schedule_comments_and_block_ids_are_cut_from_card_text() -> None:
    assert cards("A::B <!--SR:!2023-09-03,1,230--> ^d7cee0\n") == [("A", "B")]
    assert cards("A::B ^d7cee0\n<!--SR:!2023-09-03,1,230-->\n") == [("A", "B")]
    assert cards("Q\n?\nAnswer line\n<!--SR:!2021-08-11,4,270-->\nmore answer\n") == [("Q", "Answer line\nmore answer")]
    assert cards("Question::Answer\n> [!sr|card-metadata] \n> <!--SR:!2021-08-11,4,270-->\n") == [("Question", "Answer")]
    assert cards("The ==step== is small <!--SR:!2026-01-01,3,250-->\n") == [("The […] is small", "The **step** is small")]


def test_nothing_inside_a_comment_is_a_card_or_a_heading() -> None:
    assert cards("<!--question::answer test-->\n") == []
    assert cards("<!--\nQuestion\n?\nAnswer\n\nq2::a2\n-->\nafter::yes\n") == [("after", "yes")]
    note = parse_note(Path("n.md"), "# Real\ntext words here now\n<!--\n# Hidden\n-->\n")
    assert [s.title for s in sections_of(note)] == ["Real"]
    assert cards("keep `<!--` as code::yes\n") == [("keep `<!--` as code", "yes")]


def test_an_unclosed_comment_is_a_located_warning() -> None:
    r = parse_cards(parse_note(Path("n.md"), "a::b\n<!-- never closed\nc::d\n"))
    assert [(c.front, c.back) for c in r.cards] == [("a", "b")]
    assert r.errors == [(2, "HTML comment '<!--' never closed with '-->': the rest of the note is a comment")]


def test_display_maths_keeps_what_looks_like_a_block_id() -> None:
    assert cards("Energy?\n?\n$$\nE = mc ^2\n$$\n") == [("Energy?", "$$\nE = mc ^2\n$$")]
