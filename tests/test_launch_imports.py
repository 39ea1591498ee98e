"""Launch speed, guarded without timing: what `gdstudy review` (and `gdstudy`, the home screen) has
imported when its first screen is painted, and what `gdstudy --help` imports. Each runs the real
console script (`[project.scripts]`, gdstudy.launch:main) in a fresh interpreter, the screens with
a pseudo-terminal as a user's shell gives it; the speed itself is measured by benchmarks/launch.py
(issue 21, item 12).
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Nothing the first card needs: the numeric stack, plotting, the demo framework beyond its empty
# package, statistics, the scheduler library (imported on the first reveal), the other screens.
NOT_BEFORE_FIRST_CARD = (
    "numpy", "plotext", "torch", "scipy", "fsrs",
    "gdstudy.demo.registry", "gdstudy.demo.result", "gdstudy.demo.params", "gdstudy.demo.runner",
    "gdstudy.stats", "gdstudy.optimize", "gdstudy.interop", "gdstudy.summary",
    "gdstudy.tui.home", "gdstudy.tui.stats", "gdstudy.tui.browser", "gdstudy.tui.demo",
    "gdstudy.tui.addcard", "textual.widgets._text_area",  # the add-card form, only on `a`
    "tomllib",  # no config file here: nothing to parse
    "gdstudy.outpath", "zipfile",  # the writers' path checks
)
# The two launches without options run the review body without the command-line layer.
NOT_ON_REVIEW_PATH = ("typer", "click", "gdstudy.cli")
NOT_FOR_HELP = ("textual", "fsrs", "numpy", "yaml", "sqlite3", "torch", "plotext", "gdstudy.demo.result")


def console_script() -> tuple[str, str]:
    """(module, function) of the `gdstudy` console script, as pyproject.toml declares it."""
    with open(REPO / "pyproject.toml", "rb") as f:
        target = tomllib.load(f)["project"]["scripts"]["gdstudy"]
    module, _, func = target.partition(":")
    return module, func


# The command as a user starts it (ARGV), up to its first screen: the app runs headless and, once
# the review screen's card front is mounted (or the home screen is up) and the screen refreshed,
# writes the modules loaded to the file LOADED_TO and exits.
FIRST_SCREEN = """
import importlib, json, os, sys
import gdstudy.tui.app as tui_app

class Probe(tui_app.GdstudyApp):
    def run(self, **kw):
        async def first_screen(pilot):
            while True:
                card = getattr(self.screen, "card", None)
                front = self.screen.query("#front")
                if card is not None and front and front.first().source == card.front and front.first().children:
                    break
                if self.start == "home" and type(self.screen).__name__ == "HomeScreen":
                    break
                await pilot.pause(0.01)
            await pilot.pause()
            with open(os.environ["LOADED_TO"], "w") as f:
                f.write(json.dumps(sorted(sys.modules)))
            self.exit()
        return super().run(headless=True, size=(100, 40), auto_pilot=first_screen)

tui_app.GdstudyApp = Probe
sys.argv = ["gdstudy", *json.loads(os.environ["ARGV"])]
module, func = os.environ["SCRIPT"].split(":")
sys.exit(getattr(importlib.import_module(module), func)())
"""


def in_terminal(code: str, tmp_path: Path, argv: list[str], **extra_env: str) -> tuple[int, str]:
    """Run `python -c code` with a pseudo-terminal as stdin, stdout and stderr; (exit code, what it
    wrote to the terminal)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "GDSTUDY_HOME": str(tmp_path / "home"), "ARGV": json.dumps(argv),
           "SCRIPT": ":".join(console_script()), "LOADED_TO": str(tmp_path / "loaded.json"), **extra_env}
    if "GDSTUDY_CONFIG" not in extra_env:
        env.pop("GDSTUDY_CONFIG", None)
    master, slave = pty.openpty()
    out: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not chunk:
                return
            out.append(chunk)

    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, stdin=slave, stdout=slave,
                            stderr=slave)
    os.close(slave)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    code_ = proc.wait(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    return code_, b"".join(out).decode(errors="replace")


def loaded_in_terminal(tmp_path: Path, argv: list[str]) -> set[str]:
    code, text = in_terminal(FIRST_SCREEN, tmp_path, argv)
    marker = tmp_path / "loaded.json"
    assert code == 0 and marker.exists(), f"probe failed (exit {code}):\n{text}"
    return set(json.loads(marker.read_text()))


def loaded(code: str, tmp_path: Path, argv: list[str] | None = None) -> set[str]:
    if argv is not None:
        code = f"import json, sys\nsys.argv = ['gdstudy', *{argv!r}]\nfrom gdstudy.cli import main\ntry:\n    main()\n" \
               "except SystemExit:\n    pass\nprint('LOADED=' + json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    env = {**os.environ, "PYTHONPATH": str(REPO), "GDSTUDY_HOME": str(tmp_path / "home")}
    env.pop("GDSTUDY_CONFIG", None)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    marker = [ln for ln in proc.stderr.splitlines() if ln.startswith("LOADED=")]
    assert marker, f"probe failed (exit {proc.returncode}):\n{proc.stderr}"
    return set(json.loads(marker[0].removeprefix("LOADED=")))


def heavy(mods: set[str], watch: tuple[str, ...]) -> list[str]:
    return sorted(w for w in watch if w in mods or any(m.startswith(w + ".") for m in mods))


def test_the_console_script_is_the_launcher() -> None:
    assert console_script() == ("gdstudy.launch", "main")


def test_first_card_loads_only_what_it_shows(tmp_path: Path) -> None:
    mods = loaded_in_terminal(tmp_path, ["review"])
    assert "gdstudy.tui.review" in mods and "textual.widgets._markdown" in mods  # the card was shown
    assert heavy(mods, NOT_BEFORE_FIRST_CARD) == []
    assert heavy(mods, NOT_ON_REVIEW_PATH) == []


def test_home_screen_loads_no_command_line_layer(tmp_path: Path) -> None:
    mods = loaded_in_terminal(tmp_path, [])
    assert "gdstudy.tui.home" in mods
    assert heavy(mods, NOT_ON_REVIEW_PATH) == []


def test_review_path_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    """A user's error on the path without the CLI: the same one line and exit 2 as the CLI's edge."""
    bad = tmp_path / "bad.toml"
    bad.write_text("desired_retention = 7\n", encoding="utf-8")
    code, text = in_terminal(FIRST_SCREEN, tmp_path, ["review"], GDSTUDY_CONFIG=str(bad))
    lines = [ln for ln in text.replace("\r", "").splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "retention" in lines[0], text
    assert not (tmp_path / "loaded.json").exists()


@pytest.mark.parametrize("argv", [["review", "--cram"], ["--no-color"], ["review", "--help"], ["revew"],
                                  ["stats"], ["review", "review"]], ids=" ".join)
def test_anything_else_goes_to_the_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from gdstudy.launch import fast_start

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert fast_start(argv) is None


def test_no_terminal_goes_to_the_cli(tmp_path: Path) -> None:
    """Without a terminal `gdstudy` prints the help and `gdstudy review` refuses, as the CLI does."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "GDSTUDY_HOME": str(tmp_path / "home")}
    env.pop("GDSTUDY_CONFIG", None)
    run = lambda *a: subprocess.run([sys.executable, "-c", "from gdstudy.launch import main; main()", *a],  # noqa: E731
                                    cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                                    stdin=subprocess.DEVNULL)
    home = run()
    assert home.returncode == 0 and "Usage:" in home.stdout and "review" in home.stdout, home.stderr
    review = run("review")
    assert review.returncode == 2 and review.stderr.startswith("error: ") and "terminal" in review.stderr, review


@pytest.mark.parametrize("argv", [["--help"], ["review", "--help"], ["cards", "--help"]], ids=" ".join)
def test_help_loads_no_screen_scheduler_or_store(tmp_path: Path, argv: list[str]) -> None:
    mods = loaded("", tmp_path, argv)
    assert "typer" in mods
    assert heavy(mods, NOT_FOR_HELP) == []


def test_review_builds_only_its_own_command() -> None:
    """The launch runs a copy of the app with just the command named (typer then builds one
    command's options); anything else gets the whole app, so errors and help stay the same."""
    from gdstudy.cli import app, dispatch_app

    one = dispatch_app(["review", "--cram"])
    assert one is not app
    assert [c.callback.__name__ for c in one.registered_commands] == ["review"] and one.registered_groups == []
    assert [g.name for g in dispatch_app(["cards", "list"]).registered_groups] == ["cards"]
    assert dispatch_app(["demo", "list"]).registered_commands[0].name == "demo"
    for argv in ([], ["--help"], ["--version"], ["revew"], ["Review"]):
        assert dispatch_app(argv) is app
    assert len(app.registered_commands) + len(app.registered_groups) >= 9  # the whole app is untouched


@pytest.mark.parametrize("raised, code", [(KeyboardInterrupt(), 1), (None, 2)], ids=["ctrl-c", "error"])
def test_fast_path_ends_without_a_traceback(raised: BaseException | None, code: int, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """ctrl+c before the screen is up ends as click ends a command ("Aborted!", exit 1); a user's
    error is one line with no control byte, exit 2."""
    import gdstudy.launch as launch
    import gdstudy.reviewrun as reviewrun
    from gdstudy.errors import ConfigError

    def review(**_: object) -> int:
        raise raised if raised is not None else ConfigError("bad \x1b[31mdeck")

    monkeypatch.setattr(reviewrun, "review", review)
    monkeypatch.setattr(launch, "fast_start", lambda argv: "review")
    with pytest.raises(SystemExit) as e:
        launch.main()
    assert e.value.code == code
    lines = capsys.readouterr().err.strip().splitlines()
    if raised is not None:
        assert lines == ["Aborted!"]
    else:
        assert len(lines) == 1 and lines[0].startswith("error: bad") and "\x1b" not in lines[0] and "deck" in lines[0]
