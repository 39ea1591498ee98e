"""note_sections: the heading rules for Markdown, HTML (RSS) and plain-text notes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gdstudy.interop.notes import NoteError, Section, looks_like_title, note_sections, read_note

# the user's notes: ../shared/notes beside the checkout (or $GDSTUDY_NOTES_DIR, e.g. from a worktree)
NOTES = Path(os.environ.get("GDSTUDY_NOTES_DIR") or Path(__file__).resolve().parents[2] / "shared" / "notes")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def titles(path: Path) -> list[tuple[str, int, int, bool]]:
    return [(s.title, s.level, s.line, s.has_text) for s in note_sections(path)]


def test_markdown_headings_tags_and_code(tmp_path: Path) -> None:
    p = write(tmp_path, "n.md", (
        "---\ntitle: My Note\ntags: [a, b]\n---\n"
        "Some intro text with enough words.\n"
        "# First ##\n#tag is not a heading\n```\n# not a heading in code\n```\n"
        "## Second ☆\n\n![[pic.png]]\n"
    ))
    assert titles(p) == [
        ("My Note", 0, 5, True), ("First", 1, 6, True), ("Second", 2, 11, False),
    ]
    assert read_note(p).tags == ("a", "b")


def test_intro_without_front_matter_and_empty_intro(tmp_path: Path) -> None:
    assert titles(write(tmp_path, "a.md", "intro words go right here\n# H\nbody text of four words\n"))[0] == ("Intro", 0, 1, True)
    assert titles(write(tmp_path, "b.md", "\n\n# H\n"))[0] == ("H", 1, 3, False)


def test_crlf_bom_and_unicode_headings(tmp_path: Path) -> None:
    p = write(tmp_path, "u.md", "\ufeff# Градиентный спуск\r\nтекст из четырёх слов здесь\r\n## 勾配降下法 ★\r\n")
    assert titles(p) == [("Градиентный спуск", 1, 1, True), ("勾配降下法", 2, 3, False)]


def test_html_escaped_rss_item(tmp_path: Path) -> None:
    p = write(tmp_path, "feed.txt", (
        '<?xml version="1.0"?><rss><channel><title>Blog title here ok</title><item><title>T</title>'
        '<description>&lt;h1 id="x">\n Big Title\n &lt;a class="anchor" href="#x">#&lt;/a>\n&lt;/h1>\n'
        "&lt;p>Paragraph with several words in it.&lt;/p>\n"
        '&lt;h2 id="y">\n Rule &amp;amp; more ☆\n&lt;/h2>\n&lt;p>short&lt;/p></description></item></channel></rss>'
    ))
    assert titles(p) == [("Big Title", 1, 2, True), ("Rule & more", 2, 7, False)]


def test_plain_text_rule() -> None:
    assert looks_like_title("Gradient Descent Considerations")
    assert looks_like_title("Batch and Stochastic Gradient Descent")
    assert looks_like_title("Mini-Batch Stochastic Gradient Descent")
    for s in ("One epoch", "Reshuffle data and repeat", "DATA", "LOSS FUNCTION", "Epoch:",
              "Why is this stochastic?", "Order the algorithm sees data is random.",
              r"Let \mathcal{L}_i be the loss of an individual sample", "- A List Item", "Q::A"):
        assert not looks_like_title(s), s


def test_plain_text_note(tmp_path: Path) -> None:
    p = write(tmp_path, "slides.txt", (
        " \n\nSlide Title\n\n \nA sentence of body text here.\n\nREPEAT\n\nNext Slide Title\n\nEpoch:\n\n"
    ))
    assert titles(p) == [("Slide Title", 1, 3, True), ("Next Slide Title", 1, 10, False)]


@pytest.mark.parametrize("data, msg", [
    (b"abc\n\x00def", "n.md:2: binary file"),
    (b"ok\n\xff\xfe", "n.md:2: not UTF-8"),
])
def test_refused_files(tmp_path: Path, data: bytes, msg: str) -> None:
    with pytest.raises(NoteError, match=msg):
        note_sections(write(tmp_path, "n.md", data))


def test_huge_file_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "big.md", b"# a\n" + b"x" * 1_000_001)
    with pytest.raises(NoteError, match="over the"):
        note_sections(p)


REAL = {
    "000_e0c09ec66bc19b89.txt": ["Intro", "Batch gradient descent", "Stochastic gradient descent", "Mini-batches"],
    "001_e13f089455f4b340.txt": ["Intro", "Problems"],
    "002_4563b932c3c43359.txt": ["Optimisation: Gradient Descent and Mini-Batch Gradient Descent", "Gradient Descent Rule"],
    "003_cc16fd243074cc18.txt": [
        "Stochastic gradient descent and minibatch technique", "The Challenge of Full Gradient Descent",
        "Introduction to Stochastic Gradient Descent (SGD)", "The Mini-Batch Technique",
        "Benefits and Characteristics of SGD",
    ],
    "004_7dc5dca5d2e017b4.txt": [
        "Fitting Neural Networks and Stochastic Gradient Descent", "Gradient Descent Considerations",
        "Stochastic Gradient Descent", "Mini-Batch Stochastic Gradient Descent",
        "Batch and Stochastic Gradient Descent", "Stochastic Gradient Descent Summary",
    ],
}


@pytest.mark.skipif(not NOTES.is_dir(), reason="the user's notes (../shared/notes) are not here")
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_notes_sections(name: str) -> None:
    got = list(dict.fromkeys(s.title for s in note_sections(NOTES / name)))
    assert got == REAL[name]
    assert all(isinstance(s, Section) for s in note_sections(NOTES / name))
