"""Issue 19 ("Truth 2") for conditioning, learning-rate, symmetry and minibatch: the settings that
FAILed a true claim now PASS (each failed before the fix), parameters that cannot support a test
are refused in one line naming the value that can, the new negative controls FAIL, and every run
carries a takeaway computed from its numbers."""

import re

import pytest

from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

MINE = ("conditioning", "learning-rate", "symmetry", "minibatch")


def _lines(r):
    return "\n".join(v.line() for v in r.verdicts)


# --- false FAILs of a true claim (all FAILed before issue 19) ---------------------------------

@pytest.mark.parametrize("kappa", [300.0, 1e4])
def test_conditioning_float64_large_kappa_passes(kappa):
    r = run_demo("conditioning", {"kappa": kappa}, dtype="float64")
    assert r.passed, _lines(r)
    gd = r.verdicts[1]
    assert "rounding bound" in gd.tolerance and float(gd.tolerance.split()[0]) < 1e-9


def test_conditioning_controls_still_fail_by_far_more_than_the_tolerance():
    for dt in ("float32", "float64"):
        r = run_demo("conditioning", {"beta_scale": 1.05}, dtype=dt)
        hb = r.verdicts[-1]
        assert not hb.passed and abs(hb.measured - hb.expected) > 100 * float(hb.tolerance.split()[0])


@pytest.mark.parametrize("params", [{"bisect_rel": 1e-4}, {"bisect_rel": 1e-5}, {"bisect_rel": 1e-9},
                                    {"bisect_steps": 20}, {"bisect_steps": 5}, {"curvature": 1e4},
                                    {"small": 0.5}])          # eta = 1/L lands y on 0: no division by 0
def test_learning_rate_settings_that_failed_now_pass(params):
    r = run_demo("learning-rate", params)
    assert r.passed, _lines(r)


def test_learning_rate_threshold_is_the_exact_k_step_threshold():
    r = run_demo("learning-rate", {"bisect_steps": 5})
    thr = next(v for v in r.verdicts if "threshold" in v.name)
    assert thr.expected == pytest.approx(0.2 * 1.00926, rel=1e-4)   # 2/L moved by a 5-step trial's offset
    assert "bracket width" in thr.tolerance


def test_learning_rate_step_counts_are_exact_and_censored_at_the_budget():
    r = run_demo("learning-rate", {"curvature": 1e4})
    v = next(v for v in r.verdicts if v.name.startswith("steps to loss"))
    assert v.passed and v.measured == [None, None] == v.expected      # neither within 3000 steps
    r = run_demo("learning-rate", {})
    v = next(v for v in r.verdicts if v.name.startswith("steps to loss"))
    assert v.measured == v.expected == [604, 35]


def test_learning_rate_refuses_budgets_that_cannot_show_divergence():
    with pytest.raises(DemoError, match=r"smallest --steps that can show it is 510"):
        run_demo("learning-rate", {"over": 1.0001, "steps": 100})
    assert run_demo("learning-rate", {"over": 1.0001, "steps": 510}).passed
    assert run_demo("learning-rate", {"steps": 10}).passed        # 1.03 x 2/L shows it in 1 step


def test_learning_rate_refuses_a_step_below_float32_resolution():
    with pytest.raises(DemoError, match="smallest --small"):
        run_demo("learning-rate", {"curvature": 1e4, "small": 1e-4})
    assert run_demo("learning-rate", {"curvature": 1e4, "small": 1e-4}, dtype="float64").passed


@pytest.mark.parametrize("params, seed", [
    ({"activation": "sigmoid", "dataset": "moons", "hidden": 5, "n": 160}, 1),
    ({"activation": "sigmoid", "dataset": "moons", "hidden": 5, "n": 160}, 3),
    ({"activation": "relu", "dataset": "moons"}, 0),
    ({"activation": "relu", "dataset": "moons"}, 1),
])
def test_symmetry_settings_that_failed_now_pass(params, seed):
    r = run_demo("symmetry", params, seed=seed)
    assert r.passed, _lines(r)


def test_symmetry_bitwise_equal_float32_is_below_one_ulp_not_zero():
    r = run_demo("symmetry", {"activation": "sigmoid", "dataset": "moons", "hidden": 5, "n": 160}, seed=1)
    c = next(v for v in r.verdicts if v.name.startswith("constant init"))
    assert "< 1 ulp" in c.detail and c.measured < 1e-6


def test_symmetry_divergence_is_refused_not_a_fail():
    with pytest.raises(DemoError, match="training diverged.*lower --lr"):
        run_demo("symmetry", {"lr": 5.0, "momentum": 0.999, "steps": 200})


def test_minibatch_float64_default_passes_and_keeps_its_start():
    r = run_demo("minibatch", {}, dtype="float64")
    assert r.passed, _lines(r)
    mb = next(row for row in r.table.rows if row[0].startswith("mini-batch"))
    assert mb[4] > 0                                          # steps: the start was not pre-trained


@pytest.mark.parametrize("bad, match", [({"n": 1000}, "--n must be >= 20000"),
                                        ({"cond": 1.0}, "--cond must be >= 30"),
                                        ({"dim": 1}, "--dim must be >= 16")])
def test_minibatch_refuses_sizes_where_full_batch_wins(bad, match):
    with pytest.raises(DemoError, match=match):
        run_demo("minibatch", bad)


# --- new negative controls -------------------------------------------------------------------

@pytest.mark.parametrize("name, setting, failing", [
    ("learning-rate", {"trial": "blow-up"}, "divergence threshold"),
    ("learning-rate", {"theory": "2/(L+mu)"}, "divergence threshold"),
    ("symmetry", {"random_init": "shared"}, "random init: the hidden units"),
    ("minibatch", {"loss": "sum"}, "reaches the target first"),
])
def test_new_negative_controls_fail(name, setting, failing):
    r = run_demo(name, setting)
    assert not r.passed
    assert any(failing in v.name and v.is_check and not v.passed for v in r.verdicts), _lines(r)


# --- takeaway --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", MINE)
def test_takeaway_is_a_sentence_with_the_runs_numbers(name):
    r = run_demo(name, {})
    assert r.takeaway and r.takeaway.endswith(".") and "\n" not in r.takeaway
    numbers = re.findall(r"\d+(?:\.\d+)?", r.takeaway)
    assert numbers, r.takeaway
    assert r.to_dict()["takeaway"] == r.takeaway


def test_takeaway_follows_the_run():
    r = run_demo("conditioning", {"beta_scale": 1.05})
    hb = r.table.rows[-1][5]
    assert f"{hb:.4g}" in r.takeaway and "FAIL" in r.takeaway
    r = run_demo("learning-rate", {"bisect_steps": 5})
    assert "1.0094 x 2/L" in r.takeaway
    r = run_demo("minibatch", {"loss": "sum"})
    assert "did not reach" in r.takeaway or "but" in r.takeaway
