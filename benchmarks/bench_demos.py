"""Demo timings (run by hand): every demo's default run, as the TUI starts it.

    .venv/bin/python benchmarks/bench_demos.py                 # quiet and loaded, 1 run each
    .venv/bin/python benchmarks/bench_demos.py --repeats 3     # median of 3
    .venv/bin/python benchmarks/bench_demos.py --only saddle,data-parallel --no-load

For each demo `python -m gdstudy.demo.stream NAME` (the subprocess the TUI runs on `d`) is
started with its defaults and timed:

    first progress   process start -> first {"type": "progress"} line on stdout (target <= 0.3 s)
    elapsed          the run itself, as the demo reports it (result["elapsed"]; target <= 1 s)
    wall             process start -> exit, imports included (data-parallel: target <= 3 s)

twice: "quiet" (nothing of ours running; other users of the machine are not controlled: the
1-minute load average is printed) and "loaded" (a busy Python loop of our own pinned to the
last CPU for the whole pass). Every number comes from this run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time

TARGET_ELAPSED, TARGET_DP_WALL, TARGET_FIRST = 1.0, 3.0, 0.3


def demo_names() -> list[str]:
    from gdstudy.demo.registry import demo_names as names
    return names()


def time_stream(name: str, timeout: float = 120.0) -> dict:
    """One default run of `name` through the stream subprocess."""
    argv = [sys.executable, "-m", "gdstudy.demo.stream", name]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first, result = None, None
    for line in proc.stdout:
        now = time.perf_counter() - t0
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("type") == "progress" and first is None:
            first = now
        elif msg.get("type") == "result":
            result = msg
        elif msg.get("type") == "error":
            result = {"elapsed": float("nan"), "passed": False, "error": msg.get("message")}
    proc.wait(timeout=timeout)
    wall = time.perf_counter() - t0
    result = result or {"elapsed": float("nan"), "passed": False}
    return {"first": first if first is not None else float("nan"), "elapsed": result["elapsed"],
            "wall": wall, "passed": bool(result.get("passed")), "backend": result.get("backend", "?")}


@contextlib.contextmanager
def busy_core(enabled: bool):
    """A busy loop of our own on the last CPU (affinity set inside the child) while the block runs."""
    if not enabled:
        yield None
        return
    cpu = max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    code = ("import os\n"
            f"cpu = {cpu!r}\n"
            "if cpu is not None and hasattr(os, 'sched_setaffinity'): os.sched_setaffinity(0, {cpu})\n"
            "while True: pass\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(0.3)
    try:
        yield cpu
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def measure(names, repeats: int) -> dict:
    out = {}
    for name in names:
        runs = [time_stream(name) for _ in range(repeats)]
        out[name] = {k: statistics.median(r[k] for r in runs) for k in ("first", "elapsed", "wall")}
        out[name]["passed"] = all(r["passed"] for r in runs)
        out[name]["backend"] = runs[0]["backend"]
        print(f"  {name:14s} first {out[name]['first']:6.3f} s  elapsed {out[name]['elapsed']:6.3f} s  "
              f"wall {out[name]['wall']:6.3f} s  {'PASS' if out[name]['passed'] else 'FAIL'}",
              file=sys.stderr, flush=True)
    return out


def _ok(name: str, r: dict) -> str:
    bad = []
    if not r["first"] <= TARGET_FIRST:
        bad.append("first")
    if name == "data-parallel":
        if not r["wall"] <= TARGET_DP_WALL:
            bad.append("wall")
    elif not r["elapsed"] <= TARGET_ELAPSED:
        bad.append("elapsed")
    return "met" if not bad else "missed: " + ", ".join(bad)


def table(results: dict) -> str:
    conds = list(results)
    head = ["demo"] + [f"{c} {k}" for c in conds for k in ("first progress", "elapsed", "wall")] \
        + [f"targets ({c})" for c in conds]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in results[conds[0]]:
        cells = [f"`{name}`"]
        for c in conds:
            r = results[c][name]
            cells += [f"{r['first']:.2f} s", f"{r['elapsed']:.2f} s", f"{r['wall']:.2f} s"]
        cells += [_ok(name, results[c][name]) for c in conds]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load1() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated demo names")
    ap.add_argument("--no-load", action="store_true", help="skip the loaded pass")
    ap.add_argument("--no-quiet", action="store_true", help="skip the quiet pass")
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or demo_names()
    results, info = {}, []
    for cond, loaded in (("quiet", False), ("loaded", True)):
        if (loaded and args.no_load) or (not loaded and args.no_quiet):
            continue
        with busy_core(loaded) as cpu:
            before = load1()
            print(f"{cond}: load average {before}" + (f", busy loop on CPU {cpu}" if loaded else ""),
                  file=sys.stderr, flush=True)
            results[cond] = measure(names, args.repeats)
            info.append(f"{cond}: 1-min load average {before} at the start, {load1()} at the end"
                        + (f"; our busy loop on CPU {cpu}" if loaded else ""))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.repeats} run(s); "
          + "; ".join(info))
    print(table(results))
    fails = [n for c in results for n in results[c] if not results[c][n]["passed"]]
    if fails:
        print("not PASS: " + ", ".join(sorted(set(fails))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
