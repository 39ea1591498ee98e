"""Run a demo: parse options, build the context, time the run, fill in the result's metadata.

One argument parser serves `gdstudy demo NAME ...`, `python demos/NAME.py ...` and
`python -m gdstudy.demo.stream NAME ...`, so the three accept exactly the same options."""

from __future__ import annotations

import argparse
import os
import sys
import time

from gdstudy.demo.context import Context
from gdstudy.demo.params import resolve_params
from gdstudy.demo.result import DemoResult
from gdstudy.errors import DemoError
from gdstudy.suggest import close_matches

__all__ = ["run_demo", "parse_args", "build_parser", "main", "COMMON", "check_seed",
           "available_memory", "check_memory", "MEMORY_FRACTION"]

COMMON = ("backend", "device", "seed", "dtype", "json", "no_plot", "no_color")

# A run may use at most this fraction of the memory the kernel reports as available
# (MemAvailable): the rest is left to the TUI, the other processes and the page cache.
MEMORY_FRACTION = 0.5
FALLBACK_MEMORY = 2 * 2 ** 30   # assumed available when neither /proc/meminfo nor sysconf answers


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump, no sys.exit
        raise DemoError(f"{self.prog}: {message}")


def build_parser(module, prog: str | None = None) -> argparse.ArgumentParser:
    prog = prog or f"gdstudy demo {module.NAME}"
    p = _Parser(prog=prog, add_help=False, allow_abbrev=False,
                description=f"{module.TITLE}\n\nClaim: {module.CLAIM}",
                formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("demo parameters")
    for par in module.PARAMS:
        extra = f" (one of {', '.join(map(str, par.choices))})" if par.choices else ""
        rng = _range_text(par)
        if par.type is bool:
            g.add_argument(par.flag, dest=par.name, action=argparse.BooleanOptionalAction,
                           default=None, help=f"{par.help} [default: {par.default}]")
        else:
            g.add_argument(par.flag, dest=par.name, default=None, metavar=par.type.__name__.upper(),
                           help=f"{par.help}{extra}{rng} [default: {par.default}]")
    c = p.add_argument_group("run options")
    c.add_argument("--backend", default="numpy", help="numpy or torch [default: numpy]")
    c.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps [default: auto]")
    c.add_argument("--seed", default="0", help="random seed [default: 0]")
    c.add_argument("--dtype", default="float32", help="float32 or float64 [default: float32]")
    c.add_argument("--json", action="store_true", help="print the whole result as JSON")
    c.add_argument("--no-plot", dest="no_plot", action="store_true", help="skip the terminal plots")
    c.add_argument("--no-color", dest="no_color", action="store_true",
                   help="no colour (also NO_COLOR=1; off anyway when stdout is not a terminal): "
                        "plot series get ASCII markers")
    c.add_argument("-h", "--help", action="store_true", help="show this help")
    return p


def _range_text(par) -> str:
    if par.min is not None and par.max is not None:
        return f" ({par.min}..{par.max})"
    if par.min is not None:
        return f" (>= {par.min})"
    return ""


def parse_args(module, argv: list[str], prog: str | None = None) -> tuple[dict, dict]:
    """-> (demo parameters as given on the command line, run options). Raises DemoError."""
    parser = build_parser(module, prog)
    ns, unknown = parser.parse_known_args(list(argv))
    if unknown:
        flags = [a for act in parser._actions for a in act.option_strings]
        bad = unknown[0]
        near = close_matches(bad.split("=")[0], flags, n=2)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise DemoError(f"{parser.prog}: unknown option {bad}{hint}")
    values = vars(ns)
    given = {p.name: values[p.name] for p in module.PARAMS if values.get(p.name) is not None}
    opts = {k: values[k] for k in COMMON}
    opts["help"] = values["help"]
    try:
        opts["seed"] = int(str(opts["seed"]).strip())
    except ValueError:
        raise DemoError(f"--seed: expected an integer, got {opts['seed']!r}") from None
    check_seed(opts["seed"])
    return given, opts


def check_seed(seed) -> int:
    """Any non-negative integer is a seed (NumPy takes it whole; the torch backend reduces it
    modulo 2**64, its generator's range). Negative or non-integer seeds raise DemoError."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise DemoError(f"--seed: expected an integer, got {seed!r}")
    if seed < 0:
        raise DemoError(f"--seed must be a non-negative integer, got {seed}")
    return seed


def available_memory(meminfo: str = "/proc/meminfo") -> int:
    """Bytes of memory available to a new allocation: MemAvailable from /proc/meminfo; else
    the free physical pages from sysconf; else FALLBACK_MEMORY."""
    try:
        with open(meminfo, encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024          # the value is in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return FALLBACK_MEMORY


def check_memory(module, params) -> None:
    """Refuse a run whose estimated peak (the demo's peak_bytes(params)) exceeds
    MEMORY_FRACTION of the available memory, with one line naming the estimate."""
    estimate = getattr(module, "peak_bytes", None)
    if estimate is None:
        return
    need = int(estimate(params))
    limit = int(MEMORY_FRACTION * available_memory())
    if need > limit:
        raise DemoError(f"demo {module.NAME}: these parameters need about {_gb(need)} of memory "
                        f"(estimated peak), more than {MEMORY_FRACTION:.0%} of the {_gb(limit / MEMORY_FRACTION)} "
                        f"available; use a smaller size")


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e7 else f"{n / 1e6:.2f} MB"


def run_demo(module, params: dict | None = None, *, backend: str = "numpy", device: str = "auto",
             seed: int = 0, dtype: str = "float32", progress=None, cancel_event=None) -> DemoResult:
    """Validate params, build the backend (errors surface before any work), run, time."""
    if isinstance(module, str):
        from gdstudy.demo.registry import load_demo
        module = load_demo(module)
    backend = getattr(module, "BACKEND", backend)  # a demo that needs one library fixes it (like DTYPE)
    resolved = resolve_params(module, params or {})
    check_seed(seed)
    check_memory(module, resolved)                # before any allocation
    dtype = getattr(module, "DTYPE", dtype)  # a demo whose claim needs one precision fixes it
    ctx = Context(backend=backend, device=device, seed=seed, dtype=dtype, progress=progress)
    if cancel_event is not None:
        ctx.cancel_event = cancel_event
    be = ctx.be
    t0 = time.perf_counter()
    result = module.run(resolved, ctx)
    result.elapsed = time.perf_counter() - t0
    result.name, result.title, result.claim = module.NAME, module.TITLE, module.CLAIM
    result.params = dict(resolved)
    result.backend, result.device, result.dtype, result.seed = be.name, be.device, dtype, int(seed)
    return result


def main(module, argv: list[str] | None = None, prog: str | None = None) -> int:
    """Parse, run with a progress bar, render. Returns 0 (PASS), 1 (FAIL) or 2 (user error)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        given, opts = parse_args(module, argv, prog)
        if opts["help"]:
            print(build_parser(module, prog).format_help())
            return 0
        result = _run_with_bar(module, given, opts)
    except DemoError as err:
        from gdstudy.text import clean
        print(f"error: {clean(str(err))}", file=sys.stderr)  # it may quote a typed value or a name
        return 2
    from gdstudy.demo.render import print_result
    print_result(result, as_json=opts["json"], plot=not opts["no_plot"], no_color=opts["no_color"])
    return 0 if result.passed else 1


def _run_with_bar(module, given: dict, opts: dict) -> DemoResult:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, no_color=opts["no_color"] or None)
    kw = {k: opts[k] for k in ("backend", "device", "seed", "dtype")}
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(module.NAME, total=1)

        def progress(done: int, total: int, message: str) -> None:
            bar.update(task, completed=done, total=total, description=message or module.NAME)

        return run_demo(module, given, progress=progress, **kw)
