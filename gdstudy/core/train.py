"""The training loop.

    for each epoch:
        for idx in batcher.epoch():          # one gather (or slice) per batch
            xb, yb = batcher.gather(X, y, idx)   # rows into reused buffers
            loss, grads = problem.loss_and_grad(params, xb, yb)
            opt.step(grads)
            losses[step] = loss              # stays on the device: no host sync per step

Every `check_every` steps (and at epoch ends) a checkpoint syncs the device once, scans the new
mini-batch losses for NaN/inf or blow-up, evaluates the full loss when due, reports progress and
looks at the cancel flag. The training clock (`TrainResult.time`) runs only while training:
full-loss evaluations are excluded, so wall-clock comparisons between batch sizes are fair.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from time import perf_counter

import numpy as np

from gdstudy.core.batching import FullBatch, index_batch

__all__ = ["train", "TrainResult"]


@dataclass
class TrainResult:
    steps: int = 0                                   # updates done
    batch_size: int | None = None
    steps_per_epoch: int = 1
    batch_losses: list = field(default_factory=list)  # loss of the mini-batch at each step
    eval_steps: list = field(default_factory=list)   # step numbers of full-loss evaluations
    eval_losses: list = field(default_factory=list)  # full loss at those steps
    eval_times: list = field(default_factory=list)   # training clock (s) at those steps
    eval_samples: list = field(default_factory=list)  # examples seen at those steps
    epoch_ends: list = field(default_factory=list)   # step number at the end of each epoch
    samples_seen: int = 0
    time: float = 0.0                                # training clock, evaluations excluded
    total_time: float = 0.0                          # including evaluations
    path: list | None = None                         # 2-D problems: [[x, y], ...] per step
    stopped: str = "done"                            # done | target | time | diverged | cancelled
    diverged_at: int | None = None                   # first bad step (1-based)
    target_step: int | None = None                   # first evaluation at or below target_loss
    target_time: float | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def message(self) -> str:
        if self.diverged:
            return f"diverged at step {self.diverged_at}"
        return {"target": f"reached the target loss at step {self.target_step}",
                "time": f"stopped by the time budget after {self.steps} steps",
                "cancelled": f"cancelled after {self.steps} steps"}.get(
                    self.stopped, f"finished {self.steps} steps")

    @property
    def final_loss(self) -> float:
        return self.eval_losses[-1] if self.eval_losses else math.nan

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainResult":
        return cls(**d)


LOSS_CHUNK = 1 << 16   # mini-batch losses first allocated for this many steps


def train(problem, params: dict, opt, X=None, y=None, batcher=None, *, epochs: int = 1,
          max_steps: int | None = None, eval_every: int = 0, check_every: int = 256,
          target_loss: float | None = None, stop_at_target: bool = False,
          max_seconds: float | None = None, blowup: float = 1e6, record_path: bool = False,
          eval_at_epoch_end: bool = True,
          progress=None, cancel=None, on_batch=None) -> TrainResult:
    """Run `epochs` epochs (or `max_steps` steps) of `opt` on `problem`; update params in place.

    batcher: a Batcher, or None for full-batch steps (2-D functions: X = y = None).
    eval_every: full loss every k steps (0: only at the start, at epoch ends and at the end).
    eval_at_epoch_end: False skips the epoch-end evaluations (full batch: every step is one).
    progress(done, total): called at checkpoints. cancel(): return True to stop early.
    on_batch(idx): called with each batch's indices (for demos that inspect the order).
    """
    be = problem.be
    if X is None:  # 2-D functions: no data, no epochs; the whole run is one "epoch"
        total = max_steps if max_steps is not None else epochs
        batcher = FullBatch(None, steps=max(total, 1))
    batcher = batcher or FullBatch(X.shape[0])
    gather = getattr(batcher, "gather", index_batch)  # a custom batcher may only have epoch()
    spe = batcher.steps_per_epoch
    total = max_steps if max_steps is not None else epochs * spe
    n_epochs = math.ceil(total / spe) if spe else 0
    cap = min(total, LOSS_CHUNK)                      # grown by doubling: a long budget that stops
    losses = be.zeros(cap)                           # early (time, target) never allocates it all
    path = be.zeros((total + 1, 2)) if record_path else None
    if record_path:
        path[0] = params["xy"]
    res = TrainResult(batch_size=batcher.batch_size, steps_per_epoch=spe)
    state = _Checker(problem, params, X, y, losses, res, total, eval_every, check_every,
                     target_loss, stop_at_target, max_seconds, blowup, progress, cancel)
    state.eval_epochs = eval_at_epoch_end
    state.stop = state.evaluate(0) or total == 0
    step = 0
    state.start()
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected, not warned
        for _ in range(0 if state.stop else n_epochs):
            for idx in batcher.epoch():
                xb, yb = (None, None) if X is None else gather(X, y, idx)
                loss, grads = problem.loss_and_grad(params, xb, yb)
                opt.step(grads)
                if step >= cap:                      # (steps,) on the device, doubled when full
                    losses = state.losses = be.concat([losses, be.zeros(min(cap, total - cap))])
                    cap = len(losses)
                losses[step] = loss
                step += 1
                if record_path:
                    path[step] = params["xy"]
                if on_batch is not None:
                    on_batch(idx)
                if step >= state.next_check and state.checkpoint(step):
                    break
            if state.stop:
                break
    state.finish(step)
    res.batch_losses = _clean(be.to_numpy(losses[:step]))
    if record_path:
        res.path = be.to_numpy(path[: step + 1]).astype(float).tolist()
    return res


class _Checker:
    """Checkpoint bookkeeping: clock, divergence scan, full-loss evaluations, progress, cancel."""

    def __init__(self, problem, params, X, y, losses, res, total, eval_every, check_every,
                 target_loss, stop_at_target, max_seconds, blowup, progress, cancel) -> None:
        self.problem, self.params, self.X, self.y = problem, params, X, y
        self.be, self.losses, self.res, self.total = problem.be, losses, res, total
        self.eval_every, self.check_every = eval_every, max(1, check_every)
        self.target_loss, self.stop_at_target = target_loss, stop_at_target
        self.max_seconds, self.blowup = max_seconds, blowup
        self.progress, self.cancel = progress, cancel
        self.scanned = 0           # losses[:scanned] already checked
        self.limit = math.inf      # blow-up threshold, set from the first full loss
        self.batch = batch_size_of(X, res.batch_size)
        self.clock = 0.0
        self.stop = total == 0
        self.t_begin = perf_counter()

    def start(self) -> None:
        self._plan(0)
        self.t0 = perf_counter()

    def _plan(self, step: int) -> None:
        spe = self.res.steps_per_epoch
        nxt = min(step + self.check_every, self.total)
        if self.eval_epochs:  # stop at the next epoch end to evaluate there
            nxt = min(nxt, (step // spe + 1) * spe)
        if self.eval_every:
            nxt = min(nxt, (step // self.eval_every + 1) * self.eval_every)
        self.next_check = nxt

    def evaluate(self, step: int) -> bool:
        """Full loss at `step`; returns True when training should stop."""
        with np.errstate(all="ignore"):
            full = float(self.problem.loss(self.params, self.X, self.y))  # host sync
        r = self.res
        r.eval_steps.append(step)
        r.eval_losses.append(full if math.isfinite(full) else math.nan)
        r.eval_times.append(self.clock)
        r.eval_samples.append(r.samples_seen)
        if step == 0:
            self.limit = self.blowup * max(abs(full), 1e-12)
        if not math.isfinite(full) or abs(full) > self.limit:
            r.diverged_at = r.diverged_at or max(step, 1)
            return True
        if self.target_loss is not None and full <= self.target_loss and r.target_step is None:
            r.target_step, r.target_time = step, self.clock
            if self.stop_at_target:
                r.stopped = "target"
                return True
        return False

    def checkpoint(self, step: int) -> bool:
        """Sync, scan new losses, maybe evaluate; sets and returns self.stop."""
        self.be.sync()
        self.clock += perf_counter() - self.t0
        r = self.res
        r.steps, r.samples_seen = step, self._samples(step)
        spe = r.steps_per_epoch
        r.epoch_ends.extend(range((self.scanned // spe + 1) * spe, step + 1, spe))
        at_epoch_end = step % spe == 0
        new = self.be.to_numpy(self.losses[self.scanned:step])
        bad = ~np.isfinite(new) | (np.abs(new) > self.limit)
        self.scanned = step
        if bad.any():
            r.diverged_at = max(step - len(new) + int(np.argmax(bad)), 1)  # updates done
            self.stop = True
        due = (at_epoch_end and self.eval_epochs) or step == self.total or (self.eval_every and step % self.eval_every == 0)
        if not self.stop and due:
            self.stop = self.evaluate(step)
        if r.diverged:
            r.stopped = "diverged"
        elif not self.stop and self.max_seconds is not None and self.clock >= self.max_seconds:
            r.stopped, self.stop = "time", True
        if self.progress is not None:
            self.progress(step, self.total)
        if not self.stop and self.cancel is not None and self.cancel():
            r.stopped, self.stop = "cancelled", True
        if step >= self.total:
            self.stop = True
        self._plan(step)
        self.t0 = perf_counter()
        return self.stop

    def _samples(self, step: int) -> int:
        """Examples used after `step` steps (the last batch of an epoch may be short)."""
        n = self.X.shape[0] if self.X is not None else 1
        b = self.batch or n
        epochs, rest = divmod(step, self.res.steps_per_epoch)
        return epochs * min(self.res.steps_per_epoch * b, n) + min(rest * b, n)

    def finish(self, step: int) -> None:
        self.res.steps = step
        self.res.time = self.clock
        self.res.total_time = perf_counter() - self.t_begin


def batch_size_of(X, batch_size):
    return batch_size if batch_size is not None else (X.shape[0] if X is not None else None)


def _clean(a: np.ndarray) -> list:
    """Host list of floats with NaN for non-finite values (JSON-friendly later)."""
    a = np.asarray(a, dtype=float)
    return np.where(np.isfinite(a), a, np.nan).tolist()
