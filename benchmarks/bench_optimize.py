"""Benchmark of `gdstudy optimize` on a simulated learner (run by hand; needs gdstudy[optimize]).

    .venv/bin/python benchmarks/bench_optimize.py              # 100,000 reviews, 28 retentions
    .venv/bin/python benchmarks/bench_optimize.py --reviews 20000
    .venv/bin/python benchmarks/bench_optimize.py --peer-reviews 10000   # + py-fsrs' torch Optimizer

Peer (optional, needs torch, pandas and tqdm): py-fsrs' own `Optimizer` (PyTorch) fitting the first
`--peer-reviews` reviews of the same log, against fsrs-rs fitting the same reviews in the same run.

Targets (issue 14): fitting 100,000 reviews <= 10 s; the retention sweep (0.70..0.97) <= 10 s, on
the 2-core machine. Times: converting the log to items, one fit (fsrs-rs compute_parameters on
everything), the whole `optimize` decision (5 time-series splits + the defaults' held-out score +
the final fit), and the sweep. Also prints the held-out log loss of the defaults, the fit and the
true parameters, and the load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reviews", type=int, default=100_000)
    ap.add_argument("--peer-reviews", type=int, default=0, help="also time py-fsrs' torch Optimizer on this many")
    args = ap.parse_args()

    from gdstudy.optimize.engine import EvalSet, to_fsrs_items
    from gdstudy.optimize.fit import N_SPLITS, fit_items, fit_parameters
    from gdstudy.optimize.items import build_items
    from gdstudy.optimize.learner import TRUE_PARAMETERS, simulate_learner
    from gdstudy.optimize.retention import RETENTIONS, sweep

    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    t = time.perf_counter()
    n_cards = max(200, args.reviews // 10)
    log = simulate_learner(n_cards=n_cards, new_per_day=max(20, n_cards // 100), days=3650,
                           max_reviews=args.reviews, seed=7)
    t_gen = time.perf_counter() - t
    print(f"simulated learner: {len(log.rows):,} reviews of {n_cards:,} cards in {t_gen:.1f} s (not timed below)")

    rows = []
    t = time.perf_counter()
    data = build_items(log.rows, tz=timezone.utc)
    fsrs_items = to_fsrs_items(data.items)
    rows.append(("log -> items", time.perf_counter() - t, f"{data.n:,} recall tests"))

    t = time.perf_counter()
    fit_parameters(fsrs_items)
    rows.append(("fit (compute_parameters)", time.perf_counter() - t, "target <= 10 s"))

    t = time.perf_counter()
    r = fit_items(data)
    rows.append(("optimize decision", time.perf_counter() - t, f"{N_SPLITS} splits + defaults + final fit"))

    t = time.perf_counter()
    s = sweep(r.params, retentions=RETENTIONS)
    rows.append((f"retention sweep ({len(RETENTIONS)} values)", time.perf_counter() - t,
                 f"recommends {s.best.retention:.2f}; target <= 10 s"))

    t = time.perf_counter()
    s = sweep(r.params, deck=user_deck(500), retentions=RETENTIONS)
    rows.append((f"retention sweep of a 500-card user deck, 250 reviewed ({len(RETENTIONS)} values)",
                 time.perf_counter() - t, f"recommends {s.best.retention:.2f}; 16 runs a value"))

    if args.peer_reviews:
        rows.extend(peer(log.rows[: args.peer_reviews]))

    truth = EvalSet(data.items[data.n // (N_SPLITS + 1):]).score(TRUE_PARAMETERS)
    print("\n| step | seconds | note |\n|---|---:|---|")
    for name, sec, note in rows:
        print(f"| {name} | {sec:.2f} | {note} |")
    print(f"\nheld-out log loss ({r.heldout:,} reviews): defaults {r.default['log_loss']:.4f}, "
          f"fitted {r.fitted['log_loss']:.4f}, true parameters {truth['log_loss']:.4f}")
    print(f"held-out RMSE(bins): defaults {r.default['rmse_bins']:.4f}, fitted {r.fitted['rmse_bins']:.4f}, "
          f"true {truth['rmse_bins']:.4f}")
    print(f"load average after: {os.getloadavg()}")


def user_deck(n: int):  # type: ignore[no-untyped-def]
    """n cards, half reviewed (stability 5..64 days, due over the next month)."""
    from datetime import datetime, timedelta, timezone

    from gdstudy.config import Settings
    from gdstudy.optimize.simdeck import sim_deck
    from gdstudy.store import CardState

    now = datetime.now(timezone.utc)
    states = {f"c{i}": CardState(f"c{i}", 2, None, 5.0 + i % 60, 5.0, now + timedelta(days=i % 30),
                                 now - timedelta(days=3), 3, 0) for i in range(n // 2)}
    return sim_deck([f"c{i}" for i in range(n)], states, now, Settings())


def peer(sub: list) -> list[tuple[str, float, str]]:
    from fsrs import Rating, ReviewLog
    from fsrs.optimizer import Optimizer

    from gdstudy.optimize.engine import to_fsrs_items
    from gdstudy.optimize.fit import fit_parameters
    from gdstudy.optimize.items import build_items

    n = len(sub)
    t = time.perf_counter()
    fit_parameters(to_fsrs_items(build_items(sub, tz=timezone.utc).items))
    ours = time.perf_counter() - t
    logs = [ReviewLog(int(r.card_id.split("-")[1]), Rating(r.rating),
                      datetime.fromtimestamp(r.reviewed_at_ms / 1000, timezone.utc), r.duration_ms) for r in sub]
    t = time.perf_counter()
    Optimizer(logs).compute_optimal_parameters()
    theirs = time.perf_counter() - t
    return [(f"{n:,} reviews: log -> items + fsrs-rs fit", ours, ""),
            (f"{n:,} reviews: py-fsrs Optimizer (torch)", theirs, f"{theirs / ours:,.0f}x the fsrs-rs time")]


if __name__ == "__main__":
    main()
