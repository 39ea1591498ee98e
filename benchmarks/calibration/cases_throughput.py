"""throughput: a timing claim with no sampling model; the tolerance is the run's own timing
resolution (the 2nd-fastest block of the slowest S >= 256 against the fastest block of S = 1
must reach 10x). On the CPU the blocks are timed in this thread's CPU time (time.thread_time,
one compute thread), which other processes on a busy machine do not inflate; --threads != 1
is refused on the CPU. Judged against alpha = 1e-3. Runs take 1-2 s under load (the timing is CPU time, the wall time
is not), so only the default runs K = 200 seeds; the corners run 50 (fewer where a run takes
10 s or more) and the per-example-loop control, ~6 s a run (30 s at 10x), 40 (10). quick: the default (1 seed) and the --threads refusal; not the control
(its per-example loop takes ~5 s a run)."""

from benchmarks.calibration import Case

A = 1e-3
D = "throughput"
FEW = "96,100,127,129,255,257"

CASES = [
    Case(D, "default", {}, alpha=A, quick=1),
    Case(D, "torch backend", {}, alpha=A, opts={"backend": "torch"}, size="corner", seeds=50),
    Case(D, "--dtype float64 asked (the demo fixes float32)", {}, alpha=A, opts={"dtype": "float64"},
         size="corner", seeds=20),
    Case(D, "dim=1, hidden=1 (smallest)", {"dim": 1, "hidden": 1}, alpha=A, size="corner", seeds=50),
    Case(D, "dim=1, hidden=128", {"dim": 1}, alpha=A, size="corner", seeds=50),
    Case(D, "dim=256, hidden=128 (largest)", {"dim": 256}, alpha=A, size="corner", seeds=50),
    Case(D, "dim=256, hidden=1", {"dim": 256, "hidden": 1}, alpha=A, size="corner", seeds=50),
    Case(D, "max-batch=256 (smallest)", {"max_batch": 256, "neighbours": "96,100,127,129,255"}, alpha=A,
         size="corner", seeds=50),
    Case(D, "max-batch=65536 (largest)", {"max_batch": 65536, "neighbours": ""}, alpha=A, size="corner",
         seeds=20),
    Case(D, "block 0.1 ms, 2 repeats, no warm-up (smallest)", {"block_ms": 0.1, "repeats": 2, "warmup_ms": 0.0},
         alpha=A, size="corner"),
    Case(D, "block 100 ms (largest)", {"block_ms": 100.0, "repeats": 2, "neighbours": ""}, alpha=A,
         size="corner", seeds=10),
    Case(D, "repeats=1000 (largest), block 0.1 ms", {"repeats": 1000, "block_ms": 0.1, "neighbours": ""},
         alpha=A, size="corner", seeds=10),
    Case(D, "warm-up 1000 ms (largest)", {"warmup_ms": 1000.0, "neighbours": ""}, alpha=A, size="corner",
         seeds=5),
    Case(D, "min-speedup=1 (smallest)", {"min_speedup": 1.0}, alpha=A, size="corner", seeds=50),
    Case(D, "threads=0 (library default: refused on the CPU)", {"threads": 0}, alpha=A, size="corner", quick=1),
    # negative control: no batching gain (a per-example Python loop)
    Case(D, "--no-vectorize (per-example loop)", {"vectorize": False}, kind="control", seeds=40),
    Case(D, "--no-vectorize at 10x repeats", {"vectorize": False, "repeats": 50}, kind="control", size="10x",
         seeds=10),
]
