"""momentum: deterministic (the seed does not enter the run: a fixed start on a fixed quadratic),
so every seed repeats the same run and the stated false-FAIL rate is 0 (the tolerance is the
fit's z*SE box or the rounding bound, whichever is wider). Few seeds per corner for that reason."""

from benchmarks.calibration import Case

D = "momentum"
F64 = {"dtype": "float64"}
W = {"beta_formula": "kappa"}
CASES = [
    Case(D, "default", {}, alpha=0.0, quick=1),
    Case(D, "default, float64", {}, alpha=0.0, opts=F64, quick=1),
    Case(D, "kappa=2 (min)", {"kappa": 2.0}, alpha=0.0, size="corner", quick=1),
    Case(D, "kappa=2, float64", {"kappa": 2.0}, alpha=0.0, size="corner", opts=F64),
    Case(D, "kappa=1e4 (max)", {"kappa": 1e4}, alpha=0.0, size="corner", seeds=5),
    Case(D, "kappa=1e4, float64", {"kappa": 1e4}, alpha=0.0, size="corner", opts=F64, seeds=5),
    Case(D, "steps=10 (min fixed budget)", {"steps": 10}, alpha=0.0, size="corner"),
    Case(D, "steps=10, kappa=1e4", {"steps": 10, "kappa": 1e4}, alpha=0.0, size="corner"),
    Case(D, "steps=20000 (max)", {"steps": 20000}, alpha=0.0, size="corner", seeds=5),
    Case(D, "steps=20000, kappa=2, float64", {"steps": 20000, "kappa": 2.0}, alpha=0.0, size="corner",
         opts=F64, seeds=5),
    Case(D, "alpha=1e-12 (min)", {"alpha": 1e-12}, alpha=0.0, size="corner"),
    Case(D, "alpha=0.5 (max)", {"alpha": 0.5}, alpha=0.0, size="corner"),
    Case(D, "alpha=0.5, kappa=1e4, float64", {"alpha": 0.5, "kappa": 1e4}, alpha=0.0, size="corner", opts=F64),
    # control: beta = (kappa-1)/(kappa+1), GD's rate formula taken for the momentum coefficient
    Case(D, "--beta-formula kappa", W, kind="control", quick=1),
    Case(D, "--beta-formula kappa at 10x steps", {**W, "steps": 4000}, kind="control", size="10x"),
    Case(D, "--beta-formula kappa, float64", W, kind="control", opts=F64),
    Case(D, "--beta-formula kappa, kappa=2", {**W, "kappa": 2.0}, kind="control"),
    Case(D, "--beta-formula kappa, kappa=1e4", {**W, "kappa": 1e4}, kind="control"),
]
