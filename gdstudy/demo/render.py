"""Terminal output of a DemoResult: plotext plots, a rich table, verdict lines (or JSON)."""

from __future__ import annotations

import json
import math
import shutil
import sys

from gdstudy.demo.result import DemoResult, Plot

__all__ = ["print_result", "plot_text", "format_verdicts", "plot_points"]


def plot_points(plot: Plot, take_logs: bool = False) -> list[tuple[str, list, list]]:
    """Each series' finite points; on a log axis only positive ones. With `take_logs`, log axes
    come back as log10 values (for a plot that must not rescale them itself on every redraw)."""
    out = []
    for s in plot.series:
        pts = [(x, y) for x, y in zip(s.x, s.y) if _ok(x, plot.logx) and _ok(y, plot.logy)]
        if not pts:
            continue
        xs, ys = (list(v) for v in zip(*pts))
        if take_logs:
            xs = [math.log10(v) for v in xs] if plot.logx else xs
            ys = [math.log10(v) for v in ys] if plot.logy else ys
        out.append((s.name, xs, ys))
    return out


def plot_text(plot: Plot, width: int = 100, height: int = 18, color: bool = True) -> str:
    """One plot as a string (plotext; log axes drop non-positive points)."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    for name, xs, ys in plot_points(plot):
        plt.plot(xs, ys, label=name, marker="braille")
    if plot.logx:
        plt.xscale("log")
    if plot.logy:
        plt.yscale("log")
    plt.title(plot.title)
    plt.xlabel(plot.xlabel)
    plt.ylabel(plot.ylabel)
    text = plt.build()
    plt.clear_figure()
    return text if color else plt.uncolorize(text)


def _ok(v, log: bool) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and (v > 0 or not log)


def format_verdicts(result: DemoResult) -> list[str]:
    """Checks of the claim first, then bookkeeping identities, then one summary line."""
    checks = [v for v in result.verdicts if v.is_check]
    books = [v for v in result.verdicts if not v.is_check]
    lines = [v.line() for v in checks + books]
    n_fail = sum(not v.passed for v in checks)
    n_book_fail = sum(not v.passed for v in books)
    what = _count(len(checks), "check") + (f" (+ {_count(len(books), 'bookkeeping identity', 'bookkeeping identities')})" if books else "")
    if result.passed:
        summary = "the check passed" if len(checks) == 1 else f"all {len(checks)} checks passed"
        lines.append(f"PASS  {result.name}: {summary}" + (f" (+ {_count(len(books), 'bookkeeping identity', 'bookkeeping identities')} held)" if books else ""))
    elif not checks:
        lines.append(f"FAIL  {result.name}: no check of the claim was made")
    else:
        fails = f"{n_fail} of {what} failed" if n_fail else f"{n_book_fail} bookkeeping identity failed of {what}"
        lines.append(f"FAIL  {result.name}: {fails}")
    return lines


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def print_result(result: DemoResult, as_json: bool = False, plot: bool = True) -> None:
    if as_json:
        print(json.dumps(result.to_dict(), indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    unicode_ok = _stdout_takes_unicode()
    console = Console(highlight=False)
    console.print(f"[bold]{result.title}[/bold]")
    console.print(f"Claim: {result.claim}")
    console.print(f"backend {result.backend} ({result.device}, {result.dtype}), seed {result.seed}, "
                  f"{result.elapsed:.2f} s", style="dim")
    if plot and not unicode_ok:
        console.print("(plots skipped: the terminal's encoding cannot show them; set a UTF-8 locale)",
                      style="dim", markup=False)
    elif plot:
        width = min(100, shutil.get_terminal_size((100, 24)).columns)
        color = sys.stdout.isatty()
        for p in result.plots:
            print(plot_text(p, width=width, color=color))
    if result.table is not None:
        table = Table(*result.table.columns)
        for row in result.table.rows:
            table.add_row(*(_cell(c) for c in row))
        console.print(table)
    for note in result.notes:
        console.print(note, style="dim")
    for line in format_verdicts(result):
        style = "green" if line.startswith("PASS") else "red"
        console.print(line, style=style, markup=False)


def _stdout_takes_unicode() -> bool:
    """Can stdout encode the plots' braille and box characters? If not (PYTHONIOENCODING=ascii,
    a C locale), switch it to replacing what it cannot encode: text stays readable, no traceback."""
    enc = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "\u2502\u28ff\u2016\u2248".encode(enc)
        return True
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
        return False


def _cell(v) -> str:
    if isinstance(v, float):
        return "nan" if not math.isfinite(v) else f"{v:.4g}"
    return "-" if v is None else str(v)
