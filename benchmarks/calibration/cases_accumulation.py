"""accumulation: Hotelling T^2 bias test (alpha 1e-3) on the accumulated gradient; null cases at the
default, the smallest sizes (K 2, trials 100, dim 1, max_len 2 = token budget), the largest dim at
its smallest trials, logistic, random cut points (where even the mean of means is unbiased);
controls: --weighting mean-of-means with length-bucketed token budgets, at the default and 10x N."""
from benchmarks.calibration import Case

A = 1e-3
SMALL = {"batch_size": 2, "trials": 100, "dim": 1, "max_len": 2, "token_budget": 2}
BUG = {"weighting": "mean-of-means"}
CASES = [
    Case("accumulation", "default", {}, alpha=A, quick=3),
    Case("accumulation", "smallest sizes", SMALL, alpha=A, size="corner", quick=5),
    Case("accumulation", "smallest sizes, logistic", {**SMALL, "problem": "logistic"}, alpha=A, size="corner"),
    Case("accumulation", "smallest sizes, random split, m = K", {**SMALL, "split": "random", "micro_batches": 2},
         alpha=A, size="corner"),
    Case("accumulation", "dim 50 at trials 1020", {"dim": 50, "trials": 1020}, alpha=A, size="corner"),
    Case("accumulation", "n 20, K 4096", {"n": 20, "batch_size": 4096, "trials": 100, "dim": 1}, alpha=A,
         size="corner"),
    Case("accumulation", "logistic, default", {"problem": "logistic"}, alpha=A),
    Case("accumulation", "random split, mean of means (unbiased)", {"split": "random", **BUG}, alpha=A, quick=3),
    Case("accumulation", "--weighting mean-of-means", BUG, kind="control", quick=3),
    Case("accumulation", "--weighting mean-of-means at 10x n", {**BUG, "n": 40000}, kind="control", size="10x"),
    Case("accumulation", "--weighting mean-of-means, logistic, 10x trials", {**BUG, "problem": "logistic", "trials": 20000},
         kind="control", size="10x", seeds=100),
]
