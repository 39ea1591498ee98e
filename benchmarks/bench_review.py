"""Review-spine benchmark (run by hand; not a test). Prints a markdown table.

    .venv/bin/python benchmarks/bench_review.py            # full run, about 1–2 minutes
    .venv/bin/python benchmarks/bench_review.py --quick    # smaller scale, to check the script works
    .venv/bin/python benchmarks/bench_review.py --profile  # also cProfile the scale review start
    .venv/bin/python benchmarks/bench_review.py --explain  # also time the stages of launch → first card

Measures, against the targets of issues #2 and #21:
  (a) `gdstudy --help` wall time (the console script) ÷ a minimal typer app with the same top-level
      command names printing its help, paired run by run (benchmarks/launch.py);
  (b) launch to first card painted: the real `gdstudy review` with the Textual app run headless,
      timed from spawning the process until the first card's front is painted ÷ a bare Textual app
      (Header, one Markdown with that card's front, Footer) spawned and timed the same way, paired
      run by run (benchmarks/launch.py; `benchmarks/launch.py --both` also measures with both cores
      kept busy);
  (c) scale: 10,000 generated cards (YAML files) and 1,000,000 review-log rows (inserted with
      executemany into a schema-v2 database created by the frozen v2 store, then migrated to v3 by
      `Store`): review start (load deck + open store + build session + first `next_card()` +
      `preview`), and the commit latency of 500 `session.grade` calls (p50/p99), each before (v2
      code on the v2 file) and after (v3); the same commits with v2 and v3 interleaved in one
      process (so machine noise hits both alike); bytes per review on disk; the migration time;
      export (`iter_reviews`) + import (`import_reviews`) of the whole log. The between-card queue
      rebuild is reported for information.

Everything runs in temporary folders (GDSTUDY_HOME points there); nothing touches your data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import launch  # noqa: E402


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def child_env(home: Path) -> dict[str, str]:
    """As `launch.child_env`: the bytecode cache on, as a user has it."""
    env = {k: v for k, v in os.environ.items() if k not in ("GDSTUDY_CONFIG", "PYTHONDONTWRITEBYTECODE")}
    env["GDSTUDY_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# ---------------------------------------------------------------------------------------------
# (a), (b): benchmarks/launch.py (each paired run by run with its yardstick); the stages of (b) here

FIRST_CARD_STAGES = textwrap.dedent(
    """
    import json, os, sys, time
    t0 = time.perf_counter()
    marks = []
    def mark(name):
        marks.append((name, time.perf_counter() - t0))
    import gdstudy.tui; mark("import gdstudy.tui (Textual, session, fsrs, yaml)")
    import gdstudy.cli; mark("import gdstudy.cli (typer)")
    import gdstudy.deck, gdstudy.store
    real_load = gdstudy.deck.load_deck
    def load(*a, **k):
        mark("typer dispatch to `review`")
        r = real_load(*a, **k); mark("load shipped deck (YAML + demo validation)"); return r
    gdstudy.deck.load_deck = load
    real_make_app = gdstudy.tui.make_app
    def make_app(session):
        mark("open store + build session")
        app = real_make_app(session)
        def painted():
            mark("first card painted")
            os.write(1, ("STAGES " + json.dumps(marks) + "\\n").encode())
            app.exit()
        async def auto_pilot(pilot):
            mark("Textual app ready")
            app.call_after_refresh(painted)
        run = app.run
        app.run = lambda *a, **k: run(headless=True, size=(100, 40), auto_pilot=auto_pilot)
        return app
    gdstudy.tui.make_app = make_app
    sys.argv = ["gdstudy", "review"]
    gdstudy.cli.main()
    """
)


def first_card_stages(tmp: Path, runs: int) -> list[tuple[str, float]]:
    """Where the launch → first card time goes (median per stage, stage durations)."""
    env = child_env(tmp / "home-tui")
    per_run = []
    for _ in range(runs):
        proc = subprocess.run([PY, "-c", FIRST_CARD_STAGES], env=env, cwd=tmp, capture_output=True, text=True, timeout=120)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("STAGES ")), None)
        if line is None:
            raise RuntimeError(proc.stderr)
        marks = json.loads(line.removeprefix("STAGES "))
        per_run.append([(n, t - (marks[i - 1][1] if i else 0.0)) for i, (n, t) in enumerate(marks)])
    return [(per_run[0][i][0], median([r[i][1] for r in per_run])) for i in range(len(per_run[0]))]


# ---------------------------------------------------------------------------------------------
# (c) scale


def generate_deck(folder: Path, n_cards: int, per_file: int = 500) -> list[tuple[str, str, str]]:
    """YAML files with `n_cards` realistic-sized cards; returns (id, front, back) for each."""
    folder.mkdir(parents=True)
    rng = random.Random(7)
    words = ("gradient descent stochastic mini-batch epoch learning rate momentum variance noise loss "
             "convergence curvature batch size generalization sharp flat minimum step update shuffle").split()
    cards = []
    for f in range(0, n_cards, per_file):
        lines = [f"deck: generated-{f // per_file:03d}", "description: generated for the benchmark", "cards:"]
        for i in range(f, min(f + per_file, n_cards)):
            cid = f"gen-{i:05d}"
            front = f"Question {i}: why does {' '.join(rng.choices(words, k=10))} matter?"
            back_words = [" ".join(rng.choices(words, k=12)) for _ in range(4)]
            back = f"Answer {i}. " + ". ".join(back_words) + "."
            lines += [
                f"  - id: {cid}",
                f"    front: {json.dumps(front)}",
                "    back: |",
                *[f"      {w}" for w in textwrap.wrap(back, 90)],
                f"    tags: [generated, {rng.choice(words)}]",
                f"    source: generated.txt § Section {i % 37}",
            ]
            if i % 10 == 0:
                lines.append("    interview: true")
            cards.append((cid, front, "\n".join(textwrap.wrap(back, 90))))
        (folder / f"generated-{f // per_file:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cards


def generate_store(db_path: Path, cards: list[tuple[str, str, str]], n_log: int, now: datetime) -> dict[str, int]:
    """A schema-v2 database created by the v2 store code (tests/_store_v2.py, frozen), filled with
    plausible FSRS states for every card and `n_log` review-log rows over the last two years (a
    few of them today), inserted directly with executemany: each card's rows form a consistent
    chain (state before = the previous row's state after; reps and lapses counted along it), as
    the v2 code writes them. `Store` migrates it to v3 when it opens it."""
    from gdstudy.deck import content_hash
    from gdstudy.store import CardState
    from gdstudy.timeutil import day_start, iso
    from tests._store_v2 import Store as StoreV2

    StoreV2(db_path).close()
    rng = random.Random(11)
    states = []
    counts = {"review": 0, "learning": 0, "relearning": 0, "due": 0}
    for i, (cid, front, back) in enumerate(cards):
        kind = 2 if i % 20 < 18 else (1 if i % 20 == 18 else 3)
        if kind == 2:
            stability = rng.uniform(1, 400)
            due = now + timedelta(days=rng.uniform(-5, 90))
            last = due - timedelta(days=max(1.0, stability * rng.uniform(0.8, 1.2)))
            step = None
        else:
            stability = rng.uniform(0.1, 5)
            due = now + timedelta(minutes=rng.uniform(-60, 600))
            last = due - timedelta(minutes=10)
            step = 0
        counts[{1: "learning", 2: "review", 3: "relearning"}[kind]] += 1
        counts["due"] += due <= now
        states.append(CardState(
            card_id=cid, state=kind, step=step, stability=stability, difficulty=rng.uniform(1, 10),
            due=due, last_review=last, reps=rng.randint(3, 200), lapses=rng.randint(0, 6),
            content_hash=content_hash(front, back),
        ))
    cols = list(states[0].to_dict())
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")  # bulk load only; the benchmark itself uses Store's settings
    db.execute("BEGIN")
    db.executemany(
        f"INSERT INTO cards ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [tuple(s.to_dict()[c] for c in cols) for s in states],
    )

    # Log: chronological, round-robin over the cards, the last `today` rows after today's start.
    today = 150
    start, day0 = now - timedelta(days=730), day_start(now)
    span_old = (day0 - timedelta(minutes=1) - start) / max(1, n_log - today)
    span_new = (now - day0) / (today + 1)
    hashes = {cid: s.content_hash for cid, s in zip((c[0] for c in cards), states)}
    last_after: dict[str, tuple[str, int]] = {}  # card -> (JSON of its state after, lapses)

    def rows():
        for r in range(n_log):
            cid = cards[r % len(cards)][0]
            t = start + span_old * r if r < n_log - today else day0 + span_new * (r - (n_log - today) + 1)
            rating = 1 + r % 4
            before, lapses = last_after.get(cid, (None, 0))
            lapses += before is not None and rating == 1  # the chain's states are all review state
            d = {"card_id": cid, "state": 2, "step": None, "stability": 1.0 + r % 300, "difficulty": 1.0 + r % 9,
                 "due": iso(t + timedelta(days=1 + r % 300)), "last_review": iso(t), "reps": r // len(cards) + 1,
                 "lapses": lapses, "content_hash": hashes[cid], "suspended": 0, "buried_until": None, "leech": 0}
            after = json.dumps(d)
            yield (cid, rating, iso(t), 4000 + r % 9000, "review", before, after)
            last_after[cid] = (after, lapses)

    batch: list[tuple] = []
    sql = ("INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms, kind, state_before, state_after)"
           " VALUES (?, ?, ?, ?, ?, ?, ?)")
    for row in rows():
        batch.append(row)
        if len(batch) == 50_000:
            db.executemany(sql, batch)
            batch.clear()
    db.executemany(sql, batch)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return counts


SCALE_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    deck_dir, db_path, n_grades, profile = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
    from gdstudy.config import Settings
    from gdstudy.deck import load_deck
    from gdstudy.scheduling import Grade
    if sys.argv[5] == "v2":  # "before": the frozen schema-v2 session and store
        from tests._session_v2 import ReviewSession
        from tests._store_v2 import Store
    else:
        from gdstudy.session import ReviewSession
        from gdstudy.store import Store

    # A heavy user: the daily review cap is raised so 500 grades are available after the 150 reviews
    # already logged today (the default cap, 200, would stop the queue after 50).
    SETTINGS = Settings(max_reviews_per_day=10_000)

    def start():
        t = [time.perf_counter()]
        marks = {}
        def mark(name):
            now = time.perf_counter(); marks[name] = now - t[0]; t[0] = now
        deck = load_deck([deck_dir]); mark("load_deck")
        store = Store(db_path); mark("open_store")
        session = ReviewSession(deck, store, SETTINGS); mark("session")
        card = session.next_card(); mark("next_card")
        outcomes = session.preview(card); mark("preview")
        return deck, store, session, card, outcomes, marks

    if profile:
        import cProfile, pstats, io
        pr = cProfile.Profile(); pr.enable()
        deck, store, session, card, outcomes, marks = start()
        pr.disable()
        s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(25)
        print(s.getvalue(), file=sys.stderr)
        print(json.dumps({"marks": marks}))
        sys.exit(0)

    deck, store, session, card, outcomes, marks = start()
    assert len(deck.cards) > 0 and not deck.problems, deck.problems[:3]
    grades, queue = [], []
    grade_cycle = (Grade.GOOD, Grade.GOOD, Grade.HARD, Grade.AGAIN, Grade.EASY)
    for i in range(n_grades):
        if card is None:
            break
        t = time.perf_counter()
        session.grade(card, outcomes[grade_cycle[i % 5]], duration_ms=5000)
        grades.append(time.perf_counter() - t)
        t = time.perf_counter()
        card = session.next_card()
        queue.append(time.perf_counter() - t)
        if card is not None:
            outcomes = session.preview(card)
    store.close()
    print(json.dumps({"marks": marks, "grades": grades, "queue": queue, "n_cards": len(deck.cards)}))
    """
)


def run_scale_child(deck_dir: Path, db_path: Path, n_grades: int, env: dict[str, str], cwd: Path,
                    profile: bool = False, schema: str = "v3") -> dict:
    proc = subprocess.run([PY, "-c", SCALE_CHILD, str(deck_dir), str(db_path), str(n_grades), "1" if profile else "0",
                           schema], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"scale child failed:\n{proc.stderr}")
    out = json.loads(proc.stdout)
    if profile:
        out["profile"] = proc.stderr
    return out


MIGRATE_CHILD = textwrap.dedent(
    """
    import json, sys, time
    t = time.perf_counter()
    from gdstudy.store import Store
    t_import = time.perf_counter() - t
    t = time.perf_counter()
    Store(sys.argv[1]).close()
    print(json.dumps({"migrate": time.perf_counter() - t}))
    """
)

BULK_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from gdstudy.store import Store
    src, dst = Store(sys.argv[1]), Store(sys.argv[2])
    t = time.perf_counter()
    rows = list(src.iter_reviews(kinds=None))
    t_iter = time.perf_counter() - t
    t = time.perf_counter()
    res = dst.import_reviews(rows, lambda cid, history: None)
    t_import = time.perf_counter() - t
    t = time.perf_counter()
    again = dst.import_reviews(rows, lambda cid, history: None)
    t_again = time.perf_counter() - t
    assert res.added == len(rows) and again.skipped == len(rows), (res, again)
    print(json.dumps({"rows": len(rows), "iter": t_iter, "import": t_import, "reimport": t_again}))
    """
)


INTERLEAVED_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from gdstudy.config import Settings
    from gdstudy.deck import load_deck
    from gdstudy.scheduling import Grade
    import gdstudy.session, gdstudy.store
    import tests._session_v2, tests._store_v2
    deck = load_deck([Path(sys.argv[1])])
    settings = Settings(max_reviews_per_day=10_000)
    sessions = {
        "v2": tests._session_v2.ReviewSession(deck, tests._store_v2.Store(Path(sys.argv[2])), settings),
        "v3": gdstudy.session.ReviewSession(deck, gdstudy.store.Store(Path(sys.argv[3])), settings),
    }
    cycle = (Grade.GOOD, Grade.GOOD, Grade.HARD, Grade.AGAIN, Grade.EASY)
    times = {"v2": [], "v3": [], "cpu_v2": [], "cpu_v3": []}
    for i in range(int(sys.argv[4])):
        for name in (("v2", "v3") if i % 2 == 0 else ("v3", "v2")):  # alternate who goes first
            s = sessions[name]
            card = s.next_card()
            out = s.preview(card)
            t, c = time.perf_counter(), time.thread_time()
            s.grade(card, out[cycle[i % 5]], duration_ms=5000)
            times[name].append(time.perf_counter() - t)
            times["cpu_" + name].append(time.thread_time() - c)  # our own work, without waiting on fsync
    print(json.dumps(times))
    """
)


def run_child(code: str, args: list[str], env: dict[str, str], cwd: Path) -> dict:
    proc = subprocess.run([PY, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def db_bytes(db: Path) -> int:
    """The database on disk, its WAL included (the size a user's data dir holds)."""
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def starts_and_grades(deck_dir: Path, db_path: Path, pristine: Path, n_grades: int, starts: int, env: dict[str, str],
                      cwd: Path, schema: str) -> dict:
    """Review start in fresh processes (imports excluded, they are in (b)); the first one grades too.
    A copy of the database is used for each start so grades don't change the next."""
    runs = []
    for i in range(starts):
        shutil.copy(pristine, db_path)
        runs.append(run_scale_child(deck_dir, db_path, n_grades if i == 0 else 0, env, cwd, schema=schema))
    start_total = [sum(r["marks"].values()) for r in runs]
    best = min(range(len(runs)), key=lambda i: abs(start_total[i] - median(start_total)))
    return {"start": median(start_total), "marks": runs[best]["marks"], "grades": runs[0]["grades"],
            "queue": runs[0]["queue"], "n_cards": runs[0]["n_cards"]}


def bench_scale(tmp: Path, n_cards: int, n_log: int, n_grades: int, starts: int, profile: bool) -> dict:
    """Before (schema v2, the frozen v2 session + store) and after (v3) in the same run, on the
    same generated history: the v2 database is migrated by `Store` to give the v3 one."""
    from gdstudy.timeutil import utcnow

    deck_dir, db_path = tmp / "scale-deck", tmp / "scale-home" / "gdstudy.db"
    db_path.parent.mkdir()
    t = time.perf_counter()
    cards = generate_deck(deck_dir, n_cards)
    t_deck = time.perf_counter() - t
    t = time.perf_counter()
    counts = generate_store(db_path, cards, n_log, utcnow())
    t_db = time.perf_counter() - t
    env = child_env(db_path.parent)
    pristine_v2, pristine_v3 = tmp / "pristine-v2.db", tmp / "pristine-v3.db"
    shutil.copy(db_path, pristine_v2)
    v2_bytes = db_bytes(pristine_v2)
    print("    before (v2) …", file=sys.stderr, flush=True)
    before = starts_and_grades(deck_dir, db_path, pristine_v2, n_grades, starts, env, tmp, "v2")
    print("    migrate v2 → v3 …", file=sys.stderr, flush=True)
    shutil.copy(pristine_v2, db_path)
    migrate = run_child(MIGRATE_CHILD, [str(db_path)], env, tmp)["migrate"]
    shutil.copy(db_path, pristine_v3)
    for suffix in ("-wal", "-shm"):
        if Path(str(db_path) + suffix).exists():
            raise RuntimeError("the migrated database was left with a WAL: the copy would be incomplete")
    v3_bytes = db_bytes(pristine_v3)
    print("    after (v3) …", file=sys.stderr, flush=True)
    after = starts_and_grades(deck_dir, db_path, pristine_v3, n_grades, starts, env, tmp, "v3")
    prof = run_scale_child(deck_dir, db_path, 0, env, tmp, profile=True)["profile"] if profile else None
    print("    grade commits, v2 and v3 interleaved …", file=sys.stderr, flush=True)
    a2, a3 = tmp / "inter-v2.db", tmp / "inter-v3.db"
    shutil.copy(pristine_v2, a2)
    shutil.copy(pristine_v3, a3)
    interleaved = run_child(INTERLEAVED_CHILD, [str(deck_dir), str(a2), str(a3), str(n_grades)], env, tmp)
    print("    export + import …", file=sys.stderr, flush=True)
    bulk = run_child(BULK_CHILD, [str(pristine_v3), str(tmp / "import.db")], env, tmp)
    return {
        "gen_deck_s": t_deck, "gen_db_s": t_db, "state_counts": counts, "n_log": n_log,
        "v2_bytes": v2_bytes, "v3_bytes": v3_bytes, "migrate_s": migrate, "before": before, "after": after,
        "bulk": bulk, "profile": prof, "interleaved": interleaved,
    }


# ---------------------------------------------------------------------------------------------
# report


def machine_info(tmp: Path) -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    fs = ""
    try:
        fs = subprocess.run(["df", "-T", str(tmp)], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    except (OSError, IndexError):
        pass
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    from importlib.metadata import version

    return {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
        "textual": version("textual"),
        "fsrs": version("fsrs"),
        "pyyaml": version("pyyaml"),
        "temp filesystem": fs,
        "gdstudy commit": commit,
        "load average at start": f"{os.getloadavg()[0]:.2f}",
    }


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms" if x < 10 else f"{x:.1f} s"


def row(name: str, value: float, target: float | None, note: str = "", unit_ms: bool = True) -> str:
    shown = ms(value) if unit_ms else f"{value:.2f}×"
    if target is None:
        return f"| {name} | {shown} | — | — | info{(' — ' + note) if note else ''} |"
    tshown = ms(target) if unit_ms else f"{target:.2f}×"
    ok = "PASS" if value <= target else "FAIL"
    return f"| {name} | {shown} | ≤ {tshown} | {value / target:.2f} | {ok}{(' — ' + note) if note else ''} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller scale test (1,000 cards, 50,000 log rows)")
    ap.add_argument("--profile", action="store_true", help="cProfile the scale review start and print the top entries")
    ap.add_argument("--explain", action="store_true", help="also break the launch → first card time into stages")
    ap.add_argument("--tmp", type=Path, default=None, help="where to put the temporary data (default: system temp)")
    args = ap.parse_args()
    n_cards, n_log = (1_000, 50_000) if args.quick else (10_000, 1_000_000)
    runs_help, runs_tui, n_grades, starts = (6, 3, 100, 2) if args.quick else (20, 5, 500, 3)

    tmp = Path(tempfile.mkdtemp(prefix="gdstudy-bench-", dir=args.tmp))
    t_all = time.perf_counter()
    try:
        info = machine_info(tmp)
        a, b, label = launch.measure(tmp, runs_help, busy=0)
        stages = first_card_stages(tmp, runs_tui) if args.explain else None
        print(f"(c) scale: {n_cards:,} cards, {n_log:,} log rows …", file=sys.stderr, flush=True)
        c = bench_scale(tmp, n_cards, n_log, n_grades, starts, args.profile)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - t_all

    v2, v3 = c["before"], c["after"]
    g2, g3, q3 = v2["grades"], v3["grades"], v3["queue"]
    nc = v3["n_cards"]
    breakdown = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in v3["marks"].items())
    bpr2, bpr3 = c["v2_bytes"] / n_log, c["v3_bytes"] / n_log
    bulk = c["bulk"]
    lines = [
        "| measurement | measured | target | ratio | result |",
        "|---|---|---|---|---|",
        row(f"`gdstudy --help` wall time (median of {runs_help})", a["a"], 0.25),
        row(f"launch → first card painted, headless (median of {runs_help})", b["a"], None),
        row(f"review start, {nc:,} cards + {n_log:,} log rows, schema v3 (median of {starts})", v3["start"], 1.0,
            note=breakdown),
        row(f"review start, same data, schema v2 before this change (same run)", v2["start"], None),
        row(f"grade commit p50 ({len(g3)} × `session.grade`), v3", pct(g3, 50), None,
            note=f"v2 {ms(pct(g2, 50))}"),
        row(f"grade commit p99 ({len(g3)} × `session.grade`), v3", pct(g3, 99), 0.010,
            note=f"v2 {ms(pct(g2, 99))}"),
        row(f"grade commit p50, v2 and v3 interleaved in one process ({len(c['interleaved']['v3'])} each), v3",
            pct(c["interleaved"]["v3"], 50), None, note=f"v2 {ms(pct(c['interleaved']['v2'], 50))}"),
        row("grade commit p99, interleaved, v3", pct(c["interleaved"]["v3"], 99), 0.010,
            note=f"v2 {ms(pct(c['interleaved']['v2'], 99))}"),
        row("grade commit CPU time (thread, excludes fsync waits) p50, interleaved, v3",
            pct(c["interleaved"]["cpu_v3"], 50), None, note=f"v2 {ms(pct(c['interleaved']['cpu_v2'], 50))}"),
        row("next card (queue rebuild) p50, v3", pct(q3, 50), None, note=f"v2 {ms(pct(v2['queue'], 50))}"),
        row("next card (queue rebuild) p99, v3", pct(q3, 99), None, note=f"v2 {ms(pct(v2['queue'], 99))}"),
        f"| bytes per review on disk, {n_log:,} rows, indexes included, v3 | {bpr3:.1f} B | ≤ 120 B | "
        f"{bpr3 / 120:.2f} | {'PASS' if bpr3 <= 120 else 'FAIL'} — v2 {bpr2:.0f} B ({c['v2_bytes'] / 1e6:.0f} → "
        f"{c['v3_bytes'] / 1e6:.0f} MB) |",
        row(f"migrate v2 → v3, {n_log:,} rows (open with `Store`: one transaction + VACUUM)", c["migrate_s"], None),
        row(f"generate the v2 database ({n_log:,} rows, executemany)", c["gen_db_s"], None),
        row(f"export: `iter_reviews` of {bulk['rows']:,} rows", bulk["iter"], None),
        row(f"import: `import_reviews` of them into an empty store", bulk["import"], None,
            note=f"re-import (all skipped) {ms(bulk['reimport'])}"),
        row("export + import", bulk["iter"] + bulk["import"], 30.0),
    ]
    sys.stderr.flush()
    print()
    print("\n".join(lines))
    print()
    print("\n".join(launch.HEADER + launch.rows(a, b, label)))
    print()
    info["load average at end"] = f"{os.getloadavg()[0]:.2f}"
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print(f"Scale data: {n_cards:,} cards in {n_cards // 500} YAML files (generated in {c['gen_deck_s']:.1f} s); "
          f"{n_log:,} log rows, v2 database {c['v2_bytes'] / 1e6:.0f} MB (generated in {c['gen_db_s']:.1f} s), "
          f"v3 after migration {c['v3_bytes'] / 1e6:.0f} MB; card states {c['state_counts']}.")
    print(f"`gdstudy --help` ran as: {' '.join(Path(c).name for c in launch.gdstudy_command())} --help.  "
          f"Whole benchmark: {total:.0f} s.")
    if stages:
        print("\nLaunch → first card, by stage (median of " + str(runs_tui) + " runs; the process start itself is not included):\n")
        print("| stage | time |\n|---|---|")
        for name, dt in stages:
            print(f"| {name} | {dt * 1000:.0f} ms |")
        print(f"| total | {sum(dt for _, dt in stages) * 1000:.0f} ms |")
    if c["profile"]:
        print("\ncProfile of the scale review start (cumulative):\n")
        print(c["profile"])


if __name__ == "__main__":
    main()
