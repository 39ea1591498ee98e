"""`b`: every card in a table (the question, cut to fit; id, due, state, stability, lapses,
tags); search, filter by state, open a card, suspend or unsuspend it, `h` its review history.

The question and id columns get widths from the terminal width so that question, id and due
always fit (80 columns too); the columns after them scroll sideways when they do not."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Select, Static

from gdstudy.deck import Card
from gdstudy.scheduling import state_name
from gdstudy.session import ReviewSession
from gdstudy.text import content, literal, one_line
from gdstudy.tui.cardtext import TEX_BINDING, CardMarkdown, TexKeys, source_content
from gdstudy.tui.editing import EDIT_BINDINGS, CardEditing
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.header import Header
from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["BrowserScreen", "CardModal"]

COLUMNS = ("question", "id", "due", "state", "stability", "lapses", "tags")
DUE_WIDTH = len("2026-11-22 12:00")
ID_WIDTH = 24  # the longest id shown whole; a longer one is cut (the card itself shows it all)
MIN_QUESTION = 24


def column_widths(screen_width: int, longest_id: int = ID_WIDTH, longest_state: int = 0) -> tuple[int, int]:
    """(question, id) cell widths that always leave room for the due column, and for the state
    column too when the question keeps MIN_QUESTION cells (each cell has one column of padding on
    both sides; the table keeps 2 columns for its scroll bar)."""
    id_w = max(2, min(ID_WIDTH, longest_id))
    room = screen_width - 2 - 3 * 2 - DUE_WIDTH - id_w  # question + id + due, padded, beside the scroll bar
    with_state = room - 2 - longest_state
    question = with_state if with_state >= MIN_QUESTION else room
    return max(16, min(80, question)), id_w


def cut(text: str, width: int) -> Text:
    """One literal line of at most `width` cells; an ellipsis marks a cut."""
    t = Text(one_line(text), no_wrap=True, end="")
    if t.cell_len > width:
        t.truncate(width, overflow="ellipsis")
    return t


FILTERS = ["all", "new", "learning", "review", "relearning", "due", "suspended", "buried", "leech", "edited"]


class CardModal(TexKeys, ScrollKeys, ModalScreen[None]):
    DEFAULT_CSS = """
    CardModal { align: center middle; }
    #card-box { width: 90; max-width: 95%; height: auto; max-height: 90%; border: thick $accent;
                background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "close", "Close", show=False), TEX_BINDING,
                *SCROLL_BINDINGS]

    def __init__(self, card: Card, meta: str) -> None:
        super().__init__()
        self.card, self.meta = card, meta

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card-box"):
            yield Static(Content.assemble(content(self.card.id, "bold"), "  ", content(self.meta), "\n",
                                          content(" · ".join(filter(None, (self.card.where, self.card.source))), "dim")))
            yield CardMarkdown(self.card.front)
            yield Static("[dim]────────[/]")
            yield CardMarkdown(self.card.back)
            yield Static(source_content(self.card))

    def action_close(self) -> None:
        self.dismiss(None)


class BrowserScreen(CardEditing, Screen[None]):
    DEFAULT_CSS = """
    #browser-bar { height: 3; }
    #search { width: 1fr; }
    #state-filter { width: 22; }
    #cards { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("x", "toggle_suspend", "Suspend"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("h", "history", "History"),
        *EDIT_BINDINGS,  # last: on a narrow footer the keys before keep their place
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self._flags: dict[str, frozenset[str]] = {}
        self._widths: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browser-bar"):
            yield Input(placeholder="search id, text or tag …", id="search")
            yield Select([(f, f) for f in FILTERS], value="all", allow_blank=False, id="state-filter")
        yield DataTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "browse"
        self.refill()
        self.query_one("#cards", DataTable).focus()

    def on_resize(self) -> None:
        if self._fit() != self._widths:
            self.refill()

    def _fit(self) -> tuple[int, int]:
        longest_id = max((cell_len(one_line(c.id)) for c in self.session.deck.cards), default=2)
        longest_state = max((self._state(c).cell_len for c in self.session.deck.cards), default=0)
        longest_state = max(longest_state, len("state"))  # the header is as wide as the column
        return column_widths(self.app.size.width, longest_id, longest_state)

    def _columns(self, table: DataTable) -> None:
        """(Re)make the columns for the terminal's width."""
        self._widths = self._fit()
        table.clear(columns=True)
        widths = {"question": self._widths[0], "id": self._widths[1], "due": DUE_WIDTH}
        for name in COLUMNS:
            table.add_column(name, key=name, width=widths.get(name))

    def _state(self, card: Card) -> Text:
        marks = [f for f in ("suspended", "buried", "leech") if f in self._flags.get(card.id, ())]
        return Text(state_name(self.session.state(card.id)) + "".join(f" [{m}]" for m in marks))  # literal, not markup

    def _matches(self, card: Card, query: str, flt: str, now: datetime) -> bool:
        if query and not any(query in s.lower() for s in (card.id, card.front, card.back, *card.tags)):
            return False
        return flt == "all" or flt in self._flags.get(card.id, frozenset())

    def refill(self) -> None:
        table = self.query_one("#cards", DataTable)
        keep = table.cursor_row
        table.clear()
        query = self.query_one("#search", Input).value.strip().lower()
        flt = str(self.query_one("#state-filter", Select).value)
        now = self.session.now()
        self._flags = self.session.flags(now)  # `due` = in today's plan, as the review header counts
        if self._fit() != self._widths:
            self._columns(table)
        qw, iw = self._widths or self._fit()
        for card in self.session.deck.cards:
            if not self._matches(card, query, flt, now):
                continue
            st = self.session.state(card.id)
            state = self._state(card)
            due = "—" if st is None or st.is_new else st.due.astimezone().strftime("%Y-%m-%d %H:%M")
            stab = f"{st.stability:.1f}d" if st and st.stability else "—"
            # user text as rich Text: a DataTable parses plain str cells as markup
            table.add_row(cut(card.front, qw), cut(card.id, iw), due, state, stab, str(st.lapses if st else 0),
                          literal(", ".join(card.tags), cell=True), key=card.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self.sub_title = f"browse — {table.row_count} card(s)"

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search box: to the results, or straight into the card when one matches."""
        event.stop()
        table = self.query_one("#cards", DataTable)
        table.focus()
        if table.row_count == 1:
            self._open(self._current())

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refill()

    def _current(self) -> Card | None:
        table = self.query_one("#cards", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.session.deck.by_id.get(str(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(self.session.deck.by_id.get(str(event.row_key.value)))

    def _open(self, card: Card | None) -> None:
        if card:
            st = self.session.state(card.id)
            self.app.push_screen(CardModal(card, f"{state_name(st)} · {', '.join(card.tags)}"))

    def action_toggle_suspend(self) -> None:
        card = self._current()
        if card is None:
            return
        st = self.session.state(card.id)
        if st is not None and st.suspended:
            self.session.unsuspend(card.id)
            self.notify(f"'{card.id}' is back in reviews.")
        else:
            self.session.suspend(card.id)
            self.notify(f"'{card.id}' suspended: it is out of reviews until you unsuspend it.")
        self.refill()

    def action_history(self) -> None:
        """The selected card's reviews, current state and demo (`gdstudy cards show ID` in a modal)."""
        card = self._current()
        if card is not None:
            from gdstudy.errors import GdstudyError
            from gdstudy.history import session_history
            from gdstudy.text import clean
            from gdstudy.tui.history import HistoryModal

            try:
                history = session_history(self.session, card)
            except GdstudyError as e:  # a damaged log row: one notice, the browser stays
                self.notify(clean(str(e)), title="History", severity="error", markup=False)
                return
            self.app.push_screen(HistoryModal(history, self.session.now()))

    def editing_card(self) -> Card | None:
        return self._current()

    def edited(self, outcome: object) -> None:
        """After `e` or `a` saved: the table again, the cursor on that card (the search and the state
        filter are cleared when they would hide it)."""
        self.refill()
        card = getattr(outcome, "card", None)
        table = self.query_one("#cards", DataTable)
        if card is not None and card.id not in table.rows:
            with self.prevent(Input.Changed, Select.Changed):
                self.query_one("#search", Input).value = ""
                self.query_one("#state-filter", Select).value = "all"
            self.refill()
            table.focus()
        if card is not None and card.id in table.rows:
            table.move_cursor(row=table.get_row_index(card.id))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        if self.focused is self.query_one("#search", Input):
            self.query_one("#cards", DataTable).focus()
            return
        self.dismiss(None)
