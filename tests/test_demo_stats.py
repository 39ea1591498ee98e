"""gdstudy.demo.stats: Student t and gamma against table values, Holm, and the exact moments of
||mean of draws||^2 against brute-force enumeration of every sample."""

import itertools
import math

import numpy as np
import pytest

from gdstudy.demo.result import chi2_sf
from gdstudy.demo.stats import (gamma_p, gamma_q, holm, mean_moments, pearson3_pvalue, set_partitions,
                                sqnorm_moments, t_quantile, t_sf)

# (q, df, t_q) from a standard t table
T_TABLE = [(0.975, 1, 12.706), (0.975, 7, 2.365), (0.9995, 7, 5.408), (0.995, 30, 2.750),
           (0.95, 2, 2.920), (0.999, 10, 4.144), (0.9995, 120, 3.373)]


@pytest.mark.parametrize("q,df,t", T_TABLE)
def test_t_quantile_matches_the_table(q, df, t):
    assert t_quantile(q, df) == pytest.approx(t, abs=1.5e-3)
    assert t_sf(t, df) == pytest.approx(1 - q, rel=2e-3)
    assert t_quantile(1 - q, df) == pytest.approx(-t, abs=1.5e-3)


def test_t_tends_to_the_normal():
    assert t_quantile(0.9995, 1e7) == pytest.approx(3.2905, abs=1e-3)


@pytest.mark.parametrize("k", [1, 2, 5, 30])
@pytest.mark.parametrize("x", [0.3, 2.0, 9.0, 40.0])
def test_gamma_matches_chi2_with_even_dof(k, x):
    assert gamma_q(k, x / 2) == pytest.approx(chi2_sf(x, 2 * k), rel=1e-9, abs=1e-300)
    assert gamma_p(k, x / 2) + gamma_q(k, x / 2) == pytest.approx(1.0)
    assert gamma_q(0.5, x / 2) == pytest.approx(chi2_sf(x, 1), rel=1e-9)


def test_pearson3_is_exact_for_chi2():
    # chi^2_4: mean 4, variance 8, third central moment 32; P(chi^2_4 > 18.467) = 0.001
    p, z = pearson3_pvalue(18.467, 4.0, 8.0, 32.0)
    assert p == pytest.approx(0.002, rel=1e-3)
    p0, _ = pearson3_pvalue(1.2, 0.0, 1.0, 0.0)          # no skew: the normal
    assert p0 == pytest.approx(math.erfc(1.2 / math.sqrt(2)))


def test_holm_controls_and_steps_down():
    assert holm([0.001, 0.02, 0.04], 0.05) == [True, True, True]     # 0.0167, 0.025, 0.05
    assert holm([0.03, 0.02, 0.001], 0.05) == [True, True, True]     # 0.001, 0.02 <= 0.025, 0.03
    assert holm([0.03, 0.03, 0.001], 0.05) == [False, False, True]   # 0.03 > 0.025: stop
    assert holm([0.2, 0.001], 0.01) == [False, True]


def test_set_partitions_are_the_bell_numbers():
    assert [len(set_partitions(n)) for n in range(1, 7)] == [1, 2, 5, 15, 52, 203]


def _brute(D, w, n, replace):
    """Exact moments of ||mean of n draws||^2 by enumerating every draw."""
    N = len(D)
    vals, probs = [], []
    if replace:
        for idx in itertools.product(range(N), repeat=n):
            vals.append(float(np.sum(D[list(idx)].mean(0) ** 2)))
            probs.append(float(np.prod(w[list(idx)])))
    else:
        for idx in itertools.combinations(range(N), n):
            vals.append(float(np.sum(D[list(idx)].mean(0) ** 2)))
            probs.append(1.0)
    v, pr = np.array(vals), np.array(probs) / np.sum(probs)
    m = float(pr @ v)
    return m, float(pr @ (v - m) ** 2), float(pr @ (v - m) ** 3)


@pytest.mark.parametrize("replace", [True, False])
def test_sqnorm_moments_match_enumeration(replace):
    rng = np.random.default_rng(0)
    N = 7
    G = rng.standard_normal((N, 2)) * [1.0, 3.0] + rng.exponential(size=(N, 1))
    w = rng.uniform(0.5, 1.5, N) if replace else np.ones(N)
    w = w / w.sum()
    D = G - w @ G
    sizes = [1, 2, 3, 4] if replace else [1, 2, 3, 5, 6, 7]
    got = sqnorm_moments(D, w, sizes, replace=replace)
    for n, (m, v, k3) in zip(sizes, got):
        bm, bv, bk = _brute(D, w, n, replace)
        assert m == pytest.approx(bm, rel=1e-10, abs=1e-12)
        assert v == pytest.approx(bv, rel=1e-9, abs=1e-12)
        assert k3 == pytest.approx(bk, rel=1e-8, abs=1e-12)
    assert mean_moments((1.0, 4.0, 8.0), 2) == (1.0, 2.0, 2.0)
