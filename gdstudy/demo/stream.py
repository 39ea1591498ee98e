"""Run one demo and stream JSON lines on stdout (for the TUI, which runs this in a subprocess):

    python -m gdstudy.demo.stream NAME [--param value ...] [--backend ...] [--seed N] ...

    {"type": "progress", "done": k, "total": n, "message": "..."}   (at most ~20 per second; the
                                                                   first, "starting NAME", before
                                                                   any heavy import)
    {"type": "result", ...DemoResult.to_dict()...}                 exit 0
    {"type": "error", "message": "..."}                            exit 2

SIGTERM or SIGINT cancels the run (the demo stops at its next checkpoint)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

__all__ = ["main"]


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-"):  # tell the TUI we are alive before numpy/torch load
        shown = argv[0] if argv[0].replace("-", "").replace("_", "").isalnum() else "demo"
        _emit({"type": "progress", "done": 0, "total": 1, "message": f"starting {shown[:40]}"})
    from gdstudy.demo.context import DemoCancelled
    from gdstudy.errors import DemoError

    cancel = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, lambda *_: cancel.set())
        except ValueError:  # not in the main thread
            pass
    try:
        if not argv or argv[0].startswith("-"):
            raise DemoError("usage: python -m gdstudy.demo.stream NAME [options]")
        from gdstudy.demo.registry import load_demo
        from gdstudy.demo.runner import parse_args, run_demo

        module = load_demo(argv[0])
        given, opts = parse_args(module, argv[1:], prog=f"demo {module.NAME}")

        def progress(done: int, total: int, message: str) -> None:
            _emit({"type": "progress", "done": done, "total": total, "message": message})

        kw = {k: opts[k] for k in ("backend", "device", "seed", "dtype")}
        if getattr(module, "BACKEND", kw["backend"]) == "torch" and "torch" not in sys.modules:
            progress(0, 1, "importing torch")              # the next ~2 s go to `import torch`
        result = run_demo(module, given, progress=progress, cancel_event=cancel, **kw)
    except DemoError as err:
        _emit({"type": "error", "message": str(err)})
        return 2
    except DemoCancelled:
        _emit({"type": "error", "message": "cancelled"})
        return 2
    _emit({"type": "result", **result.to_dict()})
    return 0


def _exit_now(code: int) -> None:
    """Leave without the interpreter's teardown: with torch loaded it takes ~0.5 s, and every
    file this process wrote is closed by then (the result line is flushed by _emit)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
