"""Card format and validation: every problem is one located line; good cards still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.deck import MAX_FILE_BYTES, content_hash, load_deck

GOOD = """\
- id: ok-card
  front: Q?
  back: A.
  tags: [t]
  source: 000_e0c09ec66bc19b89.txt § Mini-batches
"""

# (file content, expected line, expected message fragment)
BAD = {
    "syntax": ("- id: a\n  front: [unclosed\n  back: b\n", 3, "YAML syntax error"),
    "missing_back": ("- id: a\n  front: Q\n  tags: [t]\n  source: s\n", 1, "missing 'back'"),
    "empty_front": ("- id: a\n  front: '   '\n  back: b\n  tags: [t]\n  source: s\n", 2, "'front' is empty"),
    "wrong_type_tags": ("- id: a\n  front: Q\n  back: b\n  tags: t\n  source: s\n", 4, "'tags' must be a list"),
    "wrong_type_front": ("- id: a\n  front: 12\n  back: b\n  tags: [t]\n  source: s\n", 2, "'front' must be text"),
    "unknown_key": ("- id: a\n  front: Q\n  back: b\n  tags: [t]\n  source: s\n  hint: x\n", 6, "unknown key 'hint'"),
    "bad_slug": ("- id: Not A Slug\n  front: Q\n  back: b\n  tags: [t]\n  source: s\n", 1, "must be a slug"),
    "interview_type": ("- id: a\n  front: Q\n  back: b\n  tags: [t]\n  source: s\n  interview: yes please\n", 6, "'interview' must be true or false"),
    "python_tag": ("- id: a\n  front: !!python/object/apply:os.system [echo pwned]\n  back: b\n  tags: [t]\n  source: s\n", 2, "YAML tag !!python/object/apply:os.system is not allowed"),
    "alias_bomb": ('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n', 1, "anchors and aliases are not allowed"),
    "duplicate_key": ("- id: a\n  front: Q\n  front: Q2\n  back: b\n  tags: [t]\n  source: s\n", 3, "duplicate key 'front'"),
    "not_a_list": ("just a string\n", 1, "must be a list of cards"),
    "header_unknown": ("deck: x\nauthor: me\ncards: []\n", 2, "unknown deck key 'author'"),
    "card_not_mapping": ("- just text\n", 1, "a card must be a mapping"),
}


def write(d: Path, name: str, text: str | bytes) -> Path:
    p = d / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_problem_is_located(tmp_path: Path, case: str) -> None:
    text, line, fragment = BAD[case]
    p = write(tmp_path, f"{case}.yaml", text)
    deck = load_deck([], [tmp_path], check_demos=False)
    assert len(deck.problems) == 1, [str(e) for e in deck.problems]
    msg = str(deck.problems[0])
    assert msg.startswith(f"{p}:{line}: "), msg
    assert fragment in msg
    assert "\n" not in msg


def test_binary_non_utf8_and_oversize(tmp_path: Path) -> None:
    write(tmp_path, "bin.yaml", b"- id: a\n\x00\x01\x02")
    write(tmp_path, "latin1.yaml", "- id: a\n  front: caf\xe9\n".encode("latin-1"))
    write(tmp_path, "huge.yaml", b"#" * (MAX_FILE_BYTES + 1))
    msgs = sorted(str(e) for e in load_deck([], [tmp_path], check_demos=False).problems)
    assert msgs == [
        f"{tmp_path / 'bin.yaml'}:2: binary file (NUL byte), not a YAML card file",
        f"{tmp_path / 'huge.yaml'}: file is {MAX_FILE_BYTES + 1:,} bytes, over the {MAX_FILE_BYTES:,}-byte cap",
        f"{tmp_path / 'latin1.yaml'}:2: not UTF-8 (byte 0xe9)",
    ]


def test_valid_files_in_a_bad_folder_still_load(tmp_path: Path) -> None:
    for case, (text, _, _) in BAD.items():
        write(tmp_path, f"{case}.yaml", text)
    write(tmp_path, "good.yaml", GOOD)
    # a file with one bad card keeps its good card
    write(tmp_path, "mixed.yaml", GOOD.replace("ok-card", "mixed-good") + "- id: broken\n  front: Q\n")
    deck = load_deck([], [tmp_path], check_demos=False)
    assert sorted(deck.by_id) == ["mixed-good", "ok-card"]
    assert len(deck.problems) == len(BAD) + 1


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", GOOD)
    b = write(tmp_path, "b.yaml", "\n\n" + GOOD)
    deck = load_deck([], [tmp_path], check_demos=False)
    assert [str(e) for e in deck.problems] == [
        f"{b}:3: duplicate id 'ok-card': already used by another card at {a}:1"
    ]


def test_user_card_reusing_a_shipped_id(tmp_path: Path) -> None:
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    shipped.mkdir(), user.mkdir()
    s = write(shipped, "s.yaml", GOOD)
    u = write(user, "u.yaml", GOOD)
    deck = load_deck([shipped], [user], check_demos=False)
    assert [str(e) for e in deck.problems] == [
        f"{u}:1: duplicate id 'ok-card': already used by the shipped deck at {s}:1"
    ]
    assert deck.by_id["ok-card"].shipped


def test_header_form_and_full_card(tmp_path: Path) -> None:
    write(tmp_path, "h.yaml", """\
deck: demo-deck
description: header form
cards:
  - id: with-demo
    front: |
      Multi-line
      **front**
    back: Back.
    tags: [a, b]
    source: 004_7dc5dca5d2e017b4.txt § Epoch
    demo: {name: variance, params: {batch_size: 16}}
    interview: true
""")
    deck = load_deck([], [tmp_path], check_demos=False)
    assert deck.ok
    c = deck.by_id["with-demo"]
    assert c.front == "Multi-line\n**front**"
    assert c.demo is not None and c.demo.name == "variance" and c.demo.params == {"batch_size": 16}
    assert c.interview and c.tags == ("a", "b") and c.line == 4


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    deck = load_deck([], [tmp_path / "nope"], check_demos=False)
    assert [str(e) for e in deck.problems] == [f"{tmp_path / 'nope'}: no such file or folder"]


def test_content_hash_ignores_whitespace_only() -> None:
    assert content_hash("a  b\n", "c") == content_hash("a b", " c ")
    assert content_hash("a b", "c") != content_hash("a b", "d")


def test_shipped_deck_is_clean() -> None:
    from gdstudy.paths import shipped_cards_dir

    deck = load_deck([shipped_cards_dir()])
    assert deck.ok, "\n".join(map(str, deck.problems))
    assert len(deck.cards) > 0
