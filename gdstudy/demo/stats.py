"""Small-sample distributions for the demo verdicts (no scipy): Student t, the regularized
incomplete gamma (a chi^2 / gamma with any shape), Holm's step-down correction, and the exact
first three moments of the squared norm of a mean of random draws from a finite population
(with or without replacement), with a three-moment (Pearson III, shifted gamma) p-value.

Why the last one: a demo that averages T squared errors ||g_S - g||^2 is averaging a skewed,
positive variable. A z-test with the trials' own standard error then FAILs too often on the low
side (a low mean comes with a low SE). Here the null mean, variance and skewness of one squared
error are computed exactly from the data (every per-example gradient is known), so the test uses
no estimated SE, and the skewness of the mean of T of them enters through a gamma fitted to its
three exact moments (the Pearson type III approximation; exact for chi^2, and tending to the
normal as T grows).
"""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["norm_sf", "t_sf", "t_quantile", "t_crit", "betainc", "sign_test_p", "gamma_p", "gamma_q", "pearson3_pvalue", "positive_mean_pvalue", "holm",
           "sqnorm_moments", "mean_moments", "set_partitions"]


def norm_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


# --- Student t ----------------------------------------------------------------------------------

def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` > 0 degrees of freedom."""
    if not math.isfinite(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def t_quantile(q: float, df: float) -> float:
    """t with P(T <= t) = q (bisection on t_sf; q in (0, 1))."""
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    if q < 0.5:
        return -t_quantile(1 - q, df)
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > 1 - q:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_sf(mid, df) > 1 - q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def t_crit(alpha: float, nu: float) -> float:
    """t with P(T > t) = alpha (one-sided; use alpha/2 for a two-sided test)."""
    return t_quantile(1 - alpha, nu)


def sign_test_p(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2): the exact one-sided p-value of a sign test with k of
    n pairs in the claimed direction (I_{1/2}(k, n - k + 1)). For one-sided comparisons whose
    per-run values are heavy-tailed (a t-test loses its power there)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return betainc(k, n - k + 1, 0.5)


# --- gamma ----------------------------------------------------------------------------------------

def gamma_p(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) (series / continued fraction)."""
    if x <= 0:
        return 0.0
    if x < a + 1:
        ap, s, d = a, 1.0 / a, 1.0 / a
        for _ in range(100_000):
            ap += 1
            d *= x / ap
            s += d
            if abs(d) < abs(s) * 1e-16:
                break
        return min(1.0, s * math.exp(-x + a * math.log(x) - math.lgamma(a)))
    return 1.0 - gamma_q(a, x)


def gamma_q(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x)."""
    if x <= 0:
        return 1.0
    if x < a + 1:
        return 1.0 - gamma_p(a, x)
    tiny = 1e-300
    b, c, d = x + 1 - a, 1.0 / tiny, 1.0 / (x + 1 - a)
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1) < 1e-16:
            break
    return min(1.0, h * math.exp(-x + a * math.log(x) - math.lgamma(a)))


def pearson3_pvalue(x: float, mean: float, var: float, third: float) -> tuple[float, float]:
    """-> (two-sided p, z) of an observation x of a variable with these exact mean, variance and
    third central moment, from the shifted gamma with the same three moments (normal when the
    skewness is ~0). z = (x - mean) / sd."""
    if not (math.isfinite(x) and var > 0):
        return (0.0 if not math.isfinite(x) or x != mean else 1.0), math.inf
    sd = math.sqrt(var)
    z = (x - mean) / sd
    g = third / sd ** 3
    if abs(g) < 1e-6:
        return min(1.0, 2 * norm_sf(abs(z))), z
    k = 4.0 / (g * g)                                  # gamma shape; G = k + sign(g) z sqrt(k)
    G = k + math.copysign(1.0, g) * z * math.sqrt(k)
    up, low = gamma_q(k, G), gamma_p(k, G)             # P(gamma >= G), P(gamma <= G)
    return min(1.0, 2 * min(up, low)), z


def positive_mean_pvalue(x: float, moments: tuple[float, float, float], t: int,
                        mean: float | None = None, sides: str = "two") -> tuple[float, float]:
    """-> (two-sided p, z) for x = the mean of t iid copies of a NONNEGATIVE variable with these
    exact (mean, variance, third central moment); `mean` overrides the null mean (the theory
    under test). Upper side: the shifted gamma with the mean's three moments (Pearson III; the
    right tail of a skewed sum is heavier than normal). Lower side: Maurer's bound for
    nonnegative variables, P(mean - x >= d) <= exp(-t d^2 / (2 E[Y^2])), which holds at every t
    (a gamma fitted to a very skewed variable puts its lower end above 0, and so calls a
    possible value impossible). sides="upper": the one-sided p of the upper side only."""
    mu0, var, third = moments
    mu = mu0 if mean is None else mean
    if not math.isfinite(x):
        return 0.0, math.inf
    if var <= 0:
        return (1.0 if x == mu else 0.0), (0.0 if x == mu else math.inf)
    sd = math.sqrt(var / t)
    z = (x - mu) / sd
    if x >= mu:
        g = third / t ** 2 / sd ** 3
        if g < 1e-6:
            up = norm_sf(z)
        else:
            k = 4.0 / (g * g)
            up = gamma_q(k, k + z * math.sqrt(k))
        return min(1.0, (1 if sides == "upper" else 2) * up), z
    if sides == "upper":
        return 1.0, z
    second = var + mu0 * mu0
    low = math.exp(-t * (mu - x) ** 2 / (2 * second))
    return min(1.0, 2 * low), z


def holm(pvalues, alpha: float) -> list[bool]:
    """Holm's step-down test: which hypotheses are rejected, family-wise error rate <= alpha."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    rejected = [False] * len(pvalues)
    m = len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] <= alpha / (m - rank):
            rejected[i] = True
        else:
            break
    return rejected


# --- exact moments of ||mean of draws||^2 ---------------------------------------------------------

@lru_cache(maxsize=None)
def set_partitions(n: int) -> tuple:
    """Every partition of range(n) as a tuple of blocks (tuples), e.g. 15 for n = 4."""
    if n == 0:
        return ((),)
    out = []
    for part in set_partitions(n - 1):
        out.append(part + ((n - 1,),))
        for j in range(len(part)):
            out.append(part[:j] + (part[j] + (n - 1,),) + part[j + 1:])
    return tuple(tuple(sorted(tuple(sorted(b)) for b in p)) for p in out)


@lru_cache(maxsize=None)
def _mobius(n: int) -> tuple:
    """For each partition pi of range(n): [(sigma index, mu(pi, sigma))] over the coarser sigma."""
    parts = set_partitions(n)
    index = {p: i for i, p in enumerate(parts)}
    rows = []
    for p in parts:
        row = []
        for s in parts:
            # sigma >= pi iff every block of pi lies in one block of sigma
            where = {e: j for j, b in enumerate(s) for e in b}
            if all(len({where[e] for e in b}) == 1 for b in p):
                counts = [0] * len(s)
                for b in p:
                    counts[where[b[0]]] += 1
                mu = 1
                for c in counts:
                    mu *= (-1) ** (c - 1) * math.factorial(c - 1)
                row.append((index[s], mu))
        rows.append(tuple(row))
    return tuple(rows)


def _falling(x: float, r: int) -> float:
    out = 1.0
    for i in range(r):
        out *= x - i
    return out


_WORK = 3e8          # multiply-adds allowed for one exact sum (beyond it: sampled pairs)


def _cube_sum(D, f, g) -> float:
    """sum_ab f_a g_b (d_a . d_b)^3: through P^3 tensors or the N x N Gram matrix, whichever is
    cheaper; past _WORK on both, an unbiased estimate from 200,000 random pairs (it only enters
    the skewness correction)."""
    import numpy as np
    N, P = D.shape
    if N * P ** 3 <= _WORK:
        tf = np.einsum("a,ai,aj,ak->ijk", f, D, D, D, optimize=True)
        tg = tf if g is f else np.einsum("a,ai,aj,ak->ijk", g, D, D, D, optimize=True)
        return float(np.sum(tf * tg))
    if N * N * P <= _WORK:
        total, step = 0.0, max(1, int(2e6 // max(N, 1)))
        for i in range(0, N, step):
            G = D[i:i + step] @ D.T
            total += float(f[i:i + step] @ (G ** 3) @ g)
        return total
    rng = np.random.default_rng(12345)
    a, b = rng.integers(0, N, 200_000), rng.integers(0, N, 200_000)
    return float(np.mean(f[a] * g[b] * np.einsum("ij,ij->i", D[a], D[b]) ** 3) * N * N)


def _graph_sum(D, w, nrm, part, m) -> float:
    """U_pi: the sum over a population index per block of pi (weights w) of the product over the
    pairs (2i, 2i+1) of d_a . d_b. A pair inside one block is a loop (a factor ||d_a||^2 = nrm);
    pairs across blocks are edges. Zero if a block is a singleton (D is centred). Handles every
    graph of m <= 3 pairs without singletons."""
    import numpy as np
    if any(len(b) == 1 for b in part):
        return 0.0
    where = {e: j for j, b in enumerate(part) for e in b}
    loops, edges = [0] * len(part), {}
    for i in range(m):
        u, v = where[2 * i], where[2 * i + 1]
        if u == v:
            loops[u] += 1
        else:
            key = (min(u, v), max(u, v))
            edges[key] = edges.get(key, 0) + 1
    f = [w * nrm ** k for k in loops]
    touched = {x for e in edges for x in e}
    out = 1.0
    for j in range(len(part)):
        if j not in touched:
            out *= float(f[j].sum())
    if not edges:
        return out
    if len(edges) == 1:
        (u, v), k = next(iter(edges.items()))
        if k == 1:
            return out * float((f[u] @ D) @ (f[v] @ D))
        if k == 2:
            return out * float(np.sum((D.T * f[u]) @ D * ((D.T * f[v]) @ D)))
        return out * _cube_sum(D, f[u], f[v])
    if len(edges) == 3 and all(k == 1 for k in edges.values()) and len(touched) == 3:
        Ms = [(D.T * f[j]) @ D for j in sorted(touched)]
        return out * float(np.trace(Ms[0] @ Ms[1] @ Ms[2]))
    raise ValueError(f"unhandled partition {part}")


def _power_sums(D, w, m: int):
    """U_pi for every partition pi of the 2m positions (see _graph_sum)."""
    nrm = (D * D).sum(1)
    return [_graph_sum(D, w, nrm, part, m) for part in set_partitions(2 * m)]


def sqnorm_moments(D, w, sizes, replace: bool = True, orders: int = 3) -> list[tuple[float, float, float]]:
    """Exact (mean, variance, third central moment) of Y = ||mean of n draws of the rows of D||^2
    for each n in `sizes`. D (N, P) must be centred (sum_a w_a D_a = 0); draws are iid with
    probabilities w (replace=True), or a uniform sample of n distinct rows (replace=False; w must
    be uniform then). Uses E[Q^m] = sum over the partitions pi of the 2m positions of
    (number of index tuples of that pattern) x (sum over that pattern), Q = ||sum of draws||^2."""
    import numpy as np
    D = np.asarray(D, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    N = D.shape[0]
    U = {m: _power_sums(D, w if replace else np.ones(N), m) for m in range(1, orders + 1)}
    parts = {m: set_partitions(2 * m) for m in U}
    distinct = {}
    if not replace:
        for m in U:
            distinct[m] = [sum(mu * U[m][j] for j, mu in _mobius(2 * m)[i]) for i in range(len(parts[m]))]
    out = []
    for n in sizes:
        raw = []
        ne = min(n, N - n) if not replace else n        # the complement has the same ||sum||
        for m in range(1, orders + 1):
            if replace:
                val = sum(_falling(ne, len(p)) * U[m][i] for i, p in enumerate(parts[m]))
            else:
                val = sum(_falling(ne, len(p)) / _falling(N, len(p)) * distinct[m][i]
                          for i, p in enumerate(parts[m]) if len(p) <= ne)
            raw.append(val / float(n) ** (2 * m))
        m1 = raw[0]
        var = raw[1] - m1 * m1 if orders >= 2 else math.nan
        third = raw[2] - 3 * raw[1] * m1 + 2 * m1 ** 3 if orders >= 3 else math.nan
        out.append((m1, max(var, 0.0), third))
    return out


def mean_moments(moments: tuple[float, float, float], t: int) -> tuple[float, float, float]:
    """(mean, variance, third central moment) of the mean of t iid copies."""
    m, v, k3 = moments
    return m, v / t, k3 / (t * t)
