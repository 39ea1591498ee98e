"""`?`: every key, in a modal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["HelpScreen", "HELP_TEXT"]

HELP_TEXT = """\
# Keys

| key | action |
|---|---|
| `space` | show the answer (`enter` too) |
| `1` | **Again**: forgot it; it comes back in minutes |
| `2` | **Hard**: recalled with real effort |
| `3` | **Good**: recalled correctly |
| `4` | **Easy**: instant recall; longer interval |
| `u` | undo the last grade, bury or suspend |
| `d` | run this card's demo |
| `t` | formulas: in Unicode (η < 2/L) or the TeX as written |
| `-` | bury: hide this card until tomorrow |
| `@` | suspend: no more reviews until you unsuspend it in the browser |
| `s` | stats: due today, counts, retention, forecast, streak, recall now per tag |
| `b` | browse all cards |
| `D` | all demos: pick one, set parameters, run |
| `e` | edit this card in `$VISUAL`/`$EDITOR`; its schedule is kept |
| `a` | add a card to your own deck (question, answer, tags, demo) |
| `j` `k` `↑` `↓` `pgup` `pgdn` `home` `end` | scroll the answer (and every other scrolling pane) |
| `escape` | back to the home screen (the session is saved) |
| `ctrl+p` | command palette: every action, and the colour themes |
| `?` | this help |
| `q` | quit (every grade is already saved) |

The header counts today's cards like Anki: **new** up to today's new-card limit, **learning**
(and relearning) cards due today — also those waiting for their next step — and **review**
cards due today. The time beside each grade button is when you will see the card again.
A card that lapses 8 times becomes a *leech* and is suspended.

Elsewhere:

| screen | keys |
|---|---|
| home | `r` review, `c` cram (all cards or one tag), `i` mock interview, `D` demos, `s` stats, `b` browse, `n` how to import notes |
| demo | type in a box, `enter` or `ctrl+r` runs (`r` too, outside a box), `tab` next box, `escape` cancels a run, then back |
| demo browser | `enter` open a demo, `escape` back |
| card browser | `/` search (`enter`: to the results, or open the only match), state menu filters (`due`, `buried` …), `enter` open a card, `h` its review history, `x` suspend or unsuspend, `e` edit, `a` add, `escape` back |
| stats | `escape` or `s` back |
| mock interview | type, `ctrl+r` reveal the reference, `1`–`4` grade, `ctrl+e` end; at the end `enter` rereads an answer beside the reference |

Every mode opened from the home screen comes back to it on `escape`. Scrolling panes (the
answer, demo output, this help, stats, a card, the interview reference) scroll with `j`/`k`,
the arrows, `pgup`/`pgdn` and `home`/`end`.

Mock-interview grades are practice (logged, scheduling unchanged) unless started with
`gdstudy interview --schedule`.

Press `escape`, `?` or `q` to close.
"""


class HelpScreen(ScrollKeys, ModalScreen[None]):
    """The key help (or another help text: the home screen's import help)."""

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
    /* a clear rule between rows: Textual's default keyline (20 % of the text colour) is barely
       visible, in a 256-colour terminal not at all */
    #help MarkdownTableContent {
        keyline: thin $foreground 55%;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
        *SCROLL_BINDINGS,
    ]

    def __init__(self, text: str = HELP_TEXT) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(self.text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
