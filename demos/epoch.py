"""What an epoch is: with reshuffling, every example is used exactly once per epoch, an epoch
has ceil(N/S) steps, and the order changes from one epoch to the next.

The demo trains a small least-squares model with the core's Batcher and records the indices
of every batch the training loop actually used; the checks are exact counts on those indices,
plus one statistical test that the new order is unrelated to the old one: the correlation r of
the example indices at the same positions in consecutive epochs is 0 +- 1/sqrt(N-1) for
independent uniform permutations (z = r sqrt(N-1), Bonferroni over the epoch pairs). That the
training loop counted as many examples as were recorded is bookkeeping. A run that diverges
stops early and says so in every verdict. Switch on --replacement, --drop-last or --no-shuffle to
see which claim breaks.

    python demos/epoch.py --help
    python demos/epoch.py --n 10 --batch-size 3
    gdstudy demo epoch --replacement
"""

import math
import sys
from array import array
from pathlib import Path

import numpy as np

try:
    import gdstudy.demo  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gdstudy.demo import DemoResult, Param, Plot, Series, Table, Verdict, run_standalone
from gdstudy.errors import DemoError

NAME = "epoch"
TITLE = "An epoch sees every example exactly once, in ceil(N/S) steps, in a new order"
CLAIM = ("With reshuffling (sampling without replacement) every example is seen exactly once per "
         "epoch, an epoch has ceil(N/S) steps, and the order differs between epochs.")

PARAMS = [
    Param("n", 1000, "number of examples N", min=3, max=1_000_000),
    Param("batch_size", 64, "mini-batch size S", min=1, max=1_000_000),
    Param("epochs", 3, "number of epochs", min=2, max=1000),
    Param("lr", 0.05, "learning rate", min=1e-6, max=10.0),
    Param("shuffle", True, "reshuffle every epoch"),
    Param("replacement", False, "sample with replacement (breaks 'exactly once')"),
    Param("drop_last", False, "drop the last short batch (breaks ceil(N/S) and coverage)"),
]

ALPHA = 1e-3   # false-alarm rate of each statistical check (kept out of PARAMS: a short form)


def check(p):
    if p.batch_size > p.n:
        raise DemoError(f"--batch-size ({p.batch_size}) must be <= --n ({p.n})")


def peak_bytes(p) -> int:
    """The recorded indices (8 bytes each) and batch lengths (8 bytes a step), the core's loss
    history (a float32 buffer and then a list of Python floats, ~36 bytes a step), per-epoch
    counts and the data."""
    steps = p.epochs * math.ceil(p.n / p.batch_size)
    return int(p.epochs * p.n * 8 * 2 + steps * (8 + 4 + 36) + p.n * 9 * 8 * 3 + 16e6)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import SGD, Batcher, LinearRegression, make_regression, to_backend, train

    be = ctx.be
    Xh, yh, _ = make_regression(p.n, 8, seed=ctx.seed)
    X, y = be.asarray(Xh), be.asarray(yh)
    prob = LinearRegression(be, 8)
    params = to_backend(be, prob.init_params(ctx.rng(1)))
    batcher = Batcher(be, p.n, p.batch_size, shuffle=p.shuffle, replacement=p.replacement,
                      drop_last=p.drop_last)
    seen = Recorder(p.epochs * p.n)  # the indices of every batch, in training order

    res = train(prob, params, SGD(params, lr=p.lr), X, y, batcher, epochs=p.epochs,
                progress=ctx.phase(0, 1, "training"), cancel=ctx.cancelled,
                on_batch=lambda idx: seen.add(np.arange(p.n)[idx] if isinstance(idx, slice) else be.to_numpy(idx)))
    ctx.check_cancel()
    return _result(p, res, seen)


class Recorder:
    """Every batch's indices in one flat int64 buffer (grown if ever needed) plus each batch's
    length in a compact array: 8 bytes an index and 8 a batch, not a NumPy object per batch."""

    def __init__(self, capacity: int) -> None:
        self.buf = np.empty(max(1, capacity), dtype=np.int64)
        self.used = 0
        self.lengths = array("q")

    def add(self, idx) -> None:
        k = len(idx)
        if self.used + k > len(self.buf):
            self.buf = np.concatenate([self.buf, np.empty(max(k, len(self.buf)), dtype=np.int64)])
        self.buf[self.used:self.used + k] = idx
        self.used += k
        self.lengths.append(k)

    def __len__(self) -> int:
        return len(self.lengths)

    def epoch(self, a: int, b: int) -> tuple[int, np.ndarray]:
        """Steps a..b-1 -> (number of batches, their indices in order)."""
        offsets = self._offsets()
        return b - a, self.buf[offsets[a]:offsets[b]]

    def _offsets(self) -> np.ndarray:
        if getattr(self, "_off", None) is None or len(self._off) != len(self.lengths) + 1:
            self._off = np.concatenate([[0], np.cumsum(np.frombuffer(self.lengths, dtype=np.int64))]) \
                if len(self.lengths) else np.zeros(1, dtype=np.int64)
        return self._off


def _result(p, res, seen) -> DemoResult:
    from gdstudy.demo.result import _z_crit
    bounds = [0] + res.epoch_ends                      # step numbers at epoch boundaries
    split = [seen.epoch(a, b) for a, b in zip(bounds, bounds[1:])]
    orders = [order for _, order in split]
    rows, exactly_once = [], 0
    for k, (nb, order) in enumerate(split, 1):
        counts = np.bincount(order, minlength=p.n)
        exactly_once += bool((counts == 1).all())
        rows.append([k, nb, len(order), int((counts > 0).sum()), int(counts.min()),
                     int(counts.max()), " ".join(map(str, order[:6])) + " ..."])
    steps = sorted({nb for nb, _ in split})
    differs = sum(not np.array_equal(a, b) for a, b in zip(orders, orders[1:]))
    expected_steps = math.ceil(p.n / p.batch_size)
    recorded = int(sum(len(o) for o in orders))
    stop = ""
    if res.diverged:
        stop = (f"training diverged at step {res.diverged_at} (loss overflow) after "
                f"{len(orders)} of {p.epochs} epochs: lower --lr")
    elif len(orders) < p.epochs:
        stop = f"training stopped after {len(orders)} of {p.epochs} epochs ({res.stopped})"

    def why(text: str) -> str:
        return f"{stop}; {text}" if stop and text else (stop or text)

    rs = [_corr(a, b) for a, b in zip(orders, orders[1:])]
    zs = [abs(r) * math.sqrt(p.n - 1) for r in rs]
    crit = _z_crit(ALPHA / max(1, len(rs)))
    verdicts = [
        Verdict.exact("epochs in which every example was seen exactly once", exactly_once, p.epochs,
                      why(f"{p.epochs} epochs of N={p.n}")),
        Verdict.exact("steps per epoch", steps[0] if len(steps) == 1 else steps, expected_steps,
                      why(f"ceil({p.n}/{p.batch_size})")),
        _differ_verdict(p, len(orders), differs, why),
        Verdict("consecutive epochs' orders are unrelated: |r| sqrt(N-1) (index correlation by position)",
                bool(zs) and max(zs) <= crit, round(max(zs), 3) if zs else math.nan, 0.0,
                f"|z| <= {crit:.2f} for each of {len(zs)} pairs (alpha {ALPHA:g}, Bonferroni)",
                why("r = " + ", ".join(f"{r:.3g}" for r in rs) + f"; sd of r 1/sqrt(N-1) = {1 / math.sqrt(p.n - 1):.3g}")),
        Verdict.bookkeeping("examples the training loop counted = indices recorded", res.samples_seen,
                            recorded, why(f"{recorded} indices in {len(seen)} batches")),
    ]
    if stop:
        verdicts.insert(0, Verdict.exact("training ran every epoch", len(orders), p.epochs, stop))
    every = max(1, res.steps // 2000)                  # at most ~2000 points in the loss plot
    first = orders[0][: min(p.n, 60)]
    second = orders[1][: min(p.n, 60)] if len(orders) > 1 else first
    plots = [
        Plot("Index used at each position (first 60 positions)", "position in the epoch",
             "example index", [Series("epoch 1", list(range(len(first))), first.tolist()),
                               Series("epoch 2", list(range(len(second))), second.tolist())]),
        Plot("Mini-batch loss per step (epochs of ceil(N/S) steps)", "step", "loss",
             [Series("mini-batch loss", list(range(1, res.steps + 1, every)), res.batch_losses[::every]),
              Series("full loss", res.eval_steps, res.eval_losses)], logy=True),
    ]
    table = Table(["epoch", "steps", "indices used", "distinct", "min count", "max count",
                   "order starts"], rows)
    notes = [f"epoch boundaries at steps {res.epoch_ends[:10]}"] + ([stop] if stop else [])
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


def _differ_verdict(p, n_orders: int, differs: int, why) -> Verdict:
    """Consecutive epochs with a different order. Two independent uniform orders coincide with
    probability q = 1/N!, so the number k of coinciding pairs is Binomial(E-1, q): PASS iff k = 0
    or P(K >= k) > alpha (this only matters for N <= ~10; beyond, any coincidence FAILs)."""
    pairs = max(0, n_orders - 1)
    k = pairs - differs
    q = 1.0 / math.factorial(p.n) if p.n <= 170 else 0.0
    tail = 1.0 - sum(math.comb(pairs, j) * q ** j * (1 - q) ** (pairs - j) for j in range(k)) if k else 1.0
    ok = k == 0 or tail > ALPHA
    note = f"{k} coinciding pair(s); P(that many by chance) = {tail:.3g} (1/N! = {q:.3g})" if k else ""
    return Verdict("consecutive epochs with a different order", bool(ok), differs, pairs,
                   f"binomial, alpha {ALPHA:g}" if k else None, why(note))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two index sequences position by position (Spearman's rho for two
    permutations); 1.0 for identical constant-free sequences, 0 when either is constant."""
    m = min(len(a), len(b))
    x, y = a[:m].astype(np.float64), b[:m].astype(np.float64)
    x, y = x - x.mean(), y - y.mean()
    den = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / den if den > 0 else 0.0


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
