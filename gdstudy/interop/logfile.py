"""Reading a review-log file as untrusted input, for `gdstudy log import`: only a regular file
(a FIFO, a device, a socket or a folder is refused without blocking), in binary, split into
lines here with a length cap and decoded as UTF-8, so memory stays bounded whatever the file
holds and every error names its real line (`path:line: ...`).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO, Iterator

from gdstudy.errors import GdstudyError

__all__ = ["LogFileError", "open_regular", "lines", "MAX_LINE", "FUTURE_SLACK_MS"]


class LogFileError(GdstudyError):
    """A problem in a review-log file, located at `path:line`."""


FUTURE_SLACK_MS = 86_400_000  # clocks and time zones differ a little; a day later is a wrong clock
MAX_LINE = 1 << 20  # bytes; a revlog row is ~80
CHUNK = 1 << 20


def open_regular(path: Path) -> BinaryIO:
    """The file at `path` if it is a regular file, opened without blocking (a FIFO without a
    writer would block a plain open() forever); else one LogFileError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ENXIO:  # (a socket)
            raise LogFileError(f"{path}: not a regular file; refusing to read it") from None
        raise LogFileError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or special file"
            raise LogFileError(f"{path}: not a regular file ({what}); refusing to read it")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def lines(raw: BinaryIO, path: Path) -> Iterator[str]:
    """The file's lines (split at b"\n", ends kept), each at most MAX_LINE bytes and decoded
    as UTF-8; a longer line or a bad byte is LogFileError at its own line number. Whole
    chunks are decoded at once (a newline byte never falls inside a UTF-8 sequence) and split
    by lines only when a chunk does not decode."""
    n = 0  # lines before the current chunk
    rest = b""
    while True:
        try:
            data = raw.read(CHUNK)
        except OSError as e:
            raise LogFileError(f"{path}:{n + 1}: cannot read: {e.strerror or e}") from None
        if not data:
            break
        buf = rest + data if rest else data
        cut = buf.rfind(b"\n") + 1
        if cut == 0:
            if len(buf) > MAX_LINE:
                raise LogFileError(f"{path}:{n + 1}: line longer than {MAX_LINE >> 20} MB: not a review log")
            rest = buf
            continue
        block, rest = buf[:cut], buf[cut:]
        try:
            text, bad = block.decode("utf-8"), None
        except UnicodeDecodeError as e:  # the lines before the bad one are read first (file order)
            bad = _not_utf8(block, e.start, path, n)
            text = block[: block.rfind(b"\n", 0, e.start) + 1].decode("utf-8")
        parts = text.split("\n")
        parts.pop()  # (empty: the text ends with a newline)
        for p in parts:
            if len(p) > MAX_LINE:
                raise LogFileError(f"{path}:{n + 1}: line longer than {MAX_LINE >> 20} MB: not a review log")
            n += 1
            yield p + "\n"
        if bad is not None:
            raise bad
        if len(rest) > MAX_LINE:
            raise LogFileError(f"{path}:{n + 1}: line longer than {MAX_LINE >> 20} MB: not a review log")
    if rest:
        try:
            yield rest.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _not_utf8(rest, e.start, path, n) from None


def _not_utf8(block: bytes, pos: int, path: Path, before: int) -> LogFileError:
    line = before + block.count(b"\n", 0, pos) + 1
    col = pos - (block.rfind(b"\n", 0, pos) + 1) + 1
    return LogFileError(f"{path}:{line}: not UTF-8 text (byte 0x{block[pos]:02x} at column {col}); "
                        "save the file as UTF-8")
