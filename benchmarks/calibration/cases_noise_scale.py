"""noise-scale: one Holm family over the estimator's two t-tests and one t-test per batch size
(alpha 1e-3); corners of --trials, --n, --dim, --dist (B_noise from ~1 to ~10^4), --cond,
--est-batch, --batch-sizes, --alpha; controls --estimator naive and --lr-rule linear, at the
default and 10x trials."""
from benchmarks.calibration import Case

D, A = "noise-scale", 1e-3
CASES = [
    Case(D, "default", {}, alpha=A, quick=3),
    Case(D, "n=256, dim=1 (smallest)", {"n": 256, "dim": 1,
                                                      "batch_sizes": "1,16,256"}, alpha=A, size="corner"),
    Case(D, "dim=64 (widest)", {"dim": 64}, alpha=A, size="corner"),
    Case(D, "dist=0.01 (B_noise ~ 10^4)", {"dist": 0.01}, alpha=A, size="corner"),
    Case(D, "dist=100 (B_noise ~ 1)", {"dist": 100.0}, alpha=A, size="corner"),
    Case(D, "cond=100 (B_simple != B_noise)", {"cond": 100.0}, alpha=A, size="corner"),
    Case(D, "est_batch=2 (smallest)", {"est_batch": 2}, alpha=A, size="corner"),
    Case(D, "batch_sizes=1 (one size)", {"batch_sizes": "1"}, alpha=A, size="corner"),
    Case(D, "alpha=0.05", {"alpha": 0.05}, alpha=0.05, size="corner"),
    Case(D, "--estimator naive", {"estimator": "naive"}, kind="control", quick=2),
    Case(D, "--estimator naive at 10x trials", {"estimator": "naive", "trials": 20000}, kind="control",
         size="10x", seeds=20),
    Case(D, "--lr-rule linear", {"lr_rule": "linear"}, kind="control", quick=2),
    Case(D, "--lr-rule linear at 10x trials", {"lr_rule": "linear", "trials": 20000}, kind="control",
         size="10x", seeds=20),
]
