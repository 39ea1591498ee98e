"""Issue 9 at the CLI edge: untrusted text never reaches the terminal raw, every bad value a user
types is one `error:` line with exit 2 (never a traceback), and the TUI refuses to start without a
terminal. Each test was written before its fix and seen failing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gdstudy.paths
import gdstudy.tui

REPO = Path(__file__).resolve().parent.parent

HOSTILE = r"""
- id: hostile
  front: "Q \e]52;c;cHduZWQ=\a and \e]2;title\a"
  back: "clear \e[2J \x9b2J"
  tags: ["t\e[31m", "[@click=app.quit]x[/]", "[/bold]"]
  source: "s \e[2J"
- id: "bad\e]2;pwned\a"
  front: Q
  back: A
  tags: [t]
  source: s
- id: ok
  front: Q
  "[/]\e[2J": unbalanced markup and an escape in a key
  back: A
  tags: [t]
  source: s
"""


@pytest.fixture
def hostile_deck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "deck"
    d.mkdir()
    (d / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    empty = tmp_path / "shipped"
    empty.mkdir()
    monkeypatch.setattr(gdstudy.paths, "shipped_cards_dir", lambda: empty)
    return d


@pytest.fixture
def no_tui(monkeypatch: pytest.MonkeyPatch) -> list:
    launched: list = []

    class _Stub:
        def run(self) -> None:
            launched.append("run")

    monkeypatch.setattr(gdstudy.tui, "make_app", lambda *a, **kw: _Stub())
    return launched


from tests.conftest import invoke_cli as invoke  # noqa: E402


def one_error_line(r, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    for f in fragments:
        assert f in lines[0], r.output


# ---------------------------------------------------------------------------------------------
# escape sequences never reach the terminal


def test_cards_list_never_prints_an_escape(hostile_deck: Path, tmp_path: Path) -> None:
    r = invoke("cards", "list", "--deck", str(hostile_deck), "--data-dir", str(tmp_path / "data"))
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output and "\x9b" not in r.output and "\x07" not in r.output
    assert "hostile" in r.output and "t\u241b[31m" in r.output


def test_cards_check_messages_never_print_an_escape(hostile_deck: Path) -> None:
    r = invoke("cards", "check", str(hostile_deck))
    assert r.exit_code == 2
    assert "\x1b" not in r.output and "\x07" not in r.output
    assert "must be a slug" in r.output and "unknown key '[/]\u241b[2J'" in r.output


def test_a_file_name_with_an_escape_is_shown_visibly(tmp_path: Path, hostile_deck: Path) -> None:
    (hostile_deck / "evil\x1b]2;x\x07.yaml").write_text("- [unclosed\n")
    r = invoke("cards", "check", str(hostile_deck))
    assert "\x1b" not in r.output and "evil\u241b]2;x\u2407.yaml:" in r.output


def test_error_line_quoting_user_text_is_cleaned(tmp_path: Path, no_tui: list) -> None:
    r = invoke("review", "--deck", str(tmp_path / "nope\x1b[2J"))
    one_error_line(r, "nope\u241b[2J", "does not exist")
    assert "\x1b" not in r.output


# ---------------------------------------------------------------------------------------------
# bad values at the edge


@pytest.mark.parametrize("value", ["1e400m", "nanm", "nan", "infm", "-infm", "1e10d", "366d", "1m,1e400s"])
def test_learning_steps_out_of_range(value: str, no_tui: list, hostile_deck: Path) -> None:
    one_error_line(invoke("review", "--learning-steps", value), "learning steps")
    one_error_line(invoke("review", "--relearning-steps", value), "relearning steps")
    assert no_tui == []


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e300", "100000"])
def test_interview_minutes_out_of_range(value: str, no_tui: list, hostile_deck: Path) -> None:
    one_error_line(invoke("interview", "--minutes", value), "--minutes")
    assert no_tui == []


@pytest.mark.parametrize(
    "toml, fragment",
    [
        ("learning_steps = {a = 1}", "learning_steps"),
        ("learning_steps = true", "learning_steps"),
        ("learning_steps = 1e400", "learning_steps"),
        ("learn_ahead_minutes = 9223372036854775807", "learn ahead minutes"),
        ("new_per_day = 9223372036854775807", "new per day"),
        ("max_reviews_per_day = 9223372036854775807", "max reviews per day"),
        ("maximum_interval = 9223372036854775807", "maximum interval"),
        ("leech_threshold = 9223372036854775807", "leech threshold"),
        ("desired_retention = nan", "retention"),
        ('decks = ["~nosuchuser-gdstudy/x"]', "~nosuchuser-gdstudy"),
        ('decks = [""]', "decks"),
        ('decks = ["a\\u0000b"]', "decks"),
    ],
)
def test_bad_config_values(toml: str, fragment: str, isolated_home: Path, no_tui: list, hostile_deck: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(toml + "\n", encoding="utf-8")
    one_error_line(invoke("review"), fragment)
    assert no_tui == []


def test_config_learning_steps_as_a_number_means_minutes(isolated_home: Path) -> None:
    from gdstudy.config import load_settings

    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("learning_steps = 5\nrelearning_steps = [10, '1h']\n", encoding="utf-8")
    s = load_settings()
    assert [x.total_seconds() for x in s.learning_steps] == [300]
    assert [x.total_seconds() for x in s.relearning_steps] == [600, 3600]


@pytest.mark.parametrize("command", [["review"], ["cards", "list"], ["stats"], ["interview", "history"]])
def test_empty_data_dir_is_refused_not_the_current_folder(command: list[str], tmp_path: Path, no_tui: list,
                                                         hostile_deck: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    one_error_line(invoke(*command, "--data-dir", ""), "data dir", "empty")
    assert not any(tmp_path.glob("*.db"))
    assert no_tui == []


@pytest.mark.parametrize("command", [["review"], ["cards", "list"], ["interview", "history"]])
def test_unknown_user_in_a_data_dir(command: list[str], no_tui: list, hostile_deck: Path) -> None:
    one_error_line(invoke(*command, "--data-dir", "~nosuchuser-gdstudy/x"), "~nosuchuser-gdstudy", "no such user")


# ---------------------------------------------------------------------------------------------
# no terminal, no TUI


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GDSTUDY_CONFIG"}
    env.update(GDSTUDY_HOME=str(home), PYTHONPATH=str(REPO), TERM="xterm-256color")
    return env


@pytest.mark.parametrize("command, redirect", [(["review"], "stdin"), (["review"], "stdout"), (["interview"], "both")])
def test_tui_without_a_terminal_is_one_error_line(command: list[str], redirect: str, tmp_path: Path) -> None:
    """`gdstudy review </dev/null >file` spun at 100 % CPU forever."""
    import pty

    master, slave = pty.openpty()
    out = tmp_path / "out.txt"
    try:
        with open(out, "w") as f:
            stdin = subprocess.DEVNULL if redirect in ("stdin", "both") else slave
            stdout = f if redirect in ("stdout", "both") else slave
            r = subprocess.run([sys.executable, "-m", "gdstudy.cli", *command], stdin=stdin, stdout=stdout,
                               stderr=subprocess.PIPE, env=_env(tmp_path / "home"), cwd=tmp_path, timeout=60, text=True)
    finally:
        os.close(master)
        os.close(slave)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "terminal" in lines[0], r.stderr
    assert out.read_text() == ""


def test_demo_error_lines_never_print_an_escape(capsys):
    """A demo name or parameter value quoted in an error line passes the text boundary."""
    from gdstudy.demo.cli import run_command

    assert run_command("no\x1b]0;pwned\x07such", []) == 2
    assert run_command("epoch", ["--n", "\x1b[2Jx"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "no" in err and "--n" in err
