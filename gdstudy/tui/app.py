"""The App is thin: it holds the session and pushes the first screen of the chosen mode.

`home` (plain `gdstudy`) opens the home screen; `review` goes straight to the first card when one
is due, else to the home screen. Esc in a mode (`action_home`) comes back to the home screen,
built only then: the review path to the first card does not pay for it.

It also owns what is app-wide about untrusted input and the terminal: it refuses to start without
a terminal, leaves the terminal clean on SIGTERM/SIGHUP (alternate screen left, mouse reporting
off) with return code 128 + signal, opens only http(s) links (`open_url`, the one place every
Markdown link click ends up), and shows card-file problems as literal text.
"""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Any, Iterable, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from gdstudy.errors import ConfigError
from gdstudy.session import ReviewSession
from gdstudy.text import clean, safe_url, shorten
from gdstudy.tui.help import HelpScreen

if TYPE_CHECKING:
    from gdstudy.interview import InterviewSession

__all__ = ["GdstudyApp", "make_app", "require_terminal"]

Mode = Literal["home", "review", "demos", "interview"]
EXIT_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


def require_terminal() -> None:
    """A TUI without a terminal would spin on a closed stdin (or draw into a file): refuse with one
    line. Textual reads stdin and draws to stderr; stdout must be a terminal too."""
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout), ("stderr", sys.__stderr__)):
        try:
            tty = stream is not None and stream.isatty()
        except (ValueError, OSError):  # closed or detached
            tty = False
        if not tty:
            raise ConfigError(f"the study screen needs a terminal, and {name} is not one "
                              "(for plain output use `gdstudy cards list` or `gdstudy stats`)")


class GdstudyApp(App[None]):
    TITLE = "gdstudy"
    raw_tex = False  # `t` on a card: formulas as the TeX written (gdstudy.tui.cardtext.TexKeys)
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
        self.has_home = start in ("home", "review")  # `gdstudy demo` / `interview`: Esc at the end quits

    def run(self, *, headless: bool = False, **kw: Any) -> None:  # type: ignore[override]
        """In a terminal: refuse without one, and end the process with the app's return code
        when it is not 0 (a crash, whose traceback Textual has shown: 1; a signal: 128 + N), from
        whichever command started the app."""
        if headless:
            return super().run(headless=headless, **kw)
        require_terminal()
        super().run(**kw)
        if self.return_code:
            raise SystemExit(self.return_code)
        return None

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is literal text (markup=False whatever the caller passes: widgets pass
        markup=True by default), so an error quoting a path or card text can never be parsed as
        markup or become an action link. The one place that decides it."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _exit_on_signal(self, signum: int) -> None:
        self.exit(return_code=128 + signum)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """The one link check: only absolute http(s) URLs are opened; anything else (file:, ssh:,
        a relative path ...) is refused with a notice showing the link as text."""
        if safe_url(url):
            super().open_url(url, new_tab=new_tab)
        else:
            self.notify(f"Not opened: only http(s) links open. The link was: {shorten(url, 120)}",
                        title="Link refused", severity="warning", markup=False)

    def on_mount(self) -> None:
        if not self.is_headless:  # Pilot tests run headless on their own loop: leave its signals alone
            import asyncio

            loop = asyncio.get_running_loop()
            for sig in EXIT_SIGNALS:
                loop.add_signal_handler(sig, self._exit_on_signal, sig)
        if self.start == "demos":
            from gdstudy.tui.demo_browser import DemoBrowserScreen

            self.push_screen(DemoBrowserScreen(root=True))
            return
        if self.start == "interview":
            from gdstudy.tui.interview import InterviewScreen

            assert self.interview is not None
            self.push_screen(InterviewScreen(self.interview))
            return
        assert self.session is not None
        if self.start == "review" and self.session.queue().next is not None:
            from gdstudy.tui.review import ReviewScreen

            self.push_screen(ReviewScreen(self.session))
        else:
            note = "" if self.start == "home" else "Nothing is due now: review opens the home screen."
            self.action_home(note)
        problems = self.session.deck.problems
        for problem in problems[:3]:
            self.notify(clean(str(problem)), title="Card file problem", severity="warning", timeout=8, markup=False)
        if len(problems) > 3:
            self.notify(f"{len(problems)} card problems in all: run `gdstudy cards check`", severity="warning", timeout=8)

    def home_session(self) -> ReviewSession:
        """The session the home screen counts with: the scheduled one (a `review --cram` session
        has its deck, store and settings)."""
        s = self.session
        assert s is not None
        if not s.cram:
            return s
        return ReviewSession(s.deck, s.store, s.settings, clock=s.clock, tags=s.tags,
                             explicit_retention=s.explicit_retention)

    def action_home(self, note: str = "") -> None:
        """Back to the home screen: pop the screens above it, or, when the app started in a mode,
        put it in that mode's place. Without a home (`gdstudy demo`, `gdstudy interview`): quit."""
        from gdstudy.tui.home import HomeScreen

        if not self.has_home:
            self.exit()
            return
        if any(isinstance(s, HomeScreen) for s in self.screen_stack):
            while not isinstance(self.screen, HomeScreen):
                self.pop_screen()
            return
        home = HomeScreen(self.home_session(), note)
        if len(self.screen_stack) > 1:
            self.switch_screen(home)
        else:
            self.push_screen(home)

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
