"""Issue 21 item 4: CLI plots in colour on a terminal, one colour per series, the legend outside the
data area; no escape code with NO_COLOR, --no-color or when stdout is not a terminal, where each
series has its own ASCII marker named in the legend."""

from __future__ import annotations

import io
import os
import re

import pytest

from gdstudy.color import wants_color
from gdstudy.demo.render import SERIES_COLORS, SERIES_MARKERS, plot_legend, plot_text
from gdstudy.demo.result import Plot, Series

ESC = "\x1b"


class FakeTTY(io.StringIO):
    """A UTF-8 text stream that says it is a terminal."""

    encoding = "utf-8"  # type: ignore[assignment]

    def isatty(self) -> bool:
        return True


def _plot() -> Plot:
    xs = list(range(1, 41))
    return Plot("two lines", "step", "value", [
        Series("rising", xs, [float(x) for x in xs]),
        Series("falling", xs, [float(41 - x) for x in xs]),
    ])


def _frame(lines: list[str]) -> tuple[int, int]:
    """Index of the plot frame's top and bottom lines."""
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return top, bottom


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def no_env_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)


def test_colour_rule(monkeypatch: pytest.MonkeyPatch, no_env_color: None) -> None:
    assert wants_color(FakeTTY()) is True
    assert wants_color(io.StringIO()) is False          # not a terminal
    assert wants_color(None) is False
    assert wants_color(FakeTTY(), no_color=True) is False  # --no-color
    monkeypatch.setenv("NO_COLOR", "")                 # no-color.org: only a non-empty value counts
    assert wants_color(FakeTTY()) is True
    for value in ("1", "0", "false", "yes"):
        monkeypatch.setenv("NO_COLOR", value)
        assert wants_color(FakeTTY()) is False, value
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert wants_color(FakeTTY()) is False


def test_colour_plot_has_one_colour_per_series_and_the_legend_outside_the_data() -> None:
    text = plot_text(_plot(), width=60, height=16, color=True)
    lines = text.splitlines()
    top, bottom = _frame(lines)
    legend = [i for i, line in enumerate(lines) if "rising" in line]
    assert legend and all(i < top for i in legend)      # above the frame, not on the data
    assert "falling" in lines[legend[0]]
    assert not any("rising" in line or "falling" in line for line in lines[top:bottom + 1])
    codes = {c: plot_text_code(c) for c, _ in SERIES_COLORS[:2]}
    data = "\n".join(lines[top:bottom + 1])
    for code in codes.values():                      # each series' colour in the data and the legend
        assert code in data and code in lines[legend[0]]
    assert len(set(codes.values())) == 2


def plot_text_code(color: str) -> str:
    from plotext import colorize

    return colorize("x", color).split("x")[0]


def test_ascii_plot_has_no_escape_and_distinct_markers_named_in_the_legend() -> None:
    text = plot_text(_plot(), width=60, height=16, color=False)
    assert ESC not in text
    lines = text.splitlines()
    top, bottom = _frame(lines)
    a, b = SERIES_MARKERS[:2]
    assert a != b
    legend = next(line for line in lines[:top] if "rising" in line)
    assert f"{a} rising" in legend and f"{b} falling" in legend
    data = [line[line.index("┤") + 1 if "┤" in line else line.index("│") + 1:] for line in lines[top + 1:bottom]]
    assert any(a in row for row in data) and any(b in row for row in data)
    assert not any("rising" in line or "falling" in line for line in lines[top:bottom + 1])
    assert "two lines" in lines[0]


def test_legend_wraps_to_the_width_and_cleans_names() -> None:
    names = [f"series number {i}" for i in range(6)] + ["evil\x1b[2J"]
    lines = plot_legend(names, width=40, color=False)
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    joined = "\n".join(lines)
    assert ESC not in joined and all(n in joined for n in names[:6])
    coloured = plot_legend(names, width=40, color=True)
    assert all(len(_plain(line)) <= 40 for line in coloured)
    assert "\x1b[2J" not in "".join(coloured)


def _run_demo(monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO, *args: str) -> str:
    from gdstudy.demo.cli import run_command

    monkeypatch.setattr("sys.stdout", stdout)
    code = run_command("epoch", ["--n", "40", "--batch-size", "4", *args])
    assert code == 0
    return stdout.getvalue()


def test_demo_on_a_terminal_is_in_colour(monkeypatch: pytest.MonkeyPatch, no_env_color: None) -> None:
    out = _run_demo(monkeypatch, FakeTTY())
    assert plot_text_code(SERIES_COLORS[0][0]) in out and plot_text_code(SERIES_COLORS[1][0]) in out
    assert "epoch 1" in out and "epoch 2" in out


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color"])
def test_demo_without_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch, no_env_color: None, how: str) -> None:
    if how == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    out = _run_demo(monkeypatch, FakeTTY(), *([how] if how.startswith("--") else []))
    assert "\x1b[38" not in out and "\x1b[3" not in out and "\x1b[9" not in out  # no colour escape
    a, b = SERIES_MARKERS[:2]
    assert f"{a} epoch 1" in out and f"{b} epoch 2" in out


def test_demo_through_the_cli_not_a_terminal_has_no_escape(no_env_color: None) -> None:
    from tests.conftest import invoke_cli

    r = invoke_cli("demo", "epoch", "--n", "40", "--batch-size", "4")
    assert r.exit_code == 0
    assert ESC not in r.output
    a, b = SERIES_MARKERS[:2]
    assert f"{a} epoch 1" in r.output and f"{b} epoch 2" in r.output  # the legend is still there


def test_no_color_is_a_documented_run_option() -> None:
    from tests.conftest import invoke_cli

    r = invoke_cli("demo", "epoch", "--help")
    assert "--no-color" in r.output and "NO_COLOR" in r.output


async def test_tui_plot_under_no_color_marks_each_series(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual draws everything in one colour under NO_COLOR: the series get the ASCII markers,
    named in the legend line above the plot (and in colour otherwise)."""
    from gdstudy.tui import make_app
    from tests.test_tui_layout import fake_result

    for no_color in (True, False):
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        else:
            monkeypatch.delenv("NO_COLOR", raising=False)
        app = make_app(start="demos")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            await app.screen._show_result(fake_result())
            legend = str(app.screen.query_one(".legend").render())
            a, b = SERIES_MARKERS[:2]
            marked = f"{a} full-batch GD" in legend and f"{b} mini-batch SGD" in legend
            assert marked is no_color, legend
            assert ("━━" in legend) is not no_color


def test_root_no_color_option_sets_no_color_for_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """`gdstudy --no-color CMD`: one switch for the whole process (Rich, typer, Textual and the
    demo plots all read NO_COLOR)."""
    from tests.conftest import invoke_cli

    monkeypatch.setenv("NO_COLOR", "")  # restored after the test
    monkeypatch.delenv("NO_COLOR")
    r = invoke_cli("--help")
    assert "--no-color" in r.output
    assert "NO_COLOR" not in os.environ
    r = invoke_cli("--no-color", "demo", "epoch", "--n", "40", "--batch-size", "4")
    assert r.exit_code == 0 and os.environ.get("NO_COLOR") == "1"
    assert wants_color(FakeTTY()) is False
    a, b = SERIES_MARKERS[:2]
    assert f"{a} epoch 1" in r.output and f"{b} epoch 2" in r.output
