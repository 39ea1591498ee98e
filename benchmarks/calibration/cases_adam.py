"""adam: the constant-gradient checks are deterministic (stated false-FAIL rate 0: exact formulas
within a rounding bound); the moment tests are Holm-corrected at --alpha (1e-3 by default), so
the family false-FAIL rate of the demo is alpha. Corners: every parameter at its min and max."""

from benchmarks.calibration import Case

D = "adam"
F64 = {"dtype": "float64"}
OFF = {"bias_correction": "off"}
A = 1e-3
CASES = [
    Case(D, "default", {}, alpha=A, quick=3),
    Case(D, "default, float64", {}, alpha=A, opts=F64, quick=1),
    Case(D, "beta1=0 (min)", {"beta1": 0.0}, alpha=A, size="corner"),
    Case(D, "beta1=0.999 (max)", {"beta1": 0.999}, alpha=A, size="corner"),
    Case(D, "beta2=0.5 (min)", {"beta2": 0.5}, alpha=A, size="corner"),
    Case(D, "beta2=0.99999 (max)", {"beta2": 0.99999}, alpha=A, size="corner"),
    Case(D, "beta1=0.999, beta2=0.99999, float32", {"beta1": 0.999, "beta2": 0.99999}, alpha=A, size="corner", quick=1),
    Case(D, "eps=0 (min)", {"eps": 0.0}, alpha=A, size="corner"),
    Case(D, "eps=1e-2 (max)", {"eps": 1e-2}, alpha=A, size="corner"),
    Case(D, "lr=1e-6 (min)", {"lr": 1e-6}, alpha=A, size="corner"),
    Case(D, "lr=1 (max)", {"lr": 1.0}, alpha=A, size="corner"),
    Case(D, "grad_mean=1e-3 (min), noise=100 (max)", {"grad_mean": 1e-3, "noise": 100.0}, alpha=A, size="corner"),
    Case(D, "grad_mean=1e3 (max), noise=0.01 (min)", {"grad_mean": 1e3, "noise": 0.01}, alpha=A, size="corner"),
    Case(D, "replicates=200 (min)", {"replicates": 200}, alpha=A, size="corner", quick=1),
    Case(D, "replicates=200000 (max), steps=20", {"replicates": 200_000, "steps": 20}, alpha=A, size="corner", seeds=20),
    Case(D, "steps=1 (min)", {"steps": 1}, alpha=A, size="corner"),
    Case(D, "steps=10000 (max), replicates=200", {"steps": 10_000, "replicates": 200}, alpha=A, size="corner", seeds=10),
    Case(D, "alpha=1e-9 (min)", {"alpha": 1e-9}, alpha=1e-9, size="corner"),
    Case(D, "alpha=0.5 (max)", {"alpha": 0.5}, alpha=0.5, size="corner"),
    Case(D, "alpha=0.05", {"alpha": 0.05}, alpha=0.05, size="corner"),
    # control: Adam without bias correction
    Case(D, "--bias-correction off", OFF, kind="control", quick=2),
    Case(D, "--bias-correction off at 10x replicates", {**OFF, "replicates": 40_000}, kind="control", size="10x"),
    Case(D, "--bias-correction off, float64", OFF, kind="control", opts=F64),
    Case(D, "--bias-correction off, beta1=beta2=0.99 (steps too small)", {**OFF, "beta1": 0.99, "beta2": 0.99},
         kind="control"),
    Case(D, "--bias-correction off, replicates=200, steps=1", {**OFF, "replicates": 200, "steps": 1}, kind="control"),
]
