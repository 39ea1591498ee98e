"""The reduced calibration run: every case of benchmarks/calibration/ with `quick` seeds.

A null case (the claim holds) must not show a false-FAIL rate whose exact 95 % interval lies above
the verdict's stated alpha; a negative control must FAIL at every quick seed (power >= 99 %).
The full run (K >= 200 seeds a case) is benchmarks/bench_calibration.py; its table is
docs/calibration.md."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.calibration import all_cases, judge, run_case  # noqa: E402

CASES = [c for c in all_cases() if c.quick > 0]


def test_every_demo_has_calibration_cases():
    from gdstudy.demo.registry import demo_names
    demos = {c.demo for c in all_cases()}
    assert set(demo_names()) <= demos, f"demos without calibration cases: {sorted(set(demo_names()) - demos)}"
    for name in demo_names():
        kinds = {c.kind for c in all_cases() if c.demo == name}
        assert kinds == {"null", "control"}, f"{name}: needs null and control cases, has {kinds}"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[f"{c.demo}:{c.kind}:{c.label}" for c in CASES])
def test_calibration_quick(case):
    o = run_case(case, case.quick, seed0=5000)
    ok, why = judge(o)
    assert ok, why
