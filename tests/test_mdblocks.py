"""gdstudy.mdblocks: fenced code blocks and Obsidian callouts in card text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gdstudy.mdblocks import br_breaks, fenced_spans, label_callouts


def test_callouts_get_their_label_and_keep_the_quote() -> None:
    text = "> [!note] Step size\n> body\n\n>> [!warning-sign]+\n> [!TIP]-   Folded  \n> [!x\n[!note] not a quote"
    assert label_callouts(text) == (
        "> **Note:** Step size\n> body\n\n>> **Warning sign:**\n> **Tip:** Folded\n> [!x\n[!note] not a quote")


def test_no_callout_inside_fenced_code() -> None:
    text = "```\n> [!note] code\n```\n~~~~\n> [!tip] still code\n~~~\n> [!tip] still code\n~~~~\n> [!note] out"
    assert label_callouts(text) == text.replace("> [!note] out", "> **Note:** out")
    assert fenced_spans("a\n```py\nx\n```\nb\n```\nopen") == [(2, 13), (16, 24)]


def test_the_type_carries_no_markup() -> None:
    assert label_callouts("> [!*x*] t") == "> [!*x*] t"
    assert label_callouts("> [!a](javascript:x) t") == "> **A:** (javascript:x) t"  # a title, not a link


def test_br_is_a_hard_break_outside_code_and_tables() -> None:
    text = "a<br>b<BR/>\nc <br />\n`x<br>y`<br>\n| a<br>b | c |\n```\nq<br>\n```\nlast<br>"
    assert br_breaks(text) == "a  \nb  \nc   \n`x<br>y`  \n| a<br>b | c |\n```\nq<br>\n```\nlast  \n"
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).render(br_breaks("one<br>two<br>"))
    assert html == "<p>one<br />\ntwo</p>\n"  # nothing left at the end of the paragraph


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("> [!]ab-+`~\n\t")), max_size=200))
def test_only_callout_lines_change(text: str) -> None:
    out = label_callouts(text)
    if not re.search(r"^(?:[ \t]*>)+[ \t]*\[![A-Za-z]", text, re.M):
        assert out == text
    assert out.count("\n") == text.count("\n")
