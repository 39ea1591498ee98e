"""The one way a test waits: on a condition, never for a fixed time.

A test that sleeps for "long enough" passes on an idle machine and fails on a loaded one (the
suite runs on 2 cores beside other work). So every wait here polls a predicate and lets the app
(or the other thread/process) run between polls; the timeout is generous and only ends a real
hang, with a message saying what never happened.

- `await wait_until(pilot, cond, what=...)`: a Textual app under Pilot runs (`pilot.pause()`,
  which waits for the process to go idle, not a fixed delay) until `cond()` holds.
- `wait_for(cond, what=...)`: the same for plain code waiting on a thread or a child process.
"""

from __future__ import annotations

import time
from typing import Any, Callable

__all__ = ["HANG_S", "screen_settled", "wait_for", "wait_until"]

HANG_S = 120.0  # only a hang takes this long, even with both cores busy


def _fail(what: str, timeout: float, detail: str = "") -> AssertionError:
    return AssertionError(f"waited {timeout:g} s and this never held: {what or 'the condition'}{detail}")


async def wait_until(pilot: Any, cond: Callable[[], object], *, what: str = "",
                     timeout: float = HANG_S) -> None:
    """Let the app run until `cond()` is true; fail (naming `what`, the screen and the focus) only
    after `timeout` seconds."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() >= end:
            app = pilot.app
            raise _fail(what, timeout, f" (screen: {app.screen!r}, focused: {app.focused!r})")
        await pilot.pause()


def wait_for(cond: Callable[[], object], *, what: str = "", timeout: float = HANG_S) -> None:
    """Block until `cond()` is true while another thread or process works; fail after `timeout`.
    The only sleep in the tests: the poll interval of this loop, which never decides a result."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() >= end:
            raise _fail(what, timeout)
        time.sleep(0.01)


def screen_settled(app: Any) -> bool:
    """One of the app's own screens is up (not Textual's default one) and its Header, if it has
    one, shows the title with no title update pending: quitting while one is pending runs it on
    a Header already emptied (Textual's NoMatches HeaderTitle, seen on a loaded machine)."""
    from textual.widgets import Header
    from textual.widgets._header import HeaderTitle

    if len(app.screen_stack) < 2:
        return False
    screen = app.screen
    headers = screen.query(Header)
    if not headers:
        return True
    titles = screen.query(HeaderTitle)
    return bool(titles) and app.title in str(titles.first().render()) and not headers.first()._next_callbacks
