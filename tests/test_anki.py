"""`gdstudy export anki`: the .apkg is a zip holding an Anki SQLite collection with one note per
card, the right fields, tags, decks and stable ids; card text arrives as text, never markup."""

from __future__ import annotations

import json
import sqlite3
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("genanki")

from gdstudy.deck import load_deck  # noqa: E402
from gdstudy.errors import ConfigError  # noqa: E402
from gdstudy.interop.anki import FIELDS, anki_tags, card_html, export_apkg, note_fields  # noqa: E402
from gdstudy.paths import shipped_cards_dir  # noqa: E402

from tests.conftest import run_cli as run  # noqa: E402




def read_apkg(path: Path, tmp: Path) -> dict:
    """Open the package the way Anki does: a zip with `collection.anki2` (SQLite) and `media`."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {"collection.anki2", "media"} <= names
        z.extract("collection.anki2", tmp)
    db = sqlite3.connect(tmp / "collection.anki2")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
        notes = {}
        for guid, mid, tags, flds in db.execute("SELECT guid, mid, tags, flds FROM notes"):
            notes[guid] = {"mid": mid, "tags": tags.split(), "fields": flds.split("\x1f")}
        cards = db.execute("SELECT n.guid, c.did, c.type, c.queue, c.ivl FROM cards c JOIN notes n ON n.id = c.nid").fetchall()
    finally:
        db.close()
    return {"models": models, "decks": decks, "notes": notes, "cards": cards}


def shipped():
    return load_deck([shipped_cards_dir()], check_demos=False).cards


def test_apkg_holds_one_note_per_card_with_fields_tags_and_decks(tmp_path: Path) -> None:
    out = tmp_path / "gd.apkg"
    code, text = run("export", "anki", str(out))
    assert code == 0, text
    pkg = read_apkg(out, tmp_path)
    cards = shipped()
    assert len(pkg["notes"]) == len(cards) == len(pkg["cards"])

    (model,) = pkg["models"].values()
    assert [f["name"] for f in model["flds"]] == list(FIELDS)
    deck_names = {d["name"] for d in pkg["decks"].values()}
    assert {"gdstudy::gd-basics", "gdstudy::sgd", "gdstudy::minibatch"} <= deck_names
    by_front = {n["fields"][0]: n for n in pkg["notes"].values()}
    deck_of = {str(d["id"]): d["name"] for d in pkg["decks"].values()}
    guid_deck = {g: deck_of[str(did)] for g, did, *_ in pkg["cards"]}

    for card in cards:
        note = by_front[card_html(card.front)]
        assert note["fields"] == note_fields(card)
        assert set(note["tags"]) == set(anki_tags(card))
        assert ("interview" in note["tags"]) == (card.interview or "interview" in card.tags)
        guid = next(g for g, n in pkg["notes"].items() if n is note)
        assert guid_deck[guid].startswith("gdstudy::")
    # every card is new in Anki (no scheduling through genanki)
    assert {(t, q, ivl) for _, _, t, q, ivl in pkg["cards"]} == {(0, 0, 0)}

    c = next(c for c in cards if c.id == "batch-gd-average")
    note = by_front[card_html(c.front)]
    assert guid_deck[next(g for g, n in pkg["notes"].items() if n is note)] == "gdstudy::gd-basics"
    assert "∇L(θ) = (1/N) ∑ᵢ ∇Lᵢ(θ)" in note["fields"][1]  # Unicode math kept as written
    assert note["fields"][2].startswith("000_e0c09ec66bc19b89.txt § Batch gradient descent")
    demo_card = next(c for c in cards if c.demo is not None)
    assert by_front[card_html(demo_card.front)]["fields"][3] == f"gdstudy demo {demo_card.demo.name}" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in demo_card.demo.params.items())


def test_guids_and_ids_are_stable_across_exports(tmp_path: Path) -> None:
    cards = shipped()
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    export_apkg(cards, a, timestamp=1_700_000_000)
    export_apkg(list(reversed(cards)), b, timestamp=1_800_000_000)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pa, pb = read_apkg(a, tmp_path / "a"), read_apkg(b, tmp_path / "b")
    assert set(pa["notes"]) == set(pb["notes"]) and len(pa["notes"]) == len(cards)
    for guid, note in pa["notes"].items():
        assert pb["notes"][guid]["fields"] == note["fields"]
    assert set(pa["models"]) == set(pb["models"])
    assert {k: v["name"] for k, v in pa["decks"].items()} == {k: v["name"] for k, v in pb["decks"].items()}


HOSTILE = """\
deck: "evil deck :: with <b>html</b>"
cards:
  - id: hostile
    front: "What does <script>alert(1)</script> do? <img src=x onerror=alert(2)>"
    back: |
      Text with <b onmouseover=alert(3)>bold</b>, a [link](javascript:alert(4)), a [good link](https://example.org/a?b=1&c=2),
      an image ![pixel](http://tracker.example/p.png) and math $a_i * b_j < c$ and $$x^2$$; prices $5 and $6.

      $$
      \\sum_i x_i
      $$
    tags: [xss, "two words", interview]
    source: "note.txt § <i>heading</i> & more"
    interview: true
"""

ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "br", "hr",
                "h1", "h2", "h3", "h4", "h5", "h6"}


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_html_looking_card_text_arrives_as_text(tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "evil.yaml").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "e.apkg"
    code, text = run("export", "anki", str(out), "--deck", str(deck), "--tag", "xss")
    assert code == 0, text
    pkg = read_apkg(out, tmp_path)
    (note,) = pkg["notes"].values()
    for field in note["fields"]:
        p = TagCollector()
        p.feed(field)
        for tag, attrs in p.tags:
            assert tag in ALLOWED_TAGS, (tag, field)
            for name, value in attrs:
                assert name == "href" and tag == "a", (tag, name)
                assert value.startswith(("https://", "http://")), value
    front, back, source, _demo, tags = note["fields"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in front and "&lt;img src=x onerror=alert(2)&gt;" in front
    assert "&lt;b onmouseover=alert(3)&gt;" in back
    assert "javascript:" not in back.split("[link]")[0] and '<a href="https://example.org/a?b=1&amp;c=2">good link</a>' in back
    assert "<img" not in back
    assert r"\(a_i * b_j &lt; c\)" in back and r"\[x^2\]" in back and r"\[" + "\n\\sum_i x_i\n" + r"\]" in back
    assert "$5 and $6" in back
    assert source == "note.txt § &lt;i&gt;heading&lt;/i&gt; &amp; more"
    assert tags == "xss two words interview"
    assert note["tags"] == ["xss", "two_words", "interview"]
    (name,) = {d["name"] for d in pkg["decks"].values()} - {"Default"}
    assert name == "gdstudy::evil deck : with <b>html</b>"  # a deck name is plain text in Anki; no extra sub-deck


def test_missing_genanki_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "genanki", None)
    with pytest.raises(ConfigError, match=r"gdstudy\[anki\]"):
        export_apkg(shipped(), tmp_path / "x.apkg")
    code, text = run("export", "anki", str(tmp_path / "x.apkg"))
    assert code == 2 and text.strip().count("\n") == 0 and "pip install 'gdstudy[anki]'" in text
    assert not (tmp_path / "x.apkg").exists()


def test_bad_paths_and_tags_are_one_line_errors(tmp_path: Path) -> None:
    code, text = run("export", "anki", str(tmp_path / "nope" / "x.apkg"))
    assert code == 2 and "does not exist" in text
    code, text = run("export", "anki", str(tmp_path / "x.apkg"), "--tag", "no-such-tag")
    assert code == 2 and "no card has the tag 'no-such-tag'" in text
    code, text = run("export", "anki", str(tmp_path))
    assert code == 2 and "is a folder" in text
    assert list(tmp_path.iterdir()) == []  # no temp files left behind


def test_include_schedule_writes_card_states_and_the_review_log(small_deck_dir: Path, tmp_path: Path) -> None:
    from gdstudy.store import DB_NAME, Store
    from tests.test_revlog import study

    data = tmp_path / "data"
    study(small_deck_dir, data, days=20, cram=2)
    out = tmp_path / "s.apkg"
    code, text = run("export", "anki", str(out), "--include-schedule", "--deck", str(small_deck_dir),
                     "--tag", "greek", "--data-dir", str(data))
    assert code == 0 and "3 with their schedule and review log" in text, text
    with Store(data / DB_NAME) as s:
        states = s.states()
        hist = [r for r in s.iter_reviews(None) if r.kind != "cram"]
    (tmp_path / "x").mkdir()
    with zipfile.ZipFile(out) as z:
        z.extract("collection.anki2", tmp_path / "x")
    db = sqlite3.connect(tmp_path / "x" / "collection.anki2")
    try:
        assert json.loads(db.execute("SELECT conf FROM col").fetchone()[0])["schedVer"] == 2
        cards = {json.loads("[" + json.dumps(f.split("\x1f")[0]) + "]")[0]: row for f, *row in db.execute(
            "SELECT n.flds, c.id, c.type, c.queue, c.ivl, c.reps, c.lapses, c.data FROM cards c JOIN notes n ON n.id = c.nid")}
        revlog = db.execute("SELECT id, cid, ease, ivl, type, time FROM revlog ORDER BY id").fetchall()
    finally:
        db.close()
    deck = load_deck([], [small_deck_dir], check_demos=False)
    anki_type = {1: 1, 2: 2, 3: 3}
    for slug, st in states.items():
        cid, ctype, queue, ivl, reps, lapses, data_json = cards[card_html(deck.by_id[slug].front)]
        assert (ctype, reps, lapses) == (anki_type[st.state], st.reps, st.lapses)
        mem = json.loads(data_json)
        assert (mem["s"], mem["d"]) == (st.stability, st.difficulty)
        if st.state == 2:
            assert queue == (-1 if st.suspended else 2) and ivl >= 1
        mine = [r for r in hist if r.card_id == slug]
        theirs = [r for r in revlog if r[1] == cid]
        assert [r[2] for r in theirs] == [r.rating for r in mine]          # ease = rating, time order
        assert [r[4] for r in theirs] == [{0: 0, 1: 0, 2: 1, 3: 2}[r.state_before] for r in mine]
        assert all(0 <= r[5] <= 60_000 for r in theirs)
    assert len(revlog) == len(hist)  # cram reviews left out


def test_formatting_and_every_formula_survive_in_anki() -> None:
    """Issue 22 items 5-6: tables, strikethrough and callouts keep their shape; a formula in any
    of the TUI's delimiters (also `\\(…\\)`, which Markdown would read as escaped parentheses) reaches
    MathJax as TeX; `$` in code or before a digit is not maths; a table cell's `|`-free TeX is kept."""
    text = ("> [!tip]- Step size\n> keep $\\eta < 2/L$\n\n| lr | bound |\n|---|---|\n| $\\eta_t$ | \\(\\frac{1}{L}\\) |\n\n"
            "one<br>two `a<br>b`\n\n~~wrong~~ and \\(x_i * y_i\\) and \\[\\sum_i x_i\\] cost $5 and `$HOME`; \\(SGD\\) is not maths")
    out = card_html(text)
    assert "<blockquote>\n<p><strong>Tip:</strong> Step size\nkeep \\(\\eta &lt; 2/L\\)</p>" in out
    assert "<table>" in out and "<td>\\(\\eta_t\\)</td>" in out and "<td>\\(\\frac{1}{L}\\)</td>" in out
    assert "<p>one<br />\ntwo <code>a&lt;br&gt;b</code></p>" in out
    assert "<s>wrong</s>" in out and "\\(x_i * y_i\\)" in out and "\\[\\sum_i x_i\\]" in out
    assert "cost $5" in out and "<code>$HOME</code>" in out and "(SGD) is not maths" in out
    p = TagCollector()
    p.feed(out)
    assert {t for t, _ in p.tags} <= ALLOWED_TAGS | {"table", "thead", "tbody", "tr", "th", "td", "s"}
    assert all(not attrs for _, attrs in p.tags)
