"""Adversarial notes-import benchmark (run by hand; not a test). Prints a markdown table.

    nice -n 5 .venv/bin/python benchmarks/bench_import_adversarial.py              # 3 repeats
    nice -n 5 .venv/bin/python benchmarks/bench_import_adversarial.py --repeats 1  # quick check
    nice -n 5 .venv/bin/python benchmarks/bench_import_adversarial.py --only html  # patterns whose name has "html"

Times the real `import_notes` code path (the one `gdstudy import` calls) on ~1 MB of each
pathological pattern (one note just under the 1,000,000-byte note cap) against 1 MB of ordinary
notes (the Obsidian-style notes of `bench_import.py`, ~800 files, every card syntax), in the same
process, paired: every repeat times the ordinary vault and then each pattern; the table gives
medians and the ratio of medians. Target (issue 20, item 4): every pattern <= 2x ordinary.
CPU time (user + system) is what is compared: wall time on a shared machine includes waiting for
other processes; both are printed. Further columns time the scanners alone (parse_note +
sections_of + parse_cards: import and `cards coverage` together) against the same for the
ordinary text, and their growth from ½ MB to 1 MB of the same pattern (2 = linear, 4 = quadratic).

The patterns are the ones the issue reported (first four) and the ones found auditing every
regex and loop of the scanners (notes.py, notecards.py, spans.py).
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
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_import import make_vault  # noqa: E402
from gdstudy.interop.importer import import_notes  # noqa: E402
from gdstudy.interop.notecards import parse_cards  # noqa: E402
from gdstudy.interop.notes import parse_note, sections_of  # noqa: E402

SIZE = 990_000  # bytes; the note cap is 1,000,000 bytes


def fill(unit: str, head: str = "", tail: str = "", size: int | None = None) -> str:
    body = (size or SIZE) - len(head.encode()) - len(tail.encode())
    return head + unit * max(1, body // len(unit.encode())) + tail


def cloze_paragraph() -> str:
    words = "word " * (SIZE // 50 // 5 - 4)
    return " ".join(f"{{{{c{i}::x{i}}}}} {words}" for i in range(1, 51)) + "\n"


def tags_times_cards() -> str:
    cards = "".join(f"q{i}::a{i}\n" for i in range(5000))
    tags, size, i = [], len(cards) + 2, 0
    while size < SIZE:
        tags.append(f"#t{i}")
        size += len(tags[-1]) + 1
        i += 1
    return cards + "\n" + " ".join(tags) + "\n"


PATTERNS: dict[str, Callable[[], str]] = {
    # reported in the issue
    "inline math + escaped dollars `$a\\$a\\$a…` (no closer)": lambda: fill("\\$a", "$a", " q::a #t ==x==\n"),
    "unclosed image `![x](aaaa…`": lambda: fill("a", "![x](", " ::\n"),
    "HTML headings `<h1>t</h1>` lines": lambda: fill("<h1>t</h1>\n"),
    "50 clozes in one paragraph": cloze_paragraph,
    # found in the audit
    "HTML anchor class `<a class=\"anchoranchor…`": lambda: fill("anchor", "<h1><a class=\"", "</h1>\n"),
    "heading ending in 1 MB of symbols `# a☆☆☆…`": lambda: fill("☆", "# a", "\n"),
    "5,000 cards x 120,000 note tags": tags_times_cards,
    "HTML char reference of 990,000 digits `&#999…`": lambda: fill("9", "<h1>x</h1>\n&#", ";\n"),
    # the older pathological set (tests/test_import_property.py), at 1 MB
    "unclosed highlights `==x ==x …`": lambda: fill("==x "),
    "unclosed clozes `{{c1::x …`": lambda: fill("{{c1::x "),
    "math openers `$a $a …`": lambda: fill("$a "),
    "backtick runs ``` `` ` ```": lambda: fill("`` ` "),
    "wiki-link openers `[[a[[a…`": lambda: fill("[[a"),
    "embed openers `![[![[…`": lambda: fill("![["),
    "HTML tag openers `<a<a…`": lambda: fill("<a<a", "<h1>t</h1>\n"),
    "script openers `<script>…`": lambda: fill("<script>", "<h1>t</h1>\n"),
    "URL scheme run `a.a.a.…://`": lambda: fill("a.", "", "://\n"),
    "tags `#a#a#a…`": lambda: fill("#a"),
    "multi-line separators `q ? q ? …`": lambda: fill("q\n?\n"),
    "one-line cards `a::b` (10,000-card cap)": lambda: fill("a::b\n"),
}


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    w, c = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - w, cpu() - c


def scan(text: str) -> None:
    note = parse_note(Path("n.md"), text)
    sections_of(note)
    parse_cards(note)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="", help="only the patterns whose name contains this text")
    a = ap.parse_args()
    global SIZE
    pats = {k: v() for k, v in PATTERNS.items() if a.only.lower() in k.lower()}
    SIZE //= 2
    halves = {k: PATTERNS[k]() for k in pats}  # the same patterns at half the size: growth 2 = linear
    SIZE *= 2
    with tempfile.TemporaryDirectory(prefix="gdstudy-bench-adv-") as tmp:
        root = Path(tmp)
        vault = root / "ordinary"
        make_vault(vault, 800)
        files = sorted(vault.rglob("*.md"))
        while sum(f.stat().st_size for f in files) > SIZE:  # trim to ~1 MB
            files.pop().unlink()
        ordinary_bytes = sum(f.stat().st_size for f in files)
        ordinary_text = "\n\n".join(f.read_text(encoding="utf-8") for f in files)
        notes = {}
        for k, (name, text) in enumerate(pats.items()):
            (root / f"p{k}").mkdir()
            notes[name] = root / f"p{k}" / "n.md"
            notes[name].write_text(text, encoding="utf-8")
        half_text = ordinary_text[: len(ordinary_text) // 2]
        rows: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": [], "scan": [], "half": []} for n in ["ordinary", *pats]}
        for rep in range(a.repeats):
            runs = [("ordinary", [vault], ordinary_text, half_text)] + [(n, [notes[n]], pats[n], halves[n]) for n in pats]
            for name, paths, text, half in runs:
                deck = root / f"deck-{rep}-{len(rows[name]['wall'])}-{abs(hash(name))}"
                w, c = timed(lambda: import_notes(paths, deck))
                rows[name]["wall"].append(w)
                rows[name]["cpu"].append(c)
                rows[name]["scan"].append(timed(lambda: scan(text))[1])
                rows[name]["half"].append(timed(lambda: scan(half))[1])
                print(f"  repeat {rep + 1}: {name}: {c:.2f} s CPU", file=sys.stderr)
    med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in rows.items()}
    base = med["ordinary"]
    print(f"adversarial import: ~1 MB per pattern vs {ordinary_bytes:,} bytes of ordinary notes ({len(files)} files); "
          f"median of {a.repeats} paired repeat(s); Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
          f"load average {os.getloadavg()[0]:.1f}")
    print()
    print("| input (~1 MB) | import, CPU | × ordinary | import, wall | scanners only, CPU | × ordinary | scanners, 1 MB ÷ ½ MB |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for name in ["ordinary", *pats]:
        m = med[name]
        ratio, sratio = m["cpu"] / base["cpu"], m["scan"] / base["scan"]
        if name != "ordinary":
            worst = max(worst, ratio)
        label = f"ordinary notes ({len(files)} files)" if name == "ordinary" else name
        growth = m["scan"] / m["half"] if m["half"] > 0.005 else float("nan")
        print(f"| {label} | {m['cpu']:.2f} s | {ratio:.2f} | {m['wall']:.2f} s | {m['scan']:.2f} s | {sratio:.2f} | {growth:.1f} |")
    print()
    print(f"target: every pattern <= 2x ordinary (import CPU): worst {worst:.2f}x ({'meets' if worst <= 2 else 'MISSES'})")


if __name__ == "__main__":
    random.seed(0)
    main()
