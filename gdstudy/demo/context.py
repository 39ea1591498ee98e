"""What a demo's run(params, ctx) gets besides its parameters: backend choice, seed, dtype,
a throttled progress callback and a cancel flag."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Context", "DemoCancelled"]


class DemoCancelled(Exception):
    """Raised by ctx.check_cancel() once the cancel event is set."""


@dataclass
class Context:
    backend: str = "numpy"
    device: str = "auto"
    seed: int = 0
    dtype: str = "float32"
    progress: Callable[[int, int, str], None] | None = None  # (done, total, message)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    min_interval: float = 0.05          # progress calls at most 20 per second
    _be: object = field(default=None, repr=False)
    _last: float = field(default=0.0, repr=False)

    @property
    def be(self):
        """The array backend (built on first use; torch is imported only if chosen)."""
        if self._be is None:
            from gdstudy.core import get_backend
            self._be = get_backend(self.backend, self.device, self.seed, self.dtype)
        return self._be

    def rng(self, stream: int = 0):
        """A host NumPy generator for data and initial weights: same numbers on every backend."""
        import numpy as np
        return np.random.default_rng([self.seed, stream])

    def report(self, done: float, total: float, message: str = "") -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.min_interval:
            return
        self._last = now
        self.progress(int(done), int(total), message)

    def phase(self, k: int, n: int, message: str, scale: int = 1000):
        """A progress callback (done, total) for phase k of n, mapped onto 0..n*scale."""
        def callback(done: int, total: int) -> None:
            frac = done / total if total else 1.0
            self.report(int((k + frac) * scale), n * scale, message)
            if done >= total and k == n - 1:
                self.report(n * scale, n * scale, message)
        return callback

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancel(self) -> None:
        if self.cancel_event.is_set():
            raise DemoCancelled("cancelled")
