"""Mock-interview screens: question, typed answer, reference beside it, self-grade; a summary."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Markdown, Static, TextArea

from gdstudy.deck import Card, Deck
from gdstudy.errors import GdstudyError, StaleStateError, StoreError
from gdstudy.interview import InterviewSession, grade_label
from gdstudy.scheduling import Grade
from gdstudy.text import content, literal
from gdstudy.tui.cardtext import TEX_BINDING, CardMarkdown, TexKeys
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.grades import GRADE_BINDINGS, GradeBar
from gdstudy.tui.header import Header
from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["InterviewScreen", "InterviewSummaryScreen", "AnswerModal"]


class InterviewScreen(TexKeys, ScrollKeys, Screen[None]):
    DEFAULT_CSS = """
    #timer { height: 1; padding: 0 1; background: $boost; }
    /* at 80x24 the question keeps under a third of the screen (a longer one scrolls in place),
       so the answer box, the grade bar and the footer all fit: the screen itself never scrolls */
    #question { height: auto; max-height: 30%; overflow-y: auto; padding: 0 1; }
    #answer { height: 1fr; min-height: 3; }
    #compare { height: 1fr; display: none; }
    #compare > VerticalScroll { width: 1fr; border: round $primary 50%; padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+r", "reveal", "Reveal answer", priority=True),
        *GRADE_BINDINGS,
        Binding("ctrl+e", "end", "End interview", priority=True),
        Binding("escape", "end", "End interview", show=False),  # then Esc again: home
        TEX_BINDING,  # a letter: while typing it is text
        *SCROLL_BINDINGS,  # the reference, once revealed (while typing they are text keys)
    ]

    def __init__(self, interview: InterviewSession) -> None:
        super().__init__()
        self.iv = interview
        self.card: Card | None = None
        self.revealed = False
        self.shown_at = time.monotonic()
        self.outcomes: dict[Grade, Any] = {}
        self.typed = ""
        self.save_failed = False  # the summary could not be saved: only ctrl+e retries

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="timer")
        yield CardMarkdown(id="question")
        yield TextArea(id="answer", soft_wrap=True, show_line_numbers=False)
        with Horizontal(id="compare"):
            with VerticalScroll():
                yield Static("[b]Your answer[/]")
                yield Static(id="mine")
            with VerticalScroll(id="reference-pane"):
                yield Static("[b]Reference[/]")
                yield CardMarkdown(id="reference")
        yield GradeBar("Reveal  (ctrl+r)")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "mock interview"
        # Ending switches screens: never before this screen's first refresh (its Header is still
        # setting its title then); a time already up at mount ends on the next tick.
        self.settled = False
        self.call_after_refresh(setattr, self, "settled", True)
        self.set_interval(1, self._tick)
        self.show_next()

    def scroll_pane(self) -> VerticalScroll | None:
        return self.query_one("#reference-pane", VerticalScroll) if self.revealed else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "grade":
            return self.card is not None and self.revealed
        if action == "reveal":
            return self.card is not None and not self.revealed
        if action == "toggle_tex":
            return self.tex_available()
        return True

    def _tick(self) -> None:
        left = self.iv.remaining()
        mins, secs = divmod(int(left.total_seconds()), 60)
        n = len(self.iv.cards)
        mode = "practice" if not self.iv.schedule else "graded reviews"
        self.query_one("#timer", Static).update(
            f"⏱ [b]{mins:02d}:{secs:02d}[/] left · card {min(self.iv.position + 1, n)}/{n} · {mode} · "
            f"[dim]ctrl+e ends[/]"
        )
        if left.total_seconds() <= 0 and not self.revealed and not self.save_failed and self.settled:
            if self.card is not None and self.iv.ended_at is None:  # keep what was typed (once)
                self.iv.time_up(self.query_one("#answer", TextArea).text, time.monotonic() - self.shown_at)
                self.card = None
            self.notify("Time is up.", severity="warning")
            self.action_end()

    def show_next(self) -> None:
        self.card = self.iv.current()
        if self.card is None:
            if self.settled:
                self.action_end()
            return
        self.revealed, self.outcomes = False, {}
        self.shown_at = time.monotonic()
        self.query_one("#question", Markdown).update(f"**Q{self.iv.position + 1}.** {self.card.front}")
        answer = self.query_one("#answer", TextArea)
        answer.text = ""
        answer.display = True
        answer.focus()
        self.query_one("#compare").display = False
        self._draw_buttons()
        self._tick()

    def _draw_buttons(self) -> None:
        labels = None
        if self.revealed:  # practice never reschedules: no interval to show
            labels = {g: self.outcomes[g].interval_text if self.iv.schedule else "" for g in Grade}
        self.query_one(GradeBar).show(labels)
        self.refresh_bindings()

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.typed = text = self.query_one("#answer", TextArea).text.strip()
        self.query_one("#mine", Static).update(content(text) if text else Content.styled("(no answer typed)", "dim"))
        self.query_one("#reference", Markdown).update(self.card.back)
        self.query_one("#answer", TextArea).display = False
        self.query_one("#compare").display = True
        self.outcomes = self.iv.review.preview(self.card) if self.iv.schedule else {}
        self.revealed = True
        self.set_focus(None)  # 1–4 go to the screen now
        self._draw_buttons()

    def action_grade(self, value: int) -> None:
        if self.card is None or not self.revealed:
            return
        try:
            self.iv.submit(self.card, self.typed, Grade(value), time.monotonic() - self.shown_at)
        except StaleStateError:  # graded elsewhere meanwhile: reloaded; show the new intervals
            self.outcomes = self.iv.review.preview(self.card) if self.iv.schedule else {}
            self._draw_buttons()
            self.notify(f"'{self.card.id}' was graded in another gdstudy meanwhile: reloaded. Grade it again.",
                        title="Card reloaded", severity="warning", timeout=8)
            return
        except GdstudyError as e:  # nothing saved; the card stays
            retry = "" if getattr(e, "reason", "") == "file gone" else f" (press {value} to retry)"
            self.notify(f"{e}{retry}", title="Grade not saved", severity="error", timeout=10)
            return
        self.show_next()

    def on_grade_bar_pressed(self, event: GradeBar.Pressed) -> None:
        if event.grade is None:
            self.action_reveal()
        else:
            self.action_grade(int(event.grade))

    def action_end(self) -> None:
        if self.iv.ended_at is not None:
            return
        try:
            summary = self.iv.finish()
        except StoreError as e:  # nothing was saved: the interview stays open, ctrl+e retries
            self.save_failed = True  # the timer stops retrying on its own; the user decides when
            self.notify(f"{e} — press ctrl+e to try again", title="Summary not saved", severity="error", timeout=10)
            return
        self.app.switch_screen(InterviewSummaryScreen(summary, self.iv.review.deck, self.iv.saved_id,
                                                      saved=self.iv.saved_id is not None))


class AnswerModal(TexKeys, ScrollKeys, ModalScreen[None]):
    """One answered question: the question, then the typed answer beside the reference."""

    DEFAULT_CSS = """
    AnswerModal { align: center middle; }
    #answer-box { width: 95%; height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    #answer-q { height: auto; max-height: 8; overflow-y: auto; }  /* a long question scrolls */
    #answer-cols { height: 1fr; }
    #answer-cols > VerticalScroll { width: 1fr; border: round $primary 50%; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "close", "Close", show=False), TEX_BINDING,
                *SCROLL_BINDINGS]

    def __init__(self, n: int, answer: dict[str, Any], card: Card | None) -> None:
        super().__init__()
        self.n, self.answer, self.card = n, answer, card

    def compose(self) -> ComposeResult:
        a, card = self.answer, self.card
        with Vertical(id="answer-box"):
            when = "not reached" if a.get("not_reached") else f"{grade_label(a['grade'])} · {a['seconds']:.0f} s"
            head = Text.assemble((f"Q{self.n}. ", "bold"), literal(a["card_id"], "dim"), f" · {when}")
            yield Static(head)
            yield CardMarkdown(card.front if card else "*(this card is no longer in the deck)*", id="answer-q")
            with Horizontal(id="answer-cols"):
                with VerticalScroll():
                    yield Static(Text("Your answer", style="bold"))
                    yield Static(literal(a["answer"] or ("(not reached)" if a.get("not_reached") else "(no answer typed)")),
                                 id="answer-mine")
                with VerticalScroll(id="answer-ref-pane"):
                    yield Static(Text("Reference", style="bold"))
                    yield CardMarkdown(card.back if card else "—", id="answer-ref")

    def scroll_pane(self) -> VerticalScroll:
        return self.query_one("#answer-ref-pane", VerticalScroll)

    def action_close(self) -> None:
        self.dismiss(None)


class InterviewSummaryScreen(Screen[None]):
    """The end of a mock interview: grades, weakest tags, every typed answer (also one the time
    ran out on) and the cards not reached; Enter rereads one beside the reference."""

    DEFAULT_CSS = """
    #iv-summary { height: auto; padding: 1 2 0 2; }
    #iv-cards { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "open", "Reread answer"),
        Binding("escape", "done", "Done"),
    ]

    def __init__(self, summary: dict[str, Any], deck: Deck | None = None, saved_id: int | None = None,
                 *, saved: bool = True) -> None:
        super().__init__()
        self.summary, self.deck, self.saved_id, self.saved = summary, deck, saved_id, saved
        self.rows: list[dict[str, Any]] = [*summary["answers"], *(
            {"card_id": cid, "answer": "", "grade": None, "seconds": None, "not_reached": True}
            for cid in summary.get("not_reached") or [])]

    def compose(self) -> ComposeResult:
        from gdstudy.interview import unfinished

        s = self.summary
        grades = "  ".join(f"{k} {v}" for k, v in s["grades"].items())
        weak = ", ".join(f"{w['tag']} ({w['mean_grade']:.1f})" for w in s["weakest_tags"]) or "—"
        mean = f"{s['mean_seconds']:.0f} s" if s["mean_seconds"] is not None else "—"
        how = "graded as reviews" if s.get("scheduled") else "practice: scheduling unchanged"
        again = f"gdstudy interview history {self.saved_id}" if self.saved_id else "gdstudy interview history"
        back = "Esc: home, q quits" if self._home() else "Esc or q quits"
        saved = (f"Saved. Enter rereads an answer beside the reference; later: `{again}`. {back}." if self.saved
                 else f"No card was answered: nothing was saved. {back}.")
        yield Header()
        yield Static(Text.assemble(
            ("Interview finished", "bold"), f": {s['answered']} of {s['cards']} cards answered{unfinished(s)} · "
            f"mean {mean} per card · {how}\n",
            ("Grades", "bold"), f"  {grades}\n", ("Weakest tags", "bold"), " (mean grade)  ", weak, "\n",
            (saved, "dim"),
        ), id="iv-summary")
        table: DataTable[Any] = DataTable(id="iv-cards", cursor_type="row", zebra_stripes=True)
        table.add_columns("card", "grade", "s", "your answer")
        for k, a in enumerate(self.rows):
            if a.get("not_reached"):
                table.add_row(Text(a["card_id"]), "not reached", "—", Text("—", style="dim"), key=str(k))
                continue
            first = (a["answer"].strip().splitlines() or ["(no answer typed)"])[0]
            table.add_row(Text(a["card_id"]), grade_label(a["grade"]), f"{a['seconds']:.0f}",
                          Text(first[:60] + ("…" if len(first) > 60 else "")), key=str(k))
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def _home(self) -> bool:
        return bool(getattr(self.app, "has_home", False))

    def action_done(self) -> None:
        """Back to the home screen when the app has one (started as `gdstudy`); else quit."""
        self.app.action_home()  # type: ignore[attr-defined]

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._open(table.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(event.cursor_row)

    def _open(self, k: int) -> None:
        a = self.rows[k]
        card = self.deck.by_id.get(a["card_id"]) if self.deck else None
        self.app.push_screen(AnswerModal(k + 1, a, card))
