"""Calibration of every demo verdict (run by hand; a reduced version runs in tests/):

    .venv/bin/python benchmarks/bench_calibration.py                    # K = 200 seeds a case
    .venv/bin/python benchmarks/bench_calibration.py --seeds 1000 --only variance,unbiased
    .venv/bin/python benchmarks/bench_calibration.py --write docs/calibration.md

For each demo, each case of benchmarks/calibration/cases_<demo>.py is run at K seeds:
  null cases (the claim holds, at the default and at each corner of the allowed parameters):
      observed false-FAIL rate with its exact (Clopper-Pearson) 95 % interval against the
      verdict's stated family alpha; OK when the interval contains alpha or lies below it;
  control cases (a realistic bug, wrong formula or wrong setting, at the default size and 10x):
      observed FAIL rate (power); OK when >= 99 %.
Exit 0 when every case is OK, 1 otherwise. Every number comes from this run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.calibration import all_cases, judge, run_case  # noqa: E402


def table(outcomes) -> str:
    head = ["demo", "case", "kind", "size", "K", "FAIL", "refused", "rate", "95 % CI", "stated α / target", "ok", "s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for o in outcomes:
        ok, _ = judge(o)
        lo, hi = o.interval
        target = f"α = {o.case.alpha:g}" if o.case.kind == "null" else "power ≥ 99 %"
        rate = "—" if o.runs == o.refused else f"{o.rate:.3%}"
        lines.append("| " + " | ".join([
            f"`{o.case.demo}`", o.case.label.replace("|", "\\|"), o.case.kind, o.case.size, str(o.runs),
            str(o.fails), str(o.refused), rate, f"[{lo:.2g}, {hi:.2g}]", target, "yes" if ok else "**no**",
            f"{o.seconds:.1f}"]) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=200, help="K seeds a case (default 200)")
    ap.add_argument("--seed0", type=int, default=1000, help="first seed (default 1000: not the seeds tests use)")
    ap.add_argument("--only", default="", help="comma-separated demo names")
    ap.add_argument("--kind", choices=("null", "control", "all"), default="all")
    ap.add_argument("--write", default="", help="write the markdown table to this file")
    a = ap.parse_args(argv)
    only = {s.strip() for s in a.only.split(",") if s.strip()} or None
    cases = [c for c in all_cases(only) if a.kind == "all" or c.kind == a.kind]
    t0 = time.time()
    outcomes = []
    for c in cases:
        o = run_case(c, c.seeds or a.seeds, a.seed0)
        ok, why = judge(o)
        print(f"{'ok ' if ok else 'BAD'} {c.demo:16s} {c.kind:7s} {c.size:7s} {c.label}: {why} ({o.seconds:.1f} s)",
              file=sys.stderr, flush=True)
        outcomes.append(o)
    text = table(outcomes)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    footer = (f"\n\n{len(outcomes)} cases, seeds {a.seed0}..{a.seed0 + a.seeds - 1} (unless a case says otherwise), "
              f"{time.time() - t0:.0f} s, load average {load:.1f} at the end.\n")
    print(text + footer)
    if a.write:
        Path(a.write).write_text(text + footer, encoding="utf-8")
    return 0 if all(judge(o)[0] for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
