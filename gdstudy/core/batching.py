"""Mini-batches. One epoch = steps_per_epoch = ceil(N / S) steps (floor(N / S) with drop_last).

Without replacement (the default) each epoch draws a fresh permutation and cuts it into
consecutive pieces, so every example is used exactly once per epoch and the order changes
between epochs. With replacement, an epoch draws N independent uniform indices instead.
Without shuffling the batches are contiguous slices (views, no copy). Either way a batch costs
one gather `X[idx]` or one slice: there is no per-example Python.
"""

from __future__ import annotations

import math

__all__ = ["Batcher", "FullBatch"]


class Batcher:
    def __init__(self, be, n: int, batch_size: int, shuffle: bool = True,
                 replacement: bool = False, drop_last: bool = False) -> None:
        if not 1 <= batch_size <= n:
            raise ValueError(f"batch size must be between 1 and N={n}, got {batch_size}")
        self.be, self.n, self.batch_size = be, n, batch_size
        self.shuffle, self.replacement, self.drop_last = shuffle, replacement, drop_last

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


class FullBatch:
    """Every step uses all the data (plain gradient descent): one step per epoch. For 2-D
    functions there is no data and one "epoch" is the whole run of `steps` steps."""

    def __init__(self, n: int | None = None, steps: int = 1) -> None:
        self.n, self.batch_size, self.steps_per_epoch = n, n, steps

    def epoch(self):
        for _ in range(self.steps_per_epoch):
            yield slice(None)
