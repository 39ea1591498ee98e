"""Pilot tests for the study flows: demos from a card (run, cancel, crash, re-run), stats, the
deck browser, bury/suspend, cram, the mock interview and the command palette."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interview import InterviewSession
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from gdstudy.tui.browser import BrowserScreen
from gdstudy.tui.demo import DemoScreen
from gdstudy.tui.interview import InterviewScreen, InterviewSummaryScreen
from gdstudy.tui.review import ReviewScreen
from gdstudy.tui.stats import StatsScreen
from tests.conftest import Clock
from tests.waits import screen_settled, wait_until

SIZE = (110, 34)
DEMO_DECK = """\
- id: fast-demo
  front: What is an epoch?
  back: One pass over the data.
  tags: [epoch]
  source: 004_7dc5dca5d2e017b4.txt § Epoch
  demo: {name: epoch, params: {n: 200, batch_size: 16}}
  interview: true
- id: slow-demo
  front: Same, but slow.
  back: A long run.
  tags: [epoch, slow]
  source: 004_7dc5dca5d2e017b4.txt § Epoch
  demo: {name: epoch, params: {n: 1000000, batch_size: 1, epochs: 50}}
  interview: true
- id: plain
  front: No demo here.
  back: Right.
  tags: [plain]
  source: 000_e0c09ec66bc19b89.txt § Mini-batches
"""


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


@pytest.fixture
def session(tmp_path: Path, clock: Clock) -> ReviewSession:
    d = tmp_path / "deck"
    d.mkdir()
    (d / "demo.yaml").write_text(DEMO_DECK)
    deck = load_deck([], [d], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


async def redrawn_at(pilot: Any, size: tuple[int, int]) -> None:
    """Resize, wait until the screen has that size and its plots are laid out, then draw the whole
    screen (a plot that cannot redraw raises here)."""
    await pilot.resize_terminal(*size)
    screen = pilot.app.screen
    await wait_until(pilot, lambda: tuple(screen.size) == size and all(p.size.area for p in screen.query(".plot")),
                     what=f"the screen is redrawn at {size}")
    pilot.app.export_screenshot()


def status(screen: DemoScreen) -> str:
    return str(screen.query_one("#status").render())


async def test_run_a_cards_demo_and_return_to_the_same_card(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "d")
        demo = app.screen
        assert isinstance(demo, DemoScreen) and demo.demo.NAME == "epoch"
        await wait_until(pilot, lambda: demo.last_result is not None)
        assert demo.last_result["passed"] and demo.last_result["params"]["n"] == 200  # the card's params
        assert "PASS" in status(demo)
        assert len(demo.query(".plot")) >= 1 and demo.query_one("#summary").content.row_count > 0
        await pilot.press("escape")
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.card.id == "fast-demo" and review.revealed
        assert list(session.store.log()) == [] and session.store.states() == {}


async def test_cancel_a_running_demo(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "3")  # now on the slow card
        assert app.screen.card.id == "slow-demo"
        await pilot.press("d")
        demo = app.screen
        assert isinstance(demo, DemoScreen)
        await wait_until(pilot, lambda: demo.running)
        await pilot.press("ctrl+r")  # a second run while one is running is refused, not started
        await pilot.press("escape")
        await wait_until(pilot, lambda: "cancelled" in status(demo))
        assert demo.proc is not None and demo.proc.poll() is not None and demo.last_result is None
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen) and app.screen.card.id == "slow-demo"


async def test_a_crashing_demo_is_reported_and_review_goes_on(session: ReviewSession, monkeypatch: pytest.MonkeyPatch) -> None:
    import gdstudy.tui.demo as tui_demo

    crash = [sys.executable, "-c", "import sys; print('Traceback: boom', file=sys.stderr); sys.exit(3)"]
    monkeypatch.setattr(tui_demo, "demo_command", lambda *a, **k: crash)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        demo = app.screen
        await wait_until(pilot, lambda: "failed" in status(demo))
        assert "exit 3" in status(demo) and "boom" in status(demo)
        await pilot.press("escape", "space", "3")
        assert [e.card_id for e in session.store.log()] == ["fast-demo"]


async def test_change_parameters_and_rerun(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        demo = app.screen
        await wait_until(pilot, lambda: demo.last_result is not None)
        demo.query_one("#param-batch_size").value = "0"
        demo.last_result = None
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: any(n.title == "Bad parameter" for n in app._notifications))
        assert demo.last_result is None and not demo.running  # invalid: refused with a message
        assert not [w for w in app.workers if w.group == "demo" and not w.is_finished]  # and never started
        demo.query_one("#param-batch_size").value = "50"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: demo.last_result is not None)
        assert demo.last_result["params"]["batch_size"] == 50


async def test_no_demo_key_on_a_card_without_demo(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.show_card(session.deck.by_id["plain"])
        await pilot.press("d")
        assert isinstance(app.screen, ReviewScreen)


async def test_stats_screen_numbers(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4", "space", "1")
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        text = str(app.screen.query_one("#stats-text").render())
        assert "1 new · 2 learning · 0 review" in text.replace("  ", " ") or "1 new" in text
        assert "Today  2 reviews" in text
        assert sum(n for _, n in app.screen.stats.forecast) == 2  # both studied cards, within 14 days
        assert app.screen.stats.forecast[0][1] == 1  # the lapsed one is due today
        recall = app.screen.query_one("#tag-recall")
        assert recall.row_count == 3  # epoch, slow, plain
        assert "recall now = " in str(app.screen.query_one("#recall-legend").render())  # defined where shown
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_browser_search_open_and_suspend(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        table = browser.query_one("#cards")
        assert table.row_count == 3
        await pilot.press("slash", *"slow")
        assert table.row_count == 1
        await pilot.press("escape")  # leaves the search box, stays in the browser
        assert app.screen is browser
        await pilot.press("x")
        assert session.store.state("slow-demo").suspended
        await pilot.press("enter")  # open the card
        assert app.screen.__class__.__name__ == "CardModal"
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, ReviewScreen)
        # the suspended card never comes up
        await pilot.press("space", "4")
        assert app.screen.card.id == "plain"
        await pilot.press("b")
        browser = app.screen
        browser.query_one("#state-filter").value = "suspended"
        await pilot.pause()
        assert browser.query_one("#cards").row_count == 1
        await pilot.press("x")
        assert not session.store.state("slow-demo").suspended


async def test_bury_suspend_and_undo_from_review(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("minus")
        assert app.screen.card.id == "slow-demo" and session.state("fast-demo").buried_until is not None
        await pilot.press("at")
        assert app.screen.card.id == "plain" and session.store.state("slow-demo").suspended
        await pilot.press("u")
        assert app.screen.card.id == "slow-demo" and session.store.state("slow-demo") is None
        await pilot.press("u")
        assert app.screen.card.id == "fast-demo" and session.store.state("fast-demo") is None


async def test_cram_leaves_scheduling_unchanged(tmp_path: Path, clock: Clock, session: ReviewSession) -> None:
    c = session.deck.by_id["plain"]
    session.grade(c, session.preview(c)[3])
    before = session.store.states()
    cram = ReviewSession(session.deck, session.store, session.settings, clock=clock, cram=True, seed=3)
    app = make_app(cram)
    async with app.run_test(size=SIZE) as pilot:
        rs = app.screen
        assert "CRAM" in str(rs.query_one("#counts").render())
        await pilot.press("space")
        assert "done" in str(rs.query_one("#grade-3").label)
        for _ in range(3):
            await pilot.press("space", "3")
        assert rs.card is None and "Cram session finished" in str(rs.query_one("#empty").render())
    assert session.store.states() == before
    assert [e.kind for e in session.store.log()] == ["review", "cram", "cram", "cram"]


async def test_interview_end_to_end(session: ReviewSession) -> None:
    iv = InterviewSession(session, minutes=10, count=2, seed=5)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        first = screen.card.id
        await pilot.press(*"one pass", "ctrl+r")
        assert screen.revealed and "one pass" in str(screen.query_one("#mine").render())
        await pilot.press("3")
        await pilot.press(*"q?", "ctrl+r", "1")  # q and ? are text while typing
        assert isinstance(app.screen, InterviewSummaryScreen)
    ((_, start, end, summary),) = session.store.interviews()
    assert summary["answered"] == 2 and summary["grades"]["Good"] == 1 and summary["grades"]["Again"] == 1
    assert summary["answers"][0] == {"card_id": first, "answer": "one pass", "grade": 3, "seconds": summary["answers"][0]["seconds"]}
    assert summary["answers"][1]["answer"] == "q?"
    assert summary["weakest_tags"][0]["mean_grade"] == 1.0
    assert [e.kind for e in session.store.log()] == ["cram", "cram"]  # practice by default
    assert session.store.states() == {}  # scheduling untouched


async def test_interview_time_up(session: ReviewSession, clock: Clock) -> None:
    iv = InterviewSession(session, minutes=1, seed=1)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(minutes=2)
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewSummaryScreen))  # the next tick ends it
        await wait_until(pilot, lambda: screen_settled(app))  # exiting before it is: Textual's NoMatches
    assert session.store.interviews() == []  # nothing answered or typed: not history (issue 21)


async def test_command_palette_has_every_review_action(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Show answer", "Undo", "Run demo", "Bury", "Suspend", "Stats", "Browse", "Demos"} <= titles
        assert any("theme" in t.lower() for t in titles)


def test_snapshot_review_80x24(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["space"], terminal_size=(80, 24))


def test_snapshot_review_200x50(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["space"], terminal_size=(200, 50))


def test_snapshot_browser(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["b"], terminal_size=SIZE)


def test_snapshot_stats(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    async def hide_plot(pilot: Any) -> None:
        # plotext places its tick labels a column apart from run to run: the snapshot covers the
        # text and layout, test_stats_screen_numbers checks the plotted forecast itself
        await pilot.press("space", "4", "s")
        pilot.app.screen.query_one("#forecast").styles.visibility = "hidden"

    assert snap_compare(make_app(session), run_before=hide_plot, terminal_size=SIZE)


def test_snapshot_interview_revealed(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    iv = InterviewSession(session, minutes=10, count=2, seed=5)  # the clock is pinned: the timer shows 10:00
    app = make_app(session, start="interview", interview=iv)
    assert snap_compare(app, press=[*"my answer", "ctrl+r"], terminal_size=SIZE)


async def test_demo_browser_pick_set_parameters_run() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SIZE) as pilot:
        from gdstudy.tui.demo_browser import DemoBrowserScreen

        browser = app.screen
        assert isinstance(browser, DemoBrowserScreen)
        table = browser.query_one("#demo-list")
        names = [str(k.value) for k in table.rows]
        assert {"epoch", "minibatch", "variance"} <= set(names)
        table.move_cursor(row=names.index("epoch"))
        await pilot.press("enter")
        demo = app.screen
        assert isinstance(demo, DemoScreen) and demo.last_result is None and not demo.running  # no autorun
        demo.query_one("#param-n").value = "300"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: demo.last_result is not None)
        assert demo.last_result["params"]["n"] == 300 and demo.last_result["passed"]
        await pilot.press("escape")
        assert app.screen is browser
        await pilot.press("escape")  # the browser is the root screen here: Esc quits
    assert app.return_code in (0, None)


async def test_log_scale_plots_survive_redraws(session: ReviewSession) -> None:
    """Regression: plotext's log scale re-took the log of logged data on each redraw and crashed
    the app (math domain error) on the first demo with a log axis."""
    from gdstudy.demo.result import DemoResult, Plot, Series, Verdict

    result = DemoResult(
        plots=[Plot("loss", "steps", "loss", [Series("a", [1, 10, 100, 1000], [1.0, 0.3, 0.05, 0.001]),
                                              Series("b", [1, 10, 100], [0.0, None, 2.0])], logx=True, logy=True)],
        verdicts=[Verdict.exact("n", 1, 1)], name="epoch",
    ).to_dict()
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "d")
        demo = app.screen
        await wait_until(pilot, lambda: demo.last_result is not None)
        await demo._show_result(result)
        for size in ((90, 30), (140, 45), SIZE):
            await redrawn_at(pilot, size)
        assert isinstance(app.screen, DemoScreen) and app.is_running


@pytest.mark.slow
async def test_every_demos_result_renders_in_the_tui(session: ReviewSession) -> None:
    """Each demo's real result (default parameters) shows in the demo screen and survives redraws."""
    from gdstudy.demo.registry import demo_names
    from gdstudy.demo.runner import run_demo

    results = {n: run_demo(n).to_dict() for n in demo_names() if n != "data-parallel"}  # torch-only
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        demo = app.screen
        await wait_until(pilot, lambda: demo.last_result is not None)
        for name, result in results.items():
            await demo._show_result(result)
            for size in ((80, 24), SIZE):
                await redrawn_at(pilot, size)
            assert app.is_running, name
            assert len(demo.query(".plot")) == len(result["plots"]), name
