"""learning-rate: deterministic (a fixed start on a fixed quadratic; the seed does not enter),
so every seed repeats the same run and alpha is the stated bound 0: the outcomes are exact, the
threshold's tolerance is the bracket width + 16 eps around the exact K-step threshold, the step
counts are within a stated round-off bound of the exact first passage. Every seed repeats the
identical computation, so the cases run K0 = 50 (defaults) or KC = 10 seeds (corners, controls;
5 at --bisect-steps 20000), not 200: more would only repeat it (and the machine was at load 10+)."""

from benchmarks.calibration import Case

D = "learning-rate"
K0, KC = 50, 10   # seeds: the run is identical at every seed; the calibration machine was at load 10+
F64 = {"dtype": "float64"}
TENX = {"steps": 30_000, "bisect_steps": 2000, "bisect_rel": 2e-4}
CASES = [
    Case(D, "default", {}, alpha=0.0, seeds=K0, quick=1),
    Case(D, "default, float64", {}, alpha=0.0, opts=F64, seeds=K0, quick=1),
    Case(D, "curvature=1.5 (min)", {"curvature": 1.5}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "curvature=1e4 (max; was a censored ratio)", {"curvature": 1e4}, alpha=0.0, size="corner", seeds=KC, quick=1),
    Case(D, "curvature=1e4, float64", {"curvature": 1e4}, alpha=0.0, size="corner", opts=F64),
    Case(D, "small=1e-4 (min)", {"small": 1e-4}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "small=0.5 (max)", {"small": 0.5}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "under=0.5 (min)", {"under": 0.5}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "under=0.9999 (max)", {"under": 0.9999}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "over=1.0001 (min)", {"over": 1.0001}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "over=2 (max)", {"over": 2.0}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "tol=1e-12 (min)", {"tol": 1e-12}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "tol=0.1 (max)", {"tol": 0.1}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "steps=10 (min)", {"steps": 10}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "over=1.0001, steps=100 (refused: 510 needed to show divergence)", {"over": 1.0001, "steps": 100},
         alpha=0.0, size="corner", seeds=1),
    Case(D, "steps=1e6 (max)", {"steps": 1_000_000}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "bisect_steps=5 (min)", {"bisect_steps": 5}, alpha=0.0, size="corner", seeds=KC, quick=1),
    Case(D, "bisect_steps=20 (the issue's case)", {"bisect_steps": 20}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "bisect_steps=20000 (max)", {"bisect_steps": 20_000}, alpha=0.0, size="corner", seeds=5),
    Case(D, "bisect_rel=1e-4 (the issue's case)", {"bisect_rel": 1e-4}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "bisect_rel=1e-5 (the issue's case)", {"bisect_rel": 1e-5}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "bisect_rel=1e-9 (min)", {"bisect_rel": 1e-9}, alpha=0.0, size="corner", seeds=KC),
    Case(D, "bisect_rel=1e-9, float64", {"bisect_rel": 1e-9}, alpha=0.0, size="corner", opts=F64),
    Case(D, "bisect_rel=0.5 (max)", {"bisect_rel": 0.5}, alpha=0.0, size="corner", seeds=KC),
    # controls: the common wrong threshold 1/L, the best step mistaken for the threshold, and a
    # bisection that calls a trial diverged only once it blows up (1e6 x the start)
    Case(D, "--theory 1/L", {"theory": "1/L"}, kind="control", seeds=KC, quick=1),
    Case(D, "--theory 1/L at 10x", {"theory": "1/L", **TENX}, kind="control", size="10x", seeds=KC),
    Case(D, "--theory 2/(L+mu)", {"theory": "2/(L+mu)"}, kind="control", seeds=KC, quick=1),
    Case(D, "--theory 2/(L+mu) at 10x", {"theory": "2/(L+mu)", **TENX}, kind="control", size="10x", seeds=KC),
    Case(D, "--trial blow-up", {"trial": "blow-up"}, kind="control", seeds=KC, quick=1),
    Case(D, "--trial blow-up at 10x", {"trial": "blow-up", **TENX}, kind="control", size="10x", seeds=KC),
]
