"""The shipped `beyond-the-notes` deck: its cards cite the literature (`refs:`) instead of a note and
carry the `beyond-notes` tag; `--deck notes|beyond-the-notes|NAME` selects; coverage reports the
two decks apart; a mock interview mixes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.deck import BEYOND_DECK, BEYOND_TAG, load_deck
from gdstudy.deckselect import NOTES, deck_group, select_decks, split_deck_args
from gdstudy.errors import ConfigError
from gdstudy.interop.coverage import coverage
from gdstudy.interview import mix_decks

NOTES_FILE = """deck: basics
cards:
  - id: a1
    front: Question one?
    back: Answer one.
    tags: [x]
    source: n.md § Intro
    interview: true
"""


def beyond_file(n: int, *, refs: bool = True, tag: bool = True) -> str:
    out = [f"deck: {BEYOND_DECK}", "description: beyond", "cards:"]
    for i in range(n):
        out += [f"  - id: btn-{i}", f"    front: Beyond question {i}?", f"    back: Beyond answer {i}.",
                f"    tags: [{BEYOND_TAG + ', ' if tag else ''}momentum]", "    interview: true"]
        if refs:
            out += ["    refs: [\"Polyak 1964, §3\"]"]
    return "\n".join(out) + "\n"


def shipped(tmp_path: Path, beyond: str, notes: str = NOTES_FILE) -> Path:
    d = tmp_path / "shipped"
    d.mkdir(parents=True)
    (d / "01-basics.yaml").write_text(notes, encoding="utf-8")
    (d / "beyond-01.yaml").write_text(beyond, encoding="utf-8")
    return d


def test_beyond_cards_need_refs_and_the_tag_not_a_source(tmp_path: Path) -> None:
    deck = load_deck([shipped(tmp_path, beyond_file(2))], [], check_demos=False)
    assert not deck.problems
    b = deck.by_id["btn-0"]
    assert b.beyond and b.source == "" and b.refs and not deck.by_id["a1"].beyond
    no_refs = load_deck([shipped(tmp_path / "r", beyond_file(1, refs=False))], [], check_demos=False)
    assert [str(p) for p in no_refs.problems] and "missing 'refs'" in str(no_refs.problems[0])
    no_tag = load_deck([shipped(tmp_path / "t", beyond_file(1, tag=False))], [], check_demos=False)
    assert no_tag.problems and f"needs the tag '{BEYOND_TAG}'" in str(no_tag.problems[0])
    assert ":" in str(no_tag.problems[0])  # located: file:line


def test_a_user_deck_named_beyond_the_notes_is_an_ordinary_user_deck(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    (user / "b.yaml").write_text(beyond_file(1, refs=False, tag=False).replace("btn-0", "mine-0"), encoding="utf-8")
    deck = load_deck([], [user], check_demos=False)
    assert not deck.problems and not deck.cards[0].beyond


def test_select_decks_by_group_and_name(tmp_path: Path) -> None:
    deck = load_deck([shipped(tmp_path, beyond_file(3))], [], check_demos=False)
    assert {c.id for c in select_decks(deck, [BEYOND_DECK]).cards} == {"btn-0", "btn-1", "btn-2"}
    assert {c.id for c in select_decks(deck, [NOTES]).cards} == {"a1"}
    assert {c.id for c in select_decks(deck, ["basics"]).cards} == {"a1"}
    assert len(select_decks(deck, [NOTES, BEYOND_DECK]).cards) == 4
    with pytest.raises(ConfigError, match="did you mean beyond-the-notes"):
        select_decks(deck, ["beyond-the-note"])
    with pytest.raises(ConfigError, match="the decks: "):
        select_decks(deck, ["zzzz"])


def test_split_deck_args_paths_and_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    assert split_deck_args(["folder", "./x", "a/b", "~/d", BEYOND_DECK, "notes"]) == (
        ["folder", "./x", "a/b", "~/d"], [BEYOND_DECK, "notes"])


def test_coverage_reports_the_two_decks_apart(tmp_path: Path) -> None:
    from gdstudy.interop.notefiles import NoteFile

    note = tmp_path / "n.md"
    note.write_text("# Intro\nsome text\n", encoding="utf-8")
    deck = load_deck([shipped(tmp_path, beyond_file(2))], [], check_demos=False)
    cov = coverage([NoteFile(note, "n.md", str(tmp_path))], deck.cards)
    assert cov.notes_cards == 1 and cov.beyond_cards == 2 and cov.beyond == {"momentum": ["btn-0", "btn-1"]}
    d = cov.to_dict()["decks"]
    assert d["notes"]["cards"] == 1 and d[BEYOND_DECK] == {"cards": 2, "topics": {"momentum": 2}}
    text = "\n".join(cov.lines())
    assert "deck from the notes: 1 card(s)" in text and f"deck {BEYOND_DECK}: 2 card(s)" in text
    assert not cov.unmatched  # a beyond card cites no note, and is not reported as unmatched


@pytest.mark.parametrize("n_notes,n_beyond", [(56, 40), (90, 6), (3, 3), (1, 50)])
def test_mix_decks_gives_every_prefix_its_share(tmp_path: Path, n_notes: int, n_beyond: int) -> None:
    notes = NOTES_FILE.split("cards:")[0] + "cards:\n" + "".join(
        f"  - id: n{i}\n    front: Q{i}?\n    back: A{i}.\n    tags: [x]\n    source: n.md § Intro\n" for i in range(n_notes))
    deck = load_deck([shipped(tmp_path, beyond_file(n_beyond), notes)], [], check_demos=False)
    mixed = mix_decks(deck.cards)
    assert sorted(c.id for c in mixed) == sorted(c.id for c in deck.cards)
    n = len(mixed)
    for k in range(1, n + 1):
        got = sum(deck_group(c) == BEYOND_DECK for c in mixed[:k])
        assert abs(got - k * n_beyond / n) <= 1, (k, got)
    first10 = {deck_group(c) for c in mixed[:10]}
    assert first10 == {NOTES, BEYOND_DECK} or min(n_notes, n_beyond) * 10 < n


def test_mix_keeps_each_decks_order_and_is_identity_for_one_deck(tmp_path: Path) -> None:
    deck = load_deck([shipped(tmp_path, beyond_file(5))], [], check_demos=False)
    mixed = mix_decks(deck.cards)
    assert [c.id for c in mixed if c.beyond] == [c.id for c in deck.cards if c.beyond]
    only = [c for c in deck.cards if c.beyond]
    assert mix_decks(only) == only
