"""Notes-import benchmark (run by hand; not a test). Prints a markdown table.

    .venv/bin/python benchmarks/bench_import.py            # 2,000 notes, 3 repeats
    .venv/bin/python benchmarks/bench_import.py --notes 200 --repeats 1   # quick check
    .venv/bin/python benchmarks/bench_import.py --dir ~/somewhere          # vault and deck on that disk

Generates an Obsidian-style vault in a temp folder (nested folders; each note has front matter,
headings, prose, an image embed, a fenced code block, and cards of every kind: `::`, `:::`,
multi-line `?`, `==cloze==`, `{{c1::cloze}}`, `#interview_question`, `#look_into`), then times, in
one process, the real `import_notes` code path (the one `gdstudy import` calls):
  (a) first import into an empty deck folder (parse, validate every file with the deck loader, write);
  (b) re-import with nothing changed (reads every card file back, writes nothing);
  (c) re-import after editing one answer in every 10th note;
  (d) `gdstudy cards check`'s loader on the imported deck, for scale;
  (e) `cards coverage` of the vault against the imported deck;
  (f) the floor: writing the same 2,000 card files plainly into a fresh folder (what any importer
      that writes one file per note pays the filesystem, whatever its speed).
Target (issue #12): (a) <= 2 s for 2,000 notes. Timings are medians over --repeats fresh runs (a new
vault each, flushed to disk with os.sync() before the clock starts).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gdstudy.deck import load_deck  # noqa: E402
from gdstudy.interop.coverage import coverage  # noqa: E402
from gdstudy.interop.importer import find_notes, import_notes  # noqa: E402

WORDS = ("gradient descent step loss batch minibatch variance learning rate epoch shuffle noise "
         "curvature saddle minimum parameter update example estimate unbiased").split()


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def note_text(i: int, rng: random.Random) -> str:
    s = lambda n=12: sentence(rng, n)  # noqa: E731
    return f"""---
title: Note {i}
tags: [bench, topic{i % 7}]
---
Intro paragraph {i}: {s()} {s()}

# Section A of note {i}
{s()} {s()}
![[Pasted image {i}.png|400]]

What is term {i}?::{s(8)}
Reversible {i}:::{s(6)}

Multi-line question {i}
about {s(5)}
?
{s()}
{s()}

## Section B #sub{i % 5}
The ==highlighted {i}== fact and {{{{c1::hidden {i}}}}} with {{{{c2::another::hint}}}} in it.

```python
x -= learning_rate * dx  # Q::A and ? here are code
?
```

#look_into
{s()}

#interview_question
Why does note {i} matter?
{s()}
{s()}
"""


def make_vault(root: Path, n: int) -> None:
    rng = random.Random(12)
    for i in range(n):
        d = root / f"area{i % 10}" / f"topic{i % 37}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"note{i:05d}.md").write_text(note_text(i, rng), encoding="utf-8")


CPU: dict[str, float] = {}


def timed(fn, key: str = ""):  # type: ignore[no-untyped-def]
    """Wall time (returned) and CPU time of this process (kept in CPU[key]): on a shared, loaded
    machine the wall time includes waiting for the disk and for other processes."""
    t, c = time.perf_counter(), os.times()
    out = fn()
    e = os.times()
    CPU[key] = e.user - c.user
    CPU["sys_" + key] = e.system - c.system
    return time.perf_counter() - t, out


def one_run(n: int, where: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="gdstudy-bench-import-", dir=where) as tmp:
        vault, deck = Path(tmp) / "vault", Path(tmp) / "deck"
        make_vault(vault, n)
        os.sync()  # a real vault is not 2,000 files written a moment ago: flush them before timing
        t_first, r = timed(lambda: import_notes([vault], deck), "first")
        assert not r.errors and r.count("added") > 0, r.errors[:3]
        cards = r.count("added")
        t_again, r2 = timed(lambda: import_notes([vault], deck), "again")
        assert not r2.written and r2.unchanged == cards
        for k, f in enumerate(sorted(vault.rglob("*.md"))):
            if k % 10 == 0:
                f.write_text(f.read_text(encoding="utf-8").replace("What is term", "What is term", 1)
                             .replace("Why does note", "Why does note", 1).replace("\n?\n", "\n?\nEdited. ", 1), encoding="utf-8")
        t_edit, r3 = timed(lambda: import_notes([vault], deck), "edit")
        assert r3.count("updated") > 0 and not r3.count("conflict")
        t_load, d = timed(lambda: load_deck((), [deck], check_demos=False), "load")
        assert d.ok and len(d.cards) == cards
        t_cov, cov = timed(lambda: coverage(find_notes([vault])[0], d.cards), "coverage")
        written = [(p.relative_to(deck), p.read_text(encoding="utf-8")) for p in sorted(deck.rglob("*.yaml"))]
        floor = Path(tmp) / "floor"

        def write_plain() -> None:  # the floor: the same files, written plainly (no parsing, no validation)
            for rel, text in written:
                (floor / rel).parent.mkdir(parents=True, exist_ok=True)
                (floor / rel).write_text(text, encoding="utf-8")

        os.sync()
        t_floor, _ = timed(write_plain, "floor")
        return {"first": t_first, "again": t_again, "edit": t_edit, "load": t_load, "coverage": t_cov, "floor": t_floor,
                **{f"cpu_{k}": v for k, v in CPU.items()},
                "cards": cards, "updated": r3.count("updated"), "files": len(r.written)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where to create the vault and deck (default: the system temp folder); "
                    "file creation costs differ a lot between folders/disks, so say which")
    a = ap.parse_args()
    runs = [one_run(a.notes, a.dir) for _ in range(a.repeats)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    spread = {k: (min(r[k] for r in runs), max(r[k] for r in runs)) for k in runs[0]}
    print(f"notes import: {a.notes:,} notes -> {int(med['cards']):,} cards in {int(med['files']):,} files; "
          f"median of {a.repeats} run(s); Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
          f"load average {os.getloadavg()[0]:.1f}; files in {a.dir or tempfile.gettempdir()}")
    print()
    print("| step | wall, median | wall, min–max | user CPU, median | system CPU, median |")
    print("|---|---|---|---|---|")
    rows = [("first import (parse + validate + write)", "first"), ("re-import, nothing changed", "again"),
            (f"re-import, {int(med['updated'])} cards updated", "edit"), ("load the imported deck (cards check loader)", "load"),
            ("coverage of the vault", "coverage"),
            ("floor: write the same files plainly (mkdir + write_text)", "floor")]
    for label, k in rows:
        lo, hi = spread[k]
        print(f"| {label} | {med[k]:.2f} s | {lo:.2f}–{hi:.2f} s | {med['cpu_' + k]:.2f} s | {med['cpu_sys_' + k]:.2f} s |")
    print()
    verdict = "meets" if med["first"] <= 2.0 else "MISSES"
    print(f"target: first import of {a.notes:,} notes <= 2 s: {med['first']:.2f} s wall ({verdict}), "
          f"{med['cpu_first']:.2f} s user CPU + {med['cpu_sys_first']:.2f} s system CPU")


if __name__ == "__main__":
    main()
