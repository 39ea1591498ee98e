"""Student's t distribution and the sign test without scipy. The t tail P(T > t) for nu degrees
of freedom via the regularized incomplete beta function (Lentz continued fraction), and its
quantile by bisection: for one-sample tests whose SE is estimated from R runs (nu = R - 1),
where the normal critical value would be too small. The sign test's exact binomial tail: for
one-sided comparisons whose per-run values are heavy-tailed (a t-test loses its power there)."""

from __future__ import annotations

import math

__all__ = ["t_sf", "t_crit", "betainc", "sign_test_p"]


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b), 0 <= x <= 1 (continued fraction, rel. error ~1e-14)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1) / (a + b + 2):                     # use the symmetry for fast convergence
        return 1.0 - front * _betacf(b, a, 1.0 - x) / b
    return front * _betacf(a, b, x) / a


def _betacf(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
                    -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def t_sf(t: float, nu: float) -> float:
    """P(T > t) for T ~ Student t with nu > 0 degrees of freedom."""
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * betainc(nu / 2, 0.5, nu / (nu + t * t))
    return tail if t >= 0 else 1.0 - tail


def t_crit(alpha: float, nu: float) -> float:
    """t with P(T > t) = alpha (one-sided; use alpha/2 for a two-sided test)."""
    lo, hi = 0.0, 1.0
    while t_sf(hi, nu) > alpha:
        hi *= 2
        if hi > 1e12:
            return math.inf
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_sf(mid, nu) > alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def sign_test_p(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2): the exact one-sided p-value of a sign test with k of
    n pairs in the claimed direction (I_{1/2}(k, n - k + 1))."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return betainc(k, n - k + 1, 0.5)
