"""epoch: family alpha 1e-3 (order correlation, different order, co-batched pairs: alpha/3 each,
Bonferroni over the epoch pairs). The exact checks (exactly once, ceil(N/S) steps) cannot fail
when the claim holds. --lr 10 diverges and is refused (the checks need every epoch)."""

from benchmarks.calibration import Case

A = 1e-3
D = "epoch"

CASES = [
    Case(D, "default", {}, alpha=A, quick=20),
    Case(D, "float64", {}, alpha=A, opts={"dtype": "float64"}, quick=10),
    Case(D, "n=3 (smallest), S=2", {"n": 3, "batch_size": 2}, alpha=A, size="corner", quick=10),
    Case(D, "n=3, S=1, 1000 epochs (most pairs)", {"n": 3, "batch_size": 1, "epochs": 1000}, alpha=A,
         size="corner", quick=2),
    Case(D, "n=12, S=3, 1000 epochs (small-N tails)", {"n": 12, "batch_size": 3, "epochs": 1000}, alpha=A,
         size="corner", quick=2),
    Case(D, "S=1", {"batch_size": 1}, alpha=A, size="corner", quick=5),
    Case(D, "S=N (one batch)", {"batch_size": 1000}, alpha=A, size="corner", quick=5),
    Case(D, "S=N/2 (two batches)", {"batch_size": 500}, alpha=A, size="corner", quick=5),
    Case(D, "epochs=1000 (most), n=100, S=8", {"epochs": 1000, "n": 100, "batch_size": 8}, alpha=A,
         size="corner", quick=1),
    Case(D, "n=1e6 (largest), S=65536", {"n": 1_000_000, "batch_size": 65536}, alpha=A, size="corner",
         seeds=50, quick=0),
    Case(D, "lr=1e-6 (smallest)", {"lr": 1e-6}, alpha=A, size="corner", quick=5),
    Case(D, "lr=10 (largest: diverges, refused)", {"lr": 10.0}, alpha=A, size="corner", quick=2),
    Case(D, "--drop-last with S | N (claim holds)", {"drop_last": True, "n": 1024}, alpha=A, size="corner",
         quick=5),
    # negative controls: realistic loader bugs
    Case(D, "--shuffle batches (fixed batches, new order)", {"shuffle": "batches"}, kind="control", quick=10),
    Case(D, "--shuffle batches at 10x", {"shuffle": "batches", "n": 10_000}, kind="control", size="10x",
         quick=5),
    Case(D, "--shuffle once (same order every epoch)", {"shuffle": "once"}, kind="control", quick=5),
    Case(D, "--shuffle once at 10x", {"shuffle": "once", "n": 10_000}, kind="control", size="10x", quick=2),
    Case(D, "--shuffle none", {"shuffle": "none"}, kind="control", quick=5),
    Case(D, "--shuffle none at 10x", {"shuffle": "none", "n": 10_000}, kind="control", size="10x", quick=2),
    Case(D, "--replacement", {"replacement": True}, kind="control", quick=5),
    Case(D, "--replacement at 10x", {"replacement": True, "n": 10_000}, kind="control", size="10x", quick=2),
    Case(D, "--drop-last (N mod S != 0)", {"drop_last": True}, kind="control", quick=5),
    Case(D, "--drop-last at 10x", {"drop_last": True, "n": 10_000}, kind="control", size="10x", quick=2),
]
