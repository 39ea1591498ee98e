"""Writing an output file whole or not at all: a temp file beside the target, renamed over it
(os.replace) only when everything was written. Shared by the Anki export and the review-log export."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from gdstudy.errors import ConfigError, GdstudyError

__all__ = ["check_output", "replacing"]


def check_output(out: Path) -> Path:
    """The target's folder must exist and the target must not be a folder (one clear line each)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: folder {out.parent} does not exist")
    if out.is_dir():
        raise ConfigError(f"cannot write {out}: it is a folder")
    return out


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """Yield a temp path beside `out`; when the block ends without an error it replaces `out`. The
    temp file is removed in every case; an OSError becomes one `cannot write OUT: reason` line."""
    out = check_output(out)
    fd, tmp = tempfile.mkstemp(prefix=".gdstudy-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, out)
    except OSError as e:
        raise GdstudyError(f"cannot write {out}: {e.strerror or e}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
