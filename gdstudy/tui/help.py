"""`?`: every key, in a modal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HelpScreen", "HELP_TEXT"]

HELP_TEXT = """\
# Keys

| key | action |
|---|---|
| `space` / `enter` | show the answer |
| `1` | **Again**: forgot it; it comes back in minutes |
| `2` | **Hard**: recalled with real effort |
| `3` | **Good**: recalled correctly |
| `4` | **Easy**: instant recall; longer interval |
| `u` | undo the last grade, bury or suspend |
| `d` | run this card's demo (Esc cancels a run, Esc again returns to the card) |
| `-` | bury: hide this card until tomorrow |
| `@` | suspend: no more reviews until you unsuspend it in the browser |
| `s` | stats: counts, retention, 14-day forecast, streak, mastery per tag |
| `b` | browse all cards: `/` search, `x` suspend/unsuspend, `enter` open |
| `D` | all demos: pick one, set parameters, run |
| `ctrl+p` | command palette: every action, and the colour themes |
| `?` | this help |
| `q` | quit (every grade is already saved) |

Elsewhere:

| screen | keys |
|---|---|
| demo | `r` run (again) with the form's parameters, `escape` cancel a run / back to the card |
| demo browser | `enter` open a demo, `escape` back |
| card browser | `/` search, the state menu filters, `enter` open a card, `x` suspend / unsuspend, `escape` back |
| stats | `escape` or `s` back |
| mock interview | type, `ctrl+r` reveal the reference, `1`–`4` grade, `ctrl+e` end |

The number under each grade button is when you will see the card again.
A card that lapses 8 times becomes a *leech* and is suspended.
Press `escape`, `?` or `q` to close.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
HelpScreen {
        align: center middle;
    }
    #help {
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP_TEXT)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
