"""The `gdstudy` console script. The two launches a user makes most, `gdstudy` (the home screen)
and `gdstudy review`, with no option and in a terminal, run the review body
(`gdstudy.reviewrun.review`) straight away, without importing typer or click (about 20 ms of
a 0.3 s launch, issue 21 item 12); every other command line, and those two without a terminal
(`gdstudy` then prints the help), goes to the typer app, `gdstudy.cli.main`.
"""

from __future__ import annotations

import sys

__all__ = ["main", "fast_start"]


def fast_start(argv: list[str]) -> str | None:
    """The screen to open without the CLI for `argv` (after the program name), or None."""
    if argv not in ([], ["review"]):
        return None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    return "home" if not argv else "review"


def main() -> None:
    start = fast_start(sys.argv[1:])
    if start is None:
        from gdstudy.cli import main as cli_main

        cli_main()
        return
    from gdstudy.errors import GdstudyError
    from gdstudy.reviewrun import clean, review

    try:
        code = review(start=start)
    except GdstudyError as e:  # the same one line and exit 2 as the CLI's edge
        print(f"error: {clean(str(e))}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # ctrl+c before the screen is up: as click ends a command, no traceback
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)
    if code:
        sys.exit(code)
