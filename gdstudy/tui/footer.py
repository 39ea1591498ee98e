"""The footer every screen shows: the screen's keys first. Textual's command-palette key (^p) is
added only where the keys leave room for it (100 columns and up); below that it would push `? Help`
and `q Quit` off an 80-column screen, and the help screen lists ctrl+p anyway."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

__all__ = ["KeyFooter", "PALETTE_MIN_WIDTH"]

PALETTE_MIN_WIDTH = 100


class KeyFooter(Footer):
    def on_mount(self) -> None:
        self.show_command_palette = self.app.size.width >= PALETTE_MIN_WIDTH

    def on_resize(self, event: events.Resize) -> None:
        wide = self.app.size.width >= PALETTE_MIN_WIDTH
        if wide != self.show_command_palette:
            self.show_command_palette = wide
            self.call_after_refresh(self.recompose)
