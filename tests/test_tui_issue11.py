"""Issue 11: the review, demo and interview screens behave the way Anki and good Textual apps do.

Each test here failed before its fix: the demo screen's Run button / Enter / ctrl+r, the idle
demo opened from the demo browser, buried cards and the day's plan (header, `cards list`,
browser, stats), mock-interview grades and the day's rules, `--version`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdstudy.cli import app as cli_app
from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interview import InterviewSession
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store
from gdstudy.tui import make_app
from gdstudy.tui.browser import BrowserScreen
from gdstudy.tui.demo import DemoScreen
from gdstudy.tui.interview import AnswerModal, InterviewSummaryScreen
from gdstudy.tui.review import ReviewScreen
from gdstudy.tui.stats import StatsScreen
from tests.conftest import Clock
from tests.waits import wait_until

SIZE = (110, 34)

DECK = """\
deck: issue11
cards:
""" + "".join(f"""\
  - id: card{i}
    front: Question {i}?
    back: Answer {i}.
    tags: [t{i % 2}]
    source: notes.txt § Section
    interview: true
""" for i in range(6))


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    d = tmp_path / "deck11"
    d.mkdir()
    (d / "issue11.yaml").write_text(DECK)
    return d


@pytest.fixture
def session(deck_dir: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [deck_dir], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False, new_per_day=3), clock=clock)


def grade(s: ReviewSession, cid: str, g: Grade) -> None:
    c = s.deck.by_id[cid]
    s.grade(c, s.preview(c)[g])


# -- the demo screen -------------------------------------------------------------------------------

async def _open_epoch(pilot: Any, app: Any) -> DemoScreen:
    table = app.screen.query_one("#demo-list")
    table.move_cursor(row=[str(k.value) for k in table.rows].index("epoch"))
    await pilot.press("enter")
    demo = app.screen
    assert isinstance(demo, DemoScreen) and demo.last_result is None and not demo.running
    return demo


async def test_demo_run_button_click_starts_a_run() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SIZE) as pilot:
        demo = await _open_epoch(pilot, app)
        await pilot.click("#run")
        await wait_until(pilot, lambda: demo.last_result is not None)
        assert demo.last_result["passed"]


async def test_demo_enter_on_the_run_button_starts_a_run() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SIZE) as pilot:
        demo = await _open_epoch(pilot, app)
        demo.query_one("#run").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: demo.last_result is not None)


async def test_demo_first_parameter_has_focus_and_enter_in_it_runs() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SIZE) as pilot:
        demo = await _open_epoch(pilot, app)
        first = demo.query_one(f"#param-{demo.demo.PARAMS[0].name}")
        assert app.focused is first
        first.value = "300"
        await pilot.press("enter")
        await wait_until(pilot, lambda: demo.last_result is not None)
        assert demo.last_result["params"][demo.demo.PARAMS[0].name] == 300


async def test_demo_r_in_a_box_is_text_ctrl_r_runs_from_anywhere() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SIZE) as pilot:
        demo = await _open_epoch(pilot, app)
        box = demo.query_one("#param-seed")
        box.focus()
        box.value = ""
        await pilot.press("2", "r")
        assert box.value == "2r" and not demo.running  # typing is typing
        keys = {b.binding.key for b in app.active_bindings.values() if b.binding.show}
        assert "ctrl+r" in keys  # the footer still says how to run
        box.value = "2"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: demo.last_result is not None)
        assert demo.last_result["seed"] == 2


async def test_demo_from_the_browser_is_idle_until_run() -> None:
    app = make_app(start="demos")
    async with app.run_test(size=SIZE) as pilot:
        demo = await _open_epoch(pilot, app)
        await pilot.pause()
        assert not demo.running and not list(app.workers)  # a run needs a worker: none was started
        bar = demo.query_one("#progress")
        assert not bar.display  # no animated `--%` bar while nothing runs
        text = str(demo.query_one("#status").render())
        assert "again" not in text.lower() and "ctrl+r" in text
        descriptions = {b.binding.description for b in app.active_bindings.values() if b.binding.show}
        assert "Run again" not in descriptions


def test_demo_list_columns_align_for_long_names(capsys: pytest.CaptureFixture[str]) -> None:
    from gdstudy.demo.cli import list_demos

    list_demos()
    lines = capsys.readouterr().out.splitlines()
    starts = {ln.index("claim:") for ln in lines if "claim:" in ln}
    names = [ln for ln in lines if ln and not ln.startswith(" ")]
    title_cols = {len(ln) - len(ln.split(" ", 1)[1].lstrip()) for ln in names}  # where the title starts
    assert len(starts) == 1 and len(title_cols) == 1, lines[:6]
    assert starts == {title_cols.pop()}
    assert any(len(ln.split()[0]) == 13 for ln in names)  # data-parallel


# -- buried cards and today's plan --------------------------------------------------------------

def test_buried_card_is_not_due_and_has_its_own_flag(session: ReviewSession) -> None:
    session.bury("card0")
    flags = session.flags()
    assert "due" not in flags["card0"] and "buried" in flags["card0"]
    assert "buried" not in flags["card1"]


def test_due_new_cards_are_only_todays_quota(session: ReviewSession) -> None:
    flags = session.flags()
    assert [c for c, f in flags.items() if "due" in f] == ["card0", "card1", "card2"]  # new_per_day=3


def test_header_counts_learning_cards_waiting_for_their_step(session: ReviewSession, clock: Clock) -> None:
    grade(session, "card0", Grade.AGAIN)  # due again in 1 minute
    c = session.counts()
    assert (c.new, c.learning, c.review) == (2, 1, 0)
    assert session.next_card().id == "card1"  # still shown only when due


async def test_header_browser_and_stats_agree_on_today(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "1")
        assert "2 new   1 learning   0 review" in str(app.screen.query_one("#counts").render())
        await pilot.press("minus")  # bury card1: the next new card takes its place in today's quota
        assert "2 new   1 learning   0 review" in str(app.screen.query_one("#counts").render())
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        assert "Due today  2 new · 1 learning · 0 review" in str(app.screen.query_one("#stats-text").render())
        await pilot.press("escape", "b")
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        table = browser.query_one("#cards")
        cell = table.get_cell("card1", "state")
        assert "[buried]" in cell.plain  # a Text: shown literally, not eaten as a markup tag
        browser.query_one("#state-filter").value = "buried"
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == ["card1"]
        browser.query_one("#state-filter").value = "due"
        await pilot.pause()
        assert sorted(str(k.value) for k in table.rows) == ["card0", "card2", "card3"]


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli_app, list(args))
    return r.exit_code, r.output


def test_cards_list_due_and_buried(deck_dir: Path, isolated_home: Path) -> None:
    deck = load_deck([], [deck_dir], check_demos=False)
    isolated_home.mkdir(parents=True, exist_ok=True)
    with Store(isolated_home / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings())
        s.bury("card0")
    code, out = _cli("cards", "list", "--deck", str(deck_dir), "--state", "buried")
    assert code == 0 and [ln.split()[0] for ln in out.splitlines()[1:-1]] == ["card0"]
    assert "[buried]" in out
    code, out = _cli("cards", "list", "--deck", str(deck_dir), "--state", "due")
    ids = [ln.split()[0] for ln in out.splitlines()[1:-1]]
    assert code == 0 and "card0" not in ids
    assert len(ids) == Settings().new_per_day  # today's new cards, not every new card
    code, out = _cli("cards", "list", "--deck", str(deck_dir), "--state", "new")
    assert len(out.splitlines()) - 2 > Settings().new_per_day


def test_version() -> None:
    from importlib.metadata import version

    code, out = _cli("--version")
    assert code == 0 and out.strip() == f"gdstudy {version('gdstudy')}"


# -- mock interviews and the day's rules ----------------------------------------------------------

def test_interview_is_practice_by_default_and_skips_buried(session: ReviewSession) -> None:
    session.bury("card3")
    iv = InterviewSession(session, minutes=10, seed=1)
    assert "card3" not in [c.id for c in iv.cards] and len(iv.cards) == 5
    card = iv.current()
    iv.submit(card, "typed", Grade.GOOD, 3.0)
    assert session.state(card.id) is None or session.state(card.id).is_new  # not rescheduled
    assert [e.kind for e in session.store.log()] == ["cram"]
    assert session.counts().new == 3  # the day's new-card quota is untouched


def test_interview_with_schedule_respects_the_new_card_limit(session: ReviewSession) -> None:
    grade(session, "card5", Grade.GOOD)  # one of today's 3 new cards is used
    iv = InterviewSession(session, minutes=10, seed=1, schedule=True)
    new_asked = [c.id for c in iv.cards if session.state(c.id) is None]
    assert len(new_asked) == 2  # what is left of today's limit, no more
    card = iv.current()
    iv.submit(card, "typed", Grade.GOOD, 3.0)
    assert session.state(card.id) is not None and not session.state(card.id).is_new
    assert [e.kind for e in session.store.log()] == ["review", "review"]


async def test_interview_summary_keeps_answers_and_rereads_them(session: ReviewSession, isolated_home: Path) -> None:
    iv = InterviewSession(session, minutes=10, count=2, seed=5)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen.card
        await pilot.press(*"my [b]first[/b] answer", "ctrl+r", "3")
        await pilot.press(*"second", "ctrl+r", "2")
        summary = app.screen
        assert isinstance(summary, InterviewSummaryScreen)
        table = summary.query_one("#iv-cards")
        assert "my [b]first[/b] answer" in str(table.get_row_at(0)[3])
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, AnswerModal)
        assert str(modal.query_one("#answer-mine").render()) == "my [b]first[/b] answer"  # literal
        assert modal.card is not None and modal.card.id == first.id
        await pilot.press("escape")
        assert app.screen is summary


def test_interview_history_n_shows_answers_beside_reference(deck_dir: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    deck = load_deck([], [deck_dir], check_demos=False)
    session = ReviewSession(deck, Store(isolated_home / DB_NAME), Settings())
    iv = InterviewSession(session, minutes=10, count=1, seed=5)
    card = iv.current()
    iv.submit(card, "my typed\x1b[31m answer", Grade.HARD, 4.0)
    iv.finish()
    session.store.close()
    code, out = _cli("interview", "history", "1", "--deck", str(deck_dir))
    assert code == 0, out
    assert card.front in out and card.back in out and "my typed" in out and "\x1b" not in out
    code, out = _cli("interview", "history", "7")
    assert code == 2 and "no interview #7" in out


# -- the key tables of docs/reviewing.md match the app -------------------------------------------

def _doc_key_tables() -> list[list[str]]:
    """The key column of each table in docs/reviewing.md (the review section), keys split out."""
    import re

    section = (Path(__file__).resolve().parent.parent / "docs" / "reviewing.md").read_text(encoding="utf-8")
    tables, current = [], []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| key"):
            current.append(re.findall(r"`([^`]+)`", line.split("|")[1]))
        elif current and not line.startswith("|"):
            tables.append([k for keys in current for k in keys])
            current = []
    return tables


def _keys(bindings: list[Any]) -> set[str]:
    return {b.key_display or b.key for b in bindings} | {b.key for b in bindings}


def test_documented_key_tables_match_the_bindings() -> None:
    from gdstudy.tui.app import GdstudyApp
    from gdstudy.tui.interview import InterviewScreen

    review, more, demo, browser, interview = _doc_key_tables()
    review_keys = _keys(ReviewScreen.BINDINGS) | _keys(GdstudyApp.BINDINGS)
    for key in review + more:
        assert key in review_keys, key
    documented = set(review + more) | {"enter", "question_mark", "minus", "at"}
    for b in ReviewScreen.BINDINGS:  # every review key is documented
        assert (b.key_display or b.key) in documented or b.key in documented, b.key
    assert {"ctrl+r", "escape"} <= _keys(DemoScreen.BINDINGS) and {"ctrl+r", "escape"} <= set(demo)
    assert {"/", "x", "escape"} <= _keys(BrowserScreen.BINDINGS) and {"/", "x", "escape"} <= set(browser)
    assert set(interview) <= _keys(InterviewScreen.BINDINGS) | {"1", "2", "3", "4"}
    assert {"ctrl+r", "ctrl+e"} <= set(interview)


def test_help_and_palette_wording() -> None:
    from gdstudy.tui.help import HELP_TEXT

    assert "space` / `enter" not in HELP_TEXT and "under each grade" not in HELP_TEXT
    assert "beside each grade button" in HELP_TEXT


async def test_palette_lists_each_action_once(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Show answer") == 1


async def test_browser_enter_in_search_goes_to_results_or_opens(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "slash", *"card")
        browser = app.screen
        await pilot.press("enter")  # several matches: to the results
        assert app.screen is browser and app.focused is browser.query_one("#cards")
        await pilot.press("slash", "backspace", "backspace", "backspace", "backspace", *"Question 4", "enter")
        assert app.screen.__class__.__name__ == "CardModal" and app.screen.card.id == "card4"


def test_stats_cli_due_today_agrees_with_cards_list(deck_dir: Path, isolated_home: Path) -> None:
    deck = load_deck([], [deck_dir], check_demos=False)
    isolated_home.mkdir(parents=True, exist_ok=True)
    with Store(isolated_home / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings())
        first = s.next_card()
        s.grade(first, s.preview(first)[Grade.AGAIN])  # learning, due in a minute
    import json

    code, out = _cli("stats", "--deck", str(deck_dir), "--json")
    due = json.loads(out)["due_today"]
    assert code == 0 and due["learning"] == 1
    code, out = _cli("cards", "list", "--deck", str(deck_dir), "--state", "due")
    assert len(out.splitlines()) - 2 == due["new"] + due["learning"] + due["review"]
    code, out = _cli("stats", "--deck", str(deck_dir))
    assert out.startswith(f"due today: {due['new']} new, 1 learning, 0 review")
