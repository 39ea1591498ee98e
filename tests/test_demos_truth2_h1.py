"""Issue 19 for variance, unbiased, redundancy, noise-floor, local-minima and saddle: settings
that cannot support a test are refused up front with one line naming what can; the new negative
controls FAIL; every run carries a plain takeaway computed from its own numbers."""

import re

import pytest

from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

SIX = ("variance", "unbiased", "redundancy", "noise-floor", "local-minima", "saddle")


def _lines(r):
    return "\n".join(v.line() for v in r.verdicts)


@pytest.mark.parametrize("name, params, match", [
    ("saddle", {"steps": 30}, r"smallest budget that can is --steps \d+"),
    ("saddle", {"lr": 1e-4}, r"--steps \d+"),
    ("noise-floor", {"burn_in": 0.0}, "raise --burn-in"),
    ("noise-floor", {"steps": 10}, r"smallest that can is --steps 518"),
    ("noise-floor", {"chains": 10}, r"smallest that can is --chains \d+"),
    ("noise-floor", {"decay": 0.0}, "raise --decay"),
    ("noise-floor", {"lr": 1e-5}, r"--steps \d+"),
    ("noise-floor", {"burn_in": 0.95, "steps": 1200}, "too skewed for the t-test; the smallest that can is --steps 4001"),
    ("local-minima", {"spread": 0.0}, "--spread must be >= 0.01"),
    ("local-minima", {"runs": 10}, "--runs must be >= 200"),
    ("local-minima", {"steps": 1}, "no run escaped at any S"),
    ("local-minima", {"spread": 100.0}, "every run escaped at every S"),
    ("redundancy", {"lr": 10.0}, "did not reach the target"),
    ("redundancy", {"runs": 3}, "the smallest that can is --runs 7"),
    ("redundancy", {"runs": 3, "alpha": 0.05}, "the smallest that can is --runs 4"),
    ("saddle", {"runs": 20001}, "--runs must be <= 20000"),
])
def test_settings_that_cannot_support_the_test_are_refused(name, params, match):
    with pytest.raises(DemoError, match=match) as err:
        run_demo(name, params, seed=0)
    assert "\n" not in str(err.value)


def test_refused_noise_floor_chains_are_enough():
    n = int(re.search(r"--chains (\d+)$", _refusal("noise-floor", {"chains": 10})).group(1))
    assert run_demo("noise-floor", {"chains": n}, seed=0).passed


def _refusal(name, params):
    with pytest.raises(DemoError) as err:
        run_demo(name, params, seed=0)
    return str(err.value)


def test_refused_saddle_budget_is_enough():
    n = int(re.search(r"--steps (\d+)$", _refusal("saddle", {"steps": 30})).group(1))
    r = run_demo("saddle", {"steps": n}, seed=0)
    assert r.passed, _lines(r)


# key -> (demo, broken setting, 10x override, text of the check that must FAIL)
CONTROLS = {
    "variance-randint": ("variance", {"sampler": "randint"}, {"trials": 20000}, "without replacement"),
    "unbiased-sum": ("unbiased", {"reduce": "sum"}, {"reps": 640}, "unbiased: pooled mean"),
    "unbiased-sum-mse": ("unbiased", {"reduce": "sum"}, {"reps": 640}, "mean squared error"),
    "redundancy-per-n": ("redundancy", {"lr_rule": "per-n"}, {"runs": 120}, "mini-batch"),
    "noise-floor-no-batch": ("noise-floor", {"theory": "no-batch"}, {"chains": 20000}, "S x 4"),
    "saddle-kick": ("saddle", {"kick": "per-example"}, {"runs": 10000}, "mean escape step"),
}
SLOW_10X = {"redundancy-per-n", "noise-floor-no-batch"}


def _fails(key, size, seed):
    name, broken, big, text = CONTROLS[key]
    r = run_demo(name, {**broken, **(big if size == "10x" else {})}, seed=seed)
    assert not r.passed, _lines(r)
    assert any(text in v.name and v.is_check and not v.passed for v in r.verdicts), _lines(r)


@pytest.mark.parametrize("key", sorted(CONTROLS))
def test_new_controls_fail_at_the_default_size(key):
    _fails(key, "default", 0)


@pytest.mark.parametrize("key", sorted(set(CONTROLS) - SLOW_10X))
def test_new_controls_fail_at_10x(key):
    _fails(key, "10x", 1)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(SLOW_10X))
def test_new_controls_fail_at_10x_slow(key):
    _fails(key, "10x", 1)


# ---- takeaways --------------------------------------------------------------------------------

def _from_run(name, r) -> str:
    """A number of this run, formatted as the takeaway prints it."""
    rows = r.table.rows
    if name == "variance":
        return f"{rows[0][1] / rows[-1][1]:.1f}x"
    if name == "unbiased":
        return f"{float(r.verdicts[1].detail.split('RMS error ')[1]):.2f}"
    if name == "redundancy":
        return f"{rows[3][2]:.0f} vs {rows[1][2]:.0f}"
    if name == "noise-floor":
        return f"{rows[0][3]:.3g}"
    if name == "local-minima":
        return f"{rows[0][3]:.0%}"
    return f"{rows[-1][2]:.1f} steps on average"


@pytest.mark.parametrize("name", SIX)
def test_every_run_has_a_takeaway_from_its_own_numbers(name):
    a, b = run_demo(name, {}, seed=0), run_demo(name, {}, seed=1)
    assert a.takeaway and "\n" not in a.takeaway and a.takeaway.endswith(".")
    assert _from_run(name, a) in a.takeaway, a.takeaway
    assert _from_run(name, b) in b.takeaway, b.takeaway
    assert a.to_dict()["takeaway"] == a.takeaway


@pytest.mark.parametrize("name, broken, said", [
    ("unbiased", {"sampling": "biased"}, "a bias"),
    ("redundancy", {"scale_batch": True}, "SGD's cost changed"),
    ("local-minima", {"noise_model": "fixed"}, "no clear fall"),
    ("saddle", {"theory": "ln(1+eta)"}, "the law says 82"),
])
def test_a_failing_run_says_what_it_observed(name, broken, said):
    r = run_demo(name, broken, seed=0)
    assert not r.passed and said in r.takeaway, r.takeaway
