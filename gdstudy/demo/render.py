"""Terminal output of a DemoResult: plotext plots, a rich table, verdict lines (or JSON)."""

from __future__ import annotations

import json
import math
import shutil
import sys

from gdstudy.demo.result import DemoResult, Plot

__all__ = ["print_result", "plot_text", "plot_legend", "format_verdicts", "plot_points", "axis_ticks",
           "format_tick", "SERIES_COLORS", "SERIES_MARKERS"]

# plotext colour of the i-th series and the Rich style that looks the same (for a legend drawn
# outside the plot area); the CLI and the TUI plots share it
SERIES_COLORS = [("blue+", "bright_blue"), ("green+", "bright_green"), ("red+", "bright_red"),
                 ("cyan+", "bright_cyan"), ("magenta+", "bright_magenta"), ("yellow", "yellow"),
                 ("gray", "grey62"), ("blue", "blue")]
# without colour (NO_COLOR, --no-color, not a terminal) the i-th series is drawn with this marker
SERIES_MARKERS = ["*", "+", "o", "x", "#", "@", "%", "="]


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


def format_tick(v: float) -> str:
    """A short tick label: 0.005, 0.5, 12, 250, 2.5k, 1.98M, 1e-05 — never 1983825.8."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    a = abs(v)
    if a >= 1e12 or a < 1e-3:
        mant, exp = f"{v:.2e}".split("e")
        return f"{float(mant):g}e{int(exp)}"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= scale:
            return f"{v / scale:.3g}{suffix}"
    return f"{v:.3g}"


def axis_ticks(lo: float, hi: float, log: bool = False, n: int = 5) -> tuple[list[float], list[str]]:
    """Tick positions and labels for an axis spanning [lo, hi]. With `log`, lo/hi are log10
    values and the labels are the real values (1, 10, 100 …; 2 and 5 in between when the axis
    covers less than two decades)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [], []
    if hi <= lo:
        return [lo], [format_tick(10 ** lo if log else lo)]
    if log:
        decades = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
        mults = (1,) if len(decades) >= 3 else (1, 2, 5)
        pos = sorted(e + math.log10(m) for e in range(math.floor(lo), math.ceil(hi) + 1) for m in mults)
        pos = [p for p in pos if lo - 1e-9 <= p <= hi + 1e-9]
        if len(pos) > 8:  # many decades: every k-th one
            k = math.ceil(len(pos) / 7)
            pos = pos[::k]
        if len(pos) < 2:  # less than one 1-2-5 step: fall back to linear ticks of the real values
            vals, _ = axis_ticks(10 ** lo, 10 ** hi, log=False, n=n)
            pos = [math.log10(v) for v in vals if v > 0]
        return pos, [format_tick(10 ** p) for p in pos]
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    pos = []
    k = 0
    while first + k * step <= hi + 1e-9 * step:
        pos.append(round(first + k * step, 12))
        k += 1
    return pos, [format_tick(p) for p in pos]


def plot_text(plot: Plot, width: int = 100, height: int = 18, color: bool = True) -> str:
    """One plot as a string (plotext): the title, a legend line outside the data area, the plot.
    In colour each series has its own colour (SERIES_COLORS, braille points); without colour
    there is no escape code and each series has its own ASCII marker (SERIES_MARKERS), named in
    the legend. Log axes are drawn the way the TUI draws them: log10 of the (positive) values,
    ticks labelled with the real values (0.01, 1, 100, 2.5M)."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, max(height - 2, 5))  # the title and the legend take two of the lines
    plt.theme("clear")
    points = plot_points(plot, take_logs=True)
    for i, (name, xs, ys) in enumerate(points):
        if color:
            plt.plot(xs, ys, color=SERIES_COLORS[i % len(SERIES_COLORS)][0], marker="braille")
        else:
            plt.plot(xs, ys, marker=SERIES_MARKERS[i % len(SERIES_MARKERS)])
    for k, log, ticks in ((1, plot.logx, plt.xticks), (2, plot.logy, plt.yticks)):
        values = [v for p in points for v in p[k]]
        if values:
            ticks(*axis_ticks(min(values), max(values), log=log))
    plt.xlabel(plot.xlabel + (" (log scale)" if plot.logx else ""))
    plt.ylabel(plot.ylabel + (" (log scale)" if plot.logy else ""))
    body = plt.build()
    plain = plt.uncolorize(body)
    plt.clear_figure()
    drawn = max((len(line) for line in plain.splitlines()), default=width)  # plotext may clamp the width
    head = [plot.title.center(drawn).rstrip()] if plot.title else []
    return "\n".join([*head, *plot_legend([name for name, _, _ in points], drawn, color), body if color else plain])


def plot_legend(names: list[str], width: int = 100, color: bool = True) -> list[str]:
    """The legend lines of a plot's series, wrapped to `width`: `━━ name` in the series' colour,
    or `* name`, `+ name` … (the series' ASCII markers) without colour."""
    from plotext import colorize

    from gdstudy.text import clean

    entries = []
    for i, name in enumerate(names):
        label = clean(name)
        if color:
            entries.append((3 + len(label), colorize("━━", SERIES_COLORS[i % len(SERIES_COLORS)][0]) + " " + label))
        else:
            entries.append((2 + len(label), f"{SERIES_MARKERS[i % len(SERIES_MARKERS)]} {label}"))
    lines: list[str] = []
    line, used = "", 0
    for n, text in entries:
        if used and used + 3 + n > width:
            lines.append(line)
            line, used = "", 0
        line += "   " + text if used else "  " + text
        used += (3 if used else 2) + n
    if line:
        lines.append(line)
    return lines


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


def print_result(result: DemoResult, as_json: bool = False, plot: bool = True, no_color: bool = False) -> None:
    """The result on stdout: colour only on a terminal and never with `no_color` or NO_COLOR
    (gdstudy.color); the plots' ASCII fallback otherwise."""
    if as_json:
        print(json.dumps(result.to_dict(), indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    from gdstudy.color import wants_color

    unicode_ok = _stdout_takes_unicode()
    color = wants_color(sys.stdout, no_color)
    console = Console(highlight=False, no_color=not color or None)
    console.print(f"[bold]{result.title}[/bold]")
    console.print(f"Claim: {result.claim}")
    console.print(f"backend {result.backend} ({result.device}, {result.dtype}), seed {result.seed}, "
                  f"{result.elapsed:.2f} s", style="dim")
    if plot and not unicode_ok:
        console.print("(plots skipped: the terminal's encoding cannot show them; set a UTF-8 locale)",
                      style="dim", markup=False)
    elif plot:
        width = min(100, shutil.get_terminal_size((100, 24)).columns)
        for p in result.plots:
            print(plot_text(p, width=width, color=color))
    if result.table is not None:
        table = Table(*result.table.columns)
        for row in result.table.rows:
            table.add_row(*(_cell(c) for c in row))
        console.print(table)
    for note in result.notes:
        console.print(note, style="dim")
    if result.takeaway:
        console.print(result.takeaway, style="bold", markup=False)
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
