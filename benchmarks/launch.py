"""Launch speed, each against a yardstick spawned and timed the same way, paired run by run.

    .venv/bin/python benchmarks/launch.py              # idle, 20 pairs each, about 30 s
    .venv/bin/python benchmarks/launch.py --busy 2     # the same with two busy loops of our own
    .venv/bin/python benchmarks/launch.py --both       # idle, then busy: both tables

(a) `gdstudy --help` (the installed console script) against a minimal typer app with the same
    top-level command names and one-line helps, printing its `--help`.
(b) `gdstudy review` from process spawn to the first card painted, against a bare Textual app
    (Header, one Markdown with that card's front, Footer) from spawn to its first paint.

Both children of (b) run the same probe (`PROBE`): an import hook wraps `textual.app.App.run`
when Textual is first imported, so the app runs headless at 100×40; once a Markdown widget shows
the card's front with its blocks mounted, the probe waits for the next screen refresh and writes
`RENDERED`; the parent's clock runs from `Popen` to that line. gdstudy runs its real command
(argv `gdstudy review`, an empty store, so the shipped deck's first new
card is due) through the installed console script's target as pyproject.toml declares it
(`[project.scripts]`, gdstudy.launch:main, which starts the review screen without typer); the bare
app is nothing but the three widgets.

Each pair runs the two children back to back, the order alternating pair by pair, so a burst of
machine noise hits both alike; the result is the median of the per-pair ratios with a
distribution-free confidence interval (order statistics of the ratios, exact binomial coverage).

`--busy N` starts N `python -c 'while 1: pass'` loops at the benchmark's own priority (not niced
relative to it; run the whole thing under `nice` and they are niced alike) for the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from contextlib import contextmanager
from math import comb
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable

HELP_TARGET, FIRST_CARD_TARGET = 1.25, 1.30


def child_env(home: Path) -> dict[str, str]:
    """The children's environment. Python's bytecode cache is on, as a user has it (pip compiles
    an installed package; an editable install writes `__pycache__` on its first run): with
    PYTHONDONTWRITEBYTECODE set, as in this project's sandbox, every launch would compile gdstudy's
    ~45 modules from source (about 40 ms), while Textual and typer come compiled."""
    env = {k: v for k, v in os.environ.items() if k not in ("GDSTUDY_CONFIG", "PYTHONDONTWRITEBYTECODE")}
    env["GDSTUDY_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# -- statistics ------------------------------------------------------------------------------------


def median_ci(xs: list[float], conf: float = 0.95) -> tuple[float, float, float]:
    """(low, high, coverage): the order-statistic interval for the median, the narrowest symmetric
    one whose exact binomial coverage is at least `conf` (all of xs when none is)."""
    s, n = sorted(xs), len(xs)
    k = 0  # s[k] .. s[n-1-k]; coverage = 1 - 2 P(Bin(n, 1/2) <= k - 1)
    while k + 1 <= (n - 1) // 2 and 1 - 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n >= conf:
        k += 1
    coverage = 1 - 2 * sum(comb(n, i) for i in range(k)) / 2**n
    return s[k], s[n - 1 - k], coverage


def paired(a: Callable[[], tuple[float, float]], b: Callable[[], tuple[float, float]], pairs: int) -> dict:
    """`pairs` runs of a and b back to back, alternating which goes first; a ÷ b per pair, of the
    wall time (the result) and of the CPU time (for information: less sensitive to other load)."""
    ta, tb = [], []
    for i in range(pairs):
        if i % 2 == 0:
            ta.append(a())
            tb.append(b())
        else:
            tb.append(b())
            ta.append(a())
    ratios = [x[0] / y[0] for x, y in zip(ta, tb)]
    cpu_ratios = [x[1] / y[1] for x, y in zip(ta, tb)]
    low, high, coverage = median_ci(ratios)
    return {"a": statistics.median(x[0] for x in ta), "b": statistics.median(x[0] for x in tb),
            "ratio": statistics.median(ratios), "low": low, "high": high, "coverage": coverage, "pairs": pairs,
            "ratios": ratios, "cpu_a": statistics.median(x[1] for x in ta), "cpu_b": statistics.median(x[1] for x in tb),
            "cpu_ratio": statistics.median(cpu_ratios)}


# -- (a) --help --------------------------------------------------------------------------------------


def gdstudy_command() -> list[str]:
    script = Path(PY).parent / "gdstudy"
    return [str(script)] if script.exists() else [PY, "-m", "gdstudy.cli"]


def wall(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run to its exit."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exit {proc.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime


def top_level_commands(env: dict[str, str], cwd: Path) -> list[tuple[str, str]]:
    """(name, one-line help) of every top-level gdstudy command, read from the real app."""
    code = ("import json, typer.main, gdstudy.cli as c; g = typer.main.get_command(c.app); "
            "print(json.dumps([(n, (g.commands[n].help or '').strip().splitlines()[0] if g.commands[n].help else '') "
            "for n in g.list_commands(None)]))")
    out = subprocess.run([PY, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, check=True).stdout
    return [tuple(x) for x in json.loads(out)]


def mini_typer_app(commands: list[tuple[str, str]]) -> str:
    """A minimal typer app: one argument-less command per name, with the same help line."""
    lines = ["import typer", "", "app = typer.Typer(help='Study gradient descent, SGD and mini-batches.',"
             " add_completion=False)", ""]
    for i, (name, help_) in enumerate(commands):
        lines += [f"@app.command({name!r}, help={help_!r})", f"def c{i}() -> None:", "    pass", ""]
    lines += ["if __name__ == '__main__':", "    app()", ""]
    return "\n".join(lines)


def bench_help(tmp: Path, pairs: int) -> dict:
    env = child_env(tmp / "home-help")
    commands = top_level_commands(env, tmp)
    mini = tmp / "mini_typer.py"
    mini.write_text(mini_typer_app(commands), encoding="utf-8")
    gd, yard = gdstudy_command() + ["--help"], [PY, str(mini), "--help"]
    for cmd in (gd, yard):  # warm the file cache and .pyc files
        wall(cmd, env, tmp)
    res = paired(lambda: wall(gd, env, tmp), lambda: wall(yard, env, tmp), pairs)
    res["commands"] = [n for n, _ in commands]
    return res


# -- (b) first card ------------------------------------------------------------------------------------

# The same for both children. BENCH_FRONT empty (the warm-up): the front of the card on the screen
# (`screen.card`, gdstudy's review screen) is reported instead, for the bare app to show.
PROBE = textwrap.dedent(
    """
    import os, sys, time, importlib.machinery
    FRONT = os.environ.get("BENCH_FRONT", "")

    def shown(app):
        from textual.widgets import Markdown
        front = FRONT or getattr(getattr(app.screen, "card", None), "front", None)
        if not front:
            return None
        return front if any(m.source == front and m.children for m in app.screen.query(Markdown)) else None

    def patch(App):
        real_run = App.run
        def run(self, *a, **k):
            async def auto_pilot(pilot):
                while (front := shown(self)) is None:
                    await pilot.pause(0.002)
                def painted():
                    stamp = json_dumps([front, time.process_time()])  # CPU so far, startup included
                    os.write(int(os.environ["BENCH_FD"]), ("RENDERED " + stamp + "\\n").encode())
                    self.exit()
                self.call_after_refresh(painted)
            return real_run(self, headless=True, size=(100, 40), auto_pilot=auto_pilot)
        App.run = run

    def json_dumps(s):
        import json
        return json.dumps(s)

    class Hook:
        def find_spec(self, name, path, target=None):
            if name != "textual.app":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            real = spec.loader.exec_module
            def exec_module(module):
                real(module)
                patch(module.App)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Hook())
    """
)

def console_script() -> str:
    """`module:function` of the `gdstudy` console script, as pyproject.toml declares it."""
    import tomllib

    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["scripts"]["gdstudy"]


_MODULE, _FUNC = console_script().split(":")
GDSTUDY_REVIEW = PROBE + textwrap.dedent(
    f"""
    sys.argv = ["gdstudy", "review"]
    from {_MODULE} import {_FUNC} as main
    sys.exit(main())
    """
)

BARE_APP = PROBE + textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Footer, Header, Markdown

    class Bare(App):
        def compose(self):
            yield Header()
            yield Markdown(FRONT)
            yield Footer()

    Bare().run()
    """
)


def time_to_line(code: str, env: dict[str, str], cwd: Path) -> tuple[float, str, float]:
    """Spawn `python -c code` with a pseudo-terminal as its stdin, stdout and stderr (as a user's
    shell gives it: gdstudy refuses to start a screen without one); seconds until the probe writes
    its RENDERED line to the pipe given in BENCH_FD, the front it showed and its CPU time then."""
    r, w = os.pipe()
    master, slave = pty.openpty()
    out: list[bytes] = []

    def drain() -> None:  # whatever the child writes to its terminal, so it never blocks
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not chunk:
                return
            out.append(chunk)

    t = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", code], env={**env, "BENCH_FD": str(w)}, cwd=cwd, stdin=slave,
                            stdout=slave, stderr=slave, pass_fds=(w,))
    os.close(slave)
    os.close(w)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with os.fdopen(r, "rb") as stamps:
        line = stamps.readline()
    elapsed = time.perf_counter() - t
    code_ = proc.wait(timeout=60)
    reader.join(timeout=10)
    os.close(master)
    text = b"".join(out).decode(errors="replace")
    if not line.startswith(b"RENDERED "):
        raise RuntimeError(f"child never rendered (exit {code_}):\n{text}")
    if code_ != 0:
        raise RuntimeError(f"child exit {code_}:\n{text}")
    front, cpu = json.loads(line.removeprefix(b"RENDERED "))
    return elapsed, front, cpu


def bench_first_card(tmp: Path, pairs: int) -> dict:
    env = child_env(tmp / "home-tui")  # an empty store: the shipped deck's new cards are due
    _, front, _ = time_to_line(GDSTUDY_REVIEW, env, tmp)  # warm-up; creates the database, finds the card
    env["BENCH_FRONT"] = front
    time_to_line(BARE_APP, env, tmp)

    def run(code: str) -> tuple[float, float]:
        elapsed, shown, cpu = time_to_line(code, env, tmp)
        assert shown == front, "the first card changed between runs"
        return elapsed, cpu

    res = paired(lambda: run(GDSTUDY_REVIEW), lambda: run(BARE_APP), pairs)
    res["front_chars"] = len(front)
    return res


# -- load ------------------------------------------------------------------------------------------------


@contextmanager
def busy_loops(n: int) -> Iterator[None]:
    """n `python -c 'while 1: pass'` processes for the duration (ended by their own pids)."""
    procs = [subprocess.Popen([PY, "-c", "while 1: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


# -- report ----------------------------------------------------------------------------------------------


def ms(x: float) -> str:
    return f"{x * 1000:.0f} ms"


def rows(a: dict, b: dict, label: str) -> list[str]:
    def verdict(r: dict, target: float) -> str:
        return "PASS" if r["ratio"] <= target else "FAIL"

    ci = lambda r: f"{r['low']:.2f}–{r['high']:.2f} ({r['coverage'] * 100:.0f} %)"  # noqa: E731
    cpu = lambda r: f"{ms(r['cpu_a'])} ÷ {ms(r['cpu_b'])} = {r['cpu_ratio']:.2f}×"  # noqa: E731
    return [
        f"| `gdstudy --help` ÷ minimal typer app, {len(a['commands'])} commands, {label} | "
        f"{ms(a['a'])} ÷ {ms(a['b'])} | {a['ratio']:.2f}× | {ci(a)} | {cpu(a)} | ≤ {HELP_TARGET:.2f}× | "
        f"{verdict(a, HELP_TARGET)} |",
        f"| launch → first card painted ÷ bare Textual app, {label} | {ms(b['a'])} ÷ {ms(b['b'])} | "
        f"{b['ratio']:.2f}× | {ci(b)} | {cpu(b)} | ≤ {FIRST_CARD_TARGET:.2f}× | {verdict(b, FIRST_CARD_TARGET)} |",
    ]


HEADER = ["| measurement (median of pairs) | wall, medians | median ratio | CI of the ratio (coverage) "
          "| CPU time (info) | target | result |",
          "|---|---|---|---|---|---|---|"]


def measure(tmp: Path, pairs: int, busy: int) -> tuple[dict, dict, str]:
    label = "idle" if not busy else f"{busy} busy loops"
    with busy_loops(busy):
        print(f"(a) --help, {pairs} pairs, {label} …", file=sys.stderr, flush=True)
        a = bench_help(tmp, pairs)
        print(f"(b) first card, {pairs} pairs, {label} …", file=sys.stderr, flush=True)
        b = bench_first_card(tmp, pairs)
    return a, b, label


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=20, help="paired runs per measurement (default 20)")
    ap.add_argument("--busy", type=int, default=0, help="busy loops to run during the measurement")
    ap.add_argument("--both", action="store_true", help="idle, then with two busy loops")
    ap.add_argument("--json", action="store_true", help="also print the raw results as JSON")
    args = ap.parse_args()
    loads = [0, 2] if args.both else [args.busy]
    lines, raw = list(HEADER), []
    with tempfile.TemporaryDirectory(prefix="gdstudy-launch-") as d:
        for busy in loads:
            load0 = os.getloadavg()[0]
            a, b, label = measure(Path(d), args.pairs, busy)
            lines += rows(a, b, label + f", load {load0:.1f}")
            raw.append({"busy": busy, "help": a, "first_card": b})
    print("\n".join(lines))
    if args.json:
        print(json.dumps(raw))


if __name__ == "__main__":
    main()
