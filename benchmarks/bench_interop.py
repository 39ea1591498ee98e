"""Interop benchmark (run by hand; not a test). Prints a markdown table.

    .venv/bin/python benchmarks/bench_interop.py           # full run: 1,000,000 log rows (a few minutes)
    .venv/bin/python benchmarks/bench_interop.py --rows 50000   # smaller, to check the script works

Measures, against the targets of issue #13:
  (a) `gdstudy export anki` of the shipped deck: the console script's wall time (interpreter start
      included, median of 3) and `export_apkg` in-process (median of 5), next to genanki alone
      writing the same number of bare notes (no Markdown, no deck lookup) in the same run;
  (b) a 1,000,000-row review log (N cards x R reviews, generated through `Store.import_reviews`
      in a temp data dir): `export_log` to CSV, then `import_log` into an empty data dir (parse +
      insert + replay of every card through py-fsrs, one transaction). Next to it, measured in the
      same run: the bare py-fsrs replay of the same reviews (`Scheduler.review_card` in a loop) and
      a bare csv.writer/csv.reader pass over the same number of rows — the floors of the two halves.

Everything runs in temporary folders; nothing touches your data.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gdstudy.config import Settings  # noqa: E402
from gdstudy.deck import Deck, load_deck  # noqa: E402
from gdstudy.interop.anki import export_apkg  # noqa: E402
from gdstudy.interop.revlog import Replayer, export_log, from_ms, import_log  # noqa: E402
from gdstudy.paths import shipped_cards_dir  # noqa: E402
from gdstudy.store import DB_NAME, ReviewRow, Store  # noqa: E402


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_anki(tmp: Path) -> list[tuple[str, str]]:
    cards = load_deck([shipped_cards_dir()], check_demos=False).cards
    env = {**os.environ, "GDSTUDY_HOME": str(tmp / "home")}
    gd = Path(sys.executable).with_name("gdstudy")
    walls = []
    for i in range(3):
        t = time.perf_counter()
        subprocess.run([str(gd), "export", "anki", str(tmp / f"cli{i}.apkg")], env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    t_in, _ = timed(lambda: export_apkg(cards, tmp / "in.apkg"), 5)

    import genanki

    def bare() -> None:
        m = genanki.Model(1 << 30, "m", fields=[{"name": "F"}, {"name": "B"}],
                          templates=[{"name": "c", "qfmt": "{{F}}", "afmt": "{{B}}"}])
        d = genanki.Deck((1 << 30) + 1, "d")
        for c in cards:
            d.add_note(genanki.Note(model=m, fields=[c.front, c.back]))
        genanki.Package(d).write_to_file(str(tmp / "bare.apkg"))

    t_bare, _ = timed(bare, 5)
    return [
        (f"`gdstudy export anki` shipped deck ({len(cards)} cards), wall incl. interpreter start (median of 3)",
         f"{statistics.median(walls):.2f} s (target ≤ 1 s)"),
        ("`export_apkg` in-process (median of 5)", f"{t_in * 1000:.0f} ms"),
        ("peer: genanki alone, same notes without Markdown/ids (median of 5)", f"{t_bare * 1000:.0f} ms"),
    ]


def generate(n_rows: int, n_cards: int, seed: int = 1) -> list[ReviewRow]:
    """Per card: a first review, then reviews spaced like a real schedule (minutes, then days)."""
    rng = random.Random(seed)
    per = n_rows // n_cards
    start = 1_600_000_000_000
    rows = []
    for c in range(n_cards):
        slug = f"card-{c}"
        t = start + rng.randint(0, 86_400_000 * 30)
        for i in range(per):
            rating = rng.choices((1, 2, 3, 4), weights=(2, 1, 6, 1))[0]
            rows.append(ReviewRow(slug, t, rating, rng.randint(500, 20000), "review", 0 if i == 0 else 2))
            t += rng.choice((60_000, 600_000)) if i < 2 else rng.randint(1, 40) * 86_400_000 // 4
    rows.sort(key=lambda r: r.reviewed_at_ms)
    return rows


def bench_log(tmp: Path, n_rows: int, n_cards: int) -> list[tuple[str, str]]:
    settings = Settings()
    rows = generate(n_rows, n_cards)
    src = tmp / "src"
    src.mkdir()
    replay = Replayer(settings, lambda slug: "", lambda slug, t: None)
    t_gen = time.perf_counter()
    with Store(src / DB_NAME) as s:
        s.import_reviews(rows, replay)
    t_gen = time.perf_counter() - t_gen

    out = tmp / "log.csv"
    with Store(src / DB_NAME) as s:
        t_exp, res = timed(lambda: export_log(s, out))
    assert res.rows == len(rows), res
    dst = tmp / "dst"
    dst.mkdir()
    with Store(dst / DB_NAME) as s:
        t_imp, ires = timed(lambda: import_log(s, out, Deck(), settings))
    assert ires.added == len(rows), ires
    with Store(src / DB_NAME) as a, Store(dst / DB_NAME) as b:
        same = a.states() == b.states()

    # peers: the floors of each half, same run
    from fsrs import Card, Rating

    by_card: dict[str, list[ReviewRow]] = {}
    for r in rows:
        by_card.setdefault(r.card_id, []).append(r)
    plain = replay.plain
    ratings = {int(x): x for x in Rating}

    def bare_replay() -> None:
        for slug, hist in by_card.items():
            fc = Card(card_id=1, due=from_ms(hist[0].reviewed_at_ms))
            for r in hist:
                fc, _ = plain.review_card(fc, ratings[r.rating], review_datetime=from_ms(r.reviewed_at_ms))

    t_fsrs, _ = timed(bare_replay)

    def bare_csv() -> None:
        p = tmp / "bare.csv"
        with p.open("w", newline="") as f:
            w = csv.writer(f)
            for r in rows:
                w.writerow((1, r.reviewed_at_ms, r.rating, r.state_before, r.duration_ms, r.card_id, ""))
        with p.open(newline="") as f:
            for rec in csv.reader(f):
                (int(rec[1]), int(rec[2]))

    t_csv, _ = timed(bare_csv)
    size = out.stat().st_size / 1e6
    return [
        (f"log: {len(rows):,} reviews of {n_cards:,} cards (generated via Store.import_reviews, untimed: {t_gen:.1f} s)", ""),
        ("`export_log` → CSV", f"{t_exp:.1f} s ({size:.0f} MB)"),
        ("`import_log` into an empty data dir (parse + insert + replay, one transaction)", f"{t_imp:.1f} s"),
        ("export + import", f"**{t_exp + t_imp:.1f} s** (target ≤ 30 s); states identical: {same}"),
        ("peer: bare py-fsrs replay of the same reviews", f"{t_fsrs:.1f} s"),
        ("peer: bare csv write + read of the same rows", f"{t_csv:.1f} s"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cards", type=int, default=5_000)
    args = ap.parse_args()
    table: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        table += bench_anki(tmp)
        table += bench_log(tmp, args.rows, min(args.cards, args.rows))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| measurement | result |\n|---|---|")
    for k, v in table:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
