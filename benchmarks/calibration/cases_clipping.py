"""clipping: the per-layer log-growth test (Pearson III with exact cumulants, alpha 1e-3) and the
clip-by-norm direction check (4 unit roundoffs); null cases at the default, the smallest sizes
(depth 1 x 100 chains, width 2), extreme gains and depths, clip fractions, float64; controls
--clip value (claimed to keep the direction) and --theory jensen (exactly s per layer), at the
default and at 10x the chains."""
from benchmarks.calibration import Case

A = 1e-3
CASES = [
    Case("clipping", "default", {}, alpha=A, quick=3),
    Case("clipping", "depth 1 x 100 chains, width 2", {"depth": 1, "chains": 100, "width": 2}, alpha=A,
         size="corner", quick=5, seeds=2000),
    Case("clipping", "depth 10 x 10 chains, width 2", {"depth": 10, "chains": 10, "width": 2}, alpha=A, size="corner"),
    Case("clipping", "depth 1000 x 10 chains, gain 0.1", {"depth": 1000, "chains": 10, "gain": 0.1, "width": 4},
         alpha=A, size="corner", seeds=100),
    Case("clipping", "gain 4, width 512, depth 5, 20 chains", {"gain": 4.0, "width": 512, "depth": 5, "chains": 20},
         alpha=A, size="corner", seeds=10),   # ~6 s a run under load
    Case("clipping", "gain 4, width 128, depth 5, 20 chains", {"gain": 4.0, "width": 128, "depth": 5, "chains": 20},
         alpha=A, size="corner"),
    Case("clipping", "clip-frac 0.99", {"clip_frac": 0.99}, alpha=A, size="corner"),
    Case("clipping", "clip-frac 1e-6", {"clip_frac": 1e-6}, alpha=A, size="corner"),
    Case("clipping", "float64", {}, alpha=A, opts={"dtype": "float64"}),
    Case("clipping", "--clip value", {"clip": "value"}, kind="control", quick=3),
    Case("clipping", "--clip value at 10x chains", {"clip": "value", "chains": 2000}, kind="control", size="10x",
         seeds=50),
    Case("clipping", "--theory jensen", {"theory": "jensen"}, kind="control", quick=3),
    Case("clipping", "--theory jensen at 10x chains", {"theory": "jensen", "chains": 2000}, kind="control",
         size="10x", seeds=50),
]
