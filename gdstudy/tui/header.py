"""Textual's Header without a shutdown race.

The Header updates its title in async watchers. One still pending when its screen goes away (a
screen switched away just after it was shown, e.g. a mock interview ending at time-up, or the app
exiting right then) ran on a Header whose HeaderTitle was already removed: NoMatches, which ends
the app with a traceback (the `NoMatches HeaderTitle` failure of test_interview_time_up under
load). Here such an update is dropped: there is no title left to update.
"""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widgets import Header as TextualHeader
from textual.widgets._header import HeaderTitle

__all__ = ["Header"]


class Header(TextualHeader):
    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # instead of Textual's handler (same watchers, one more exception)

        async def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except (NoScreen, NoMatches):  # the screen or the title is gone: nothing to update
                pass

        for obj, name in ((self.app, "title"), (self.app, "sub_title"), (self.screen, "title"), (self.screen, "sub_title")):
            self.watch(obj, name, set_title)
