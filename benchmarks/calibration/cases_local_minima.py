"""local-minima: the pair tests' false FAIL (Holm, alpha 1e-3) with the trend test's power where
the fractions do fall; corners of runs, tilt, sizes, n; control --noise-model fixed."""
from benchmarks.calibration import Case

A = 1e-3
CASES = [
    Case("local-minima", "default", {}, alpha=A, quick=5),
    Case("local-minima", "runs=200 (smallest)", {"runs": 200}, alpha=A, size="corner", quick=10),
    Case("local-minima", "tilt=0.01", {"tilt": 0.01}, alpha=A, size="corner"),
    Case("local-minima", "tilt=1.5 (largest)", {"tilt": 1.5}, alpha=A, size="corner"),
    Case("local-minima", "n=3, sizes 1,2", {"n": 3, "sizes": "1,2"}, alpha=A, size="corner"),
    Case("local-minima", "sizes 1,2,3,4,6,8", {"sizes": "1,2,3,4,6,8"}, alpha=A, size="corner"),
    Case("local-minima", "--noise-model fixed", {"noise_model": "fixed"}, kind="control", quick=5),
    Case("local-minima", "--noise-model fixed at 10x runs", {"noise_model": "fixed", "runs": 20000}, kind="control",
         size="10x", quick=1),
]
