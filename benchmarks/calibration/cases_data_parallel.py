"""data-parallel: every check compares against a float64 rounding bound computed in the run (no
sampling: the stated false-FAIL rate is 0, judged as alpha = 1e-3). Each run forks 2 gloo workers
(~0.3 s), so the slower corners run fewer seeds (each case says). Chaotic training (a small change
amplified > 1e4x, e.g. --lr 100 for 10 steps) and unequal shards too small for every rank are
refused."""

from benchmarks.calibration import Case

A = 1e-3
D = "data-parallel"
X10 = {"n": 10_240}

CASES = [
    Case(D, "default (2 workers, unequal shards 21+43)", {}, alpha=A, quick=1),
    Case(D, "--shards equal", {"shards": "equal"}, alpha=A, size="corner", quick=1),
    Case(D, "3 workers (unequal 16+32+48)", {"workers": 3}, alpha=A, size="corner", seeds=100),
    Case(D, "8 workers, S=8", {"workers": 8, "batch_size": 8}, alpha=A, size="corner", seeds=30),
    Case(D, "n=2, S=1 (smallest), equal shards", {"n": 2, "batch_size": 1, "shards": "equal"}, alpha=A,
         size="corner", seeds=100),
    Case(D, "S=1 with unequal shards (refused: a rank would get none)", {"batch_size": 1}, alpha=A,
         size="corner", quick=1),
    Case(D, "steps=1 (smallest)", {"steps": 1}, alpha=A, size="corner", seeds=100),
    Case(D, "steps=2000 (largest)", {"steps": 2000}, alpha=A, size="corner", seeds=10),
    Case(D, "lr=1e-6 (smallest)", {"lr": 1e-6}, alpha=A, size="corner", seeds=100),
    Case(D, "lr=10", {"lr": 10.0}, alpha=A, size="corner", seeds=100),
    Case(D, "lr=100 (largest), 1 step", {"lr": 100.0, "steps": 1}, alpha=A, size="corner", seeds=100),
    Case(D, "lr=100, 10 steps (chaotic: refused)", {"lr": 100.0}, alpha=A, size="corner", seeds=50, quick=1),
    Case(D, "dim=1, hidden=1 (smallest)", {"dim": 1, "hidden": 1}, alpha=A, size="corner", seeds=100),
    Case(D, "dim=1000, hidden=1000 (largest)", {"dim": 1000, "hidden": 1000}, alpha=A, size="corner",
         seeds=10),
    Case(D, "--start spawn", {"start": "spawn"}, alpha=A, size="corner", seeds=10),
    # negative controls
    Case(D, "--reduce unweighted (mean of worker means)", {"reduce": "unweighted"}, kind="control", quick=1),
    Case(D, "--reduce unweighted at 10x", {"reduce": "unweighted", **X10}, kind="control", size="10x", seeds=100),
    Case(D, "--shards same (loader not sharded by rank)", {"shards": "same"}, kind="control", quick=1),
    Case(D, "--shards same at 10x", {"shards": "same", **X10}, kind="control", size="10x", seeds=100),
    Case(D, "--reduce sum (no /K)", {"reduce": "sum"}, kind="control", quick=1),
    Case(D, "--reduce sum at 10x", {"reduce": "sum", **X10}, kind="control", size="10x", seeds=100),
    Case(D, "--reduce none (no communication)", {"reduce": "none"}, kind="control"),
    Case(D, "--reduce none at 10x", {"reduce": "none", **X10}, kind="control", size="10x", seeds=100),
]
