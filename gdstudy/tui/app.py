"""The App is thin: it holds the session and pushes the first screen of the chosen mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from gdstudy.session import ReviewSession
from gdstudy.tui.help import HelpScreen

if TYPE_CHECKING:
    from gdstudy.interview import InterviewSession

__all__ = ["GdstudyApp", "make_app"]

Mode = Literal["review", "demos", "interview"]


class GdstudyApp(App[None]):
    TITLE = "gdstudy"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, session: ReviewSession | None = None, *, start: Mode = "review",
                 interview: "InterviewSession | None" = None) -> None:
        super().__init__()
        self.session = session
        self.start = start
        self.interview = interview

    def on_mount(self) -> None:
        if self.start == "demos":
            from gdstudy.tui.demo_browser import DemoBrowserScreen

            self.push_screen(DemoBrowserScreen(root=True))
            return
        if self.start == "interview":
            from gdstudy.tui.interview import InterviewScreen

            assert self.interview is not None
            self.push_screen(InterviewScreen(self.interview))
            return
        from gdstudy.tui.review import ReviewScreen

        assert self.session is not None
        self.push_screen(ReviewScreen(self.session))
        problems = self.session.deck.problems
        for problem in problems[:3]:
            self.notify(str(problem), title="Card file problem", severity="warning", timeout=8)
        if len(problems) > 3:
            self.notify(f"{len(problems)} card problems in all: run `gdstudy cards check`", severity="warning", timeout=8)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the current screen is in the command palette too (ctrl+p)."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.description in seen:  # e.g. reveal on space and on enter: listed once
                continue
            seen.add(binding.description)
            if screen.check_action(binding.action.split("(")[0], ()) is False:
                continue
            key = binding.key_display or binding.key
            yield SystemCommand(
                binding.description, f"key: {key}",
                lambda action=binding.action, s=screen: s.run_action(action),  # type: ignore[misc]
            )


def make_app(session: ReviewSession | None = None, *, start: Mode = "review",
             interview: "InterviewSession | None" = None) -> GdstudyApp:
    """The one way to build the app: used by the CLI commands and by the tests."""
    return GdstudyApp(session, start=start, interview=interview)
