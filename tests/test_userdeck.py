"""The user's own deck (issue 22 items 1, 2): import with no --into lands in it and registers it in
the config; `cards path` / `cards init`; hand-written cards without id or source; `cards check`
fix hints; the config writer keeps every other setting."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from gdstudy.cardhints import FALLBACK, fix_hint
from gdstudy.cardid import derived_id
from gdstudy.configwrite import add_deck, toml_string
from gdstudy.deck import load_deck
from gdstudy.errors import ConfigError
from gdstudy.outpath import OutputError
from gdstudy.paths import shipped_cards_dir
from gdstudy.userdeck import SHIPPED_MARKER, ensure_user_deck, init_shipped_copy
from tests.conftest import run_cli

NOTE = "# SGD\n\nWhat is SGD?::Stochastic gradient descent\n\nWhat is an epoch?::One pass over the data\n"


def _vault(tmp_path: Path) -> Path:
    v = tmp_path / "vault"
    v.mkdir(exist_ok=True)
    (v / "sgd.md").write_text(NOTE, encoding="utf-8")
    return v


def _ids(out: str) -> set[str]:
    return {ln.split()[0] for ln in out.splitlines() if ln.startswith(("what-is",))}


# -- item 1: import lands in the user's deck ---------------------------------------------------


def test_import_without_into_writes_the_users_deck_and_registers_it(tmp_path: Path, isolated_home: Path) -> None:
    code, out = run_cli("import", _vault(tmp_path))
    assert code == 0, out
    own = isolated_home / "cards"
    assert f"created your deck folder {own}" in out and "registered it in" in out
    assert (own / "sgd.md.yaml").is_file()
    config = tomllib.loads((isolated_home / "config.toml").read_text(encoding="utf-8"))
    assert config == {"decks": [str(own)]}
    code, listed = run_cli("cards", "list", "--tag", "imported")
    assert code == 0 and len(_ids(listed)) == 2, listed  # review's deck: no --deck flag needed
    code, stats = run_cli("stats", "--json")
    shipped = len(load_deck([shipped_cards_dir()], [], check_demos=False).cards)
    assert code == 0 and json.loads(stats)["by_state"]["new"] == shipped + 2
    code, again = run_cli("import", _vault(tmp_path))  # a second import: no second registration
    assert code == 0 and "registered" not in again and "using your deck folder" in again
    assert tomllib.loads((isolated_home / "config.toml").read_text())["decks"] == [str(own)]


def test_import_keeps_the_existing_config(tmp_path: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    other = tmp_path / "other"
    other.mkdir()
    text = f'# my settings\nnew_per_day = 7\ndecks = [{toml_string(str(other))}]  # mine\n\n[scheduling]\ndesired_retention = 0.85\n'
    (isolated_home / "config.toml").write_text(text, encoding="utf-8")
    code, out = run_cli("import", _vault(tmp_path))
    assert code == 0, out
    new = (isolated_home / "config.toml").read_text(encoding="utf-8")
    assert "# my settings" in new and "# mine" in new
    assert tomllib.loads(new) == {"new_per_day": 7, "decks": [str(other), str(isolated_home / "cards")],
                                  "scheduling": {"desired_retention": 0.85}}


def test_import_dry_run_without_into_creates_nothing(tmp_path: Path, isolated_home: Path) -> None:
    code, out = run_cli("import", _vault(tmp_path), "--dry-run")
    assert code == 0, out
    assert "would go to your deck folder" in out and "2 added" in out
    assert not (isolated_home / "cards").exists() and not (isolated_home / "config.toml").exists()


def test_import_refuses_a_config_it_cannot_edit_and_writes_nothing(tmp_path: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("new_per_day = [\n", encoding="utf-8")
    code, out = run_cli("import", _vault(tmp_path))
    assert code == 2 and out.count("\n") == 1 and "config.toml" in out and "fix it" in out
    assert (isolated_home / "config.toml").read_text() == "new_per_day = [\n"
    assert not list((isolated_home / "cards").glob("*.yaml"))


def test_config_symlink_is_not_written_through(tmp_path: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    real = tmp_path / "real.toml"
    real.write_text("new_per_day = 3\n")
    (isolated_home / "config.toml").symlink_to(real)
    with pytest.raises(OutputError, match="symbolic link"):
        ensure_user_deck()
    assert real.read_text() == "new_per_day = 3\n"


CONFIGS = [
    "", "new_per_day = 5\n", "# c\nnew_per_day = 5\n[scheduling]\ndesired_retention = 0.8\n", "decks = []\n",
    'decks = ["a"]\n', 'decks = [\n  "a",  # first\n]\n', 'decks = [\n  "a" # first\n]\n', '[scheduling]\ndecks = ["~/x"]\n',
    "new_per_day = 3", "decks = ['''a''', 'b,#']\n", 'decks = ["a"] # c\nnew_per_day = 1\n',
    'decks = ["~nosuchuser0/x"]\n',  # an entry that cannot be expanded: was a RuntimeError (hypothesis found it)
]


@pytest.mark.parametrize("text", CONFIGS)
def test_add_deck_appends_and_keeps_everything_else(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "conf" / "config.toml"
    if text:
        cfg.parent.mkdir()
        cfg.write_text(text, encoding="utf-8")
    old = tomllib.loads(text)
    folder = tmp_path / 'my "deck" \\ #1'
    assert add_deck(folder, cfg) == (cfg, True)
    new = tomllib.loads(cfg.read_text(encoding="utf-8"))
    where = new["scheduling"] if "decks" in old.get("scheduling", {}) else new
    assert where["decks"] == [*(old.get("decks") or old.get("scheduling", {}).get("decks", [])), str(folder)]
    assert {k: v for k, v in new.items() if k != "decks"} == {k: v for k, v in old.items() if k != "decks"} or "scheduling" in old
    assert add_deck(folder, cfg) == (cfg, False) and tomllib.loads(cfg.read_text()) == new


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_toml_string_round_trips(s: str) -> None:
    assert tomllib.loads(f"x = {toml_string(s)}")["x"] == s


# -- cards path / cards init -------------------------------------------------------------------


def test_cards_path_lists_every_deck(isolated_home: Path, tmp_path: Path) -> None:
    code, out = run_cli("cards", "path")
    assert code == 0
    assert f"shipped   {shipped_cards_dir()}" in out
    assert f"yours     {isolated_home / 'cards'}  (not registered, not created yet" in out
    assert "(not created yet)" in out.splitlines()[-1]
    run_cli("import", _vault(tmp_path))
    code, out = run_cli("cards", "path", "--deck", tmp_path)
    assert f"yours     {isolated_home / 'cards'}  (registered)" in out and f"--deck    {tmp_path}" in out


def test_cards_init_copies_registers_and_replaces_the_packaged_deck(isolated_home: Path) -> None:
    code, before = run_cli("cards", "check")
    assert code == 0, before
    code, out = run_cli("cards", "init")
    copy = isolated_home / "shipped-cards"
    assert code == 0 and f"copied the shipped deck to {copy}" in out, out
    assert (copy / SHIPPED_MARKER).is_file()
    assert sorted(p.name for p in copy.glob("*.yaml")) == sorted(p.name for p in shipped_cards_dir().glob("*.yaml"))
    code, after = run_cli("cards", "check")
    assert code == 0 and after == before, after  # the copy replaces the packaged deck: no duplicate ids
    code, path = run_cli("cards", "path")
    assert "(not loaded: your copy is)" in path and f"copy      {copy}" in path
    first = sorted(copy.glob("*.yaml"))[0]
    first.write_text(first.read_text().replace("front: ", "front: EDITED ", 1))
    deck_dir = shipped_cards_dir()
    from gdstudy.cli.common import _deck, _settings

    cards = _deck(_settings(), None)
    assert cards.ok and any(c.front.startswith("EDITED ") and c.shipped for c in cards.cards)
    assert not any(c.path.startswith(str(deck_dir)) for c in cards.cards)
    code, again = run_cli("cards", "init")
    assert code == 2 and "exists; give --force" in again
    code, forced = run_cli("cards", "init", "--force")
    assert code == 0 and "moved the old folder aside to" in forced and "already in" in forced
    olds = list(isolated_home.glob("shipped-cards.old-*"))
    assert len(olds) == 1 and "EDITED" in (olds[0] / first.name).read_text()
    assert "EDITED" not in first.read_text()


def test_cards_init_refuses_the_package_itself_and_a_symlink(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="packaged deck itself"):
        init_shipped_copy(shipped_cards_dir())
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="symbolic link"):
        init_shipped_copy(tmp_path / "link", force=True)


# -- item 2: less ceremony for hand-written cards ----------------------------------------------


def test_user_cards_need_no_id_or_source(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("- front: What is  SGD?\n  back: b\n  tags: [t]\n- id: kept\n  front: Q\n  back: b\n  tags: [t]\n")
    deck = load_deck([], [f])
    assert deck.ok, deck.problems
    a, b = deck.cards
    assert a.id == derived_id("What is SGD?") == "what-is-sgd-" + a.id.rsplit("-", 1)[1] and a.derived_id
    assert not b.derived_id and b.id == "kept" and a.source == "" and "source" not in a.to_dict()
    moved = tmp_path / "other.yaml"  # the same question elsewhere (or re-wrapped): the same id
    moved.write_text("cards:\n  - front: \"What is\\n SGD?\"\n    back: c\n    tags: [u]\n")
    assert load_deck([], [moved]).cards[0].id == a.id


def test_the_shipped_deck_still_requires_id_and_source(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("- front: Q\n  back: b\n  tags: [t]\n")
    assert [p.message for p in load_deck([f], []).problems] == ["card is missing 'id'"]
    f.write_text("- id: q\n  front: Q\n  back: b\n  tags: [t]\n")
    assert [p.message for p in load_deck([f], []).problems] == ["card is missing 'source'"]


def test_cards_check_shows_derived_ids_and_fix_hints(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "a.yaml").write_text("- front: What is an epoch?\n  back: One pass\n  tags: [t]\n- front: Q2\n  back: b\n  tags: t\n")
    code, out = run_cli("cards", "check", "--deck", d)
    assert code == 2
    cid = derived_id("What is an epoch?")
    assert f"{d / 'a.yaml'}:1: no id: using '{cid}'" in out and f"`id: {cid}`" in out
    lines = out.splitlines()
    i = next(i for i, ln in enumerate(lines) if "'tags' must be a list" in ln)
    assert lines[i + 1] == "  fix: write tags as a list: `tags: [sgd, minibatch]`"


BAD = {
    "missing back": "- front: Q\n  tags: [t]\n",
    "missing front": "- back: Q\n  tags: [t]\n",
    "missing tags": "- front: Q\n  back: b\n",
    "slug": "- id: Not A Slug\n  front: Q\n  back: b\n  tags: [t]\n",
    "empty": "- front: '  '\n  back: b\n  tags: [t]\n",
    "number": "- front: 12\n  back: b\n  tags: [t]\n",
    "unknown key": "- front: Q\n  back: b\n  tags: [t]\n  hint: x\n",
    "duplicate key": "- front: Q\n  front: Q2\n  back: b\n  tags: [t]\n",
    "tags": "- front: Q\n  back: b\n  tags: t\n",
    "interview": "- front: Q\n  back: b\n  tags: [t]\n  interview: maybe\n",
    "demo": "- front: Q\n  back: b\n  tags: [t]\n  demo: [1]\n",
    "demo key": "- front: Q\n  back: b\n  tags: [t]\n  demo: {name: variance, x: 1}\n",
    "unknown demo": "- front: Q\n  back: b\n  tags: [t]\n  demo: no-such-demo\n",
    "params": "- front: Q\n  back: b\n  tags: [t]\n  demo: {name: variance, params: 3}\n",
    "refs": "- front: Q\n  back: b\n  tags: [t]\n  refs: x\n",
    "not a mapping": "- just text\n",
    "not a list": "just: text\n",
    "no cards": "deck: x\n",
    "header": "deck: x\nfoo: 1\ncards: []\n",
    "syntax": "- front: Q\n  back: [b\n",
    "python tag": "- front: !!python/object/apply:os.system [echo]\n  back: b\n  tags: [t]\n",
    "anchor": "- front: &a Q\n  back: *a\n  tags: [t]\n",
    "two documents": "- front: Q\n  back: b\n  tags: [t]\n---\n- front: R\n",
    "long": "- front: Q\n  back: b\n  tags: [" + ", ".join(f"t{i}" for i in range(30)) + "]\n",
    "duplicate id": "- id: x\n  front: Q\n  back: b\n  tags: [t]\n- id: x\n  front: R\n  back: b\n  tags: [t]\n",
    "shipped id": "- id: {shipped}\n  front: Q\n  back: b\n  tags: [t]\n",
    "control char": "- front: Q\x1b\n  back: b\n  tags: [t]\n",
    "notes": "notes: 3\ncards: []\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_problem_gets_a_specific_fix(tmp_path: Path, name: str) -> None:
    shipped = load_deck([shipped_cards_dir()], [], check_demos=False).cards[0].id
    f = tmp_path / "bad.yaml"
    f.write_text(BAD[name].replace("{shipped}", shipped), encoding="utf-8")
    deck = load_deck([shipped_cards_dir()], [f])
    mine = [p for p in deck.problems if p.path == str(f)]
    assert mine, name
    for p in mine:
        hint = fix_hint(p)
        assert hint != FALLBACK, (name, p.message)
        assert "\n" not in hint and "`" in hint


def test_missing_files_get_a_hint(tmp_path: Path) -> None:
    deck = load_deck([], [tmp_path / "nope.yaml"])
    assert [fix_hint(p) != FALLBACK for p in deck.problems] == [True]
    os.mkfifo(tmp_path / "f.yaml")
    deck = load_deck([], [tmp_path])
    assert [fix_hint(p) != FALLBACK for p in deck.problems] == [True]


_PATHS = st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


@st.composite
def _configs(draw: st.DrawFn) -> str:
    """A valid config text: some settings, maybe a `decks` array (one line or several, comments,
    trailing comma, literal strings), maybe under [scheduling]."""
    items = [draw(st.sampled_from([toml_string(p), "'" + p + "'" if "'" not in p and "\n" not in p and p.isprintable() else toml_string(p)]))
             for p in draw(st.lists(_PATHS, max_size=3))]
    multi = draw(st.booleans())
    comment = draw(st.sampled_from(["", "  # a comment, [with] \"quotes\"", " #"]))
    if multi:
        body = "".join(f"\n  {it}," + (comment if i == 0 else "") for i, it in enumerate(items))
        body += "" if draw(st.booleans()) or not items else "\n"
        decks = "decks = [" + (body.rstrip(",") if draw(st.booleans()) else body) + "\n]"
    else:
        decks = "decks = [" + ", ".join(items) + ("," if items and draw(st.booleans()) else "") + "]" + comment
    top = draw(st.sampled_from(["", "new_per_day = 5\n", "# settings\nleech_threshold = 3\n"]))
    where = draw(st.sampled_from(["none", "top", "scheduling"]))
    sched = "[scheduling]\ndesired_retention = 0.85\n" if draw(st.booleans()) or where == "scheduling" else ""
    if where == "top":
        return top + decks + "\n" + sched
    if where == "scheduling":
        return top + sched + decks + "\n"
    return top + sched


@settings(max_examples=200, deadline=None)
@given(_configs(), _PATHS)
def test_add_deck_on_any_config_keeps_it_valid_and_every_key(text: str, name: str) -> None:
    import tempfile

    old = tomllib.loads(text)
    with tempfile.TemporaryDirectory() as d:
        cfg = Path(d) / "config.toml"
        cfg.write_text(text, encoding="utf-8")
        folder = Path(d) / name.replace("/", "_").replace("\n", "_").strip(". ") if name.strip(". /") else Path(d) / "x"
        try:
            added = add_deck(folder, cfg)[1]
        except ConfigError:
            assert cfg.read_text(encoding="utf-8") == text  # refused: untouched
            return
        new = tomllib.loads(cfg.read_text(encoding="utf-8"))
        section = "scheduling" if "decks" in old.get("scheduling", {}) else None
        before = (old.get(section, {}) if section else old).get("decks", [])
        after = (new.get(section, {}) if section else new).get("decks", [])
        assert after == (before + [str(folder)] if added else before)
        strip = lambda t: {k: ({kk: vv for kk, vv in v.items() if kk != "decks"} if isinstance(v, dict) else v)
                           for k, v in t.items() if k != "decks"}
        assert strip(new) == strip(old)


def test_cards_check_of_the_copy_itself_is_clean(isolated_home: Path) -> None:
    run_cli("cards", "init")
    code, out = run_cli("cards", "check", isolated_home / "shipped-cards")
    assert code == 0, out  # the copy given as a path is the shipped deck, loaded once: no duplicate ids
