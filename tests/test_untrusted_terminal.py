"""Issue 9, the real TUI in a pseudo-terminal: after a crash `gdstudy review` exits non-zero, and
SIGTERM/SIGHUP leave the terminal usable (alternate screen left, mouse reporting off)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.waits import HANG_S

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")]

CRASH = """
import sys
import gdstudy.tui.demo_browser as browser
import gdstudy.tui.review as review
def boom(self, *args):
    raise ZeroDivisionError("a bug in the TUI")
review.ReviewScreen.action_reveal = boom
browser.DemoBrowserScreen._open = boom
sys.argv = ["gdstudy", sys.argv[1]]
from gdstudy.cli import main
main()
"""


class Tty:
    """A child process on a pty; `screen` collects everything it wrote."""

    def __init__(self, argv: list[str], home: Path) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 110, 0, 0))
        env = {k: v for k, v in os.environ.items() if k != "GDSTUDY_CONFIG"}
        env.update(GDSTUDY_HOME=str(home), TERM="xterm-256color", PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=home.parent,
                                     start_new_session=True)
        os.close(slave)
        self.screen = b""

    def drain(self, wait: float) -> None:
        import select

        while select.select([self.master], [], [], wait)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.screen += chunk
            wait = 0.01

    def wait_for(self, text: bytes, timeout: float = HANG_S) -> None:
        """Read the screen until it shows `text` (a condition; the limit only ends a hang)."""
        end = time.monotonic() + timeout
        while text not in self.screen and time.monotonic() < end and self.proc.poll() is None:
            self.drain(0.1)
        assert text in self.screen, self.screen[-2000:].decode(errors="replace")

    def finish(self, timeout: float = HANG_S) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.drain(0.1)
        self.drain(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
        code = self.proc.wait()
        os.close(self.master)
        return code


@pytest.mark.parametrize("command, ready, key", [("review", b"Show answer", b" "), ("demo", b"what it shows", b"\r")])
def test_a_crash_in_the_tui_exits_non_zero(tmp_path: Path, command: str, ready: bytes, key: bytes) -> None:
    home = tmp_path / "home"
    home.mkdir()
    t = Tty([sys.executable, "-c", CRASH, command], home)
    t.wait_for(ready)
    os.write(t.master, key)
    code = t.finish()
    assert code == 1, t.screen[-3000:].decode(errors="replace")
    assert b"ZeroDivisionError" in t.screen  # Textual showed what happened


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal(tmp_path: Path, sig: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    t = Tty([sys.executable, "-m", "gdstudy.cli", "review"], home)
    t.wait_for(b"Show answer")
    assert b"\x1b[?1049h" in t.screen and b"\x1b[?1000h" in t.screen  # alternate screen, mouse on
    before = len(t.screen)
    signum = getattr(signal, sig)
    t.proc.send_signal(signum)
    code = t.finish()
    after = t.screen[before:]
    assert b"\x1b[?1049l" in after, after[-500:]  # left the alternate screen
    assert b"\x1b[?1000l" in after and b"\x1b[?1006l" in after  # mouse reporting off
    assert code == 128 + signum
    assert b"Traceback" not in t.screen
