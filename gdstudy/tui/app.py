"""The App is thin: it holds the session and pushes the review screen."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from gdstudy.session import ReviewSession
from gdstudy.tui.help import HelpScreen
from gdstudy.tui.review import ReviewScreen

__all__ = ["GdstudyApp", "make_app"]


class GdstudyApp(App[None]):
    TITLE = "gdstudy"
    SUB_TITLE = "review"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.session))
        for problem in self.session.deck.problems[:3]:
            self.notify(str(problem), title="Card file problem", severity="warning", timeout=8)
        if len(self.session.deck.problems) > 3:
            self.notify(f"{len(self.session.deck.problems)} card problems in all: run `gdstudy cards check`",
                        severity="warning", timeout=8)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def make_app(session: ReviewSession) -> GdstudyApp:
    """The one way to build the app: used by `gdstudy review` and by the tests."""
    return GdstudyApp(session)
