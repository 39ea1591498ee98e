"""unbiased: Holm family over the chi^2-type check and the per-T MSE checks (alpha 1e-3); the
minimal sizes (trials 2, reps 8, n 10, S 1, dim 1), both problems, importance sampling;
controls --sampling biased and --reduce sum."""
from benchmarks.calibration import Case

A = 1e-3
SMALL = {"trials": 2, "reps": 8, "n": 10, "batch_size": 1, "dim": 1}
CASES = [
    Case("unbiased", "default", {}, alpha=A, quick=3),
    Case("unbiased", "smallest sizes", SMALL, alpha=A, size="corner", quick=10),
    Case("unbiased", "smallest sizes, logistic", {**SMALL, "problem": "logistic"}, alpha=A, size="corner", quick=5),
    Case("unbiased", "smallest sizes, importance", {**SMALL, "sampling": "importance"}, alpha=A, size="corner"),
    Case("unbiased", "trials=2, reps=8 (default n, S)", {"trials": 2, "reps": 8}, alpha=A, size="corner"),
    Case("unbiased", "S = N = 10", {"n": 10, "batch_size": 10, "trials": 64, "reps": 8}, alpha=A, size="corner"),
    Case("unbiased", "importance, default", {"sampling": "importance"}, alpha=A),
    Case("unbiased", "--sampling biased", {"sampling": "biased"}, kind="control", quick=2),
    Case("unbiased", "--sampling biased at 10x n", {"sampling": "biased", "n": 20000}, kind="control", size="10x",
         seeds=50),
    Case("unbiased", "--reduce sum", {"reduce": "sum"}, kind="control", quick=2),
    Case("unbiased", "--reduce sum at 10x reps", {"reduce": "sum", "reps": 640}, kind="control", size="10x", seeds=50),
]
