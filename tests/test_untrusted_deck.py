"""Untrusted card files (issue 9): the loader turns every hostile input into cards or located
CardErrors, never another exception, a hang or a crash; text is made visible once, at load time.

Each test here was written before its fix and seen failing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdstudy import deck as deck_mod
from gdstudy.deck import LIMITS, MAX_DEPTH, load_deck
from gdstudy.text import clean

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
- id: good-card
  front: Q?
  back: A.
  tags: [t]
  source: s.txt § S
"""


def card(**fields: str) -> str:
    """A card in block style with the given fields (YAML source text) replacing the defaults."""
    base = {"id": "bad-card", "front": "Q?", "back": "A.", "tags": "[t]", "source": "s.txt § S"}
    base.update(fields)
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in base.items()) + "\n"


def load(tmp_path: Path, text: str | bytes, name: str = "c.yaml"):  # type: ignore[no-untyped-def]
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p, load_deck([], [p], check_demos=False)


def one_problem(tmp_path: Path, text: str, line: int, *fragments: str) -> None:
    """`text` + a good card: exactly one located problem, and the good card still loads."""
    p, deck = load(tmp_path, GOOD + text)
    assert [c.id for c in deck.cards] == ["good-card"], [str(e) for e in deck.problems]
    assert len(deck.problems) == 1, [str(e) for e in deck.problems]
    msg = str(deck.problems[0])
    assert msg.startswith(f"{p}:{line}: "), msg
    for f in fragments:
        assert f in msg, msg
    assert "\n" not in msg and "\x1b" not in msg


# ---------------------------------------------------------------------------------------------
# deep nesting


@pytest.mark.parametrize("shape", ["flow-seq", "flow-map", "block-seq", "in-card"])
def test_deep_nesting_is_a_located_error(tmp_path: Path, shape: str) -> None:
    n = 3000  # libyaml >= 0.2.6 gives up at 1000 levels: the whole file is then one located error
    text = {
        "flow-seq": "[" * n + "]" * n,
        "flow-map": "{a: " * n + "x" + "}" * n,
        "block-seq": "".join("  " * i + "-\n" for i in range(600)),
        "in-card": GOOD + card(back="[" * 500 + "]" * 500),
    }[shape]
    p, deck = load(tmp_path, text)
    assert len(deck.problems) == 1, [str(e) for e in deck.problems]
    msg = str(deck.problems[0])
    assert msg.startswith(f"{p}:"), msg
    assert f"nested deeper than {MAX_DEPTH} levels" in msg
    if shape == "in-card":  # the rest of the file still loads
        assert msg.startswith(f"{p}:8: ") and list(deck.by_id) == ["good-card"], msg


def test_nesting_bound_is_exact(tmp_path: Path) -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    _, deck = load(tmp_path, ok)
    assert not any("nested deeper" in str(e) for e in deck.problems)
    _, deck = load(tmp_path, "[" + ok + "]")
    assert any("nested deeper" in str(e) for e in deck.problems)


def test_nesting_that_segfaulted_libyaml(tmp_path: Path) -> None:
    """40,000 levels (a few hundred KB) crashed the C composer with exit 139: in a subprocess."""
    p = tmp_path / "deep.yaml"
    p.write_text("[" * 40_000 + "]" * 40_000)
    r = subprocess.run([sys.executable, "-m", "gdstudy.cli", "cards", "check", str(p)], capture_output=True,
                       text=True, timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr
    assert f"{p}:1: YAML is nested deeper than {MAX_DEPTH} levels" in r.stderr


# ---------------------------------------------------------------------------------------------
# scalars that resolve to something other than text


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("front", "2001-02-30", "'front' must be text, got a date"),
        ("front", "2001-02-03", "'front' must be text, got a date"),
        ("back", "0b_", "'back' must be text, got a number"),
        ("back", "9" * 5000, "'back' must be text, got a number"),
        ("source", "1.0e+400", "'source' must be text, got a number"),
        ("id", "0x_", "'id' must be text, got a number"),
        ("front", "null", "'front' must be text, got null"),
        ("back", "yes", "'back' must be text, got true/false"),
        ("tags", "[2001-02-30]", "tags must be text, got a date"),
        ("tags", "[ok, 2001-02-03]", "tags must be text, got a date"),
        ("tags", "[0b_]", "tags must be text, got a number"),
        ("interview", "2001-02-30", "'interview' must be true or false"),
        ("demo", "{name: epoch, params: {n: 0b_}}", "'demo.params.n'"),
        ("demo", "{name: epoch, params: {n: " + "9" * 5000 + "}}", "'demo.params.n'"),
        ("demo", "{name: 2001-02-30}", "'demo' needs a 'name'"),
        ("demo", "2001-02-30", "'demo' must be a demo name"),
    ],
)
def test_non_text_scalar_is_located(tmp_path: Path, field: str, value: str, fragment: str) -> None:
    one_problem(tmp_path, card(**{field: value}), 6 + _field_line(field), fragment)


def _field_line(field: str) -> int:
    """Line offset of `field` inside `card()` (GOOD has 5 lines, so the card starts at line 6)."""
    order = ["id", "front", "back", "tags", "source"]
    return order.index(field) if field in order else 5


@pytest.mark.parametrize("key, value", [("deck", "2001-02-30"), ("deck", "2001-02-03"), ("description", "0b_")])
def test_non_text_header_is_located(tmp_path: Path, key: str, value: str) -> None:
    p, deck = load(tmp_path, f"{key}: {value}\ncards:\n" + "\n".join("  " + ln for ln in GOOD.splitlines()) + "\n")
    kind = "a date" if "-" in value else "a number"
    assert [str(e) for e in deck.problems] == [f"{p}:1: '{key}' must be text, got {kind}: put it in quotes"]
    assert list(deck.by_id) == ["good-card"]  # a bad header field does not stop the cards


def test_other_files_load_when_one_has_a_bad_scalar(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text("deck: 2001-02-30\ncards: []\n")
    deck = load_deck([], [tmp_path], check_demos=False)
    assert list(deck.by_id) == ["good-card"] and len(deck.problems) == 1


# ---------------------------------------------------------------------------------------------
# control characters: made visible at load time


ESCAPES = {
    "osc52": r"\e]52;c;cHduZWQ=\a",
    "osc2": r"\e]2;pwned\a",
    "clear": r"\e[2J",
    "c1-csi": r"\x9b2J",
    "nul-del-cr": r"a\0b\x7fc\rd",
    "bell-bs-ff": r"\a\b\f\v",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_control_characters_are_made_visible_in_every_field(tmp_path: Path, name: str) -> None:
    esc = ESCAPES[name]
    text = (f'deck: "d{esc}"\ndescription: "x{esc}"\ncards:\n'
            f'  - id: c1\n    front: "f{esc}"\n    back: "b{esc}\\n\\tkept"\n    tags: ["t{esc}"]\n'
            f'    source: "s{esc}"\n    demo: {{name: epoch, params: {{note: "v{esc}"}}}}\n')
    _, deck = load(tmp_path, text)
    assert deck.ok, [str(e) for e in deck.problems]
    c = deck.by_id["c1"]
    values = [c.front, c.back, *c.tags, c.source, *map(str, c.demo.params.values())]  # type: ignore[union-attr]
    for v in values:
        assert not any(0 <= ord(ch) < 0x20 and ch not in "\n\t" or 0x7F <= ord(ch) <= 0x9F or
                       0xD800 <= ord(ch) <= 0xDFFF for ch in v), repr(v)
    assert c.back.endswith("\n\tkept")  # newline and tab are text
    if name in ("osc52", "osc2", "clear"):
        assert "\u241b" in c.front  # ESC shown as ␛


def test_clean_forms() -> None:
    assert clean("a\x1b[2Jb") == "a\u241b[2Jb"
    assert clean("\x00\x07\r\x7f\x9b\ud800") == "\u2400\u2407\u240d\u2421\ufffd\ufffd"
    assert clean("keep\n\ttabs ünïcödé ‮rtl​zw") == "keep\n\ttabs ünïcödé ‮rtl​zw"


def test_id_with_escape_is_reported_without_the_escape(tmp_path: Path) -> None:
    one_problem(tmp_path, card(id=r'"x\e]2;pwned\a"'), 6, "must be a slug", "\u241b")


def test_raw_control_byte_in_file_is_located(tmp_path: Path) -> None:
    p, deck = load(tmp_path, GOOD.encode() + b"- id: x\n  front: a\x1b[2Jb\n")
    assert [str(e) for e in deck.problems] == [f"{p}:7: control character U+001B is not allowed in a YAML file "
                                               '(write it as "\\x1b" in a double-quoted string)']


# ---------------------------------------------------------------------------------------------
# length limits


@pytest.mark.parametrize("field", ["id", "front", "back", "source"])
def test_field_over_its_length_limit(tmp_path: Path, field: str) -> None:
    limit = LIMITS[field]
    value = ("a" * (limit + 1)) if field == "id" else ("x" * (limit + 1))
    one_problem(tmp_path, card(**{field: value}), 6 + _field_line(field),
                f"'{field}' is {limit + 1:,} characters, over the {limit:,}-character limit")


def test_huge_markdown_back_is_rejected_with_its_size(tmp_path: Path) -> None:
    back = "".join(f"- item {i}\n" for i in range(40_000))  # ~500 KB, under the 1 MB file cap
    text = "- id: huge\n  front: Q\n  tags: [t]\n  source: s\n  back: |\n" + "".join("    " + ln + "\n" for ln in back.splitlines())
    one_problem(tmp_path, text, 10, f"'back' is {len(back.rstrip()):,} characters, over the {LIMITS['back']:,}-character limit")


def test_tag_limits(tmp_path: Path) -> None:
    one_problem(tmp_path, card(tags="[" + ", ".join(f"t{i}" for i in range(LIMITS['tags'] + 1)) + "]"), 9,
                f"{LIMITS['tags'] + 1} tags, over the limit of {LIMITS['tags']}")
    one_problem(tmp_path, card(tags="[" + "t" * (LIMITS["tag"] + 1) + "]"), 9, f"over the {LIMITS['tag']}-character limit")


def test_line_limit(tmp_path: Path) -> None:
    p, deck = load(tmp_path, GOOD + "#\n" * deck_mod.MAX_LINES)
    assert [str(e) for e in deck.problems] == [f"{p}: file has {deck_mod.MAX_LINES + 5:,} lines, over the {deck_mod.MAX_LINES:,}-line cap"]


# ---------------------------------------------------------------------------------------------
# what a deck folder holds


def test_same_folder_twice_is_not_a_duplicate_of_itself(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.yaml").write_text(GOOD)
    for paths in ([d, d], [d, d / "a.yaml"], [d, tmp_path / "d" / ".." / "d"]):
        deck = load_deck([], paths, check_demos=False)
        assert deck.ok and list(deck.by_id) == ["good-card"], [str(e) for e in deck.problems]
    deck = load_deck([d], [d], check_demos=False)  # shipped folder given again as a user deck
    assert deck.ok and deck.by_id["good-card"].shipped


def test_upper_case_suffix_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "A.YAML").write_text(GOOD)
    (tmp_path / "b.Yml").write_text(GOOD.replace("good-card", "other-card"))
    (tmp_path / "notes.md").write_text("not a card file")
    deck = load_deck([], [tmp_path], check_demos=False)
    assert deck.ok and sorted(deck.by_id) == ["good-card", "other-card"]


def test_dangling_symlink_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    deck = load_deck([], [tmp_path], check_demos=False)
    assert list(deck.by_id) == ["good-card"]
    assert [str(e) for e in deck.problems] == [f"{tmp_path / 'gone.yaml'}: broken symbolic link (to {tmp_path / 'nowhere.yaml'})"]


def test_symlinked_file_and_folder_load_and_loops_end(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.yaml").write_text(GOOD)
    d = tmp_path / "d"
    d.mkdir()
    (d / "link.yaml").symlink_to(real / "a.yaml")
    (d / "sub").symlink_to(real)
    (d / "loop").symlink_to(d)
    deck = load_deck([], [d], check_demos=False)
    assert deck.ok and list(deck.by_id) == ["good-card"], [str(e) for e in deck.problems]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_folder_is_reported_and_never_read(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    os.mkfifo(tmp_path / "pipe.yaml")
    deck = load_deck([], [tmp_path], check_demos=False)
    assert list(deck.by_id) == ["good-card"]
    assert [str(e) for e in deck.problems] == [f"{tmp_path / 'pipe.yaml'}: not a regular file (a FIFO)"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_given_directly_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "gdstudy.cli", "cards", "check", str(fifo)], capture_output=True,
                       text=True, timeout=60, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 2
    assert f"{fifo}: not a regular file (a FIFO)" in r.stderr


def test_unreadable_file_and_folder_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root (permission bits stop nothing), so the OS refusal is simulated."""
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "locked.yaml").write_text(GOOD.replace("good-card", "locked-card"))
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "c.yaml").write_text(GOOD.replace("good-card", "hidden-card"))
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path, *a, **kw):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **kw)

    def fake_scandir(path="."):  # type: ignore[no-untyped-def]
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    deck = load_deck([], [tmp_path], check_demos=False)
    assert list(deck.by_id) == ["good-card"]
    assert sorted(str(e) for e in deck.problems) == [
        f"{tmp_path / 'locked.yaml'}: cannot read: Permission denied",
        f"{sub}: cannot read folder: Permission denied",
    ]


def test_docs_state_the_limits_the_code_enforces() -> None:
    from gdstudy.tui.cardtext import MAX_BLOCKS

    text = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    section = text[text.index("## Untrusted decks"):]
    section = section[: section.index("\n## ", 5)]
    rows = {
        "file size": f"{deck_mod.MAX_FILE_BYTES:,} bytes", "lines per file": f"{deck_mod.MAX_LINES:,}",
        "YAML nesting": f"{MAX_DEPTH} levels", "`id`": f"{LIMITS['id']}", "`front`": f"{LIMITS['front']:,}",
        "`back`": f"{LIMITS['back']:,}", "`source`": f"{LIMITS['source']}",
        "`tags`": f"{LIMITS['tags']} tags of at most {LIMITS['tag']}",
        "deck header": f"`deck` {LIMITS['deck']}, `description` {LIMITS['description']:,}",
        "`demo`": f"name {LIMITS['demo.name']}; at most {LIMITS['demo.params']} params, text values {LIMITS['demo.value']}",
        "`refs`": f"{LIMITS['refs']} references of at most {LIMITS['ref']}",
        "header `notes`": f"{LIMITS['notes']} note titles of at most {LIMITS['note']}",
    }
    for what, limit in rows.items():
        assert f"| {what} | {limit}" in section, what
    assert f"more than {MAX_BLOCKS} Markdown blocks" in section


def test_pure_python_yaml_fallback_gives_the_same_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml the pure-Python parser is used: same located errors (its reader checks the
    first characters while the loader is built: that error was once uncaught)."""
    import yaml

    from gdstudy import safeyaml

    monkeypatch.setattr(safeyaml, "_Loader", yaml.SafeLoader)
    cases = {
        b"\x01- id: x\n": ("1", "control character U+0001"),
        ("[" * 3000 + "]" * 3000).encode(): ("1", f"nested deeper than {MAX_DEPTH} levels"),
        ("{a: " * 3000 + "x" + "}" * 3000).encode(): ("1", f"nested deeper than {MAX_DEPTH} levels"),
        b"- &a x\n- *a\n": ("1", "anchors and aliases are not allowed"),
    }
    for data, (line, fragment) in cases.items():
        p, deck = load(tmp_path, data)
        assert len(deck.problems) == 1, [str(e) for e in deck.problems]
        assert str(deck.problems[0]).startswith(f"{p}:{line}: ") and fragment in str(deck.problems[0])
    one_problem(tmp_path, card(front="2001-02-30"), 7, "'front' must be text, got a date")
