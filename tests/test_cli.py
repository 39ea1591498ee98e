"""The CLI through typer's CliRunner: located one-line errors, exit 2, no traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path


from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store
from tests.test_deck import BAD, GOOD

from tests.conftest import run_cli as run  # noqa: E402




def test_help_lists_commands() -> None:
    code, out = run("--help")
    assert code == 0 and "review" in out and "cards" in out


def test_cards_check_shipped_deck_is_clean() -> None:
    code, out = run("cards", "check")
    assert code == 0 and out.startswith("ok: ")


def test_cards_check_malformed_folder(tmp_path: Path) -> None:
    for case, (text, _, _) in BAD.items():
        (tmp_path / f"{case}.yaml").write_text(text)
    (tmp_path / "good.yaml").write_text(GOOD)
    code, out = run("cards", "check", str(tmp_path))
    assert code == 2
    lines = out.strip().splitlines()
    located = [ln for ln in lines if ln.startswith(str(tmp_path))]
    assert len(located) == len(BAD)
    for case, (_, line, fragment) in BAD.items():
        assert any(ln.startswith(f"{tmp_path / (case + '.yaml')}:{line}: ") and fragment in ln for ln in located), case
    assert lines[-1].startswith(f"{len(BAD)} problem(s);")


def test_cards_check_clean_user_file(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    code, out = run("cards", "check", str(tmp_path / "good.yaml"))
    assert code == 0, out


def test_unknown_deck_folder_and_bad_flags(tmp_path: Path) -> None:
    for args, msg in (
        (("review", "--deck", str(tmp_path / "nope")), "deck folder"),
        (("review", "--retention", "1.5"), "desired retention must be between 0 and 1"),
        (("review", "--retention", "0"), "desired retention"),
        (("review", "--learning-steps", "abc"), "bad learning steps entry"),
        (("cards", "list", "--state", "sleepy"), "unknown state 'sleepy'"),
    ):
        code, out = run(*args)
        assert code == 2, (args, out)
        assert out.count("\n") == 1 and out.startswith("error: ") and msg in out, out


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    code, out = run("cards", "list", "--data-dir", str(f))
    assert code == 2 and out == f"error: data dir {f} is not a folder\n"


def test_not_a_gdstudy_database(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    con = sqlite3.connect(d / DB_NAME)
    con.execute("CREATE TABLE x (y)")
    con.commit(), con.close()
    code, out = run("cards", "list", "--data-dir", str(d))
    assert code == 2 and "not a gdstudy database" in out and out.count("\n") == 1


def test_bad_config_file(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("new_per_day = 'lots'\n")
    code, out = run("cards", "list")
    assert code == 2 and "'new_per_day' must be a whole number" in out


def test_cards_list_states_filters_and_edited(small_deck_dir: Path, isolated_home: Path, tmp_path: Path) -> None:
    code, out = run("cards", "list", "--deck", str(small_deck_dir), "--tag", "letters")
    assert code == 0
    assert "alpha" in out and "gamma" in out and "beta" not in out
    deck = load_deck([], [small_deck_dir], check_demos=False)
    isolated_home.mkdir(parents=True, exist_ok=True)
    with Store(isolated_home / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings(enable_fuzz=False))
        s.grade(deck.by_id["beta"], s.preview(deck.by_id["beta"])[Grade.EASY])
    path = small_deck_dir / "small.yaml"
    path.write_text(path.read_text().replace("The second letter.", "The second letter, β."))
    code, out = run("cards", "list", "--deck", str(small_deck_dir), "--state", "edited")
    assert code == 0
    (row,) = [ln for ln in out.splitlines() if ln.startswith("beta")]
    assert "learning (edited)" in row or "review (edited)" in row
    code, out = run("cards", "list", "--deck", str(small_deck_dir), "--state", "new", "--tag", "greek")
    assert "alpha" in out and "beta" not in out


def test_cards_orphans(small_deck_dir: Path, isolated_home: Path) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    isolated_home.mkdir(parents=True, exist_ok=True)
    with Store(isolated_home / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings(enable_fuzz=False))
        s.grade(deck.by_id["gamma"], s.preview(deck.by_id["gamma"])[Grade.GOOD])
    code, out = run("cards", "orphans", "--deck", str(small_deck_dir))
    assert code == 0 and "no orphans" in out
    path = small_deck_dir / "small.yaml"
    path.write_text(path.read_text().replace("id: gamma", "id: gamma-two"))
    code, out = run("cards", "orphans", "--deck", str(small_deck_dir))
    assert code == 0 and "gamma  (1 review(s) kept)" in out


def test_cards_check_demo_links(tmp_path: Path) -> None:
    f = tmp_path / "demos.yaml"
    f.write_text(
        GOOD.replace("ok-card", "bad-param") + "  demo: {name: epoch, params: {batch_size: 0}}\n"
        + GOOD.replace("ok-card", "bad-name") + "  demo: epok\n"
        + GOOD.replace("ok-card", "good-link") + "  demo: {name: epoch, params: {n: 50, batch-size: 5}}\n"
    )
    code, out = run("cards", "check", str(f))
    assert code == 2
    assert f"{f}:1: card 'bad-param': --batch-size must be >= 1, got 0" in out
    assert f"{f}:7: card 'bad-name': unknown demo 'epok'; did you mean epoch?" in out
    assert "good-link" not in out


def test_review_time_deck_checks_demo_names_only(tmp_path: Path) -> None:
    """`review` must not import every demo (numpy) to start: names are checked, params are not."""
    import subprocess
    import sys

    code = (
        "import sys; from gdstudy.deck import load_deck; from gdstudy.paths import shipped_cards_dir;"
        "d = load_deck([shipped_cards_dir()], demo_params=False); assert d.ok, d.problems;"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
