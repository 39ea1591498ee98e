"""Issue 21 item 5: nothing overlaps at 80x24 (and at a large size). The grade buttons stay clear
of the footer, notifications never cover the grade buttons or the demo's Run button, the help
table has visible row separators, the card browser shows a question column and a due column
that fits 80 columns, and the demo parameter boxes are wide enough for their values. Region
checks with Pilot; the snapshots of every screen are in test_tui_screens.py."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Footer

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interview import InterviewSession
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from tests.conftest import Clock

SMALL, LARGE = (80, 24), (120, 36)
SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x36"])

LONG_FRONT = " ".join(f"clause {i} about the gradient of the mean loss over a mini-batch," for i in range(30)) + " why?"
LONG_BACK = "\n\n".join(f"Paragraph {i}: the mean of the per-example gradients, step {i}." for i in range(30))
FIT_DECK = f"""\
- id: long-question
  front: {json.dumps(LONG_FRONT)}
  back: {json.dumps(LONG_BACK)}
  tags: [long, gradient-descent, mini-batch, a-rather-long-tag-name]
  source: 000_e0c09ec66bc19b89.txt § Batch gradient descent
  interview: true
- id: short
  front: What is an epoch?
  back: One pass over the training set.
  tags: [epoch]
  source: 004_7dc5dca5d2e017b4.txt § Epoch
  interview: true
"""

pytestmark = pytest.mark.usefixtures("utc_tz")


@pytest.fixture
def fit_session(tmp_path: Path, clock: Clock) -> ReviewSession:
    d = tmp_path / "fitdeck"
    d.mkdir()
    (d / "fit.yaml").write_text(FIT_DECK, encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    assert not deck.problems, deck.problems
    return ReviewSession(deck, Store(tmp_path / "fit.db"), Settings(enable_fuzz=False), clock=clock)


async def until(pilot: Any, cond: Any, limit_s: float = 60.0) -> None:
    """Run the app until `cond()` holds (the limit only stops a hang; no fixed pause)."""
    end = time.monotonic() + limit_s
    while not cond():
        assert time.monotonic() < end, f"condition never held (screen {pilot.app.screen!r})"
        await pilot.pause(0.02)


def footer_region(screen: Any) -> Region:
    return screen.query_one(Footer).region


def assert_clear_of_footer(screen: Any, what: str) -> None:
    """The grade bar (and every button shown in it) lies wholly above the footer, and the screen
    itself does not scroll (a screen taller than the terminal slides its bottom under the footer)."""
    from gdstudy.tui.grades import GradeBar

    foot = footer_region(screen)
    bar = screen.query_one(GradeBar)
    assert bar.region.height > 0, f"{what}: the grade bar is not on screen"
    assert not bar.region.overlaps(foot), f"{what}: grade bar {bar.region} overlaps the footer {foot}"
    for button in bar.query("Button"):
        if button.display:
            r = button.region
            assert r.height == 3 and r.bottom <= foot.y, f"{what}: {button.id} at {r}, footer at {foot}"
            assert r.x >= 0 and r.right <= screen.size.width, f"{what}: {button.id} at {r} is cut at the side"
    assert screen.max_scroll_y == 0, f"{what}: the screen scrolls ({screen.max_scroll_y} rows too tall)"


@SIZES
@pytest.mark.parametrize("cram", [False, True], ids=["review", "cram"])
async def test_grade_buttons_clear_the_footer_in_review_and_cram(fit_session: ReviewSession, size: tuple[int, int],
                                                                 cram: bool) -> None:
    f = fit_session
    s = ReviewSession(f.deck, f.store, f.settings, clock=f.clock, cram=cram, tags=("long",))
    app = make_app(s)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await until(pilot, lambda: getattr(screen, "card", None) is not None)
        assert screen.card.id == "long-question"
        await pilot.pause()
        assert_clear_of_footer(screen, "question")
        await pilot.press("space")
        await until(pilot, lambda: len(screen.query_one("#back").children) >= 30)
        await pilot.pause()
        assert_clear_of_footer(screen, "answer")


@SIZES
async def test_grade_buttons_clear_the_footer_in_the_interview(fit_session: ReviewSession, size: tuple[int, int]) -> None:
    iv = InterviewSession(fit_session, minutes=60, seed=3)
    while iv.cards[0].id != "long-question":  # the long question first, whatever the shuffle
        iv.cards.reverse()
    app = make_app(fit_session, start="interview", interview=iv)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await until(pilot, lambda: getattr(screen, "card", None) is not None and screen.query("#question MarkdownParagraph"))
        await pilot.pause()
        assert_clear_of_footer(screen, "interview question")
        assert screen.query_one("#answer").region.height >= 3, "no room left to type"
        await pilot.press(*"an answer", "ctrl+r")
        await until(pilot, lambda: screen.revealed and screen.query("#reference MarkdownParagraph"))
        await pilot.pause()
        assert_clear_of_footer(screen, "interview revealed")


# -- notifications never cover the buttons ---------------------------------------------------------

LONG_NOTE = ("The grade was not saved: the database is locked by another gdstudy; close it and press 3 "
             "to retry. This notice is long on purpose, so that it wraps over several lines.")


def toast_regions(screen: Any) -> list[Region]:
    return [t.region for t in screen.query("Toast") if t.region.area]


def assert_not_covered(screen: Any, buttons: list[Any], what: str) -> None:
    """Every cell of each button is painted by the button itself (the compositor's topmost widget
    there), not by a notification; and some notification is on screen."""
    from textual.widgets._toast import Toast

    assert toast_regions(screen), f"{what}: no notification shown"
    for b in buttons:
        r = b.region
        assert r.area, f"{what}: {b.id} is not on screen"
        for y in range(r.y, r.bottom):
            for x in range(r.x, r.right):
                top, _ = screen.get_widget_at(x, y)
                assert top is b, f"{what}: {top!r} covers {b.id} at ({x}, {y})"
                assert not isinstance(top, Toast)


@SIZES
async def test_notifications_do_not_cover_the_grade_buttons(fit_session: ReviewSession, size: tuple[int, int]) -> None:
    app = make_app(fit_session)
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = app.screen
        await until(pilot, lambda: getattr(screen, "card", None) is not None)
        for _ in range(3):  # a stack of them, as a failing save and a retry give
            app.notify(LONG_NOTE, title="Grade not saved", severity="error", timeout=60)
        await until(pilot, lambda: len(toast_regions(screen)) == 3)
        assert_not_covered(screen, [screen.query_one("#reveal")], "question")
        await pilot.press("space")
        await until(pilot, lambda: screen.query_one("#grade-4").region.area > 0)
        await pilot.pause()
        assert_not_covered(screen, [b for b in screen.query("GradeBar Button") if b.display], "answer")


@SIZES
async def test_notifications_do_not_cover_the_run_button(size: tuple[int, int]) -> None:
    from gdstudy.tui.demo import DemoScreen

    app = make_app(start="demos")
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("enter")  # the first demo: the one with the tallest parameter list counts too
        demo = app.screen
        assert isinstance(demo, DemoScreen)
        box = demo.query_one(f"#param-{demo.demo.PARAMS[0].name}")
        box.value = "not a number"
        for _ in range(3):
            await pilot.press("enter")  # "Bad parameter", three times
        await until(pilot, lambda: len(toast_regions(demo)) == 3)
        run = demo.query_one("#run")
        assert run.region.bottom <= footer_region(demo).y, "the Run button is under the footer or off screen"
        assert_not_covered(demo, [run], "demo")


# -- the demo parameter boxes --------------------------------------------------------------------

@SIZES
async def test_every_demo_parameter_box_shows_its_whole_default_value(size: tuple[int, int]) -> None:
    """At 80x24 each box is wide enough for its default (`96,100,127,129,255,257` ...), lies
    inside the form, and the Run button is on screen without scrolling the form."""
    from textual.widgets import Input

    from gdstudy.demo.registry import demo_names
    from gdstudy.tui.demo import DemoScreen

    app = make_app(start="demos")
    async with app.run_test(size=size) as pilot:
        for name in demo_names():
            screen = DemoScreen(name, autorun=False)
            await app.push_screen(screen)
            await until(pilot, lambda: screen.query_one("#run").region.area > 0)
            await pilot.pause()
            form = screen.query_one("#demo-form").region
            run = screen.query_one("#run").region
            assert run.height == 3 and form.contains_region(run) and run.bottom <= footer_region(screen).y, (name, run)
            for box in screen.query(Input):
                width = box.content_region.width
                assert width > len(box.value), f"{name} {box.id}: {box.value!r} in a box {width} wide"
                assert box.region.x >= form.x and box.region.right <= form.right, (name, box.id, box.region, form)
            screen.dismiss(None)
            await until(pilot, lambda: app.screen is not screen)


# -- the card browser ------------------------------------------------------------------------------

@SIZES
async def test_browser_shows_question_then_id_and_due_fits(fit_session: ReviewSession, size: tuple[int, int]) -> None:
    from gdstudy.scheduling import Grade

    s = fit_session
    card = s.deck.by_id["long-question"]
    s.grade(card, s.preview(card)[Grade.GOOD])  # a due date to show
    app = make_app(s, start="home")
    async with app.run_test(size=size) as pilot:
        await pilot.press("b")
        table = app.screen.query_one("#cards")
        await until(pilot, lambda: table.row_count == 2)
        await pilot.pause()
        labels = [str(c.label) for c in table.ordered_columns]
        assert labels[:3] == ["question", "id", "due"], labels
        visible = table.scrollable_content_region.width
        ends, x = {}, 0
        for col in table.ordered_columns:
            x += col.get_render_width(table)
            ends[str(col.label)] = x
        assert ends["due"] <= visible, f"the due column ends at {ends['due']}, the table shows {visible}"
        assert ends["state"] <= visible, "short ids leave room for the state column too"
        question = table.get_cell("long-question", "question")
        assert question.plain.startswith("clause 0 about the gradient") and question.plain.endswith("…")
        assert question.cell_len <= table.ordered_columns[0].get_render_width(table) - 2
        assert table.get_cell("short", "question").plain == "What is an epoch?"
        assert str(table.get_cell("long-question", "due"))[:4] == "2026"
        if size == LARGE:  # more room: a longer piece of the question
            assert question.cell_len > 40


# -- the help table --------------------------------------------------------------------------------

@SIZES
async def test_help_tables_have_visible_row_separators(size: tuple[int, int]) -> None:
    """Every row of the key tables is ruled off, in a colour that stands out from the modal's
    background (Textual's default keyline, 20 % of the foreground, is barely visible)."""
    from gdstudy.tui.help import HelpScreen

    app = make_app(start="demos")
    async with app.run_test(size=size) as pilot:
        await app.push_screen(HelpScreen())
        await until(pilot, lambda: len(app.screen.query("MarkdownTableContent")) == 2)
        await pilot.pause()
        for table in app.screen.query("MarkdownTableContent"):
            kind, color = table.styles.keyline
            _, background = table.background_colors
            line = background + color  # the colour painted: the keyline over the background
            assert kind != "none"
            assert abs(line.brightness - background.brightness) >= 0.3, (color, background, line)


def test_help_code_lines_fit_the_modal() -> None:
    """A command in a help text is never cut at the modal's edge (72 columns, less its border,
    padding, scroll bar and the code block's own padding)."""
    from gdstudy.tui.help import HELP_TEXT
    from gdstudy.tui.home import IMPORT_HELP

    for text in (HELP_TEXT, IMPORT_HELP):
        fenced = text.split("```")[1::2]
        for block in fenced:
            for line in block.splitlines():
                assert len(line) <= 60, line


@SIZES
async def test_demo_browser_titles_fit(size: tuple[int, int]) -> None:
    """Each demo's title ends within the screen, cut with an ellipsis where it is too long."""
    app = make_app(start="demos")
    async with app.run_test(size=size) as pilot:
        table = app.screen.query_one("#demo-list")
        await until(pilot, lambda: table.row_count > 10)
        await pilot.pause()
        width = sum(col.get_render_width(table) for col in table.ordered_columns)
        assert width <= table.scrollable_content_region.width, (width, table.scrollable_content_region)
        cut = [str(table.get_row_at(r)[1]) for r in range(table.row_count)]
        if size == SMALL:  # at 80 columns the long titles are cut (a large screen may cut the longest too)
            assert any(t.endswith("…") for t in cut)


# -- the home screen with the shipped deck -----------------------------------------------------------

@SIZES
async def test_home_with_the_shipped_deck_fits_without_scrolling(tmp_path: Path, clock: Clock,
                                                                 size: tuple[int, int]) -> None:
    """Seven decks and every mode's key fit at 80x24: below 28 rows the key list is compact."""
    cards = Path(__file__).resolve().parent.parent / "cards"
    deck = load_deck([], [cards], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "h.db"), Settings(enable_fuzz=False), clock=clock)
    app = make_app(s, start="home")
    async with app.run_test(size=size) as pilot:
        body = app.screen.query_one("#home-body")
        await until(pilot, lambda: app.screen.query_one("#home-decks").row_count >= 8)
        await pilot.pause()
        assert body.max_scroll_y == 0, f"the home screen scrolls by {body.max_scroll_y} rows"
        keys = next(w for w in app.screen.query("#home-keys, #home-keys-short") if w.display)
        assert keys.region.bottom <= footer_region(app.screen).y
        text = str(keys.render())
        for word in ("review", "cram", "interview", "demos", "stats", "browse", "import", "help", "quit"):
            assert word in text, word
        assert (keys.id == "home-keys") == (size == LARGE)  # with room, the keys with their descriptions


# -- the footer: every key it shows is whole at 80 columns --------------------------------------------

FOOTER_PATHS = {
    "review front": [], "review back": ["space"], "browser": ["b"], "home": ["escape"],
    "stats": ["escape", "s"], "demos": ["escape", "d"],
}


BUSY_CARD = """\
- id: busy
  front: Why must $\\eta < 2/L$ for gradient descent on an L-smooth function?
  back: Beyond $2/L$ the iterates grow along the sharpest direction.
  tags: [lr]
  source: 000_e0c09ec66bc19b89.txt § Batch gradient descent
  demo: learning-rate
"""


@pytest.fixture
def busy_session(tmp_path: Path, clock: Clock) -> ReviewSession:
    """A card that brings every optional key: a formula (t TeX) and a demo (d Run demo)."""
    d = tmp_path / "busydeck"
    d.mkdir()
    (d / "busy.yaml").write_text(BUSY_CARD, encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    assert not deck.problems, deck.problems
    return ReviewSession(deck, Store(tmp_path / "busy.db"), Settings(enable_fuzz=False), clock=clock)


@pytest.mark.parametrize("where", list(FOOTER_PATHS))
async def test_footer_keys_are_whole_at_80_columns(busy_session: ReviewSession, where: str) -> None:
    """`? Help` and `q Quit` were cut off at 80 columns once `e Edit` and `t TeX` joined the footer;
    the command palette's ^p now shows only from 100 columns (the help screen lists ctrl+p)."""
    from textual.widgets._footer import FooterKey

    app = make_app(busy_session)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: app.screen.query(Footer))
        for key in FOOTER_PATHS[where]:
            await pilot.press(key)
            await pilot.pause()
        def laid_out() -> list[Any]:
            keys = list(app.screen.query_one(Footer).query(FooterKey)) if app.screen.query(Footer) else []
            return keys if keys and all(k.region.height for k in keys) else []

        await until(pilot, laid_out)
        keys = laid_out()
        shown = {k.key for k in keys}
        assert "q" in shown and "question_mark" in shown, (where, shown)
        if where.startswith("review"):
            assert {"t", "d"} <= shown, shown  # the busiest review footer
        cut = [k.description for k in keys if k.region.right > SMALL[0] or k.region.width == 0]
        assert not cut, (where, cut)
        assert not app.screen.query_one(Footer).show_command_palette
