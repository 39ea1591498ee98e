"""Issue 22 item 7: `e` edits the card in $EDITOR (schedule kept, flagged edited; a bad edit reopens
the editor with the error on top; quitting without saving gives up), `a` adds a card through a form;
in review and in the browser. The editor is tests/fake_editor.py, a Python script run as $VISUAL."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gdstudy.cardedit import BANNER, EditError, add_card, edit_card, editor_argv, run_editor
from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.paths import shipped_cards_dir
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from tests.conftest import Clock

FAKE = Path(__file__).resolve().parent / "fake_editor.py"
SIZE = (110, 34)
DECK = "".join(f"- id: card{i}\n  front: Question {i}?\n  back: Answer {i}.\n  tags: [t]\n" for i in range(3))

pytestmark = pytest.mark.usefixtures("utc_tz")


class Editor:
    """The fake editor's plan and what it was given, run after run."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.plan, self.log = tmp_path / "plan.json", tmp_path / "editor.log"
        monkeypatch.setenv("VISUAL", f"{sys.executable} {FAKE}")
        monkeypatch.setenv("FAKE_EDITOR_PLAN", str(self.plan))
        monkeypatch.setenv("FAKE_EDITOR_LOG", str(self.log))
        self.will()

    def will(self, *steps: dict[str, Any]) -> None:
        self.plan.write_text(json.dumps(list(steps)))

    def runs(self) -> list[dict[str, Any]]:
        return [json.loads(ln) for ln in self.log.read_text().splitlines()] if self.log.exists() else []


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Editor:
    return Editor(tmp_path, monkeypatch)


@pytest.fixture
def mine(isolated_home: Path) -> Path:
    d = isolated_home / "cards"
    d.mkdir(parents=True)
    (d / "mine.yaml").write_text(DECK, encoding="utf-8")
    return d


@pytest.fixture
def session(mine: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [mine], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def _grade(s: ReviewSession, cid: str, g: Grade = Grade.GOOD) -> None:
    c = s.deck.by_id[cid]
    s.grade(c, s.preview(c)[g])


def test_editor_argv(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    assert editor_argv(f, 7, {"VISUAL": "vim", "EDITOR": "nano"}) == ["vim", "+7", str(f)]
    assert editor_argv(f, 7, {"EDITOR": "/usr/bin/nano -w"}) == ["/usr/bin/nano", "-w", "+7", str(f)]
    assert editor_argv(f, 7, {"EDITOR": "code --wait"}) == ["code", "--wait", str(f)]  # no +LINE for others
    assert editor_argv(f, 3, {}) == ["vi", "+3", str(f)]


def test_edit_keeps_the_schedule_and_marks_the_card_edited(session: ReviewSession, mine: Path, editor: Editor) -> None:
    _grade(session, "card1")
    before = session.state("card1")
    editor.will({"replace": ["Answer 1.", "Answer one, reworded."]})
    out = edit_card(session.deck.by_id["card1"], session.deck)
    assert out.kind == "saved", out.message
    assert editor.runs()[0]["argv"][-1].endswith("mine.yaml")
    session.deck = out.deck
    card = session.deck.by_id["card1"]
    assert card.back == "Answer one, reworded." and card.path == str(mine / "mine.yaml")
    assert "Answer one, reworded." in (mine / "mine.yaml").read_text()
    assert session.state("card1") == before and session.is_edited(card)
    assert [c.id for c in session.deck.cards] == ["card0", "card1", "card2"]


def test_a_bad_edit_reopens_the_editor_with_the_error_and_loses_nothing(session: ReviewSession, mine: Path, editor: Editor) -> None:
    editor.will({"replace": ["tags: [t]\n- id: card1", "tags: t\n- id: card1"]},  # invalid: tags not a list
                {"replace": ["Answer 1.", "Answer 1, kept."]},                  # still invalid (tags), edits kept
                {"replace": ["tags: t\n", "tags: [t]\n"]})                      # fixed
    out = edit_card(session.deck.by_id["card1"], session.deck)
    assert out.kind == "saved", out.message
    runs = editor.runs()
    assert len(runs) == 3
    second = runs[1]["text"]
    assert second.startswith(BANNER) and "'tags' must be a list" in second and "fix: write tags as a list" in second
    assert "tags: t\n" in second  # the user's text is all there, under the comments
    lineno = next(int(ln.split("line ")[1].split(":")[0]) for ln in second.splitlines() if "'tags' must be" in ln)
    assert second.splitlines()[lineno - 1].strip() == "tags: t"  # the line number is the editor's
    saved = (mine / "mine.yaml").read_text()
    assert BANNER not in saved and "Answer 1, kept." in saved and load_deck([], [mine]).ok


def test_quitting_without_saving_gives_up_and_keeps_the_card(session: ReviewSession, mine: Path, editor: Editor) -> None:
    original = (mine / "mine.yaml").read_text()
    editor.will({"keep": True})
    assert edit_card(session.deck.by_id["card0"], session.deck).kind == "unchanged"
    editor.will({"replace": ["front: Question 0?", "front: [oops"]}, {"keep": True})
    out = edit_card(session.deck.by_id["card0"], session.deck)
    assert out.kind == "given up" and out.deck is None and "kept as it was" in out.message
    assert (mine / "mine.yaml").read_text() == original


def test_a_duplicate_id_is_an_error_the_editor_shows(session: ReviewSession, tmp_path: Path, mine: Path, editor: Editor) -> None:
    (mine / "other.yaml").write_text("- id: other\n  front: O?\n  back: o\n  tags: [t]\n")
    deck = load_deck([], [mine], check_demos=False)
    editor.will({"replace": ["id: card2", "id: other"]}, {"keep": True})
    out = edit_card(deck.by_id["card2"], deck)
    assert out.kind == "given up" and "duplicate id 'other'" in editor.runs()[1]["text"]


def test_a_file_changed_meanwhile_is_not_overwritten(session: ReviewSession, mine: Path, editor: Editor) -> None:
    f = mine / "mine.yaml"

    def run(argv: list[str]) -> None:
        run_editor(argv)
        f.write_text(f.read_text() + "# changed elsewhere\n")

    editor.will({"replace": ["Answer 2.", "Answer two."]})
    with pytest.raises(EditError, match="changed on disk while you edited it; your text is kept in ") as e:
        edit_card(session.deck.by_id["card2"], session.deck, run)
    assert "Answer two." not in f.read_text()
    kept = Path(str(e.value).rsplit("kept in ", 1)[1])
    assert "Answer two." in kept.read_text()  # nothing typed is lost
    kept.unlink()


def test_a_file_that_cannot_be_written_keeps_the_text(session: ReviewSession, mine: Path, editor: Editor,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from gdstudy import outpath

    def refuse(t: object) -> None:
        raise outpath.OutputError(f"cannot write {mine / 'mine.yaml'}: Read-only file system")

    monkeypatch.setattr(outpath, "open_text", refuse)
    editor.will({"replace": ["Answer 2.", "Answer two."]})
    with pytest.raises(EditError, match="Read-only file system; your text is kept in ") as e:
        edit_card(session.deck.by_id["card2"], session.deck)
    kept = Path(str(e.value).rsplit("kept in ", 1)[1])
    assert "Answer two." in kept.read_text()
    kept.unlink()


def test_max_rounds_keeps_the_text(session: ReviewSession, mine: Path, editor: Editor) -> None:
    from gdstudy.cardedit import MAX_ROUNDS

    editor.will({"replace": ["front: Question 0?", "front: [Question 0?"]},  # invalid, and stays so
                *[{"replace": ["Answer 0.", "Answer 0.+"]} for _ in range(MAX_ROUNDS - 1)])
    out = edit_card(session.deck.by_id["card0"], session.deck)
    assert out.kind == "failed" and len(editor.runs()) == MAX_ROUNDS
    kept = Path(out.message.rsplit("your text is in ", 1)[1])
    text = kept.read_text()
    assert "Answer 0." + "+" * (MAX_ROUNDS - 1) + "\n" in text and "[Question 0?" in text and BANNER not in text
    kept.unlink()


def test_rewording_a_card_without_id_keeps_its_id(isolated_home: Path, tmp_path: Path, clock: Clock, editor: Editor) -> None:
    d = isolated_home / "cards"
    d.mkdir(parents=True)
    (d / "n.yaml").write_text("- front: What is SGD?\n  back: b\n  tags: [t]\n- {front: Flow?, back: c, tags: [t]}\n")
    deck = load_deck([], [d], check_demos=False)
    old = [c.id for c in deck.cards]
    editor.will({"replace": ["What is SGD?", "What is stochastic gradient descent?"]})
    out = edit_card(deck.cards[0], deck)
    assert out.kind == "saved" and [c.id for c in out.deck.cards] == old
    editor.will({"replace": ["front: Flow?", "front: Flow again?"]})
    out = edit_card(out.deck.cards[1], out.deck)
    assert out.kind == "saved" and [c.id for c in out.deck.cards] == old, (d / "n.yaml").read_text()
    assert load_deck([], [d]).ok and [c.id for c in load_deck([], [d]).cards] == old


def test_a_shipped_card_is_copied_to_the_users_deck_before_editing(isolated_home: Path, tmp_path: Path, clock: Clock, editor: Editor) -> None:
    deck = load_deck([shipped_cards_dir()], [], demo_params=False)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    card = deck.cards[0]
    _grade(s, card.id)
    before = s.state(card.id)
    first_line = card.front.split("\n")[0][:30]
    editor.will({"replace": [first_line, "EDITED " + first_line]})
    app = make_app(s)

    async def go() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("b")
            await pilot.press("e")
            await pilot.pause()

    import asyncio

    asyncio.run(go())
    new = s.deck.by_id[card.id]
    copy = isolated_home / "shipped-cards"
    assert new.path.startswith(str(copy)) and new.front.startswith("EDITED ") and new.shipped
    assert s.state(card.id) == before and s.is_edited(new)
    assert "EDITED" not in Path(card.path).read_text()  # the packaged deck is untouched
    assert str(copy) in (isolated_home / "config.toml").read_text()


async def test_review_e_edits_the_card_on_screen(session: ReviewSession, editor: Editor) -> None:
    editor.will({"replace": ["Question 0?", "Question zero, edited?"]})
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.card.id == "card0"
        await pilot.press("space", "e")
        await pilot.pause()
        assert screen.card.front == "Question zero, edited?" and screen.revealed
        assert "edited since last review" not in str(screen.query_one("#meta").render())  # never reviewed: nothing to mark
        await pilot.press("3")
    assert session.state("card0") is not None
    assert session.state("card0").content_hash == session.deck.by_id["card0"].content_hash


async def test_browser_a_adds_a_card_that_appears_in_the_table(session: ReviewSession, isolated_home: Path) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        browser = app.screen
        await pilot.press("a")
        form = app.screen
        assert form.__class__.__name__ == "AddCardModal"
        await pilot.press("ctrl+s")  # empty: refused, the form stays
        assert app.screen is form and "question and an answer" in str(form.query_one("#add-error").render())
        await pilot.press(*"What is a mini-batch?", "enter", *"A few examples", "tab", *"minibatch, sgd", "ctrl+s")
        await pilot.pause()
        assert app.screen is browser
        table = browser.query_one("#cards")
        added = [c for c in session.deck.cards if c.front == "What is a mini-batch?"]
        assert len(added) == 1 and added[0].id in table.rows and added[0].tags == ("minibatch", "sgd")
        assert browser._current().id == added[0].id
    f = isolated_home / "cards" / "added.yaml"
    deck = load_deck([], [isolated_home / "cards"])
    assert deck.ok and added[0].id in deck.by_id and deck.by_id[added[0].id].path == str(f)
    assert str(isolated_home / "cards") in (isolated_home / "config.toml").read_text()


def test_add_card_validates_like_a_card_file(session: ReviewSession, mine: Path) -> None:
    out = add_card(session.deck, mine, "Q?", "A", ["t"], demo="no-such-demo")
    assert out.kind == "failed" and "unknown demo" in out.message and not (mine / "added.yaml").exists()
    out = add_card(session.deck, mine, "Question 1?", "dup", ["t"])  # a new card, its own derived id
    assert out.kind == "saved"
    again = add_card(out.deck, mine, "Question 1?", "dup", ["t"])
    assert again.kind == "failed" and "duplicate id" in again.message
    assert load_deck([], [mine]).ok


def test_an_imported_card_is_edited_in_its_note_and_imported_again(tmp_path: Path, isolated_home: Path, clock: Clock, editor: Editor) -> None:
    from gdstudy.cli.common import _deck, _settings
    from gdstudy.interop.noteedit import note_of
    from tests.conftest import run_cli

    vault = tmp_path / "vault"
    (vault / "ml").mkdir(parents=True)
    note = vault / "ml" / "sgd.md"
    note.write_text("# SGD\n\nWhat is SGD?::Stochastic gradient descent\n\nWhat is an epoch?::One pass\n", encoding="utf-8")
    code, out = run_cli("import", vault, "--tag", "mine")
    assert code == 0, out
    deck = _deck(_settings(), None)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    card = next(c for c in deck.cards if c.front == "What is SGD?")
    _grade(s, card.id)
    before = s.state(card.id)
    n = note_of(card)
    assert n is not None and n.note == note.resolve() and n.line == 3 and n.deck_dir == isolated_home / "cards"
    editor.will({"replace": ["Stochastic gradient descent", "Stochastic GD, edited"]})
    out = edit_card(card, deck)
    assert out.kind == "saved", out.message
    assert editor.runs()[0]["argv"][-1] == str(note.resolve())
    new = out.deck.by_id[card.id]
    assert new.back == "Stochastic GD, edited" and "mine" in new.tags and new.path == card.path
    s.deck = out.deck
    assert s.state(card.id) == before and s.is_edited(new)
    # a hand edit of the generated card file: the re-import is a conflict, reported, nothing changed
    f = Path(card.path)
    f.write_text(f.read_text().replace("One pass", "One pass (by hand)"))
    editor.will({"replace": ["Stochastic GD, edited", "Again"]})
    out = edit_card(out.deck.by_id[card.id], out.deck)
    assert out.kind == "failed" and "not updated" in out.message and "Again" not in f.read_text()


def test_an_import_record_naming_a_non_note_is_not_followed(tmp_path: Path, isolated_home: Path) -> None:
    from gdstudy.interop.cardfile import MARKER
    from gdstudy.interop.noteedit import note_of

    d = isolated_home / "cards"
    d.mkdir(parents=True)
    (tmp_path / "secret").write_text("x")
    for key in ("secret", "../secret", "/etc/passwd"):
        f = d / (key.replace("/", "_") + ".yaml")
        f.write_text(MARKER + json.dumps({"v": 1, "note": key, "root": str(tmp_path), "cards": {}}) + "\n"
                     "- id: a\n  front: Q\n  back: b\n  tags: [t]\n")
        card = load_deck([], [f], check_demos=False).cards[0]
        assert note_of(card) is None, key  # the card file itself is edited


async def test_import_review_edit_add_in_one_go(tmp_path: Path, isolated_home: Path, clock: Clock, editor: Editor) -> None:
    """Issue 22's path through these parts: import (no flags) -> review -> e on the reviewed card in the
    browser (its note) -> schedule kept, edited -> a adds a card -> it is in the browser."""
    from gdstudy.cli.common import _deck, _settings
    from tests.conftest import run_cli

    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "sgd.md").write_text("# SGD\n\nWhat is SGD?::Stochastic gradient descent\n", encoding="utf-8")
    assert run_cli("import", vault)[0] == 0
    deck = _deck(_settings(), None)
    mine = next(c for c in deck.cards if c.front == "What is SGD?")
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock, tags=("imported",))
    editor.will({"replace": ["Stochastic gradient descent", "Stochastic gradient descent (one example a step)"]})
    app = make_app(s)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.card.id == mine.id  # in review with no --deck
        await pilot.press("space", "3")
        before = s.state(mine.id)
        await pilot.press("b")
        browser = app.screen
        await pilot.press("slash", *"What is SGD", "enter", "escape")  # the only match opens; back to the table
        assert app.screen is browser and browser._current().id == mine.id
        await pilot.press("e")
        await pilot.pause()
        assert s.deck.by_id[mine.id].back.endswith("(one example a step)")
        assert s.state(mine.id) == before and s.is_edited(s.deck.by_id[mine.id])
        await pilot.press("a", *"Why shuffle each epoch?", "enter", *"To decorrelate batches", "ctrl+s")
        await pilot.pause()
        assert app.screen is browser
        added = next(c for c in s.deck.cards if c.front == "Why shuffle each epoch?")
        assert added.id in browser.query_one("#cards").rows
