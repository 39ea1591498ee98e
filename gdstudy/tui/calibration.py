"""The stats screen's calibration section: predicted vs actual recall (plot + table) and log loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from gdstudy.optimize.calibration import Calibration
    from gdstudy.session import ReviewSession

__all__ = ["CalibrationPanel"]

SYNC_ROWS = 2000  # larger logs are replayed in a worker thread (about 30 µs a review)


class CalibrationPanel(Vertical):
    DEFAULT_CSS = """
    CalibrationPanel { height: auto; padding: 0 1; }
    CalibrationPanel #cal-text { height: auto; }
    CalibrationPanel #cal-row { height: 14; }
    CalibrationPanel #cal-plot { width: 1fr; height: 14; }
    CalibrationPanel #cal-table { width: 44; height: 14; }
    """

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static(id="cal-text")
        with Horizontal(id="cal-row"):
            yield PlotextPlot(id="cal-plot")
            yield DataTable(id="cal-table", cursor_type="none", zebra_stripes=True)

    calibration: "Calibration | None" = None

    def load(self, session: "ReviewSession") -> None:
        """Read the log here (SQLite stays in this thread), replay it in a worker thread."""
        from gdstudy.optimize.calibration import calibrate

        rows, history, settings = session.calibration_input()
        if len(rows) <= SYNC_ROWS:  # a small log replays in well under a frame budget
            self.show(calibrate(rows, history, settings))
            return
        self.query_one("#cal-text", Static).update(Text(f"Calibration: replaying {len(rows)} logged reviews…"))
        self.query_one("#cal-row", Horizontal).display = False
        self.run_worker(lambda: calibrate(rows, history, settings), thread=True, exclusive=True, group="calibration")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "calibration":
            return
        if event.state == WorkerState.SUCCESS:
            self.show(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.query_one("#cal-text", Static).update(Text("Calibration: could not be computed"))
            self.notify(f"calibration failed: {event.worker.error}", severity="error")

    def show(self, cal: "Calibration | None") -> None:
        self.calibration = cal
        from textual_plotext import PlotextPlot

        text = self.query_one("#cal-text", Static)
        row = self.query_one("#cal-row", Horizontal)
        if cal is None or not cal.n:
            text.update(Text("Calibration: no recall tests yet (reviews a day or more after the previous one)."))
            row.display = False
            return
        row.display = True
        held = f", held-out log loss {cal.heldout['log_loss']:.4f}" if cal.heldout.get("log_loss") is not None else ""
        text.update(Text.assemble(
            ("Calibration", "bold"),
            f"  {cal.n} recall tests as predicted at the time: log loss {cal.log_loss:.4f}, "
            f"RMSE(bins) {cal.rmse_bins:.4f}.  In force now: {cal.in_force}{held}",
        ))
        plot = self.query_one("#cal-plot", PlotextPlot)
        plot.plt.clear_data()
        plot.plt.plot([0, 1], [0, 1], color="gray")  # perfect calibration
        plot.plt.scatter([b.predicted for b in cal.bins], [b.actual for b in cal.bins], marker="●")
        plot.plt.xlim(0, 1)
        plot.plt.ylim(0, 1)
        plot.plt.xlabel("predicted recall")
        plot.plt.title("actual vs predicted recall")
        plot.refresh()
        table = self.query_one("#cal-table", DataTable)
        table.clear(columns=True)
        table.add_columns("predicted", "reviews", "mean pred.", "actual")
        for b in reversed(cal.bins):
            table.add_row(f"{b.lo:.2f}–{b.hi:.2f}", str(b.n), f"{b.predicted:.1%}", f"{b.actual:.1%}")
