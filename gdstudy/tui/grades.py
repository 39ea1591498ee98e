"""The answer bar shared by review and interview: a reveal button, then the four grade buttons
with the interval each one gives. Buttons never take keyboard focus (keys go to the screen);
the mouse works. Pressing one posts `GradeBar.Pressed(grade)` (grade None = reveal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button

from gdstudy.scheduling import Grade

__all__ = ["GradeBar", "GRADE_BINDINGS"]

VARIANTS = {Grade.AGAIN: "error", Grade.HARD: "warning", Grade.GOOD: "success", Grade.EASY: "primary"}

# not in the footer: each grade button shows its key ("Good (3)"), and on an 80-column footer the
# four would push `q Quit` and `? Help` out
GRADE_BINDINGS = [Binding(str(int(g)), f"grade({int(g)})", g.label, show=False) for g in Grade]


class _Button(Button):
    can_focus = False


class GradeBar(Horizontal):
    # not scoped: the last rule lifts the screen's notifications above the bar (5 rows, then the
    # footer's 1), so a notice never covers a grade button
    SCOPED_CSS = False
    DEFAULT_CSS = """
    GradeBar { height: 5; align: center middle; padding: 0 1; }
    GradeBar Button { margin: 0 1; min-width: 14; height: 3; }
    GradeBar #reveal { width: 40; }
    Screen.-has-grade-bar ToastRack { margin-bottom: 6; max-height: 70%; }
    """

    class Pressed(Message):
        def __init__(self, grade: Grade | None) -> None:
            super().__init__()
            self.grade = grade

    def __init__(self, reveal_label: str, **kw: str) -> None:
        super().__init__(**kw)
        self.reveal_label = reveal_label

    def on_mount(self) -> None:
        self.screen.add_class("-has-grade-bar")

    def compose(self) -> ComposeResult:
        # The grade buttons are built on the first reveal (`show`): the first card, a question,
        # is painted without them.
        yield _Button(self.reveal_label, id="reveal", variant="primary")

    def show(self, labels: dict[Grade, str] | None) -> None:
        """`None`: only the reveal button; else the grade buttons, each with its label suffix."""
        self.query_one("#reveal").display = labels is None
        built = {b.id: b for b in self.query(_Button)}
        if labels is None:
            for g in Grade:
                if (button := built.get(f"grade-{int(g)}")) is not None:
                    button.display = False
            return
        texts = {g: f"{g.label} ({int(g)})" + (f"  {labels[g]}" if labels[g] else "") for g in Grade}
        new = []
        for g in Grade:
            button = built.get(f"grade-{int(g)}")
            if button is None:
                new.append(_Button(texts[g], variant=VARIANTS[g], id=f"grade-{int(g)}"))  # type: ignore[arg-type]
            else:
                button.display = True
                button.label = texts[g]
        if new:
            self.mount_all(new)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        self.post_message(self.Pressed(None if bid == "reveal" else Grade(int(bid.removeprefix("grade-")))))
