"""implicit-bias: deterministic given the data (the seed draws X, y and w0); the checks are the
contraction bound plus a rounding bound, so alpha is the stated 0 (no false FAIL is expected).
Corners of --n/--dim (smallest, square-ish d = 2n, widest), --lr-scale, --init-scale, --steps,
float64; controls --precond diagonal and --expect min-norm at the default and the largest size
(n 50, d 400: 2.5x the rows, 8x the parameters; the range stops there to keep runs short)."""
from benchmarks.calibration import Case

D = "implicit-bias"
F64 = {"dtype": "float64"}
CASES = [
    Case(D, "default", {}, alpha=0.0, quick=3),
    Case(D, "default, float64", {}, alpha=0.0, opts=F64, quick=1),
    Case(D, "n=1, dim=2 (smallest)", {"n": 1, "dim": 2}, alpha=0.0, size="corner", quick=1),
    Case(D, "n=50, dim=100 (d = 2n), lr_scale=0.25 (slowest)", {"n": 50, "dim": 100, "lr_scale": 0.25},
         alpha=0.0, size="corner"),
    Case(D, "n=50, dim=400, lr_scale=1.9 (largest)", {"n": 50, "dim": 400, "lr_scale": 1.9}, alpha=0.0, size="corner"),
    Case(D, "n=50, dim=100, float64", {"n": 50, "dim": 100}, alpha=0.0, size="corner", opts=F64),
    Case(D, "init_scale=100", {"init_scale": 100.0}, alpha=0.0, size="corner"),
    Case(D, "init_scale=0.01", {"init_scale": 0.01}, alpha=0.0, size="corner"),
    Case(D, "steps=10 (a short run: the bound is loose)", {"steps": 10}, alpha=0.0, size="corner"),
    Case(D, "steps=20000", {"steps": 20000}, alpha=0.0, size="corner", seeds=50),
    Case(D, "--precond diagonal", {"precond": "diagonal"}, kind="control", quick=2),
    Case(D, "--precond diagonal, n=50, dim=400", {"precond": "diagonal", "n": 50, "dim": 400}, kind="control",
         size="10x"),
    Case(D, "--expect min-norm", {"expect": "min-norm"}, kind="control", quick=2),
    Case(D, "--expect min-norm, n=50, dim=400", {"expect": "min-norm", "n": 50, "dim": 400}, kind="control",
         size="10x"),
]
