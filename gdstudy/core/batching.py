"""Mini-batches. One epoch = steps_per_epoch = ceil(N / S) steps (floor(N / S) with drop_last).

Without replacement (the default) each epoch draws a fresh permutation and cuts it into
consecutive pieces, so every example is used exactly once per epoch and the order changes
between epochs. With replacement, an epoch draws N independent uniform indices instead.
Without shuffling the batches are contiguous slices (views, no copy). Either way a batch costs
one gather of rows or one slice: there is no per-example Python.

Gathering (`Batcher.gather`) is the expensive part of an epoch at large S: N random rows of X
per epoch instead of a stream. It uses `be.take_rows` (NumPy: `np.take(..., mode="clip")`,
torch: `index_select`), both several times faster than `X[idx]`, into two buffers reused from
step to step. Indices are not sorted within a batch: measured on the benchmark (N=200,000,
D=64, S=4096), sorting saves nothing (a batch touches 2 % of the rows, 12 KB apart: no cache
line or page is shared) and the sort itself costs 0.5-0.8 ms per epoch.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Batcher", "FullBatch", "distinct_batches"]


class Batcher:
    def __init__(self, be, n: int, batch_size: int, shuffle: bool = True,
                 replacement: bool = False, drop_last: bool = False) -> None:
        if not 1 <= batch_size <= n:
            raise ValueError(f"batch size must be between 1 and N={n}, got {batch_size}")
        self.be, self.n, self.batch_size = be, n, batch_size
        self.shuffle, self.replacement, self.drop_last = shuffle, replacement, drop_last
        self._buffers = None  # (device, X rows, y rows): gather's reused batch buffers

    @property
    def steps_per_epoch(self) -> int:
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def order(self):
        """The epoch's index order: (N,) int64 on the backend's device, or None (no shuffle)."""
        if self.replacement:
            return self.be.randint(self.n, self.n)   # N uniform draws, repeats allowed
        if self.shuffle:
            return self.be.permutation(self.n)       # fresh order every epoch
        return None

    def epoch(self):
        """Yield one epoch of batch indices: views into the order, or contiguous slices."""
        order, S = self.order(), self.batch_size
        for k in range(self.steps_per_epoch):
            lo, hi = k * S, min((k + 1) * S, self.n)
            yield slice(lo, hi) if order is None else order[lo:hi]

    def gather(self, X, y, idx):
        """The batch (X[idx], y[idx]) for `idx` from `epoch()`. A slice gives views; an index
        array gathers rows into buffers reused from call to call, so the returned arrays are
        valid until the next call. The indices are this Batcher's, hence in range, which lets
        `take_rows` skip the range check."""
        if isinstance(idx, slice):
            return X[idx], y[idx]
        take, n, bufs = self.be.take_rows, idx.shape[0], self._buffers
        if (bufs is None or bufs[1].shape[0] < n or bufs[1].shape[1:] != X.shape[1:]
                or bufs[1].dtype != X.dtype or bufs[2].shape[1:] != y.shape[1:]
                or bufs[2].dtype != y.dtype or bufs[0] != getattr(X, "device", None)):
            xb, yb = take(X, idx), take(y, idx)    # the first batch of an epoch has all S rows
            self._buffers = (getattr(X, "device", None), xb, yb)
            return xb, yb
        _, bx, by = bufs
        if n == bx.shape[0]:
            return take(X, idx, out=bx), take(y, idx, out=by)
        return take(X, idx, out=bx[:n]), take(y, idx, out=by[:n])


def index_batch(X, y, idx):
    """(X[idx], y[idx]): plain indexing, for slices and for indices of unknown origin."""
    return X[idx], y[idx]


class FullBatch:
    """Every step uses all the data (plain gradient descent): one step per epoch. For 2-D
    functions there is no data and one "epoch" is the whole run of `steps` steps."""

    def __init__(self, n: int | None = None, steps: int = 1) -> None:
        self.n, self.batch_size, self.steps_per_epoch = n, n, steps

    def epoch(self):
        for _ in range(self.steps_per_epoch):
            yield slice(None)

    gather = staticmethod(index_batch)


def distinct_batches(rng, R: int, n: int, S: int, T: int, chunk: int = 256):
    """R independent runs' batches for T steps, as host index arrays (R, S): S distinct
    examples of n per run, uniform and fresh every step (independent from step to step).
    S = N yields None (the full batch). Small S: draws with replacement, rows with a repeat
    drawn again; large S: the S smallest of N uniform keys."""
    per_step = R * (S if S * S <= 4 * n else n)
    chunk = int(max(1, min(chunk, 4_000_000 // max(1, per_step))))
    for lo in range(0, T, chunk):
        m = min(chunk, T - lo)
        if S == n:
            yield from [None] * m
            continue
        if S * S <= 4 * n:
            idx = rng.integers(0, n, size=(m, R, S))
            rows = idx.reshape(-1, S)                      # a view: redraws land in idx
            todo = np.arange(len(rows)) if S > 1 else np.arange(0)
            while todo.size:                               # rows with a repeat, drawn again
                srt = np.sort(rows[todo], axis=1)
                todo = todo[(srt[:, 1:] == srt[:, :-1]).any(axis=1)]
                rows[todo] = rng.integers(0, n, size=(todo.size, S))
        else:
            idx = np.argpartition(rng.random((m, R, n)), S - 1, axis=2)[:, :, :S]
        yield from idx
