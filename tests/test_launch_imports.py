"""Launch speed, guarded without timing: what `gdstudy review` has imported when its first card is
painted, and what `gdstudy --help` imports. Each runs the real command (`gdstudy.cli.main`) in a
fresh interpreter; the speed itself is measured by benchmarks/launch.py (issue 21, item 12).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
)
NOT_FOR_HELP = ("textual", "fsrs", "numpy", "yaml", "sqlite3", "torch", "plotext", "gdstudy.demo.result")

# The review command as a user starts it, up to its first card: the app runs headless (no
# terminal here) and, once the card's front is mounted and the screen refreshed, reports the
# modules loaded and exits.
FIRST_CARD = """
import json, sys
import gdstudy.tui.app as tui_app

class Probe(tui_app.GdstudyApp):
    def run(self, **kw):
        async def first_card(pilot):
            while True:
                card = getattr(self.screen, "card", None)
                front = self.screen.query("#front")
                if card is not None and front and front.first().source == card.front and front.first().children:
                    break
                await pilot.pause(0.01)
            await pilot.pause()
            print("LOADED=" + json.dumps(sorted(sys.modules)), file=sys.stderr)
            self.exit()
        return super().run(headless=True, size=(100, 40), auto_pilot=first_card)

tui_app.GdstudyApp = Probe
sys.argv = ["gdstudy", "review"]
from gdstudy.cli import main
main()
"""


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


def test_first_card_loads_only_what_it_shows(tmp_path: Path) -> None:
    mods = loaded(FIRST_CARD, tmp_path)
    assert "gdstudy.tui.review" in mods and "textual.widgets._markdown" in mods  # the card was shown
    assert heavy(mods, NOT_BEFORE_FIRST_CARD) == []


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
