"""variance: Holm family over every S and scheme (alpha 1e-3); corners of --trials, --n, --dim,
--problem, --batch-sizes, --alpha; controls --no-fpc and --sampler randint."""
from benchmarks.calibration import Case

A = 1e-3
CASES = [
    Case("variance", "default", {}, alpha=A, quick=2),
    Case("variance", "trials=30 (smallest allowed)", {"trials": 30}, alpha=A, size="corner", quick=10),
    Case("variance", "trials=30, logistic", {"trials": 30, "problem": "logistic"}, alpha=A, size="corner", quick=5),
    Case("variance", "trials=30, n=4, dim=1 (smallest)", {"trials": 30, "n": 4, "dim": 1}, alpha=A, size="corner", quick=5),
    Case("variance", "trials=30, n=16, dim=300 (wide)", {"trials": 30, "n": 16, "dim": 300}, alpha=A, size="corner"),
    Case("variance", "trials=30, batch sizes 1,5,36", {"trials": 30, "batch_sizes": "1,5,36"}, alpha=A, size="corner"),
    Case("variance", "trials=30, alpha=0.05", {"trials": 30, "alpha": 0.05}, alpha=0.05, size="corner"),
    Case("variance", "--no-fpc", {"fpc": False}, kind="control", quick=2),
    Case("variance", "--no-fpc at 10x trials", {"fpc": False, "trials": 20000}, kind="control", size="10x", seeds=50),
    Case("variance", "--sampler randint", {"sampler": "randint"}, kind="control", quick=2),
    Case("variance", "--sampler randint at 10x trials", {"sampler": "randint", "trials": 20000}, kind="control",
         size="10x", seeds=50),
]
