"""gdstudy import: every card syntax, on small notes the tests write themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.deck import load_deck
from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import parse_note


def cards(text: str, name: str = "n.md"):
    r = parse_cards(parse_note(Path(name), text))
    assert not r.errors, r.errors
    return r.cards


def errors(text: str) -> list[tuple[int, str]]:
    return parse_cards(parse_note(Path("n.md"), text)).errors


def fb(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in cards(text)]


def test_basic_and_reversed() -> None:
    assert fb("What is SGD?::Stochastic gradient descent\n") == [("What is SGD?", "Stochastic gradient descent")]
    assert fb("Left:::Right\n") == [("Left", "Right"), ("Right", "Left")]
    c = cards("Left:::Right\n")
    assert [x.suffix for x in c] == ["", "rev"] and c[0].key == c[1].key


def test_double_colon_in_code_url_math_and_wikilink_is_not_a_card() -> None:
    text = (
        "Use `std::vector` in C++\n\n"
        "See https://example.com/a::b for more\n\n"
        "Math $a::b$ here\n\n"
        "Link [[page::x]] and [t](http://x/y::z)\n"
    )
    assert cards(text) == []
    assert fb("Q with `a::b` code::the answer\n") == [("Q with `a::b` code", "the answer")]


def test_multiline_and_reversed_multiline() -> None:
    text = "First line of question\nsecond line?\n?\nAnswer one\nanswer two\n\nQ2\n??\nA2\n"
    assert fb(text) == [
        ("First line of question\nsecond line?", "Answer one\nanswer two"),
        ("Q2", "A2"), ("A2", "Q2"),
    ]


def test_multiline_ends_at_next_card() -> None:
    assert fb("Q\n?\nA\nQ2::A2\n") == [("Q", "A"), ("Q2", "A2")]


def test_question_mark_inside_fenced_code_is_not_a_separator() -> None:
    text = "Text before\n```\nprint(1)\n?\nmore code\n```\nText after\n"
    assert cards(text) == []
    # a code block inside an answer keeps its blank lines and its '?'
    text = "What does this print?\n?\n```python\nprint(1)\n\n?\n```\nIt prints 1.\n"
    assert fb(text) == [("What does this print?", "```python\nprint(1)\n\n?\n```\nIt prints 1.")]


def test_cloze_highlight_one_card_each() -> None:
    c = cards("The ==gradient== points ==uphill==.\n")
    assert [(x.front, x.back, x.suffix) for x in c] == [
        ("The […] points uphill.", "The **gradient** points uphill.", "h1"),
        ("The gradient points […].", "The gradient points **uphill**.", "h2"),
    ]


def test_cloze_numbers_and_hints() -> None:
    c = cards("{{c1::SGD}} uses {{c2::one example::how many?}} per step, {{c1::noisy}}.\n")
    assert [(x.front, x.suffix) for x in c] == [
        ("[…] uses one example per step, […].", "c1"),
        ("SGD uses [how many?] per step, noisy.", "c2"),
    ]
    assert c[1].back == "SGD uses **one example** per step, noisy."


def test_cloze_spans_a_paragraph() -> None:
    c = cards("Line one with ==x==\nline two of the paragraph\n")
    assert c[0].front == "Line one with […]\nline two of the paragraph"


def test_cloze_inside_math_is_not_a_cloze_but_math_inside_a_cloze_is() -> None:
    assert cards("Equality $a == b$ and $$x == y$$ stay math.\n") == []
    c = cards("The loss is {{c1::$\\frac{1}{N}\\sum_i L_i$}}.\n")
    assert c[0].front == "The loss is […]." and "$\\frac{1}{N}\\sum_i L_i$" in c[0].back
    assert cards("Code `a == b` is code\n") == []


@pytest.mark.parametrize("text, line, msg", [
    ("ok line\nthe ==unclosed cloze\n", 2, "cloze with no closing =="),
    ("a {{c1::never closed\n", 1, "cloze with no closing }}"),
    ("Question::\n", 1, "no answer"),
    ("#tag::answer\n", 1, "no question (only tags)"),
    ("\n?\nanswer\n", 2, "no question above"),
    ("Q\n?\n\n", 2, "no answer below"),
    ("#interview_question\nOnly a question?\n", 2, "no answer"),
    ("#interview_question\n# Heading\n", 1, "before the next heading"),
])
def test_located_errors(text: str, line: int, msg: str) -> None:
    errs = errors(text)
    assert errs and errs[0][0] == line and msg in errs[0][1], errs


def test_interview_question_tags_and_look_into() -> None:
    text = (
        "---\ntags: [ml, 'sgd']\n---\n# Init #deep\nSome prose #extra here.\n\n"
        "#interview_question \n\nWhy not zero init?\nSymmetry: every unit would learn the same.\n"
        "Random init breaks it.\n\n"
        "#look_into\nAdvantage: handles redundancy::It averages out duplicates #own\n\n"
        "Inline #look_into item with words\n"
    )
    r = parse_cards(parse_note(Path("n.md"), text))
    assert not r.errors
    iv, look = r.cards
    assert iv.interview and iv.front == "Why not zero init?"
    assert iv.back == "Symmetry: every unit would learn the same.\nRandom init breaks it."
    assert set(iv.tags) == {"ml", "sgd", "deep", "extra"} and iv.section == "Init"
    assert look.back == "It averages out duplicates" and {"own", "look_into", "ml"} <= set(look.tags)
    assert "look_into" not in iv.tags
    assert [(i.line, i.text) for i in r.look_into] == [(14, "Advantage: handles redundancy::It averages out duplicates"),
                                                       (16, "Inline item with words")]


def test_image_embeds_become_placeholders_and_wikilinks_labels() -> None:
    c = cards("Q ![[Pasted image 1.png|400]]::see ![alt](http://x/p.png) and [[page|the page]]\n")
    assert (c[0].front, c[0].back) == ("Q [image: Pasted image 1.png]", "see [image: alt] and the page")


def test_crlf_bom_unicode_heading_and_source(tmp_path: Path) -> None:
    from gdstudy.interop.notes import read_note

    p = tmp_path / "u.md"
    p.write_bytes("\ufeff# Градиент ★\r\nЧто это?::Спуск\r\n".encode())
    (c,) = parse_cards(read_note(p)).cards
    assert (c.front, c.back, c.section, c.line) == ("Что это?", "Спуск", "Градиент", 2)


def test_hash_one_is_not_a_tag_and_headings_need_a_space() -> None:
    c = cards("# Problems\nIssue #1 is what::slow progress\n")
    assert c[0].front == "Issue #1 is what" and c[0].tags == () and c[0].section == "Problems"


# -- import to YAML ------------------------------------------------------------------------------


def test_imported_yaml_passes_the_loader_with_adversarial_text(tmp_path: Path) -> None:
    from gdstudy.interop.importer import import_notes

    nasty = [
        "key: value # not a comment::- [flow] {map} & *alias !tag | > %",
        "'quoted' \"double\" @at `tick`::yes: no: ~ null true 0x10 1e3",
        "esc \x1b[31mred\x1b[0m bell\x07 nel\x85 ctrl::answer\x0c here",
        "long " + "word " * 300 + "::" + "x" * 5000,  # long lines, under the card-file limits
        "   leading spaces::trailing spaces   ",
        "---::...",
        "tab\there::uni ‮rtl‬ \u2028ls",
    ]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "nasty.md").write_text("\n\n".join(nasty) + "\n\nmulti\n?\n  indented\n    deeper  \n\n", encoding="utf-8")
    report = import_notes([notes], tmp_path / "deck")
    assert not report.errors, report.errors
    deck = load_deck((), [tmp_path / "deck"], check_demos=False)
    assert deck.ok, deck.problems
    assert len(deck.cards) == len(nasty) + 1
    fronts = [c.front for c in deck.cards]
    assert fronts[0] == "key: value # not a comment"
    assert all("\x1b" not in c.front + c.back and "\x07" not in c.back for c in deck.cards)
    assert deck.cards[-1].back == "indented\n  deeper"  # the shared indentation goes, the nesting stays


def test_ids_are_stable_readable_slugs(tmp_path: Path) -> None:
    from gdstudy.interop.importer import card_id

    a = card_id("n.md", "Why is SGD called stochastic?")
    assert a.startswith("why-is-sgd-called-stochastic-") and a == card_id("n.md", "Why is SGD called stochastic?")
    assert a != card_id("other.md", "Why is SGD called stochastic?")
    assert card_id("n.md", "Что?").startswith("card-")
    assert len(card_id("n.md", "word " * 50)) <= 40 + 9


@pytest.mark.parametrize("value", [
    "true", "True", "yes", "no", "on", "off", "~", "null", "", "1", "1e3", "0x1f", "0o7", "1_000", ".inf", "-.nan",
    "2001-01-01", "2001-01-01 10:00:00", "=", "<<", "a: b", "- x", "#x", "x #y", "'q'", '"d"', "%x", "@x", "`x",
    "!x", "&x", "*x", "|", "> x", "...", "---", " lead", "trail ", "tab\tx", "é", "1.5", "+1", "-1", "0b101", "12:30",
    "a\nb", "a\n b ", "\n lead break",
])
def test_the_card_file_dumper_quotes_exactly_like_safe_dump(value: str) -> None:
    import yaml

    from gdstudy.interop.cardfile import dump

    out = dump({"k": value, "tags": [value or "x"], "flag": True})
    assert yaml.safe_load(out) == {"k": value, "tags": [value or "x"], "flag": True}
    if "\n" not in value:  # multi-line text is a | block here, quoted by safe_dump
        assert out == yaml.safe_dump({"k": value, "tags": [value or "x"], "flag": True}, allow_unicode=True,
                                     sort_keys=False, width=100, default_flow_style=None)
