"""`a` in review and in the browser: the small form that adds a card to the user's own deck
(gdstudy.tui.editing opens it; the work is in gdstudy.cardedit). Its own module so the review
screen's first paint does not import the form's widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from gdstudy.errors import GdstudyError
from gdstudy.text import clean

if TYPE_CHECKING:
    from gdstudy.cardedit import Outcome  # noqa: F401  (the form's result type, ModalScreen["Outcome | None"])
    from gdstudy.session import ReviewSession

__all__ = ["AddCardModal"]


class AddCardModal(ModalScreen["Outcome | None"]):
    """Question, answer, tags, optional demo: written to the user's own deck (added.yaml), validated
    like every card file; an error is shown here and nothing typed is lost."""

    DEFAULT_CSS = """
    AddCardModal { align: center middle; }
    #add-box { width: 90; max-width: 95%; height: auto; max-height: 95%; border: thick $accent;
               background: $surface; padding: 0 1; }
    #add-back { height: 6; }
    #add-error { color: $error; }
    #add-buttons { height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, session: "ReviewSession") -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="add-box"):
            yield Label("New card (saved to your own deck)")
            yield Input(placeholder="question", id="add-front")
            yield TextArea(id="add-back", soft_wrap=True, placeholder="answer (Markdown, several lines; tab: next field)")
            yield Input(placeholder="tags, separated by commas or spaces (default: mine)", id="add-tags")
            yield Input(placeholder="demo name (optional)", id="add-demo")
            yield Static(id="add-error")
            with Horizontal(id="add-buttons"):
                yield Button("Save (ctrl+s)", id="add-save", variant="primary")
                yield Button("Cancel (esc)", id="add-cancel")

    def on_mount(self) -> None:
        self.query_one("#add-front", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "add-save" else self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from gdstudy.cardedit import add_card
        from gdstudy.userdeck import ensure_user_deck

        front = self.query_one("#add-front", Input).value.strip()
        back = self.query_one("#add-back", TextArea).text.strip()
        raw_tags = self.query_one("#add-tags", Input).value.replace(",", " ").split()
        demo = self.query_one("#add-demo", Input).value.strip()
        if not front or not back:
            self._error("a card needs a question and an answer")
            return
        try:
            reg = ensure_user_deck()
            outcome = add_card(self.session.deck, reg.folder, front, back, list(dict.fromkeys(raw_tags)) or ["mine"], demo)
        except GdstudyError as e:
            self._error(str(e))
            return
        if outcome.kind != "saved":
            self._error(outcome.message)
            return
        self.dismiss(outcome)

    def _error(self, message: str) -> None:
        self.query_one("#add-error", Static).update(Content(clean(message)))  # literal: it may quote the card text
