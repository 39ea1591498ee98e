"""gdstudy.tex: formulas in card text as Unicode, the raw TeX kept where that cannot be done, and
the done-when check of issue 22 item 6: every formula in cards/ and the user's notes reads without
a backslash command (the test names any that fall back to raw)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdstudy.tex import MAX_DEPTH, MAX_FORMULA, formula, has_math, markdown_math, math_spans, tex_to_unicode
from tests.test_deck_content import NOTES_DIR

ROOT = Path(__file__).resolve().parent.parent
TEX_LEFT = re.compile(r"\\[A-Za-z]+|\\.|[\^_]\{")


@pytest.mark.parametrize("tex, text", [
    (r"\eta < 2/L", "η < 2/L"),  # the three
    (r"\nabla f", "∇f"),
    (r"\frac{\sigma^2}{S}", "σ²/S"),
    (r"\frac{1}{N}\sum_i L_i", "(1/N)∑ᵢ Lᵢ"),
    (r"\frac{a+b}{c}", "(a+b)/c"),
    (r"\theta_{t+1} = \theta_t - \eta \nabla L(\theta_t)", "θₜ₊₁ = θₜ − η∇L(θₜ)"),
    (r"\mathbb{E}[\|g\|^2] \le \sigma^2", "𝔼[‖g‖²] ≤ σ²"),
    (r"W \leftarrow W - \eta \left(\frac{\partial L_i}{\partial W} \right)", "W ← W − η(∂Lᵢ/∂W)"),
    (r"\mathcal{L}^k = \sum_{i \in b^k} \mathcal{L}_i", "ℒᵏ = ∑_(i ∈ bᵏ) ℒᵢ"),
    (r"e^{-\lambda t}", "e^(−λt)"),
    (r"w^\top x", "wᵀx"),
    (r"\operatorname{Var}(\hat g) = \frac{\sigma^2}{B}", "Var(ĝ) = σ²/B"),
    (r"\sqrt{x+y} + \sqrt{B} + \sqrt[3]{x}", "√(x+y) + √B + ∛x"),
    (r"\frac12", "1/2"),
    (r"\text{lr } \eta", "lr η"),
    (r"\lVert x \rVert_2 \le \lceil N/B \rceil", "‖x‖₂ ≤ ⌈N/B⌉"),
])
def test_formula_reads(tex: str, text: str) -> None:
    assert formula(tex) == text


@pytest.mark.parametrize("tex", [
    r"\frac{", "{", "}", "x_", "x^", r"\foo x", r"\begin{pmatrix}1\end{pmatrix}", r"\\",
    "{" * (MAX_DEPTH + 1) + "x" + "}" * (MAX_DEPTH + 1), "x" * (MAX_FORMULA + 1), "\\frac" * 500,
])
def test_what_cannot_be_written_stays_raw(tex: str) -> None:
    assert formula(tex) is None
    assert tex_to_unicode(f"a ${tex}$ b") in (f"a ${tex}$ b",)


def test_only_maths_outside_code_is_touched() -> None:
    text = ("Cost `$\\eta$` in code, $5 and $10 are money, \\(SGD\\) is Markdown's escaped parens,\n"
            "$\\eta_t$ and \\(x^2\\) and $$\\frac12$$ are maths.\n```\n$\\alpha$\n```\n$\\beta$")
    assert tex_to_unicode(text) == (
        "Cost `$\\eta$` in code, $5 and $10 are money, \\(SGD\\) is Markdown's escaped parens,\n"
        "ηₜ and x² and 1/2 are maths.\n```\n$\\alpha$\n```\nβ")
    assert not has_math("plain $5 text `$x$`") and has_math("a $x$")


def test_markdown_math_escapes_both_ways() -> None:
    # a `_` or `*` in a formula is never emphasis; raw TeX keeps its backslashes through Markdown
    assert markdown_math("a $a_i * b_j$ b") == r"a aᵢ \* bⱼ b"
    assert markdown_math("a $a_i * b_j$ b", rendered=False) == r"a \$a\_i \* b\_j\$ b"
    assert markdown_math(r"set $\{x\}$", rendered=False) == r"set \$\\\{x\\\}\$"
    from markdown_it import MarkdownIt

    for md in (markdown_math(r"$a_i * b_j$ and $\{x\}$", rendered=False), markdown_math("$a_i * b_j$")):
        html = MarkdownIt("gfm-like").render(md)
        assert "<em>" not in html and "<strong>" not in html
    assert MarkdownIt("gfm-like").render(markdown_math(r"$\{x\}$", rendered=False)).strip() == r"<p>$\{x\}$</p>"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("$\\{}^_ab1 frac\n`()[]&~%#")), max_size=120))
def test_never_raises_and_keeps_text_outside_maths(text: str) -> None:
    out = tex_to_unicode(text)
    md = markdown_math(text) + markdown_math(text, rendered=False)
    assert isinstance(out, str) and isinstance(md, str)
    if not math_spans(text):
        assert out == text


def test_each_character_is_parsed_once_at_most() -> None:
    """On adversarial text (many formulas, unclosed openers, many `\\(` with one closer) no TeX
    is handed to the parser twice: the formulas found are disjoint. Counted, not timed (the
    scanners' own times, 10x the text for ~10x the time: benchmarks/tex_formulas.py --adversarial)."""
    import gdstudy.tex as tex

    calls = []
    real = tex.formula.__wrapped__

    def counting(s: str) -> str | None:
        calls.append(len(s))
        return real(s)

    for text in ("\\(" * 20_000 + "x^2\\)", "$" * 50_000, "$a" * 30_000, "`$x$`" * 20_000):
        calls.clear()
        tex.formula.cache_clear()
        old, tex.formula = tex.formula, counting
        try:
            tex_to_unicode(text)
        finally:
            tex.formula = old
        assert sum(calls) <= len(text), (text[:10], sum(calls))


def test_not_imported_by_help_or_plain_text() -> None:
    code = ("import sys, gdstudy.tex as t; t.tex_to_unicode('no maths, $5'); from gdstudy.cli import main\n"
            "sys.argv = ['gdstudy', '--help']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(any(m.startswith(('pylatexenc', 'unicodeit')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().endswith("\nFalse") and "Usage" in out.stdout


# -- done when: every formula in the deck and the notes reads --------------------------------------


def _formulas() -> list[tuple[str, str]]:
    from gdstudy.deck import load_deck

    found = []
    for card in load_deck([ROOT / "cards"]).cards:
        for field in ("front", "back"):
            text = getattr(card, field)
            found += [(f"{card.id}.{field}", text[a:b]) for _, _, a, b in math_spans(text)]
    if NOTES_DIR.is_dir():
        for path in sorted(NOTES_DIR.glob("*.txt")) + sorted(NOTES_DIR.glob("*.md")):
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [(f"{path.name}:{text.count(chr(10), 0, s) + 1}", text[a:b]) for s, _, a, b in math_spans(text)]
    return found


@pytest.mark.skipif(not NOTES_DIR.is_dir(), reason="the user's notes (../shared/notes) are not beside this checkout")
def test_every_formula_in_cards_and_notes_reads() -> None:
    found = _formulas()
    assert len(found) >= 4  # the lecture slides' four display formulas, at least
    raw = [f"{where}: {tex}" for where, tex in found if formula(tex) is None]
    assert not raw, "formulas shown as raw TeX:\n" + "\n".join(raw)
    left = [f"{where}: {formula(tex)}" for where, tex in found if TEX_LEFT.search(formula(tex) or "")]
    assert not left, left
