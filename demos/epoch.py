"""What an epoch is: with reshuffling, every example is used exactly once per epoch, an epoch
has ceil(N/S) steps, and the order (and with it the batches) changes from one epoch to the next.

The demo trains a small least-squares model and records the indices of every batch the training
loop actually used. Exact checks on those indices: epochs in which every example was seen
exactly once, steps per epoch, consecutive epochs with a different order (Binomial(E-1, 1/N!)
coincidences allowed for tiny N). Two statistical checks that the new epoch is unrelated to the
old one, each at alpha/3 (family alpha 1e-3 over the three checks that can fail by chance,
Bonferroni over the epoch pairs inside each):
  order   r = correlation of the indices at the same positions (Spearman's rho of two
          permutations): z = |r| sqrt(N-1), two-sided normal;
  batches C = pairs of examples that share a batch in epoch e and again in epoch e+1. Its exact
          mean E and variance V for an independent uniform permutation are computed in the run
          (rational arithmetic); the Cantelli bound P(C - E >= t) <= V/(V + t^2) holds for any
          distribution, so FAIL iff C - E > sqrt(V (1 - a)/a): false-FAIL <= a at every N, S.
The training loop's sample counter = recorded indices is bookkeeping. A run that diverges
(--lr too large) is refused with the stable --lr for the data: the checks need every epoch.

Negative controls (each FAILs): --shuffle batches (one permutation cut into fixed batches, only
their order shuffled each epoch: a common loader bug; C = every co-batched pair, ~N/S times E),
--shuffle once (the same order every epoch), --shuffle none, --replacement (repeats and misses),
--drop-last (N mod S != 0: floor(N/S) steps, the tail never seen).

    python demos/epoch.py --help
    python demos/epoch.py --n 10 --batch-size 3
    gdstudy demo epoch --shuffle batches       # fixed batches in a new order: FAIL
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

SHUFFLES = ("examples", "batches", "once", "none")

PARAMS = [
    Param("n", 1000, "number of examples N", min=3, max=1_000_000),
    Param("batch_size", 64, "mini-batch size S", min=1, max=1_000_000),
    Param("epochs", 3, "number of epochs", min=2, max=1000),
    Param("lr", 0.05, "learning rate", min=1e-6, max=10.0),
    Param("shuffle", "examples", "examples (the claim) or a loader bug: batches (fixed, new order), "
          "once, none", choices=SHUFFLES),
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
    from gdstudy.core import SGD, LinearRegression, make_regression, to_backend, train

    be = ctx.be
    Xh, yh, _ = make_regression(p.n, 8, seed=ctx.seed)
    X, y = be.asarray(Xh), be.asarray(yh)
    prob = LinearRegression(be, 8)
    params = to_backend(be, prob.init_params(ctx.rng(1)))
    batcher = Loader(be, p.n, p.batch_size, p.shuffle, replacement=p.replacement, drop_last=p.drop_last)
    seen = Recorder(p.epochs * p.n)  # the indices of every batch, in training order

    res = train(prob, params, SGD(params, lr=p.lr), X, y, batcher, epochs=p.epochs,
                progress=ctx.phase(0, 1, "training"), cancel=ctx.cancelled,
                on_batch=lambda idx: seen.add(np.arange(p.n)[idx] if isinstance(idx, slice) else be.to_numpy(idx)))
    ctx.check_cancel()
    if res.diverged:
        # the loader's claims need every epoch; a diverged run says nothing about them
        A = np.c_[Xh, np.ones(p.n)]
        safe = 2.0 / float(np.max((A * A).sum(1)))
        raise DemoError(f"--lr {p.lr:g}: training diverged at step {res.diverged_at} (loss overflow), "
                        f"so not every epoch ran; use --lr <= {safe:.3g} (stable for any batch on this data)")
    return _result(p, res, seen)


class Loader:
    """The core's Batcher for --shuffle examples / none; the two loader bugs otherwise:
    'batches' cuts one permutation into fixed batches and only shuffles the order of those
    batches each epoch; 'once' repeats one permutation every epoch."""

    def __init__(self, be, n, batch_size, shuffle, replacement=False, drop_last=False) -> None:
        from gdstudy.core import Batcher
        self.core = Batcher(be, n, batch_size, shuffle=shuffle != "none", replacement=replacement,
                            drop_last=drop_last)
        self.be, self.mode = be, shuffle
        self.batch_size, self.steps_per_epoch = batch_size, self.core.steps_per_epoch
        self._fixed = None

    def gather(self, X, y, idx):
        return self.core.gather(X, y, idx)

    def epoch(self):
        if self.mode not in ("batches", "once") or self.core.replacement:
            yield from self.core.epoch()
            return
        first = self._fixed is None
        if first:
            self._fixed = list(self.core.epoch())      # one permutation, cut into batches
        order = range(len(self._fixed))
        if self.mode == "batches" and not first:
            order = self.be.to_numpy(self.be.permutation(len(self._fixed))).tolist()
        for k in order:
            yield self._fixed[k]


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

    def sizes(self, a: int, b: int) -> np.ndarray:
        """The lengths of batches a..b-1."""
        return np.frombuffer(self.lengths, dtype=np.int64)[a:b]

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
    if len(orders) < p.epochs:
        stop = f"training stopped after {len(orders)} of {p.epochs} epochs ({res.stopped})"

    def why(text: str) -> str:
        return f"{stop}; {text}" if stop and text else (stop or text)

    rs = [_corr(a, b) for a, b in zip(orders, orders[1:])]
    zs = [abs(r) * math.sqrt(p.n - 1) for r in rs]
    crit = _z_crit(ALPHA / 3 / max(1, len(rs)))
    sizes = [seen.sizes(a, b) for a, b in zip(bounds, bounds[1:])]
    cob = _cobatch_verdict(p, orders, sizes, exactly_once == len(orders), why)
    verdicts = [
        Verdict.exact("epochs in which every example was seen exactly once", exactly_once, p.epochs,
                      why(f"{p.epochs} epochs of N={p.n}")),
        Verdict.exact("steps per epoch", steps[0] if len(steps) == 1 else steps, expected_steps,
                      why(f"ceil({p.n}/{p.batch_size})")),
        _differ_verdict(p, len(orders), differs, why),
        Verdict("consecutive epochs' orders are unrelated: |r| sqrt(N-1) (index correlation by position)",
                bool(zs) and max(zs) <= crit, round(max(zs), 3) if zs else math.nan, 0.0,
                f"|z| <= {crit:.2f} for each of {len(zs)} pairs (alpha {ALPHA / 3:.3g}, Bonferroni)",
                why("r = " + ", ".join(f"{r:.3g}" for r in rs) + f"; sd of r 1/sqrt(N-1) = {1 / math.sqrt(p.n - 1):.3g}")),
        cob,
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
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes,
                      takeaway=_takeaway(p, exactly_once, len(orders), steps, expected_steps, cob, rs,
                                         verdicts[-4].passed, verdicts[-3].passed))


def _takeaway(p, once: int, epochs: int, steps, expected_steps: int, cob: Verdict, rs, differ: bool,
              unrelated: bool) -> str:
    """One plain sentence from this run's numbers: what held, or the first thing that broke."""
    r = max((abs(v) for v in rs), default=0.0)
    if once < epochs:
        return (f"Only {once} of {epochs} epochs used each of the {p.n} examples exactly once: "
                f"some examples repeated and others were skipped.")
    if steps != [expected_steps]:
        return (f"An epoch took {steps[0] if len(steps) == 1 else steps} steps, not ceil({p.n}/{p.batch_size}) "
                f"= {expected_steps}: the last short batch was dropped, so some examples were never seen.")
    if not differ:
        return (f"Every epoch used all {p.n} examples once in {expected_steps} steps, but in the same order "
                f"each time (order correlation {r:.2f} between epochs).")
    if not cob.passed:
        return (f"Every epoch used all {p.n} examples once in {expected_steps} steps, but the batches were the "
                f"same sets each time: {cob.measured} pairs of examples shared a batch again where "
                f"{cob.expected:g} are expected by chance.")
    if not unrelated:
        return (f"Every epoch used all {p.n} examples once in {expected_steps} steps, but each new order was "
                f"correlated with the last (|r| up to {r:.3f}, sd {1 / math.sqrt(p.n - 1):.3f} by chance).")
    return (f"Each of the {epochs} epochs used all {p.n} examples exactly once in {expected_steps} steps of "
            f"up to {p.batch_size}, and each reshuffle made new batches ({cob.measured} pairs batched "
            f"together again vs {cob.expected:g} expected by chance; order correlation {r:.3f}).")


def _differ_verdict(p, n_orders: int, differs: int, why) -> Verdict:
    """Consecutive epochs with a different order. Two independent uniform orders coincide with
    probability q = 1/N!, so the number k of coinciding pairs is Binomial(E-1, q): PASS iff k = 0
    or P(K >= k) > alpha (this only matters for N <= ~10; beyond, any coincidence FAILs)."""
    pairs = max(0, n_orders - 1)
    k = pairs - differs
    q = 1.0 / math.factorial(p.n) if p.n <= 170 else 0.0
    tail = 1.0 - sum(math.comb(pairs, j) * q ** j * (1 - q) ** (pairs - j) for j in range(k)) if k else 1.0
    ok = k == 0 or tail > ALPHA / 3
    note = f"{k} coinciding pair(s); P(that many by chance) = {tail:.3g} (1/N! = {q:.3g})" if k else ""
    return Verdict("consecutive epochs with a different order", bool(ok), differs, pairs,
                   f"binomial, alpha {ALPHA / 3:.3g}" if k else None, why(note))


def _cobatch_verdict(p, orders, sizes, permutations: bool, why) -> Verdict:
    """Are the batches new sets each epoch? C = pairs of examples that share a batch in epoch e
    and again in epoch e+1. Under the claim (epoch e+1 an independent uniform permutation cut
    into batches of the same sizes) its exact mean and variance are `cobatch_moments`; the
    one-sided Cantelli bound P(C - E >= t) <= V / (V + t^2) holds for any distribution, so
    rejecting at t = sqrt(V (1 - a) / a) has false-FAIL rate <= a, per pair a = alpha/3/pairs.
    Fixed batches (--shuffle batches) give C = every co-batched pair, ~N/S times E."""
    pairs = len(orders) - 1
    name = "batches are new sets each epoch: pairs of examples batched together again"
    if not permutations:
        return Verdict(name, False, None, "every epoch a permutation", None,
                       why("needs every example exactly once per epoch (see above)"))
    a = ALPHA / 3 / max(1, pairs)
    worst, rows = -math.inf, []
    for e in range(pairs):
        c = _cobatched(orders[e], sizes[e], orders[e + 1], sizes[e + 1], p.n)
        mean, var = cobatch_moments(sizes[e], sizes[e + 1], p.n)
        t = math.sqrt(var * (1 - a) / a)
        rows.append((c, mean, t))
        worst = max(worst, (c - mean) / t if t > 0 else (math.inf if c > mean else 0.0))
    c, mean, t = max(rows, key=lambda r: r[0] - r[1])
    ok = worst <= 1.0
    return Verdict(name, bool(ok), c, round(mean, 1),
                   f"C - E <= {t:.4g} (Cantelli, alpha {ALPHA / 3:.3g} over {pairs} pairs, Bonferroni)",
                   why(f"worst pair: {c} co-batched pairs again vs {mean:.4g} expected by chance; "
                       f"all: " + ", ".join(str(r[0]) for r in rows[:10]) + (" ..." if pairs > 10 else "")))


def _batch_ids(order, sizes, n) -> np.ndarray:
    """(N,) the batch number of each example in this epoch (-1: not used)."""
    ids = np.full(n, -1, dtype=np.int64)
    ids[order] = np.repeat(np.arange(len(sizes)), sizes)
    return ids


def _cobatched(order_a, sizes_a, order_b, sizes_b, n) -> int:
    """Pairs of examples in the same batch in epoch a and in epoch b: sum over the cells of the
    (batch in a, batch in b) table of count*(count-1)/2."""
    ia, ib = _batch_ids(order_a, sizes_a, n), _batch_ids(order_b, sizes_b, n)
    used = (ia >= 0) & (ib >= 0)
    _, counts = np.unique(ia[used] * (len(sizes_b) + 1) + ib[used], return_counts=True)
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def cobatch_moments(sizes_a, sizes_b, n: int) -> tuple[float, float]:
    """Exact mean and variance of C (pairs co-batched in epoch a and again in epoch b) when epoch
    b is a uniform random permutation of the N examples cut into batches of sizes_b, epoch a
    fixed. C = sum over a's co-batched pairs of the indicator B_pi (together in b):
        E C   = P_a q1,  q1 = P(a given pair together in b) = sum t(t-1) / (N(N-1))
        Var C = P_a q1 (1 - q1) + n1 (q2 - q1^2) + n3 (q3 - q1^2)
    with n1 ordered pairs of a's pairs sharing one example (sum s(s-1)(s-2)), n3 the disjoint
    ones (P_a^2 - P_a - n1), q2 = P(three given examples together) = sum t(t-1)(t-2) / N^(3),
    q3 = P(two disjoint pairs each together) = [sum t^(4) + sum_{c != d} t_c^(2) t_d^(2)] / N^(4).
    Exact rational arithmetic (only the distinct batch sizes are summed)."""
    from collections import Counter
    from fractions import Fraction

    def ff(x, k):                                          # falling factorial x (x-1) ... (x-k+1)
        out = 1
        for i in range(k):
            out *= x - i
        return out

    ca, cb = Counter(int(s) for s in sizes_a), Counter(int(s) for s in sizes_b)
    pa = sum(m * ff(s, 2) for s, m in ca.items()) // 2
    n1 = sum(m * ff(s, 3) for s, m in ca.items())
    n3 = pa * pa - pa - n1
    t2 = sum(m * ff(s, 2) for s, m in cb.items())
    t2sq = sum(m * ff(s, 2) ** 2 for s, m in cb.items())
    q1 = Fraction(t2, ff(n, 2))
    q2 = Fraction(sum(m * ff(s, 3) for s, m in cb.items()), ff(n, 3)) if n >= 3 else Fraction(0)
    q3 = (Fraction(sum(m * ff(s, 4) for s, m in cb.items()) + t2 * t2 - t2sq, ff(n, 4))
          if n >= 4 else Fraction(0))
    var = pa * q1 * (1 - q1) + n1 * (q2 - q1 * q1) + n3 * (q3 - q1 * q1)
    return float(pa * q1), float(max(var, Fraction(0)))


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
