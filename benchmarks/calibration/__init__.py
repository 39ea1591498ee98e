"""Calibration of the demo verdicts: false-FAIL rate at every allowed parameter corner, power of
every negative control.

One module per demo, `benchmarks/calibration/cases_<demo>.py` ('-' -> '_'), lists its cases:

    CASES = [
        Case("variance", "default", {}, kind="null", alpha=1e-3),
        Case("variance", "trials=30 (smallest allowed)", {"trials": 30}, kind="null", alpha=1e-3),
        Case("variance", "--no-fpc", {"fpc": False}, kind="control"),
        Case("variance", "--no-fpc at 10x", {"fpc": False, "trials": 20000}, kind="control", size="10x"),
    ]

kind "null": the claim holds, so a FAIL is a false FAIL; its rate must not exceed the verdict's
stated family alpha (the Clopper-Pearson 95 % interval contains alpha or lies below it).
kind "control": a realistic bug / wrong formula / wrong setting; a FAIL is the control working, its
rate is the power (target >= 99 %). A run that the demo refuses up front (DemoError) is counted
as "refused": a refused null corner is fine (the parameters cannot support the test and say so),
a refused control is not power.

`quick` seeds of each case run in tests/test_calibration_bench.py (slow-marked): the same
judgement on fewer seeds (a null case passes unless its false-FAIL interval lies above alpha, a
control must FAIL at every quick seed). Keep a demo's quick total to a few seconds.

Runs go in-process through gdstudy.demo.runner.run_demo, seeds 0..K-1 (offset `seed0`).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import time
from dataclasses import dataclass, field

__all__ = ["Case", "Outcome", "all_cases", "run_case", "clopper_pearson", "judge"]


@dataclass
class Case:
    demo: str
    label: str
    params: dict
    kind: str = "null"              # "null" (claim true) or "control" (must FAIL)
    alpha: float | None = None      # stated family false-FAIL rate of the verdict (null cases)
    size: str = "default"           # "default", "10x" or "corner"
    opts: dict = field(default_factory=dict)   # run options: dtype, backend
    seeds: int | None = None        # this case's K when it must differ from the run's (e.g. slow)
    quick: int = 0                  # seeds in the reduced run of tests/test_calibration_bench.py (0: not run)


@dataclass
class Outcome:
    case: Case
    runs: int
    fails: int
    refused: int
    seconds: float
    first_refusal: str = ""

    @property
    def rate(self) -> float:
        n = self.runs - self.refused
        return self.fails / n if n else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return clopper_pearson(self.fails, self.runs - self.refused)


def all_cases(only: set[str] | None = None) -> list[Case]:
    """Every case of every cases_*.py module beside this file (only those demos, if given)."""
    import benchmarks.calibration as pkg
    out: list[Case] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("cases_"):
            continue
        demo = info.name[len("cases_"):].replace("_", "-")
        if only and demo not in only:
            continue
        out.extend(importlib.import_module(f"benchmarks.calibration.{info.name}").CASES)
    return out


def run_case(case: Case, k: int, seed0: int = 0) -> Outcome:
    """Run `case` at seeds seed0 .. seed0+k-1 and count FAILs and refusals."""
    from gdstudy.demo.runner import run_demo
    from gdstudy.errors import DemoError

    fails = refused = 0
    first = ""
    t0 = time.perf_counter()
    for seed in range(seed0, seed0 + k):
        try:
            res = run_demo(case.demo, dict(case.params), seed=seed, **case.opts)
        except DemoError as err:
            refused += 1
            first = first or str(err)
            continue
        fails += not res.passed
    return Outcome(case, k, fails, refused, time.perf_counter() - t0, first)


def _binom_cdf(x: int, n: int, p: float) -> float:
    """P(X <= x), X ~ Binomial(n, p), summed in log space (exact; n up to a few 10^4)."""
    if x < 0:
        return 0.0
    if x >= n:
        return 1.0
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
             for i in range(x + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def clopper_pearson(x: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact two-sided binomial interval for x successes in n trials."""
    if n <= 0:
        return (0.0, 1.0)
    a = (1 - conf) / 2

    def solve(f, lo=0.0, hi=1.0):
        for _ in range(80):
            mid = (lo + hi) / 2
            if f(mid):
                hi = mid
            else:
                lo = mid
        return (lo + hi) / 2

    lower = 0.0 if x == 0 else solve(lambda p: 1 - _binom_cdf(x - 1, n, p) >= a)
    upper = 1.0 if x == n else solve(lambda p: _binom_cdf(x, n, p) <= a)
    return lower, upper


POWER_TARGET = 0.99


def judge(o: Outcome) -> tuple[bool, str]:
    """-> (ok, why). Null: the 95 % interval of the false-FAIL rate contains alpha or lies below
    it. Control: no refusals and the observed FAIL rate >= 99 %."""
    lo, hi = o.interval
    if o.case.kind == "null":
        if o.runs == o.refused:
            return True, "refused up front"
        ok = lo <= (o.case.alpha or 0.0)
        return ok, f"false-FAIL {o.fails}/{o.runs - o.refused}, 95 % CI [{lo:.2g}, {hi:.2g}] vs alpha {o.case.alpha:g}"
    if o.refused:
        return False, f"refused {o.refused}/{o.runs}: {o.first_refusal}"
    ok = o.fails >= math.ceil(POWER_TARGET * o.runs - 1e-9)
    return ok, f"FAIL {o.fails}/{o.runs} = {o.fails / o.runs:.1%} (target >= 99 %)"
