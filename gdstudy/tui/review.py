"""The review screen: front, reveal, grade 1–4 with interval previews, undo.

The question stays on screen after reveal: it sits in its own pane above the answer (at most
about a third of the screen; a longer question scrolls there) and the answer scrolls below it,
from its top, with j/k, the arrows, PgUp/PgDn and Home/End. When the queue is empty the screen
shows the session summary (`gdstudy.summary`). Esc goes to the home screen.

Grades are committed by `ReviewSession.grade` (one SQLite transaction) before the next card is
drawn. The four outcomes are computed once when the answer is revealed; the button labels show
them and the chosen one is what gets applied.
"""

from __future__ import annotations

import time

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import Markdown, Rule, Static

from gdstudy.deck import Card
from gdstudy.errors import GdstudyError, StaleStateError
from gdstudy.scheduling import Counts, Grade, Outcome, state_name
from gdstudy.session import ReviewSession
from gdstudy.text import clean, content
from gdstudy.tui.cardtext import TEX_BINDING, CardMarkdown, TexKeys, source_content
from gdstudy.tui.editing import REVIEW_EDIT_BINDINGS, CardEditing
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.grades import GRADE_BINDINGS, GradeBar
from gdstudy.tui.header import Header
from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["ReviewScreen"]

# How long a card was on screen before its grade (the log's duration_ms, the session summary); a
# module attribute so that a test can pin it (a snapshot must not show the machine's speed).
answer_clock = time.monotonic


class ReviewScreen(CardEditing, TexKeys, ScrollKeys, Screen[None]):
    CSS_PATH = "review.tcss"
    BINDINGS = [
        Binding("space", "reveal", "Show answer"),
        Binding("enter", "reveal", "Show answer", show=False),
        *GRADE_BINDINGS,
        Binding("u", "undo", "Undo"),
        Binding("d", "demo", "Run demo"),
        TEX_BINDING,
        Binding("minus", "bury", "Bury", key_display="-", show=False),
        Binding("at", "suspend", "Suspend", key_display="@", show=False),
        Binding("s", "stats", "Stats", show=False),
        Binding("b", "browse", "Browse", show=False),
        Binding("D", "demos", "Demos", key_display="D", show=False),
        Binding("escape", "app.home", "Home"),
        *REVIEW_EDIT_BINDINGS,  # after Home: on a narrow footer Home stays in view
        *SCROLL_BINDINGS,
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.card: Card | None = None
        self.revealed = False
        self.outcomes: dict[Grade, Outcome] = {}
        self.shown_at = answer_clock()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="counts")
        with VerticalScroll(id="question"):
            yield Static(id="meta")
            yield CardMarkdown(id="front")
        # the answer side (divider, answer pane, sources) is mounted on the first reveal
        # (`_answer_side`): the first card, a question, is painted without it
        yield Static(id="empty")
        yield GradeBar("Show answer  (space)", id="actions")
        yield KeyFooter()

    def on_mount(self) -> None:
        # The footer reads the bindings when the screen becomes active, after this: asking it to
        # refresh now would make it build its keys twice before the first card is painted.
        self.show_next(refresh_bindings=False)
        self.set_interval(30, self._poll_empty)

    # -- drawing ---------------------------------------------------------------------------------

    def show_next(self, *, refresh_bindings: bool = True) -> None:
        queue = self.session.queue()  # built once: it gives both the next card and the counts
        self.show_card(self.session.deck.by_id[queue.next] if queue.next else None, queue.counts,
                       refresh_bindings=refresh_bindings)

    def show_card(self, card: Card | None, counts: Counts | None = None, *, refresh_bindings: bool = True) -> None:
        self.card, self.revealed, self.outcomes = card, False, {}
        self.shown_at = answer_clock()
        self._draw_counts(counts)
        empty = card is None
        self.query_one("#question").display = not empty
        self.query_one("#actions").display = not empty
        self.query_one("#empty", Static).display = empty
        if card is None:
            self.query_one("#empty", Static).update(self._empty_text())
            self._draw_reveal_state(refresh_bindings)
            return
        self.query_one("#meta", Static).update(self._meta(card))
        self.query_one("#front", Markdown).update(card.front)
        if self.query("#card"):  # the answer side of an earlier card: emptied (a long one costs)
            self.query_one("#back", Markdown).update("")
            self.query_one("#card", VerticalScroll).scroll_home(animate=False)
        self.query_one("#question", VerticalScroll).scroll_home(animate=False)
        self._draw_reveal_state(refresh_bindings)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows only what works now: reveal before, grades after."""
        if action == "grade":
            return self.card is not None and self.revealed
        if action == "reveal":
            return self.card is not None and not self.revealed
        if action == "undo":
            return True if self.session.can_undo else None
        if action == "demo":
            return self.card is not None and self.card.demo is not None
        if action in ("bury", "suspend", "edit_card"):
            return self.card is not None
        if action == "toggle_tex":
            return self.tex_available()
        return True

    def _draw_reveal_state(self, refresh_bindings: bool = True) -> None:
        if refresh_bindings:
            self.refresh_bindings()
        shown = self.revealed and self.card is not None
        self.set_class(shown, "-revealed")
        for part in self.query("#divider, #card, #back, #sources"):  # none before the first reveal
            part.display = shown
        labels = None
        if self.revealed:
            if self.session.cram:  # cram never reschedules: say what happens instead
                labels = {g: "again later" if g == Grade.AGAIN else "done" for g in Grade}
            else:
                labels = {g: self.outcomes[g].interval_text for g in Grade}
        self.query_one(GradeBar).show(labels)

    def _draw_counts(self, counts: Counts | None = None) -> None:
        c = counts or self.session.counts()
        undo = "   [dim]u: undo[/]" if self.session.can_undo else ""
        if self.session.cram:
            tags = f" (tags: {', '.join(self.session.tags)})" if self.session.tags else ""
            text = f"[b $warning]CRAM[/]$tags: [b]{c.review}[/] left · scheduling unchanged{undo}"
        else:
            text = f"[b $primary]{c.new}[/] new   [b $error]{c.learning}[/] learning   [b $success]{c.review}[/] review{undo}"
            tags = ""
        # the typed --tag values go in as a $variable: text, never markup
        self.query_one("#counts", Static).update(Content.from_markup(text, tags=clean(tags)))

    def _meta(self, card: Card) -> Content:
        """State, tags, flags: Content pieces, so a tag like `[/]` is text, never markup."""
        st = self.session.state(card.id)
        parts = [Content.styled(state_name(st), "bold"), content(", ".join(card.tags))]
        if self.session.is_edited(card):
            parts.append(Content.styled("edited since last review", "$warning"))
        if card.interview:
            parts.append(Content("interview"))
        if card.demo:
            parts.append(content(f"demo: {card.demo.name} (press d)"))
        if st is not None and st.leech:
            parts.append(Content.styled("leech", "$error"))
        return Content("  ·  ").join(parts)

    def _empty_text(self) -> Content:
        """Nothing to show: after a session, its summary (what was reviewed, today, what is next)."""
        if not self.session.deck.cards:
            return Content("No cards loaded. Check your deck with `gdstudy cards check`.")
        from gdstudy.summary import render_summary

        summary = self.session.summary()
        if self.session.cram:
            head = "Cram session finished."
        elif summary.next_due is None:
            head = "Nothing is due: no card is scheduled."
        else:
            head = "Congratulations — nothing is due right now."
        lines = render_summary(summary) if summary.reviewed or not self.session.cram else []
        back = "Esc: home · q quits; your progress is saved."
        return Content("\n").join([Content.styled(head, "bold"), Content(""), *map(content, lines), Content(""),
                                   Content.styled(back, "dim")])

    def _poll_empty(self) -> None:
        if self.card is None:
            self.show_next()

    # -- actions -----------------------------------------------------------------------------------

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.outcomes = self.session.preview(self.card)
        self.revealed = True
        mounting = self._answer_side(self.card)
        self._draw_reveal_state()
        self._build_back(self.card.back, mounting)

    def _answer_side(self, card: Card) -> AwaitMount | None:
        """The card's sources under its answer; on the first reveal the divider, the answer pane
        and the sources are mounted (the first card is painted without them, issue 21 item 12):
        the mount to await before the answer is built, else None."""
        if self.query("#card"):
            self.query_one("#sources", Static).update(source_content(card))
            return None
        pane = VerticalScroll(CardMarkdown(id="back"), Static(source_content(card), id="sources"), id="card")
        return self.mount(Rule(id="divider"), pane, before="#empty")

    @work(exclusive=True, group="back")
    async def _build_back(self, text: str, mounting: AwaitMount | None = None) -> None:
        if mounting is not None:
            await mounting
        await self.query_one("#back", CardMarkdown).update(text)
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)  # the answer from its top

    def scroll_pane(self) -> VerticalScroll | None:
        """The keys scroll the answer once it is shown, else a long question."""
        return self.query_one("#card" if self.revealed else "#question", VerticalScroll)

    def action_grade(self, value: int) -> None:
        if self.card is None or not self.revealed:
            return
        grade = Grade(value)
        duration_ms = int((answer_clock() - self.shown_at) * 1000)
        card = self.card
        try:
            self.session.grade(card, self.outcomes[grade], duration_ms=duration_ms)
        except StaleStateError:  # graded elsewhere meanwhile: the session reloaded it
            self.outcomes = self.session.preview(card)
            self._draw_reveal_state()
            self.query_one("#meta", Static).update(self._meta(card))
            self.notify(f"'{card.id}' was graded in another gdstudy meanwhile: its state is reloaded and the "
                        "intervals updated. Grade it again.", title="Card reloaded", severity="warning", timeout=8)
            return
        except GdstudyError as e:  # nothing was saved; the card stays on screen
            retry = "" if getattr(e, "reason", "") == "file gone" else f" (press {value} to retry)"
            self.notify(f"{e}{retry}", title="Grade not saved", severity="error", timeout=10)
            return
        st = self.session.state(card.id)
        if st is not None and st.leech and st.suspended and grade == Grade.AGAIN and not self.session.cram:
            self.notify(f"'{card.id}' has lapsed {st.lapses} times: it is now a leech and suspended. "
                        "Rewrite it or unsuspend it in the browser (b).", title="Leech", severity="warning", timeout=10)
        self.show_next()

    def action_undo(self) -> None:
        if not self.session.can_undo:
            self.notify("Nothing to undo.", severity="warning")
            return
        try:
            undone = self.session.undo()
        except GdstudyError as e:
            self.notify(str(e), title="Undo failed", severity="error")
            return
        self.notify(f"Undid {undone.what} on '{undone.card_id}'.", markup=False)
        card = self.session.deck.by_id.get(undone.card_id)
        self.show_card(card) if card else self.show_next()

    def action_bury(self) -> None:
        if self.card is None:
            return
        try:
            until = self.session.bury(self.card.id)
        except GdstudyError as e:
            self.notify(str(e), title="Not buried", severity="error", timeout=10)
            return
        self.notify(f"Buried '{self.card.id}' until {until.astimezone():%a %H:%M} (u undoes).")
        self.show_next()

    def action_suspend(self) -> None:
        if self.card is None:
            return
        try:
            self.session.suspend(self.card.id)
        except GdstudyError as e:
            self.notify(str(e), title="Not suspended", severity="error", timeout=10)
            return
        self.notify(f"Suspended '{self.card.id}': unsuspend it in the browser (b), or u to undo.")
        self.show_next()

    def action_demo(self) -> None:
        if self.card is None or self.card.demo is None:
            self.notify("This card has no demo.", severity="warning")
            return
        from gdstudy.tui.demo import DemoScreen

        try:
            screen = DemoScreen(self.card.demo.name, self.card.demo.params)
        except GdstudyError as e:
            self.notify(str(e), title="Demo unavailable", severity="error", markup=False)  # quotes the card's demo name
            return
        self.app.push_screen(screen, callback=self._returned)

    def action_demos(self) -> None:
        from gdstudy.tui.demo_browser import DemoBrowserScreen

        self.app.push_screen(DemoBrowserScreen(), callback=self._returned)

    def action_stats(self) -> None:
        from gdstudy.tui.stats import StatsScreen

        self.app.push_screen(StatsScreen(self.session), callback=self._returned)

    def action_browse(self) -> None:
        from gdstudy.tui.browser import BrowserScreen

        self.app.push_screen(BrowserScreen(self.session), callback=self._returned)

    def editing_card(self) -> Card | None:
        return self.card

    def edited(self, outcome: object) -> None:
        """After `e` or `a` saved: the edited card is redrawn (revealed again if it was); an added
        card joins the queue (the counts show it)."""
        card = getattr(outcome, "card", None)
        if self.card is not None and card is not None and card.id == self.card.id:
            revealed = self.revealed
            self.show_card(card)
            if revealed:
                self.action_reveal()
            return
        if self.card is not None and self.card.id not in self.session.deck.by_id:  # its id was edited away
            self.show_next()
            return
        if self.card is not None:
            self.card = self.session.deck.by_id[self.card.id]
        self._returned()

    def _returned(self, _: object = None) -> None:
        """Back from another screen: keep the same card (and its revealed state) unless the
        browser suspended it; refresh counts and flags."""
        st = self.session.state(self.card.id) if self.card else None
        if self.card is None or (st is not None and st.suspended):
            self.show_next()
            return
        self._draw_counts()
        self.query_one("#meta", Static).update(self._meta(self.card))
        self.refresh_bindings()

    def on_grade_bar_pressed(self, event: GradeBar.Pressed) -> None:
        if event.grade is None:
            self.action_reveal()
        else:
            self.action_grade(int(event.grade))
