"""`e` edits the current card in $VISUAL/$EDITOR (the app suspends meanwhile), `a` adds a card
through a small form; in review and in the browser. The work is in gdstudy.cardedit; this is the
screen side: suspend and resume, notices (the form: gdstudy.tui.addcard)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import SuspendNotSupported
from textual.binding import Binding

from gdstudy.errors import GdstudyError
from gdstudy.text import clean

if TYPE_CHECKING:
    from gdstudy.cardedit import Outcome
    from gdstudy.deck import Card
    from gdstudy.session import ReviewSession

__all__ = ["EDIT_BINDINGS", "REVIEW_EDIT_BINDINGS", "CardEditing"]

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
        from gdstudy.tui.addcard import (
            AddCardModal,  # its form widgets (TextArea) only when asked for
        )

        self.app.push_screen(AddCardModal(self.session), callback=self._added)

    def _added(self, outcome: "Outcome | None") -> None:
        if outcome is not None:
            self._after(outcome, "Card added")
