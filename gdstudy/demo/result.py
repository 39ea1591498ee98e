"""What a demo returns: plots (named x/y series), a summary table and verdicts.

A Verdict compares a value measured in the run against the theoretical/expected value with a
tolerance. Verdicts are of two kinds: "check" (a statistical test of the card's claim) and
"bookkeeping" (an identity that holds by construction, e.g. "S = N gives zero variance": shown
apart, never counted as evidence for the claim). The demo PASSes iff every verdict passes and there
is at least one check. Everything is plain data with to_dict()/from_dict() so results travel as JSON
(non-finite floats -> null).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Series", "Plot", "Table", "Verdict", "DemoResult", "jsonable", "chi2_sf", "chi2_quantile"]


@dataclass
class Series:
    name: str
    x: list
    y: list


@dataclass
class Plot:
    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    logx: bool = False
    logy: bool = False

    @classmethod
    def from_dict(cls, d: dict) -> "Plot":
        return cls(**{**d, "series": [Series(**s) for s in d.get("series", [])]})


@dataclass
class Table:
    columns: list[str]
    rows: list[list]


@dataclass
class Verdict:
    name: str                  # what is checked, e.g. "SGD updates per epoch"
    passed: bool
    measured: Any
    expected: Any              # theory / expected value
    tolerance: Any = None      # None: exact comparison
    detail: str = ""
    kind: str = "check"        # "check" (tests the claim) or "bookkeeping" (identity by construction)

    @classmethod
    def close(cls, name: str, measured: float, expected: float, tol: float,
              relative: bool = False, detail: str = "") -> "Verdict":
        """PASS iff |measured - expected| <= tol (times |expected| when relative)."""
        bound = tol * abs(expected) if relative else tol
        ok = math.isfinite(measured) and abs(measured - expected) <= bound
        return cls(name, bool(ok), measured, expected, f"{tol:g}" + (" rel" if relative else ""), detail)

    @classmethod
    def z_test(cls, name: str, measured: float, expected: float, se: float, alpha: float = 1e-3,
               detail: str = "") -> "Verdict":
        """Two-sided z-test: PASS iff |measured - expected| <= z_(1-alpha/2) * se, where `se` is the
        standard error of `measured` estimated from the run itself. `alpha` is the false-alarm rate
        when the claim holds (and the estimate is close to normal)."""
        z = _z_crit(alpha)
        ok = math.isfinite(measured) and math.isfinite(se) and abs(measured - expected) <= z * se
        zs = abs(measured - expected) / se if se > 0 and math.isfinite(measured) else float("inf")
        tol = f"{z:.2f} SE = {z * se:.3g} (alpha {alpha:g})"
        extra = f"z = {zs:.2f}, SE {se:.3g}"
        return cls(name, bool(ok), measured, expected, tol, f"{extra}; {detail}" if detail else extra)

    @classmethod
    def z_tests(cls, name: str, measured, expected, se, alpha: float = 1e-3,
                detail: str = "") -> "Verdict":
        """K two-sided z-tests at once (e.g. one per batch size), Bonferroni-corrected: PASS iff
        every |z_k| <= z_(1 - alpha/(2K)), so the family's false-alarm rate is at most `alpha`.
        Measured is the worst |z|."""
        zs = [abs(m - e) / s if s > 0 else (0.0 if m == e else math.inf)
              for m, e, s in zip(measured, expected, se)]
        zs = [z if math.isfinite(z) else math.inf for z in zs]
        k = len(zs)
        crit = _z_crit(alpha / k)
        worst = max(zs) if zs else math.nan
        ok = bool(zs) and all(z <= crit for z in zs)
        tol = f"|z| <= {crit:.2f} for each of {k} (alpha {alpha:g} over all, Bonferroni)"
        return cls(name, ok, round(worst, 3) if math.isfinite(worst) else worst, 0.0, tol, detail)

    @classmethod
    def chi2_test(cls, name: str, stat: float, dof: int, alpha: float = 1e-3,
                  detail: str = "") -> "Verdict":
        """One-sided chi-square test: PASS iff `stat` (chi^2 with `dof` degrees of freedom when
        the claim holds) is at most its 1 - alpha quantile."""
        crit = chi2_quantile(1 - alpha, dof)
        ok = math.isfinite(stat) and stat <= crit
        pval = chi2_sf(stat, dof) if math.isfinite(stat) else 0.0
        extra = f"p = {pval:.3g}"
        return cls(name, bool(ok), stat, f"{dof} (its mean)", f"<= {crit:.4g} (chi^2_{dof}, alpha {alpha:g})",
                   f"{extra}; {detail}" if detail else extra)

    @classmethod
    def bookkeeping(cls, name: str, measured, expected, detail: str = "",
                    tol: float | None = None) -> "Verdict":
        """An identity that holds by construction, labelled as such: exact comparison, or within
        `tol` (absolute) for a floating-point identity."""
        if tol is None:
            ok = measured == expected
        else:
            ok = math.isfinite(measured) and abs(measured - expected) <= tol
        return cls(name, bool(ok), measured, expected, None if tol is None else f"{tol:g}", detail,
                   kind="bookkeeping")

    @classmethod
    def exact(cls, name: str, measured, expected, detail: str = "") -> "Verdict":
        return cls(name, bool(measured == expected), measured, expected, None, detail)

    @classmethod
    def at_most(cls, name: str, measured: float, bound: float, detail: str = "") -> "Verdict":
        ok = math.isfinite(measured) and measured <= bound
        return cls(name, bool(ok), measured, f"<= {bound:g}", None, detail)

    @classmethod
    def at_least(cls, name: str, measured: float, bound: float, detail: str = "") -> "Verdict":
        ok = math.isfinite(measured) and measured >= bound
        return cls(name, bool(ok), measured, f">= {bound:g}", None, detail)

    @property
    def is_check(self) -> bool:
        return self.kind != "bookkeeping"

    def line(self) -> str:
        tol = f" tol {self.tolerance}" if self.tolerance is not None else ""
        label = "" if self.is_check else "[bookkeeping] "
        text = f"{'PASS' if self.passed else 'FAIL'}  {label}{self.name}: measured {_fmt(self.measured)}, " \
               f"expected {_fmt(self.expected)}{tol}"
        return text + (f" ({self.detail})" if self.detail else "")


@dataclass
class DemoResult:
    plots: list[Plot] = field(default_factory=list)
    table: Table | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # one plain sentence for a learner, computed from this run's numbers (shown above the
    # statistics), e.g. "Batches of 64 made the gradient's noise 8.0x smaller than single
    # examples: sqrt(64), as the card says."
    takeaway: str = ""
    # filled in by the runner
    name: str = ""
    title: str = ""
    claim: str = ""
    params: dict = field(default_factory=dict)
    backend: str = "numpy"
    device: str = "cpu"
    dtype: str = "float32"
    seed: int = 0
    elapsed: float = 0.0

    @property
    def passed(self) -> bool:
        return any(v.is_check for v in self.verdicts) and all(v.passed for v in self.verdicts)

    def to_dict(self) -> dict:
        d = jsonable(asdict(self))
        d["passed"] = self.passed
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DemoResult":
        d = {k: v for k, v in d.items() if k not in ("passed", "type")}
        d["plots"] = [Plot.from_dict(p) for p in d.get("plots", [])]
        d["table"] = Table(**d["table"]) if d.get("table") else None
        d["verdicts"] = [Verdict(**v) for v in d.get("verdicts", [])]
        return cls(**d)


def _z_crit(alpha: float) -> float:
    """z with P(|Z| > z) = alpha for a standard normal Z (bisection on erfc; no scipy)."""
    lo, hi = 0.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erfc(mid / math.sqrt(2)) > alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def chi2_sf(x: float, k: int) -> float:
    """P(X > x) for X ~ chi^2 with integer k >= 1 degrees of freedom (closed form; no scipy)."""
    if x <= 0:
        return 1.0
    h = x / 2
    if k % 2 == 0:
        terms = [math.exp(-h + i * math.log(h) - math.lgamma(i + 1)) for i in range(k // 2)]
        return min(1.0, math.fsum(terms))
    terms = [math.exp(-h + (i - 0.5) * math.log(h) - math.lgamma(i + 0.5)) for i in range(1, (k + 1) // 2)]
    return min(1.0, math.erfc(math.sqrt(h)) + math.fsum(terms))


def chi2_quantile(q: float, k: int) -> float:
    """x with P(X <= x) = q for X ~ chi^2_k (bisection on chi2_sf)."""
    lo, hi = 0.0, k + 100.0 * math.sqrt(2 * k) + 200.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if chi2_sf(mid, k) > 1 - q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def jsonable(x):
    """Plain JSON types: numpy scalars/arrays -> Python, NaN/inf -> None, tuples -> lists."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (str, int)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if hasattr(x, "tolist"):  # numpy scalar or array, without importing numpy
        return jsonable(x.tolist())
    return str(x)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
