"""Every TeX formula in the deck and the notes, as pylatexenc, unicodeit and gdstudy.tex write it
(run by hand; not a test; docs/formulas.md has the outcome).

    .venv/bin/python benchmarks/tex_formulas.py                 # cards/ and ../shared/notes
    .venv/bin/python benchmarks/tex_formulas.py --notes DIR     # another notes folder (a vault)
    .venv/bin/python benchmarks/tex_formulas.py --extra         # also the typical formulas below
    .venv/bin/python benchmarks/tex_formulas.py --adversarial   # tex_to_unicode's time at 10x the text

A formula is found the way the TUI finds it (`gdstudy.tex.math_spans`: `$…$`, `$$…$$`, and
`\\(…\\)`/`\\[…\\]` holding TeX, never inside code). For each library the table gives its output
and marks: ✗ TeX is left (a backslash command (`\\frac`, `\\left`), no `^{`/`_{` group, no
stray brace, or a mangled word: unicodeit turns `\\left` into `≤ft`); ≠ no TeX left but the text
does not mean what the TeX does (MEANING below: a dropped `‖`, `a+b/c` for `\\frac{a+b}{c}`). The
last lines count both and time the imports.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Formulas a learner's own notes on this subject are likely to hold (the examples first),
# for a wider comparison than the deck's few: not from any file.
EXTRA = [
    r"\eta < 2/L", r"\nabla f", r"\frac{\sigma^2}{S}", r"\frac{1}{N}\sum_i L_i",
    r"\theta_{t+1} = \theta_t - \eta \nabla L(\theta_t)", r"\mathbb{E}[\|g\|^2] \le \sigma^2",
    r"\operatorname{Var}(\hat g) = \frac{\sigma^2}{B}", r"O(1/\sqrt{T})", r"x^{(i)}", r"\hat{y}",
    r"\beta_1", r"\alpha_{k}^{2}", r"\frac{a+b}{c}", r"\kappa = L/\mu", r"\eta \le \frac{1}{L}",
    r"\lVert x \rVert_2", r"e^{-\lambda t}", r"w^\top x", r"v_t = \beta v_{t-1} + (1-\beta) g_t",
    r"\sqrt{\hat v_t} + \epsilon", r"\sum_{i=1}^{N}", r"\mathcal{L}(\theta)", r"\partial L / \partial w",
    r"\langle a, b\rangle", r"\frac{\partial^2 L}{\partial w^2}",
]

# What each formula means, in plain text (hand-written; any one form is right). Compared with all
# spaces removed and `-`/`−`, `⋅`/`·`, `〈`/`⟨` taken as the same: a reading that drops a symbol
# (`‖`), loses a grouping (`a+b/c`, `θ_t+1`, `1/N∑`) or leaves TeX is not right.
MEANING: dict[str, tuple[str, ...]] = {
    r"\text{gradient descent update } W_j^* = W_j - \eta \frac{\partial L_i}{\partial W_j}":
        ("gradient descent update Wⱼ* = Wⱼ − η(∂Lᵢ/∂Wⱼ)", "gradient descent update W_j^* = W_j − η(∂L_i/∂W_j)",
         "gradient descent update Wⱼ* = Wⱼ − η ∂Lᵢ/∂Wⱼ"),
    r"\mathcal{L}^k = \sum_{i \in b^k} \mathcal{L}_i": ("ℒᵏ = ∑_(i∈bᵏ) ℒᵢ", "ℒ^k = ∑_(i∈b^k) ℒ_i"),
    r"W \leftarrow W - \eta \left(\frac{\partial L_i}{\partial W} \right)": ("W ← W − η(∂Lᵢ/∂W)", "W ← W − η(∂L_i/∂W)"),
    r"\eta < 2/L": ("η < 2/L",), r"\nabla f": ("∇f",), r"\frac{\sigma^2}{S}": ("σ²/S", "σ^2/S"),
    r"\frac{1}{N}\sum_i L_i": ("(1/N)∑ᵢ Lᵢ", "(1/N)∑_i L_i"),
    r"\theta_{t+1} = \theta_t - \eta \nabla L(\theta_t)": ("θₜ₊₁ = θₜ − η∇L(θₜ)", "θ_(t+1) = θ_t − η∇L(θ_t)"),
    r"\mathbb{E}[\|g\|^2] \le \sigma^2": ("𝔼[‖g‖²] ≤ σ²", "𝔼[‖g‖^2] ≤ σ^2"),
    r"\operatorname{Var}(\hat g) = \frac{\sigma^2}{B}": ("Var(ĝ) = σ²/B", "Var(ĝ) = σ^2/B"),
    r"O(1/\sqrt{T})": ("O(1/√T)", "O(1/√(T))"), r"x^{(i)}": ("x⁽ⁱ⁾", "x^(i)"), r"\hat{y}": ("ŷ",),
    r"\beta_1": ("β₁", "β_1"), r"\alpha_{k}^{2}": ("αₖ²", "α_k^2"), r"\frac{a+b}{c}": ("(a+b)/c",),
    r"\kappa = L/\mu": ("κ = L/μ",), r"\eta \le \frac{1}{L}": ("η ≤ 1/L",), r"\lVert x \rVert_2": ("‖x‖₂", "‖x‖_2"),
    r"e^{-\lambda t}": ("e^(−λt)", "e⁻ᵏᵗ"), r"w^\top x": ("wᵀx", "w^⊤x", "w^Tx"),
    r"v_t = \beta v_{t-1} + (1-\beta) g_t": ("vₜ = βvₜ₋₁ + (1−β)gₜ", "v_t = βv_(t−1) + (1−β)g_t"),
    r"\sqrt{\hat v_t} + \epsilon": ("√(v̂ₜ) + ε", "√(v̂_t) + ε", "√(v̂ₜ) + ϵ", "√(v̂_t) + ϵ"),
    r"\sum_{i=1}^{N}": ("∑ᵢ₌₁ᴺ", "∑_(i=1)^N"), r"\mathcal{L}(\theta)": ("ℒ(θ)",), r"\partial L / \partial w": ("∂L/∂w",),
    r"\langle a, b\rangle": ("⟨a, b⟩",), r"\frac{\partial^2 L}{\partial w^2}": ("∂²L/∂w²", "∂^2L/∂w^2"),
}


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFC", s)
    return "".join(s.split()).replace("−", "-").replace("⋅", "·").replace("〈", "⟨").replace("〉", "⟩")


def right(tex: str, out: str | None) -> bool | None:
    """Whether `out` means what `tex` does (None: no reading written down for this formula)."""
    if tex not in MEANING:
        return None
    return out is not None and _norm(out) in {_norm(m) for m in MEANING[tex]}


_LEFT = re.compile(r"\\[A-Za-z]+|[\^_]\{|[{}]")
_MANGLED = re.compile(r"≤ft|≥t|∈fty")  # unicodeit's prefix replacements inside longer names


def reads(out: str | None) -> bool:
    return out is not None and not _LEFT.search(out) and not _MANGLED.search(out)


def collect(notes: Path | None) -> list[tuple[str, str]]:
    """(where, TeX) for every formula in cards/*.yaml and the notes."""
    from gdstudy.deck import load_deck
    from gdstudy.tex import math_spans

    found: list[tuple[str, str]] = []
    deck = load_deck([ROOT / "cards"])
    for card in deck.cards:
        for field in ("front", "back"):
            text = getattr(card, field)
            for _, _, a, b in math_spans(text):
                found.append((f"{Path(card.path).name} {card.id}.{field}", text[a:b]))
    if notes is not None and notes.is_dir():
        for path in sorted(notes.iterdir()):
            if path.suffix not in (".md", ".txt") or path.name == "README.md":
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for start, _, a, b in math_spans(text):
                found.append((f"{path.name}:{text.count(chr(10), 0, start) + 1}", text[a:b]))
    return found


IMPORTS = {
    "pylatexenc.latex2text": "from pylatexenc.latex2text import LatexNodes2Text",
    "unicodeit": "import unicodeit",
    "gdstudy.tex (module)": "import gdstudy.tex",
    "gdstudy.tex first formula (imports both)": "import gdstudy.tex; gdstudy.tex.formula('x')",
}


def _fresh_ms(code: str, runs: int = 5) -> float:
    prog = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    times = sorted(float(subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                                        check=True, cwd=ROOT).stdout) for _ in range(runs))
    return 1e3 * times[runs // 2]


HOSTILE = {
    "unclosed \\(": "\\(x ", "\\( then one closer": "\\(", "unclosed $": "$a ", "many formulas": "$\\eta_t$ ",
    "escaped $": "$a\\$", "code spans": "`$x$`", "fences": "```\n$x$\n", "deep braces": "{{{{{{{{{{",
}


def adversarial() -> int:
    from gdstudy import tex

    print("| text | 10 KB | 100 KB | ratio |")
    print("|---|---|---|---|")
    for name, unit in HOSTILE.items():
        times = []
        for size in (10_000, 100_000):
            text = unit * (size // len(unit)) + ("x^2\\)" if "closer" in name else "")
            if name == "many formulas":  # all different (the parse is cached per formula)
                text = "".join(f"$\\eta_{{{k}}}$ " for k in range(size // 12))
            tex.formula.cache_clear()
            t = time.perf_counter()
            tex.tex_to_unicode(text)
            times.append(time.perf_counter() - t)
        print(f"| {name} | {1e3 * times[0]:.1f} ms | {1e3 * times[1]:.1f} ms | {times[1] / max(times[0], 1e-9):.1f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--notes", type=Path, default=None, help="notes folder (default: ../shared/notes)")
    p.add_argument("--extra", action="store_true", help="also the typical formulas in EXTRA")
    p.add_argument("--adversarial", action="store_true", help="time tex_to_unicode on hostile text, 10x apart")
    args = p.parse_args(argv)
    if args.adversarial:
        return adversarial()
    if args.notes is None:
        from tests.test_deck_content import NOTES_DIR

        args.notes = NOTES_DIR

    from pylatexenc.latex2text import LatexNodes2Text
    import unicodeit
    from gdstudy import tex

    import logging
    logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)
    l2t = LatexNodes2Text(math_mode="text")

    def pyl(s: str) -> str | None:
        try:
            return l2t.latex_to_text(s)
        except Exception as exc:  # a library under test: any failure is its answer
            return f"<{type(exc).__name__}>"

    def uni(s: str) -> str | None:
        try:
            return unicodeit.replace(s)
        except Exception as exc:  # as above
            return f"<{type(exc).__name__}>"

    rows = collect(args.notes)
    n_deck = len(rows)
    if args.extra:
        rows += [("extra", s) for s in EXTRA]
    libs = {"pylatexenc": pyl, "unicodeit": uni, "gdstudy.tex": tex.formula}
    good = dict.fromkeys(libs, 0)
    correct = dict.fromkeys(libs, 0)
    judged = sum(1 for _, t in rows if t in MEANING)
    print("| where | TeX | " + " | ".join(libs) + " |")
    print("|---|---|" + "---|" * len(libs))
    for where, s in rows:
        cells = []
        for name, fn in libs.items():
            out = fn(s)
            ok, means = reads(out), right(s, out)
            good[name] += ok
            correct[name] += bool(means)
            mark = "" if ok and means is not False else ("✗ " if not ok else "≠ ")
            cells.append(mark + ("(raw)" if out is None else "`" + out.replace("|", "\\|") + "`"))
        print(f"| {where} | `{s.replace('|', chr(92) + '|')}` | " + " | ".join(cells) + " |")
    print()
    print(f"formulas: {len(rows)} ({n_deck} in cards/ and the notes, {len(rows) - n_deck} extra)")
    for name in libs:
        print(f"  {name:12} no TeX left: {good[name]}/{len(rows)}   means what the TeX does: {correct[name]}/{judged}")
    print("import, in a fresh interpreter (median of 5): " + ", ".join(
        f"{what} {_fresh_ms(code):.1f} ms" for what, code in IMPORTS.items()))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
