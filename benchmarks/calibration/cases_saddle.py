"""saddle: the mean escape step against the law's exact distribution (alpha 1e-3); corners of
runs (2 and 20,000), lr (0.99; the smallest accepted budgets), S, n, noise, radius; controls
--theory "ln(1+eta)" and --kick per-example."""
from benchmarks.calibration import Case

A = 1e-3
CASES = [
    Case("saddle", "default", {}, alpha=A, quick=5),
    Case("saddle", "runs=2 (smallest)", {"runs": 2}, alpha=A, size="corner", quick=10),
    Case("saddle", "runs=20000 (largest)", {"runs": 20000}, alpha=A, size="corner"),
    Case("saddle", "lr=0.99", {"lr": 0.99}, alpha=A, size="corner"),
    Case("saddle", "lr=0.03, steps 412 (smallest accepted)", {"lr": 0.03, "steps": 412}, alpha=A, size="corner"),
    Case("saddle", "S=1, n=2", {"batch_size": 1, "n": 2}, alpha=A, size="corner"),
    Case("saddle", "noise=10, radius=1e-3 (instant escape)", {"noise": 10.0, "radius": 1e-3, "y0": "1e-4"},
         alpha=A, size="corner"),
    Case("saddle", "--theory ln(1+eta)", {"theory": "ln(1+eta)"}, kind="control", quick=3),
    Case("saddle", "--theory ln(1+eta) at 10x runs", {"theory": "ln(1+eta)", "runs": 10000}, kind="control",
         size="10x", seeds=50),
    Case("saddle", "--kick per-example", {"kick": "per-example"}, kind="control", quick=3),
    Case("saddle", "--kick per-example at 10x runs", {"kick": "per-example", "runs": 10000}, kind="control",
         size="10x", seeds=50),
]
