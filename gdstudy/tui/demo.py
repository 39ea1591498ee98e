"""Run a demo from the TUI: a subprocess streaming JSON lines, a live progress bar, then the plots,
the summary table and the verdict. Esc cancels a run (the process is killed) or goes back.

The demo runs in `python -m gdstudy.demo.stream` — a pure-Python training loop in a thread would
hold the GIL and freeze the UI, and a crashing demo cannot take the review down with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from gdstudy.errors import DemoError
from gdstudy.text import content
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.header import Header
from gdstudy.tui.scrollkeys import SCROLL_BINDINGS, ScrollKeys

__all__ = ["DemoScreen", "demo_command"]


def demo_command(name: str, params: dict[str, Any], *, seed: int = 0, backend: str = "numpy") -> list[str]:
    """The subprocess argv for one run (flags exactly as `gdstudy demo NAME` takes them)."""
    argv = [sys.executable, "-m", "gdstudy.demo.stream", name, "--backend", backend, "--seed", str(seed)]
    for key, value in params.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        else:
            argv += [flag, str(value)]
    return argv


class DemoProgress(Message):
    def __init__(self, done: int, total: int, text: str) -> None:
        super().__init__()
        self.done, self.total, self.text = done, total, text


class DemoFinished(Message):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__()
        self.result = result


class DemoFailed(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "—" if v is None else str(v)


class DemoScreen(ScrollKeys, Screen[None]):
    """One demo: its parameter form, a run with live progress, and the result."""

    CSS_PATH = "demo.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # a narrower form below 100 columns
    AUTO_FOCUS = "#demo-form Input"  # the first parameter: type, Enter runs
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", priority=True),  # from anywhere, a parameter box too
        Binding("r", "run", "Run", show=False),  # outside a box (in a box, r is text)
        Binding("escape", "back", "Cancel / back"),
        *SCROLL_BINDINGS,  # the output pane (in a parameter box, j/k and Home/End are text keys)
    ]

    def __init__(self, name: str, params: dict[str, Any] | None = None, *, autorun: bool = True, seed: int = 0) -> None:
        super().__init__()
        from gdstudy.demo.registry import load_demo

        self.demo = load_demo(name)  # DemoError (unknown demo, import failure) goes to the caller
        self.initial = dict(params or {})
        self.autorun = autorun
        self.seed = seed
        self.proc: subprocess.Popen[str] | None = None
        self.cancelled = False
        self.last_result: dict[str, Any] | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="demo-body"):
            with Vertical(id="demo-form"):  # the boxes scroll; the Run button stays below them, on screen
                with VerticalScroll(id="demo-params"):
                    for p in self.demo.PARAMS:
                        yield from self._param_field(p.name, p.flag[2:], p.help, self.initial.get(p.name, p.default))
                    yield from self._param_field("seed", "seed", "random seed of the run", self.seed)
                yield Static(id="param-help")
                yield Button("Run  (enter · ctrl+r)", id="run", variant="primary")
            with VerticalScroll(id="demo-main"):  # title, claim, status and results scroll together
                yield Static(Text.assemble((self.demo.TITLE, "bold"), "\n", ("Claim: ", "bold"), self.demo.CLAIM), id="demo-head")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static(self._idle_text(), id="status")
                yield Vertical(id="results")
        yield KeyFooter()

    def _param_field(self, name: str, flag: str, help: str, value: Any) -> ComposeResult:
        """A parameter: one line with its flag and the start of its help, then its box. The whole
        help of the box being edited is shown below the boxes (and in the tooltip)."""
        label = Label(Text.assemble((flag, "bold"), "  ", (help, "dim")), classes="param-label")
        label.tooltip = f"--{flag}: {help}"
        yield label
        box = Input(str(value).lower() if isinstance(value, bool) else str(value), id=f"param-{name}", compact=True)
        box.tooltip = f"--{flag}: {help}"
        yield box

    def on_descendant_focus(self, event: Any) -> None:
        """The focused box's whole help, wrapped, under the boxes."""
        box = event.widget
        if isinstance(box, Input) and box.tooltip is not None:
            flag, _, help = str(box.tooltip).partition(": ")
            self.query_one("#param-help", Static).update(Text.assemble((flag, "bold"), " ", help))

    def scroll_pane(self) -> VerticalScroll:
        return self.query_one("#demo-main", VerticalScroll)

    def _idle_text(self) -> str:
        return "Set the parameters, then Enter or ctrl+r runs the demo. Esc goes back."

    def on_mount(self) -> None:
        self.sub_title = f"demo: {self.demo.NAME}"
        self.query_one("#progress", ProgressBar).display = False  # shown while a run is going
        self.call_after_refresh(self.query_one("#demo-params").scroll_home, animate=False)
        if self.autorun:
            self.action_run()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run":
            event.stop()
            self.action_run()

    # -- running -----------------------------------------------------------------------------------

    def _form_params(self) -> tuple[dict[str, Any], int]:
        from gdstudy.demo.params import resolve_params

        given = {p.name: self.query_one(f"#param-{p.name}", Input).value for p in self.demo.PARAMS}
        resolved = resolve_params(self.demo, given)  # DemoError with one line on a bad value
        seed_text = self.query_one("#param-seed", Input).value.strip()
        try:
            seed = int(seed_text)
        except ValueError:
            raise DemoError(f"--seed: expected an integer, got {seed_text!r}") from None
        return dict(resolved), seed

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def action_run(self) -> None:
        if self.running:
            self.notify("A run is already in progress (Esc cancels it).", severity="warning")
            return
        try:
            params, seed = self._form_params()
        except DemoError as e:  # it quotes the value, which may come from a card file: literal text
            self.notify(str(e), title="Bad parameter", severity="error", markup=False)
            return
        self.cancelled = False
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#status", Static).update(f"running {self.demo.NAME} …  (Esc cancels)")
        self.query_one("#results", Vertical).remove_children()
        self._run(demo_command(self.demo.NAME, params, seed=seed))

    @work(thread=True, exclusive=True, group="demo")
    def _run(self, argv: list[str]) -> None:
        with tempfile.TemporaryFile("w+") as err:
            self.proc = proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
            result, error = None, None
            assert proc.stdout is not None
            for line in proc.stdout:
                try:
                    msg = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a stray print from a demo: not part of the protocol
                kind = msg.get("type")
                if kind == "progress":
                    self.post_message(DemoProgress(int(msg["done"]), int(msg["total"]), str(msg.get("message", ""))))
                elif kind == "result":
                    result = msg
                elif kind == "error":
                    error = str(msg.get("message"))
            code = proc.wait()
            err.seek(0)
            tail = [ln for ln in err.read().splitlines() if ln.strip()][-1:]
        if self.cancelled:
            self.post_message(DemoFailed("cancelled"))
        elif result is not None:
            self.post_message(DemoFinished(result))
        elif error is not None:
            self.post_message(DemoFailed(error))
        else:
            self.post_message(DemoFailed(f"the demo process failed (exit {code}): {tail[0] if tail else 'no output'}"))

    def cancel(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        self.cancelled = True
        proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()

    def action_back(self) -> None:
        if self.running:
            self.cancel()
            return
        self.dismiss(None)

    def on_unmount(self) -> None:
        self.cancel()

    # -- messages from the worker ------------------------------------------------------------------

    def on_demo_progress(self, m: DemoProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(m.total, 1), progress=m.done)
        self.query_one("#status", Static).update(content(f"{m.text or 'running'} …  (Esc cancels)"))

    def on_demo_failed(self, m: DemoFailed) -> None:
        self.query_one("#progress", ProgressBar).display = False
        if m.text == "cancelled":
            self.query_one("#status", Static).update("[$warning]cancelled[/] — ctrl+r runs again, Esc goes back")
            return
        self.query_one("#status", Static).update(Content.assemble(Content.styled("failed:", "$error"), " ", content(m.text)))
        self.notify(m.text, title=f"demo {self.demo.NAME} failed", severity="error", markup=False)

    async def on_demo_finished(self, m: DemoFinished) -> None:
        self.last_result = m.result
        self.query_one("#progress", ProgressBar).update(total=1, progress=1)
        passed = bool(m.result.get("passed"))
        verdict = "[b $success]PASS[/]" if passed else "[b $error]FAIL[/]"
        self.query_one("#status", Static).update(f"{verdict}  in {m.result.get('elapsed', 0):.2f} s — ctrl+r runs again, Esc goes back")
        await self._show_result(m.result)

    async def _show_result(self, r: dict[str, Any]) -> None:
        """Replace the results area with this result's verdicts, table, plots and notes."""
        from gdstudy.demo.result import DemoResult

        res = DemoResult.from_dict(r)
        box = self.query_one("#results", Vertical)
        lines = [content(v.line(), "$success" if v.passed else "$error") for v in res.verdicts]
        widgets: list[Any] = []
        if res.takeaway:
            widgets.append(Static(content(res.takeaway, "bold"), id="takeaway"))
        widgets.append(Static(Content("\n").join(lines), id="verdicts"))
        if res.table is not None:
            widgets.append(Static(_summary_table(res.table), id="summary"))
        for plot in res.plots:
            widgets.extend(_plot_widgets(plot, mono=self.app.no_color))
        if res.notes:
            widgets.append(Static(content("\n".join(res.notes)), classes="notes"))
        await box.remove_children()
        await box.mount(*widgets)


class _FitTable:
    """The result's table, never clipped. At its natural width when that fits; else transposed
    (one column per run, one row per quantity: a few runs of many quantities fit 80 columns);
    else one block of `quantity  value` lines per run. A DataTable cuts the last columns off and a
    squeezed Rich table folds numbers mid-digit."""

    def __init__(self, t: Any) -> None:
        self.columns = [str(c) for c in t.columns]
        self.rows = [[_fmt(v) for v in row] for row in t.rows]

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def _table(self, columns: list[str], rows: list[list[str]], first_bold: bool = False) -> Any:
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
        for i, col in enumerate(columns):
            table.add_column(Text(col), no_wrap=i == 0 or not first_bold, overflow="fold",
                             style="bold" if first_bold and i == 0 else None)
        for row in rows:
            table.add_row(*(Text(v) for v in row))
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement
        from rich.table import Table

        wide = options.update(width=10_000)
        table = self._table(self.columns, self.rows)
        if Measurement.get(console, wide, table).maximum <= options.max_width:
            yield table
            return
        if self.rows and self.columns:  # transposed: the first column names the runs
            head = [self.columns[0], *(r[0] for r in self.rows)]
            body = [[col, *(r[i] for r in self.rows)] for i, col in enumerate(self.columns) if i]
            flipped = self._table(head, body, first_bold=True)
            if Measurement.get(console, wide, flipped).minimum <= options.max_width:
                yield flipped
                return
        for row in self.rows:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for col, v in zip(self.columns, row):
                grid.add_row(Text(col), Text(v))
            yield grid
            yield Text("")

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement(1, options.max_width)


def _summary_table(t: Any) -> Any:
    return _FitTable(t)


def _plot_widgets(plot: Any, mono: bool = False) -> list[Any]:
    """A legend line (outside the data, in the series' colours) and a plotext widget. The widget
    rebuilds its figure on every redraw and plotext's log scale would re-take the log of logged
    data each time, so log axes are plotted as log10 values with ticks labelled in real values.
    `mono` (NO_COLOR: Textual draws in one colour): each series gets its own ASCII marker, as in
    the CLI's plots without colour."""
    from textual_plotext import PlotextPlot

    from gdstudy.demo.render import (
        SERIES_COLORS,
        SERIES_MARKERS,
        axis_ticks,
        plot_points,
    )

    w = PlotextPlot(classes="plot")
    plt = w.plt
    plt.title(plot.title)
    plt.xlabel(plot.xlabel + (" (log scale)" if plot.logx else ""))
    plt.ylabel(plot.ylabel + (" (log scale)" if plot.logy else ""))
    points = plot_points(plot, take_logs=True)
    legend = Text()
    for i, (name, xs, ys) in enumerate(points):
        color, style = SERIES_COLORS[i % len(SERIES_COLORS)]
        if mono:
            marker = SERIES_MARKERS[i % len(SERIES_MARKERS)]
            plt.plot(xs, ys, marker=marker)
            legend.append(f"  {marker} ").append(name)
        else:
            plt.plot(xs, ys, color=color)
            legend.append("  ━━ ", style=style).append(name)
    xs_all = [v for _, xs, _ in points for v in xs]
    ys_all = [v for _, _, ys in points for v in ys]
    if xs_all:
        plt.xticks(*axis_ticks(min(xs_all), max(xs_all), log=plot.logx))
    if ys_all:
        plt.yticks(*axis_ticks(min(ys_all), max(ys_all), log=plot.logy))
    return [Static(legend, classes="legend"), w] if len(points) > 1 else [w]
