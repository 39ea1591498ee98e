"""redundancy: permutation test of the mean counts (alpha 1e-3); --runs 2 and 3, k, batch size, cond corners;
controls --scale-batch and --lr-rule per-n. --sampling reshuffle is not a null case: the copies
change the law of reshuffled epochs a little (a real, small difference that enough runs detect)."""
from benchmarks.calibration import Case

A = 1e-3
CASES = [
    Case("redundancy", "default", {}, alpha=A, quick=3),
    Case("redundancy", "runs=3 (refused: needs 7)", {"runs": 3}, alpha=A, size="corner", quick=2),
    Case("redundancy", "runs=7 (smallest accepted)", {"runs": 7}, alpha=A, size="corner", quick=10),
    Case("redundancy", "k=2, runs=7", {"k": 2, "runs": 7}, alpha=A, size="corner"),
    Case("redundancy", "n=10, S=1, dim=1, runs=7", {"n": 10, "batch_size": 1, "dim": 1, "runs": 7}, alpha=A,
         size="corner"),
    Case("redundancy", "cond=1, runs=7", {"cond": 1.0, "runs": 7}, alpha=A, size="corner"),
    Case("redundancy", "runs=7, alpha=0.05", {"runs": 7, "alpha": 0.05}, alpha=0.05, size="corner"),
    Case("redundancy", "--scale-batch", {"scale_batch": True}, kind="control", quick=2),
    Case("redundancy", "--scale-batch at 10x runs", {"scale_batch": True, "runs": 120}, kind="control", size="10x",
         seeds=30),
    Case("redundancy", "--lr-rule per-n", {"lr_rule": "per-n"}, kind="control", quick=1, seeds=60),
    Case("redundancy", "--lr-rule per-n at 10x runs", {"lr_rule": "per-n", "runs": 120}, kind="control",
         size="10x", seeds=10),
]
