"""noise-floor: Holm family of seven checks (alpha 1e-3); corners: the fewest chains the gain
check supports (447), the shortest accepted budget, large step, large batch; controls --theory
approx and --theory no-batch."""
from benchmarks.calibration import Case

A = 1e-3
CASES = [
    Case("noise-floor", "default", {}, alpha=A, quick=2),
    Case("noise-floor", "chains=447 (fewest accepted)", {"chains": 447}, alpha=A, size="corner", quick=10),
    Case("noise-floor", "steps=518 (shortest accepted), chains=447", {"steps": 518, "chains": 447}, alpha=A,
         size="corner"),
    Case("noise-floor", "lr=1.0, chains=500", {"lr": 1.0, "chains": 500}, alpha=A, size="corner"),
    Case("noise-floor", "S=1, n=2, chains=500", {"batch_size": 1, "n": 2, "chains": 500}, alpha=A, size="corner"),
    Case("noise-floor", "burn-in 0.95, steps 1200 (refused: window < 5 relaxation times)",
         {"burn_in": 0.95, "steps": 1200, "chains": 500}, alpha=A, size="corner"),
    Case("noise-floor", "burn-in 0.95, steps 4001, chains 500 (window = 5 relaxation times)",
         {"burn_in": 0.95, "steps": 4001, "chains": 500}, alpha=A, size="corner"),
    Case("noise-floor", "--theory approx", {"theory": "approx"}, kind="control", quick=2),
    Case("noise-floor", "--theory approx at 10x chains", {"theory": "approx", "chains": 20000}, kind="control",
         size="10x", seeds=30),
    Case("noise-floor", "--theory no-batch", {"theory": "no-batch"}, kind="control", quick=1),
    Case("noise-floor", "--theory no-batch at 10x chains", {"theory": "no-batch", "chains": 20000}, kind="control",
         size="10x", seeds=30),
]
