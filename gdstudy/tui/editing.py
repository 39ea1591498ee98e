"""`e` edits the current card in $VISUAL/$EDITOR (the app suspends meanwhile), `a` adds a card
through a small form; in review and in the browser. The work is in gdstudy.cardedit; this is the
screen side: suspend and resume, notices, the form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from gdstudy.errors import GdstudyError
from gdstudy.text import clean

if TYPE_CHECKING:
    from gdstudy.cardedit import Outcome
    from gdstudy.deck import Card
    from gdstudy.session import ReviewSession

__all__ = ["EDIT_BINDINGS", "REVIEW_EDIT_BINDINGS", "CardEditing", "AddCardModal"]

EDIT_BINDINGS = [
    Binding("e", "edit_card", "Edit"),
    Binding("a", "add_card", "Add"),
]
# review: `a` is not in the footer (at 80 columns it would push Quit out; `?` and the docs list it)
REVIEW_EDIT_BINDINGS = [EDIT_BINDINGS[0], Binding("a", "add_card", "Add", show=False)]


class CardEditing:
    """For a screen with `session` and a current card: the `e` and `a` actions. The screen's
    `edited(outcome)` redraws after a change."""

    session: "ReviewSession"
    app: Any

    def editing_card(self) -> "Card | None":  # the screen's current card
        raise NotImplementedError

    def edited(self, outcome: "Outcome") -> None:  # redraw after a save
        raise NotImplementedError

    def _run_suspended(self, argv: list[str]) -> None:
        from gdstudy.cardedit import run_editor

        try:
            with self.app.suspend():
                run_editor(argv)
        except SuspendNotSupported:  # headless (tests): the editor runs without a terminal to hand over
            run_editor(argv)

    def action_edit_card(self) -> None:
        from gdstudy.cardedit import edit_card, editable_card

        card = self.editing_card()
        if card is None:
            self.app.notify("No card to edit here.", severity="warning")
            return
        try:
            card, deck, note = editable_card(card, self.session.deck)
            if note:
                self.session.deck = deck
                self.app.notify(clean(note), title="Shipped card copied")
            outcome = edit_card(card, self.session.deck, self._run_suspended)
        except GdstudyError as e:
            self.app.notify(clean(str(e)), title="Not edited", severity="error", timeout=10)
            return
        self._after(outcome, "Card edited")

    def _after(self, outcome: "Outcome", title: str) -> None:
        severity = {"saved": "information", "unchanged": "information", "given up": "warning"}.get(outcome.kind, "error")
        self.app.notify(clean(outcome.message), title=title if outcome.kind == "saved" else "", severity=severity, timeout=8)
        if outcome.deck is not None:
            self.session.deck = outcome.deck
            self.edited(outcome)

    def action_add_card(self) -> None:
        self.app.push_screen(AddCardModal(self.session), callback=self._added)

    def _added(self, outcome: "Outcome | None") -> None:
        if outcome is not None:
            self._after(outcome, "Card added")


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
