"""Re-importing is safe: idempotent, edits keep progress, hand edits are conflicts, orphans are kept,
dry runs write nothing, bad notes give located errors through the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interop.importer import import_notes
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store

from tests.conftest import run_cli as run  # noqa: E402

NOTE = """\
# Stochastic gradient descent #sgd
Why is SGD stochastic?::Each step uses a randomly chosen example.
Batch GD step cost:::O(N) per update

Mini-batch variance scales as ==1/S==.
"""




@pytest.fixture
def vault(tmp_path: Path) -> Path:
    v = tmp_path / "vault"
    (v / "sub").mkdir(parents=True)
    (v / "sgd.md").write_text(NOTE, encoding="utf-8")
    (v / "sub" / "other.txt").write_text("Term::Definition\n", encoding="utf-8")
    (v / ".obsidian").mkdir()
    (v / ".obsidian" / "hidden.md").write_text("Hidden::not imported\n")
    (v / "picture.png").write_bytes(b"\x89PNG\x00\x00")
    return v


def snapshot(d: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(d)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(d.rglob("*")) if p.is_file()}


def test_import_writes_one_file_per_note_and_is_idempotent(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    code, out = run("import", str(vault), "--into", str(deck_dir), "--tag", "mine")
    assert code == 0, out
    assert sorted(p.relative_to(deck_dir).as_posix() for p in deck_dir.rglob("*.yaml")) == ["sgd.md.yaml", "sub/other.txt.yaml"]
    assert "5 added" in out and "wrote 2 file(s)" in out
    deck = load_deck((), [deck_dir], check_demos=False)
    assert deck.ok and len(deck.cards) == 5
    c = deck.cards[0]
    assert c.source == "sgd.md § Stochastic gradient descent" and set(c.tags) == {"sgd", "mine"}
    assert deck.cards[-1].source == "sub/other.txt § Intro"
    code, out = run("cards", "check", str(deck_dir))
    assert code == 0 and "ok: " in out
    before = snapshot(deck_dir)
    code, out = run("import", str(vault), "--into", str(deck_dir), "--tag", "mine")
    assert code == 0 and "0 added, 0 updated, 5 unchanged, 0 conflict(s), 0 orphaned; wrote 0 file(s)" in out
    assert snapshot(deck_dir) == before  # not even rewritten


def test_edited_answer_updates_the_back_and_keeps_progress(vault: Path, tmp_path: Path, isolated_home: Path) -> None:
    deck_dir = tmp_path / "deck"
    import_notes([vault], deck_dir)
    deck = load_deck((), [deck_dir], check_demos=False)
    card = next(c for c in deck.cards if c.front == "Why is SGD stochastic?")
    isolated_home.mkdir(parents=True, exist_ok=True)
    with Store(isolated_home / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings(enable_fuzz=False))
        s.grade(card, s.preview(card)[Grade.EASY])
        before = store.state(card.id)
    (vault / "sgd.md").write_text(NOTE.replace("a randomly chosen example.", "a random example (or mini-batch)."), encoding="utf-8")
    code, out = run("import", str(vault), "--into", str(deck_dir))
    assert code == 0 and f"updated   {deck_dir / 'sgd.md.yaml'}: {card.id}" in out and "1 updated" in out
    deck2 = load_deck((), [deck_dir], check_demos=False)
    assert deck2.by_id[card.id].back == "Each step uses a random example (or mini-batch)."
    with Store(isolated_home / DB_NAME) as store:
        assert store.state(card.id) == before  # progress is kept under the same id
    code, out = run("cards", "list", "--deck", str(deck_dir), "--state", "edited")
    assert code == 0
    (row,) = [ln for ln in out.splitlines() if ln.startswith(card.id)]
    assert "(edited)" in row


def test_hand_edit_is_a_conflict_and_the_file_is_left_alone(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    import_notes([vault], deck_dir)
    f = deck_dir / "sgd.md.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("Each step uses a randomly chosen example.", "My own words."), encoding="utf-8")
    (vault / "sgd.md").write_text(NOTE + "\nNew card::added in the note\n", encoding="utf-8")
    edited = f.read_bytes()
    code, out = run("import", str(vault), "--into", str(deck_dir))
    assert code == 0
    assert "conflict  " in out and "edited by hand since the last import; file left unchanged" in out
    assert "1 conflict(s)" in out and "0 added" in out
    assert f.read_bytes() == edited
    # deleting the file takes the note's version again (same ids, so progress would be kept)
    f.unlink()
    code, out = run("import", str(vault), "--into", str(deck_dir))
    assert "5 added" in out and "0 conflict(s)" in out


def test_hand_added_or_deleted_card_and_foreign_file_are_conflicts(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    import_notes([vault], deck_dir)
    f = deck_dir / "sgd.md.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text + "- id: my-own\n  front: Mine\n  back: Mine too\n  tags: [x]\n  source: me\n", encoding="utf-8")
    r = import_notes([vault], deck_dir)
    assert [(c.kind, c.card) for c in r.changes] == [("conflict", "my-own")] and "added by hand" in r.changes[0].detail
    other = deck_dir / "sub" / "other.txt.yaml"
    other.write_text("- id: foreign\n  front: a\n  back: b\n  tags: [x]\n  source: s\n", encoding="utf-8")
    r = import_notes([vault / "sub"], deck_dir / "sub")
    assert r.count("conflict") == 1 and "not written by gdstudy import" in r.changes[0].detail
    assert "foreign" in other.read_text()


def test_vanished_question_and_vanished_note_are_orphans_never_deleted(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    import_notes([vault], deck_dir)
    old = load_deck((), [deck_dir], check_demos=False)
    gone = next(c for c in old.cards if c.front == "Why is SGD stochastic?")
    (vault / "sgd.md").write_text(NOTE.replace("Why is SGD stochastic?", "Why is SGD called stochastic?"), encoding="utf-8")
    (vault / "sub" / "other.txt").unlink()
    code, out = run("import", str(vault), "--into", str(deck_dir))
    assert code == 0
    assert f"orphaned  {deck_dir / 'sgd.md.yaml'}: {gone.id}  (no longer in sgd.md; kept)" in out
    assert "its note sub/other.txt is gone; kept" in out and "1 added" in out and "2 orphaned" in out
    new = load_deck((), [deck_dir], check_demos=False)
    assert gone.id in new.by_id and (deck_dir / "sub" / "other.txt.yaml").exists()
    assert len(new.cards) == len(old.cards) + 1
    # the orphan stays orphaned (and the file unchanged) on the next import
    before = snapshot(deck_dir)
    r = import_notes([vault], deck_dir)
    assert r.count("orphaned") == 2 and not r.written and snapshot(deck_dir) == before


def test_dry_run_writes_nothing(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    code, out = run("import", str(vault), "--into", str(deck_dir), "--dry-run")
    assert code == 0 and "5 added" in out and "would write 2 file(s) (dry run: nothing written)" in out
    assert not deck_dir.exists()
    import_notes([vault], deck_dir)
    (vault / "sgd.md").write_text(NOTE.replace("O(N)", "O(N) work"), encoding="utf-8")
    before = snapshot(deck_dir)
    code, out = run("import", str(vault), "--into", str(deck_dir), "--dry-run")
    assert "2 updated" in out and "(dry run: nothing written)" in out  # the card and its reverse
    assert snapshot(deck_dir) == before


def test_atomic_write_leaves_no_temp_files_and_a_failed_write_keeps_the_old_file(vault: Path, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    deck_dir = tmp_path / "deck"
    import_notes([vault], deck_dir)
    assert not [p for p in deck_dir.rglob("*") if p.name.startswith(".")]
    before = (deck_dir / "sgd.md.yaml").read_bytes()
    (vault / "sgd.md").write_text(NOTE.replace("O(N)", "O(N) work"), encoding="utf-8")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    report = import_notes([vault], deck_dir)  # a failed write is a located warning for that note
    assert [str(e) for e in report.errors] == [f"{vault / 'sgd.md'}: cannot write {deck_dir / 'sgd.md.yaml'}: No space left on device"]
    assert report.written == [] and not report.changes
    assert (deck_dir / "sgd.md.yaml").read_bytes() == before
    assert not [p for p in deck_dir.rglob("*") if p.name.startswith(".")]


def test_bad_notes_are_located_errors_and_skipped(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    (vault / "bad.md").write_text("# H\nfine::card\n\nan ==unclosed cloze\n", encoding="utf-8")
    (vault / "bin.md").write_bytes(b"abc\x00")
    (vault / "huge.txt").write_bytes(b"a::b\n" * 250_000)
    code, out = run("import", str(vault), "--into", str(deck_dir))
    assert code == 2
    assert f"warning: {vault / 'bad.md'}:4: cloze with no closing ==" in out  # one bad card: the note's others import
    assert f"{vault / 'bin.md'}:1: binary file (NUL byte), not a text note" in out
    assert "over the 1,000,000-byte cap" in out
    assert "error: 2 problem(s)" in out
    assert (deck_dir / "bad.md.yaml").exists() and (deck_dir / "sgd.md.yaml").exists()
    assert [c.front for c in load_deck((), [deck_dir / "bad.md.yaml"], check_demos=False).cards] == ["fine"]


def test_cli_argument_errors(tmp_path: Path) -> None:
    code, out = run("import", str(tmp_path / "missing"), "--into", str(tmp_path / "d"))
    assert code == 2 and "no such file or folder" in out
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    code, out = run("import", str(tmp_path / "x.pdf"), "--into", str(tmp_path / "d"))
    assert code == 2 and "not a note" in out
    (tmp_path / "n.md").write_text("a::b\n")
    (tmp_path / "file").write_text("")
    code, out = run("import", str(tmp_path / "n.md"), "--into", str(tmp_path / "file"))
    assert code == 2 and out.startswith("error: --into") and "is a file" in out
    code, out = run("import", str(tmp_path / "n.md"), "--into", str(tmp_path / "d"), "--tag", "two words")
    assert code == 2 and "--tag" in out
    code, out = run("import", str(tmp_path / "n.md"))  # no --into: your own deck (tests/test_userdeck.py)
    assert code == 0 and "your deck folder" in out


def test_imported_deck_reviews_with_deck_option(vault: Path, tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    import_notes([vault], deck_dir)
    code, out = run("cards", "list", "--deck", str(deck_dir), "--tag", "sgd")
    from gdstudy.paths import shipped_cards_dir

    shipped = sum("sgd" in c.tags for c in load_deck([shipped_cards_dir()], check_demos=False).cards)
    assert code == 0 and f"{shipped + 4} card(s)" in out  # the shipped deck's sgd cards and the 4 imported
