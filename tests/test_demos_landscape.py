"""The landscape demos of issue 5 (learning-rate, conditioning, saddle, local-minima, redundancy):
each PASSes at a small size at three seeds, and a deliberately broken setting FAILs."""

import subprocess
import sys

import numpy as np
import pytest

from gdstudy.demo.registry import demo_names, demo_path
from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

SEEDS = (0, 1, 2)
SMALL = {
    "learning-rate": {"steps": 1500, "bisect_steps": 100},
    "conditioning": {"kappa": 30.0},
    "saddle": {"runs": 200},
    "local-minima": {"runs": 1000, "sizes": "1,2,4,8"},
    "redundancy": {"n": 800, "k": 5, "runs": 7},
}
BROKEN = {  # key -> (demo, setting, text of the verdict that must fail)
    "lr-wrong-theory": ("learning-rate", {"theory": "1/L"}, "divergence threshold"),
    "lr-blow-up-trial": ("learning-rate", {"trial": "blow-up"}, "divergence threshold"),
    "cond-beta-above-optimum": ("conditioning", {"beta_scale": 1.1}, "heavy ball"),
    "cond-gd-diverges": ("conditioning", {"lr_scale": 2.05}, "GD eta=2.05/L: rate"),
    "saddle-wrong-theory": ("saddle", {"theory": "ln(1+eta)"}, "escape step vs"),
    "saddle-no-noise": ("saddle", {"noise": 0.0}, "mean escape step"),
    "minima-fixed-noise": ("local-minima", {"noise_model": "fixed"}, "escape fraction falls"),
    "redundancy-scaled-batch": ("redundancy", {"scale_batch": True}, "mini-batch"),
}


def _lines(r):
    return "\n".join(v.line() for v in r.verdicts)


def test_landscape_demos_are_registered():
    assert set(SMALL) <= set(demo_names())


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize("seed", SEEDS)
def test_demo_passes(name, seed):
    r = run_demo(name, SMALL[name], seed=seed)
    assert r.passed, _lines(r)
    assert r.name == name and r.verdicts and r.plots and r.table.rows and r.notes
    assert all(s.x and len(s.x) == len(s.y) for p in r.plots for s in p.series)


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_broken_setting_fails(key):
    name, setting, failing = BROKEN[key]
    r = run_demo(name, {**SMALL[name], **setting}, seed=0)
    assert not r.passed
    assert any(failing in v.name and v.is_check and not v.passed for v in r.verdicts), _lines(r)


def test_learning_rate_threshold_and_outcomes_come_from_the_run():
    r = run_demo("learning-rate", {**SMALL["learning-rate"], "curvature": 40.0}, seed=0)
    assert r.passed, _lines(r)
    by_name = {v.name.split(" (")[0]: v for v in r.verdicts}
    assert by_name["just over 2/L"].measured == "diverges"
    assert by_name["just under 2/L"].measured == "converges"
    thr = next(v for v in r.verdicts if "threshold" in v.name)
    assert thr.measured == pytest.approx(2 / 40.0, rel=1e-3)   # bisection, not theory, sets it


def test_conditioning_rates_track_kappa():
    rates = {}
    for kappa in (20.0, 80.0):
        r = run_demo("conditioning", {"kappa": kappa}, seed=0)
        assert r.passed, _lines(r)
        hb = next(v for v in r.verdicts if "heavy ball" in v.name)
        rates[kappa] = hb.measured
        flips = r.verdicts[0]
        assert flips.measured == [20, 0]                      # zig-zag on y, crawl on x
    s20, s80 = np.sqrt(20), np.sqrt(80)
    assert rates[20.0] == pytest.approx((s20 - 1) / (s20 + 1), rel=0.03)
    assert rates[80.0] == pytest.approx((s80 - 1) / (s80 + 1), rel=0.03)
    assert rates[80.0] > rates[20.0]


def test_saddle_exact_start_stays_and_escape_steps_match():
    r = run_demo("saddle", {**SMALL["saddle"], "lr": 0.05, "y0": "1e-3,1e-7"}, seed=0)
    assert r.passed, _lines(r)
    steps = {row[0]: row[2] for row in r.table.rows}
    assert steps["GD, y0 = 0"] is None                        # never escapes
    for y0 in (1e-3, 1e-7):
        expect = np.log(1 / y0) / np.log(1.1)
        assert 0 <= steps[f"GD, y0 = {y0:g}"] - expect < 1    # the first step at or past theory


def test_local_minima_full_batch_is_deterministic_and_counts_fall():
    r = run_demo("local-minima", SMALL["local-minima"], seed=1)
    counts = [row[2] for row in r.table.rows[:-1]]
    assert len(counts) == 4 and counts[0] > counts[-1] > 0
    assert r.verdicts[0].passed and r.verdicts[0].measured <= -3.09  # the trend z (falls)
    full = r.table.rows[-1]
    assert full[0] == "full batch" and full[2] == 0


def test_redundancy_full_batch_ratio_is_k():
    r = run_demo("redundancy", {**SMALL["redundancy"], "k": 3}, seed=0)
    assert r.passed, _lines(r)
    full = next(v for v in r.verdicts if v.name.startswith("full batch"))
    assert full.kind == "bookkeeping" and full.measured == pytest.approx(3.0, rel=1e-9)


@pytest.mark.parametrize("name, bad, match", [
    ("saddle", {"y0": "0"}, "0 < \\|y0\\|"),
    ("saddle", {"y0": "abc"}, "comma-separated"),
    ("local-minima", {"sizes": "4"}, "at least two sizes"),
    ("local-minima", {"sizes": "1,5000"}, "between 1 and N-1"),
    ("conditioning", {"kappa": 1.5}, "--kappa must be >= 2"),
    ("redundancy", {"batch_size": 5000}, "--batch-size must be <"),
])
def test_bad_parameters_are_one_line_errors(name, bad, match):
    with pytest.raises(DemoError, match=match):
        run_demo(name, bad)


def test_torch_backend_runs_the_landscape_demos():
    pytest.importorskip("torch")
    for name in ("saddle", "local-minima", "conditioning"):
        r = run_demo(name, SMALL[name], backend="torch", device="cpu", seed=0)
        assert r.passed and r.backend == "torch", _lines(r)


def test_standalone_script_help():
    out = subprocess.run([sys.executable, str(demo_path("learning-rate")), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--curvature" in out.stdout and "--theory" in out.stdout
