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

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, ProgressBar, Static

from gdstudy.errors import DemoError
from gdstudy.text import content, literal

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


class DemoScreen(Screen[None]):
    """One demo: its parameter form, a run with live progress, and the result."""

    CSS_PATH = "demo.tcss"
    AUTO_FOCUS = "#results"  # not an Input: `r` and Esc must reach the screen
    BINDINGS = [
        Binding("escape", "back", "Cancel / back"),
        Binding("r", "run", "Run again"),
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
        yield Static(f"[b]{self.demo.TITLE}[/]\nClaim: {self.demo.CLAIM}", id="demo-head")
        with Horizontal(id="demo-body"):
            with VerticalScroll(id="demo-form"):
                for p in self.demo.PARAMS:
                    yield Label(f"{p.flag[2:]}  [dim]{p.help}[/]")
                    value = self.initial.get(p.name, p.default)
                    yield Input(str(value).lower() if isinstance(value, bool) else str(value), id=f"param-{p.name}", compact=True)
                yield Label("seed  [dim]random seed of the run[/]")
                yield Input(str(self.seed), id="param-seed", compact=True)
                yield Button("Run  (r)", id="run", variant="primary")
            with Vertical(id="demo-main"):
                yield ProgressBar(id="progress", show_eta=False)
                yield Static("", id="status")
                yield VerticalScroll(id="results")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"demo: {self.demo.NAME}"
        if self.autorun:
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
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#status", Static).update(f"running {self.demo.NAME} …  (Esc cancels)")
        self.query_one("#results", VerticalScroll).remove_children()
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
        self.query_one("#progress", ProgressBar).update(total=1, progress=0)
        if m.text == "cancelled":
            self.query_one("#status", Static).update("[$warning]cancelled[/] — press r to run again, Esc to go back")
            return
        self.query_one("#status", Static).update(Content.assemble(Content.styled("failed:", "$error"), " ", content(m.text)))
        self.notify(m.text, title=f"demo {self.demo.NAME} failed", severity="error", markup=False)

    async def on_demo_finished(self, m: DemoFinished) -> None:
        self.last_result = m.result
        self.query_one("#progress", ProgressBar).update(total=1, progress=1)
        passed = bool(m.result.get("passed"))
        verdict = "[b $success]PASS[/]" if passed else "[b $error]FAIL[/]"
        self.query_one("#status", Static).update(f"{verdict}  in {m.result.get('elapsed', 0):.2f} s — r runs again, Esc goes back")
        await self._show_result(m.result)

    async def _show_result(self, r: dict[str, Any]) -> None:
        """Replace the results area with this result's verdicts, table, plots and notes."""
        from gdstudy.demo.result import DemoResult

        res = DemoResult.from_dict(r)
        box = self.query_one("#results", VerticalScroll)
        lines = [content(v.line(), "$success" if v.passed else "$error") for v in res.verdicts]
        widgets: list[Any] = [Static(Content("\n").join(lines), id="verdicts")]
        if res.table is not None:  # cells as Text: a DataTable parses str cells as markup
            table: DataTable[Any] = DataTable(id="summary", zebra_stripes=True, cursor_type="none")
            table.add_columns(*(literal(str(c), cell=True) for c in res.table.columns))
            for row in res.table.rows:
                table.add_row(*(literal(_fmt(v), cell=True) for v in row))
            widgets.append(table)
        for plot in res.plots:
            widgets.append(_plot_widget(plot))
        if res.notes:
            widgets.append(Static(content("\n".join(res.notes)), classes="notes"))
        await box.remove_children()
        await box.mount(*widgets)


def _plot_widget(plot: Any) -> Any:
    """A plotext widget. It rebuilds the figure on every redraw, and plotext's log scale would take
    the log of already-logged data each time: log axes are plotted as log10 values instead."""
    from textual_plotext import PlotextPlot

    from gdstudy.demo.render import plot_points

    w = PlotextPlot(classes="plot")
    plt = w.plt
    plt.title(plot.title)
    plt.xlabel(f"log10 {plot.xlabel}" if plot.logx else plot.xlabel)
    plt.ylabel(f"log10 {plot.ylabel}" if plot.logy else plot.ylabel)
    for name, xs, ys in plot_points(plot, take_logs=True):
        plt.plot(xs, ys, label=name)
    return w
