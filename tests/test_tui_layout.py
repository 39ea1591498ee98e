"""Issue 11, the awkward part: layouts that fit 80x24 and 120x40 (and scroll where they cannot),
demo parameters that wrap, a summary table that never drops a column, plots with real-value
ticks and the legend outside the data. Snapshots of each at both sizes, plus the unit checks
behind them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.demo.render import axis_ticks, format_tick
from gdstudy.demo.result import DemoResult, Plot, Series, Table, Verdict
from gdstudy.interview import InterviewSession
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from gdstudy.tui.demo import DemoFinished, DemoScreen
from tests.conftest import Clock
from tests.waits import wait_until

SMALL, LARGE = (80, 24), (120, 40)
SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


@pytest.fixture
def session(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def fake_result() -> dict[str, Any]:
    """A fixed demo result: an 8-column table and a log-log plot of two series."""
    xs = [1, 10, 100, 1000, 10000]
    plot = Plot("loss vs steps", "steps", "loss", [Series("full-batch GD", xs, [48.0, 5.0, 0.5, 0.05, 0.005]),
                                                  Series("mini-batch SGD", xs, [40.0, 8.0, 2.0, 1.0, 0.9])],
                logx=True, logy=True)
    table = Table(["run", "eta", "beta", "theory rate", "measured rate", "y flips", "x flips", "final loss"],
                  [["GD eta=1.8/L", 0.036, 0, 0.964, 0.964, 20, 0, 0.00512],
                   ["heavy ball (optimal)", 0.0614, 0.5658, 0.7522, 0.7583, 20, 0, 1.2e-9]])
    return DemoResult(plots=[plot], table=table, name="conditioning", title="t", claim="c",
                      verdicts=[Verdict.close("rate", 0.964, 0.964, 0.01, relative=True)]).to_dict()


# -- the helpers behind the plots -------------------------------------------------------------

def test_log_ticks_are_real_values() -> None:
    pos, labels = axis_ticks(math.log10(0.005), math.log10(48), log=True)
    assert labels == ["0.01", "0.1", "1", "10"] and pos == [-2, -1, 0, 1]
    _, labels = axis_ticks(math.log10(0.3), math.log10(0.9), log=True)  # under one decade
    assert labels and all(0.3 <= float(x) <= 0.9 for x in labels)


def test_linear_ticks_are_readable() -> None:
    _, labels = axis_ticks(0, 1983825.8)
    assert labels == ["0", "500k", "1M", "1.5M"]
    assert [format_tick(v) for v in (0.25, 12345, 1e-5, 3e13)] == ["0.25", "12.3k", "1e-5", "3e13"]


async def test_demo_plot_legend_is_outside_and_ticks_are_real() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("enter")
        demo = app.screen
        assert isinstance(demo, DemoScreen)
        await demo._show_result(fake_result())
        legend = demo.query_one(".legend")
        assert "full-batch GD" in str(legend.render()) and "mini-batch SGD" in str(legend.render())
        await wait_until(pilot, lambda: plots_laid_out(demo), what="the plot is laid out")
        text = str(demo.query_one(".plot").render())
        assert "0.01" in text and "10k" in text  # tick labels in real values
        assert "-2.0" not in text and "-1.0" not in text  # not log10 units
        assert "full-batch GD" not in text  # no legend inside the data


async def test_demo_summary_keeps_every_column_at_80_columns() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter")
        demo = app.screen
        await demo._show_result(fake_result())
        await wait_until(pilot, lambda: demo.query_one("#summary").content_region.width > 0, what="the summary is laid out")
        from rich.console import Console

        summary = demo.query_one("#summary")
        console = Console(width=summary.content_region.width, record=True, file=open("/dev/null", "w"))
        console.print(summary.content)
        text = " ".join(console.export_text().split())
        assert summary.content_region.width < 60  # it really is narrow
        for word in ("final loss", "x flips", "measured rate", "1.2e-09", "0.00512", "heavy", "(optimal)"):
            assert word in text


# -- snapshots -----------------------------------------------------------------------------------

def plots_laid_out(screen: Any) -> bool:
    """The result's plots are mounted and have their size (a plot draws to the size it has)."""
    plots = screen.query(".plot")
    return bool(plots) and all(p.size.area for p in plots)


def no_blink(app: Any) -> None:
    """A blinking cursor makes a snapshot depend on the moment it is taken."""
    from textual.widgets import Input, TextArea

    for w in app.screen.query(Input):
        w.cursor_blink = False
    for w in app.screen.query(TextArea):
        w.cursor_blink = False


def pressing(*keys: str) -> Any:
    async def run(pilot: Any) -> None:
        await pilot.press(*keys)
        no_blink(pilot.app)
        await pilot.pause()

    return run

@SIZES
def test_snapshot_demo_idle(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(start="demos"), run_before=pressing("enter"), terminal_size=size)


@SIZES
def test_snapshot_demo_result(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    async def show(pilot: Any) -> None:
        await pilot.press("enter")
        await pilot.app.screen.on_demo_finished(DemoFinished(fake_result()))
        no_blink(pilot.app)
        await wait_until(pilot, lambda: plots_laid_out(pilot.app.screen), what="the plots are laid out")

    assert snap_compare(make_app(start="demos"), run_before=show, terminal_size=size)


@SIZES
def test_snapshot_cram_header(snap_compare, session: ReviewSession, clock: Clock, size) -> None:  # type: ignore[no-untyped-def]
    cram = ReviewSession(session.deck, session.store, session.settings, clock=clock, cram=True, seed=3, tags=("greek",))
    assert snap_compare(make_app(cram), press=["space"], terminal_size=size)


@SIZES
def test_snapshot_interview_question(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    iv = InterviewSession(session, minutes=10, count=2, seed=5)
    assert snap_compare(make_app(session, start="interview", interview=iv), run_before=pressing(*"typed"), terminal_size=size)


@SIZES
def test_snapshot_interview_summary(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    from gdstudy.scheduling import Grade
    from gdstudy.tui.interview import InterviewSummaryScreen

    iv = InterviewSession(session, minutes=10, seed=5)
    iv.cards = [session.deck.by_id["alpha"], session.deck.by_id["gamma"]]
    for card, text, g in ((iv.cards[0], "the first letter, [b]α[/b]", Grade.GOOD), (iv.cards[1], "", Grade.AGAIN)):
        iv.submit(card, text, g, 12.0)  # fixed timings: the snapshot must not depend on the clock

    async def show(pilot: Any) -> None:
        await pilot.app.switch_screen(InterviewSummaryScreen(iv.summary(), session.deck, 1))

    assert snap_compare(make_app(session), run_before=show, terminal_size=size)


@SIZES
def test_snapshot_stats_layout(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    async def open_stats(pilot: Any) -> None:
        await pilot.press("space", "1", "s")
        pilot.app.screen.query_one("#forecast").styles.visibility = "hidden"  # dated tick labels

    assert snap_compare(make_app(session), run_before=open_stats, terminal_size=size)


@SIZES
def test_snapshot_help_layout(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["question_mark"], terminal_size=size)


@SIZES
def test_snapshot_browser_marks_buried(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    session.bury("beta")
    assert snap_compare(make_app(session), press=["b"], terminal_size=size)


@SIZES
def test_snapshot_review_counts(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["space", "1"], terminal_size=size)
