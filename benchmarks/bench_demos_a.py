"""Default-run work of the demos minibatch, epoch, unbiased, variance, symmetry, learning-rate,
conditioning: the in-process time of `run` (the `elapsed` a demo prints) and the process CPU time
(all threads), NumPy backend, min and max of --repeats runs after one warm-up, with the load
average before and after (the machine is shared: say how loaded it was when quoting a number).

    .venv/bin/python benchmarks/bench_demos_a.py [--repeats 3] [NAME ...]

Target (issue 11): every default run <= 1 s of work."""

import argparse
import os
import time

from gdstudy.demo.runner import run_demo

DEMOS = ("minibatch", "epoch", "unbiased", "variance", "symmetry", "learning-rate", "conditioning")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*", default=list(DEMOS))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for name in args.names:
        run_demo(name, {})                                # warm-up: imports, caches
        times = []
        for seed in range(args.repeats):
            c0 = time.process_time()
            r = run_demo(name, {}, seed=seed)
            times.append((r.elapsed, time.process_time() - c0, r.passed))
        wall = [t for t, _, _ in times]
        cpu = [c for _, c, _ in times]
        ok = "PASS" if all(p for *_, p in times) else "FAIL"
        print(f"{name:<14} elapsed {min(wall):.3f}-{max(wall):.3f} s, CPU {min(cpu):.3f}-{max(cpu):.3f} s  "
              f"{ok}  {'met' if min(wall) <= 1.0 else 'MISSED'} (fastest run <= 1 s)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
