"""The `gdstudy demo` command. Importing this module is cheap: numpy, plotext, rich's progress
and torch are imported only when a demo actually runs.

    gdstudy demo                    (in a terminal: the demo browser TUI; otherwise the list)
    gdstudy demo list
    gdstudy demo NAME [--param value ...] [--backend numpy|torch] [--device auto|cpu|cuda|cuda:N|mps]
                      [--seed N] [--dtype float32|float64] [--json] [--no-plot]
    gdstudy demo NAME --help        (lists the demo's own parameters)

Exit codes: 0 PASS, 1 FAIL (the run worked but a check failed), 2 user error (one line on stderr).
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from gdstudy.errors import DemoError

__all__ = ["register", "run_command", "list_demos"]

USAGE = ("usage: gdstudy demo list | gdstudy demo NAME [--param value ...] [--backend numpy|torch] "
         "[--device auto|cpu|cuda|cuda:N|mps] [--seed N] [--dtype float32|float64] [--json] "
         "[--no-plot]  (gdstudy demo NAME --help for its parameters)")


def register(app: typer.Typer) -> None:
    """Add the `demo` command (with `demo list`) to the main typer app."""

    @app.command(
        "demo",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                          "help_option_names": []},
        help="Run a demo that checks a card's claim numerically; `gdstudy demo list` lists them. "
             "Options: --backend numpy|torch, --device, --seed, --dtype, --json, --no-plot, and "
             "per-demo parameters (gdstudy demo NAME --help).",
    )
    def demo(ctx: typer.Context,
             name: Optional[str] = typer.Argument(None, help="demo name, or 'list'")) -> None:
        code = run_command(name, list(ctx.args))
        if code:
            raise typer.Exit(code)


def run_command(name: str | None, args: list[str]) -> int:
    """The command body; returns the exit code. DemoError -> one line on stderr, exit 2."""
    try:
        if name is None and not args and sys.stdin.isatty() and sys.stdout.isatty():
            from gdstudy.tui import make_app  # in a terminal: the demo browser

            make_app(start="demos").run()
            return 0
        if name in (None, "list", "--help", "-h"):
            if name in ("--help", "-h") or "--help" in args or "-h" in args:
                print(USAGE)
            list_demos(as_json="--json" in args)
            return 0
        from gdstudy.demo.registry import load_demo
        from gdstudy.demo.runner import main
        module = load_demo(name)
    except DemoError as err:
        from gdstudy.text import clean
        print(f"error: {clean(str(err))}", file=sys.stderr)  # it may quote a typed value or a name
        return 2
    return main(module, args, prog=f"gdstudy demo {module.NAME}")


def list_demos(as_json: bool = False) -> None:
    from gdstudy.demo.registry import demo_names, load_demo
    rows = []
    for n in demo_names():
        try:
            m = load_demo(n)
            rows.append({"name": n, "title": m.TITLE, "claim": m.CLAIM})
        except DemoError as err:
            rows.append({"name": n, "title": f"(broken: {err})", "claim": ""})
    if as_json:
        import json
        print(json.dumps(rows, indent=1))
        return
    w = max((len(r["name"]) for r in rows), default=0)  # the longest name sets the column
    for r in rows:
        print(f"{r['name']:<{w}}  {r['title']}")
        if r["claim"]:
            print(f"{'':<{w}}  claim: {r['claim']}")
