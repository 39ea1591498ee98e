"""`s`: study statistics — counts, retention, a 14-day forecast bar plot, streak, recall now per tag."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from gdstudy.session import ReviewSession
from gdstudy.stats import RECALL_NOW
from gdstudy.text import literal
from gdstudy.tui.calibration import CalibrationPanel
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.header import Header
from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["StatsScreen"]


class StatsScreen(ScrollKeys, Screen[None]):
    DEFAULT_CSS = """
    #stats-text { height: auto; padding: 0 1; margin-bottom: 1; }
    #stats-row { height: auto; }
    #forecast { width: 1fr; height: 16; }
    #tag-recall { width: auto; height: auto; }
    #recall-legend { height: auto; padding: 0 1; color: $text-muted; }
    StatsScreen.-narrow #stats-row { layout: vertical; }
    StatsScreen.-narrow #forecast { width: 100%; height: 14; }
    StatsScreen.-narrow #tag-recall { width: 100%; margin-top: 1; }
    """
    # below 100 columns the forecast and the tag table are stacked, and the screen scrolls
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [Binding("escape", "back", "Back"), Binding("s", "back", "Back", show=False), *SCROLL_BINDINGS]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Header()
        with VerticalScroll(id="stats-body"):
            yield Static(id="stats-text")
            with Horizontal(id="stats-row"):
                yield PlotextPlot(id="forecast")
                yield DataTable(id="tag-recall", cursor_type="none", zebra_stripes=True)
            yield Static(RECALL_NOW, id="recall-legend", markup=False)
            yield CalibrationPanel(id="calibration")
        yield KeyFooter()

    def on_mount(self) -> None:
        from textual_plotext import PlotextPlot

        self.sub_title = "stats"
        self.stats = st = self.session.stats(calibration=False)
        b = st.by_state
        retention = (f"{st.retention:.1%} of {st.retention_reviews} reviews" if st.retention is not None
                     else "no reviews of mature cards yet")
        due = self.session.counts()  # the same plan as the review header and `cards list --state due`
        self.query_one("#stats-text", Static).update(
            f"[b]Due today[/]  {due.new} new · {due.learning} learning · {due.review} review\n"
            f"[b]Cards[/]  {b['new']} new · {b['learning']} learning · {b['review']} review · "
            f"{b['relearning']} relearning   ({b['suspended']} suspended, {b['buried']} buried, {b['leech']} leech)\n"
            f"[b]Today[/]  {st.reviews_today} reviews, {st.cram_today} cram   [b]Streak[/]  {st.streak} day(s)\n"
            f"[b]True retention (30 days)[/]  {retention}   [b]Cram reviews (30 days, unscheduled)[/]  {st.cram_last_30d}"
        )
        plot = self.query_one("#forecast", PlotextPlot)
        labels = [f"{d:%d/%m}" for d, _ in st.forecast]
        plot.plt.bar(list(range(1, len(labels) + 1)), [n for _, n in st.forecast])
        plot.plt.xticks(list(range(1, len(labels) + 1, 2)), labels[::2])  # fixed ticks: every other day
        top = max((n for _, n in st.forecast), default=0)
        step = max(1, -(-top // 5))
        plot.plt.yticks(list(range(0, top + 1, step)))  # whole cards, not 1.67
        plot.plt.title("cards due, next 14 days")
        table = self.query_one("#tag-recall", DataTable)
        table.add_columns("tag (on ≥ 3 cards)", "cards", "studied", "recall now")
        for t in st.broad_tags():
            recall = "-" if t.recall_now is None else f"{t.recall_now:.0%}"
            table.add_row(literal(t.tag, cell=True), str(t.cards), str(t.studied), recall)  # Text: a tag is never markup
        self.query_one(CalibrationPanel).load(self.session)

    def scroll_pane(self) -> VerticalScroll:
        return self.query_one("#stats-body", VerticalScroll)

    def action_back(self) -> None:
        self.dismiss(None)
