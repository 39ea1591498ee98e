"""rates: the two GD bound checks are deterministic (a rounding allowance), the SGD check is a
one-sided Holm family over checkpoints (alpha 1e-3); corners: the smallest sizes, the largest
condition numbers, tiny and huge noise, float64; controls --bound fast and --schedule constant
at the default and 10x size."""
from benchmarks.calibration import Case

A = 1e-3
SMALL = {"steps": 16, "runs": 20, "dim": 2, "kappa": 2.0, "sgd_kappa": 2.0}
CASES = [
    Case("rates", "default", {}, alpha=A, quick=2),
    Case("rates", "smallest sizes", SMALL, alpha=A, size="corner", quick=5),
    Case("rates", "largest kappas, smallest sizes", {**SMALL, "kappa": 1e5, "sgd_kappa": 1e3},
         alpha=A, size="corner"),
    Case("rates", "kappa 1e5, sgd_kappa 1e3", {"kappa": 1e5, "sgd_kappa": 1e3}, alpha=A, size="corner"),
    Case("rates", "sigma 1e-3 (start term dominates nu)", {"sigma": 1e-3}, alpha=A, size="corner"),
    Case("rates", "sigma 1e3 (noise term dominates nu)", {"sigma": 1e3, "runs": 20}, alpha=A, size="corner"),
    Case("rates", "dim 1000, runs 20", {"dim": 1000, "runs": 20, "steps": 256}, alpha=A, size="corner"),
    Case("rates", "float64", {}, alpha=A, size="corner", opts={"dtype": "float64"}),
    Case("rates", "--bound fast", {"bound": "fast"}, kind="control", quick=2),
    Case("rates", "--bound fast at 10x steps", {"bound": "fast", "steps": 20000}, kind="control",
         size="10x", seeds=50),
    Case("rates", "--schedule constant", {"schedule": "constant"}, kind="control", quick=2),
    Case("rates", "--schedule constant at 10x runs", {"schedule": "constant", "runs": 2000},
         kind="control", size="10x", seeds=50),
    Case("rates", "--schedule constant at 10x steps", {"schedule": "constant", "steps": 20000},
         kind="control", size="10x", seeds=50),
]
