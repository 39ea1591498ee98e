"""The home screen (`gdstudy`, or `gdstudy review` with nothing due): each deck's cards due today,
today's reviews, streak and what is due next, and one key per mode: review, cram, interview, demos,
stats, browse, import help. Every mode opened from here comes back here on Esc.

The counts are today's plan (`ReviewSession.today()`, the one `due_today()` the review header,
`cards list --state due`, the browser and stats use); the day's figures come from the session
summary (`gdstudy.summary`). Nothing here imports plotting, numpy, the demo registry or the stats
module: each mode imports what it needs when its key is pressed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from gdstudy.errors import GdstudyError
from gdstudy.session import ReviewSession
from gdstudy.text import literal
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.header import Header
from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["HomeScreen", "TagPicker", "IMPORT_HELP"]

IMPORT_HELP = """\
# Import your notes

Turn Markdown or Obsidian notes into cards (run it in a shell; it is safe to re-run):

```
gdstudy import NOTES... --into DECK_FOLDER \\
    [--dry-run] [--tag TAG]
```

Each note becomes one card file in `DECK_FOLDER`. Card lines it understands:

| in the note | becomes |
|---|---|
| `question::answer` | a card (`:::` adds the reversed card) |
| question lines, a line `?`, answer lines | a card (`??` adds the reversed card) |
| `==hidden==` or `{{c1::hidden}}` | a cloze card per cloze number |
| `#interview_question`, then the question line and the answer | a card asked in mock interviews |
| `#tag` | a tag |

Then study them with `gdstudy review --deck DECK_FOLDER`, or add the folder to `decks` in the
config file. `gdstudy cards coverage NOTES` lists the sections no card cites. Re-running the
import updates changed cards and keeps your review history.

Press `escape`, `?` or `q` to close.
"""


def deck_name(card: Any) -> str:
    return card.deck or Path(card.path).stem


class TagPicker(ModalScreen["tuple[str, ...] | None"]):
    """Cram what: every card, or the cards of one tag. Dismisses with the tags (() = all), or None."""

    DEFAULT_CSS = """
    TagPicker { align: center middle; }
    #tag-box { width: 60; max-width: 95%; height: 80%; max-height: 24; border: thick $accent;
               background: $surface; padding: 0 1; }
    #tag-list { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, tags: list[tuple[str, int]], total: int) -> None:
        super().__init__()
        self.tags, self.total = tags, total

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-box"):
            yield Static(Text("Cram: every card regardless of due dates; scheduling unchanged.", style="bold"))
            options = [Option(Text(f"all cards ({self.total})"), id="")]
            options += [Option(Text.assemble(literal(t), f" ({n})"), id=f"tag:{t}") for t, n in self.tags]
            yield OptionList(*options, id="tag-list")
            yield Static(Text("enter: start · escape: cancel", style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id or ""
        self.dismiss((oid.removeprefix("tag:"),) if oid else ())

    def action_cancel(self) -> None:
        self.dismiss(None)


class HomeScreen(ScrollKeys, Screen[None]):
    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("r", "review", "Review"),
        Binding("c", "cram", "Cram"),
        Binding("i", "interview", "Interview"),
        Binding("D", "demos", "Demos", key_display="D"),
        Binding("d", "demos", "Demos", show=False),
        Binding("s", "stats", "Stats"),
        Binding("b", "browse", "Browse"),
        Binding("n", "import_help", "Import", show=False),  # on the home body's key list; the footer keeps ? and q whole
        *SCROLL_BINDINGS,
    ]

    def __init__(self, session: ReviewSession, note: str = "") -> None:
        super().__init__()
        self.session = session
        self.note = note

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home-body"):
            yield Static(id="home-day")
            yield DataTable(id="home-decks", cursor_type="none", zebra_stripes=True)
            yield Static(id="home-note")
            yield Static(self._keys_text(), id="home-keys")
            yield Static(self._short_keys_text(), id="home-keys-short")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "home"
        self.query_one(DataTable).add_columns("deck", "cards", "review", "learning", "new")
        self.refresh_counts()

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    def scroll_pane(self) -> VerticalScroll:
        return self.query_one("#home-body", VerticalScroll)

    # -- drawing ---------------------------------------------------------------------------------

    def refresh_counts(self) -> None:
        s = self.session
        now = s.now()
        today = s.today(now)  # the one plan: header, `cards list --state due`, browser, stats
        by_deck: dict[str, Counter[str]] = {}
        for card in s.cards:
            by_deck.setdefault(deck_name(card), Counter())["cards"] += 1
        names = {c.id: deck_name(c) for c in s.cards}
        for kind, ids in (("review", today.review), ("learning", [c for _, c in today.learning]), ("new", today.new)):
            for cid in ids:
                by_deck[names[cid]][kind] += 1
        table = self.query_one("#home-decks", DataTable)
        table.clear()
        for name, n in by_deck.items():
            table.add_row(literal(name, cell=True), *(str(n[k]) for k in ("cards", "review", "learning", "new")))
        c = today.counts
        if len(by_deck) > 1:
            table.add_row(Text("all decks", style="bold"), str(len(s.cards)), str(c.review), str(c.learning), str(c.new))
        from gdstudy.summary import next_text

        day = s.summary(now)
        due = c.total
        head = Text.assemble(
            ("Due today ", "bold"), f"{due} card(s)   ", ("Today ", "bold"), f"{day.reviews_today} review(s)   ",
            ("Streak ", "bold"), f"{day.streak} day(s)\n", ("Next due ", "bold"), next_text(day),
        )
        self.query_one("#home-day", Static).update(head)
        note = self.note or ("" if s.cards else "No cards loaded. Check your deck with `gdstudy cards check`.")
        self.query_one("#home-note", Static).update(Text(note, style="italic"))
        self.query_one("#home-note").display = bool(note)
        self._fit_keys()

    def on_resize(self) -> None:
        self._fit_keys()

    def _fit_keys(self) -> None:
        """The key list with its descriptions when it fits under the decks, else the compact one
        (80x24 with the seven shipped decks): the home screen does not scroll."""
        table = self.query_one("#home-decks", DataTable)
        note = 2 if self.query_one("#home-note").display else 0
        rows = 1 + 4 + min(table.row_count + 1, 12) + note + 12 + 1  # header, day, decks, note, keys, footer
        self.set_class(self.app.size.height < rows, "-short-keys")

    def _keys_text(self) -> Text:
        rows = [("r", "review the cards due today"), ("c", "cram: every card (or one tag), scheduling unchanged"),
                ("i", "mock interview: 20 minutes on the interview cards"), ("D", "demos: run a card's claim"),
                ("s", "stats"), ("b", "browse the cards"), ("n", "import your notes (how)"), ("?", "help"),
                ("q", "quit")]
        out = Text()
        for key, what in rows:
            out.append(f"  {key:<3}", style="bold")
            out.append(what + "\n")
        out.append("  Esc in any mode comes back here.", style="dim")
        return out

    def _short_keys_text(self) -> Text:
        """The same keys in three lines, for a short terminal (80x24 with several decks)."""
        out = Text()
        for line in ((("r", "review"), ("c", "cram"), ("i", "mock interview"), ("D", "demos")),
                     (("s", "stats"), ("b", "browse"), ("n", "import notes (how)"), ("?", "help"), ("q", "quit"))):
            out.append("  ")
            for key, what in line:
                out.append(key, style="bold").append(f" {what}   ")
            out.append("\n")
        out.append("  Esc in any mode comes back here.", style="dim")
        return out

    # -- the modes -------------------------------------------------------------------------------

    def _open(self, screen: Screen[Any]) -> None:
        self.note = ""
        self.app.push_screen(screen)

    def action_review(self) -> None:
        from gdstudy.summary import next_text

        if self.session.queue().next is None:
            self.notify(f"Nothing is due now. Next: {next_text(self.session.summary())}. "
                        "Press c to cram.", title="Nothing due")
            return
        from gdstudy.tui.review import ReviewScreen

        self._open(ReviewScreen(self.session))

    def action_cram(self) -> None:
        tags = Counter(t for c in self.session.cards for t in c.tags)
        picker = TagPicker(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0])), len(self.session.cards))
        self.app.push_screen(picker, callback=self._cram)

    def _cram(self, tags: "tuple[str, ...] | None") -> None:
        if tags is None:
            return
        s = self.session
        cram = ReviewSession(s.deck, s.store, s.settings, clock=s.clock, cram=True, tags=tags or s.tags,
                             explicit_retention=s.explicit_retention)
        if not cram.queue().next:
            self.notify("No card to cram (every one is suspended or buried).", severity="warning")
            return
        from gdstudy.tui.review import ReviewScreen

        self._open(ReviewScreen(cram))

    def action_interview(self) -> None:
        from gdstudy.interview import InterviewSession
        from gdstudy.tui.interview import InterviewScreen

        try:
            iv = InterviewSession(self.session)
        except GdstudyError as e:
            self.notify(str(e), title="No interview", severity="warning")
            return
        self._open(InterviewScreen(iv))

    def action_demos(self) -> None:
        from gdstudy.tui.demo_browser import DemoBrowserScreen

        self._open(DemoBrowserScreen())

    def action_stats(self) -> None:
        from gdstudy.tui.stats import StatsScreen

        self._open(StatsScreen(self.session))

    def action_browse(self) -> None:
        from gdstudy.tui.browser import BrowserScreen

        self._open(BrowserScreen(self.session))

    def action_import_help(self) -> None:
        from gdstudy.tui.help import HelpScreen

        self.app.push_screen(HelpScreen(IMPORT_HELP))
