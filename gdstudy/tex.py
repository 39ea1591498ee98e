"""TeX in card text read as Unicode: `$\\eta < 2/L$` -> `η < 2/L`, `\\frac{\\sigma^2}{S}` -> `σ²/S`.

Only the maths spans are touched: `$…$` and `$$…$$` (the syntax of `gdstudy.interop.spans`, found
in linear time) and `\\(…\\)` / `\\[…\\]` when they hold TeX (a `\\`, `^`, `_` or `{`: a bare
`\\(SGD\\)` is Markdown's escaped parentheses, as in the notes). Nothing inside inline code or a
fenced code block is maths. A formula is parsed by pylatexenc's LaTeX walker (strict mode: bad TeX
raises) and written out here: symbols from pylatexenc's LaTeX-to-text table, then unicodeit's;
sub- and superscripts as Unicode sub/superscript characters when every character has one (unicodeit's
table), else `x_(…)`; `\\frac{a}{b}` as `a/b` with parentheses where the reading needs them; fonts
(`\\mathbb{E}`, `\\mathcal{L}`) as their Unicode letters. docs/formulas.md says why this pairing.

A formula that cannot be written without a backslash command (bad TeX, an unknown macro, an
environment, more than `MAX_FORMULA` characters or `MAX_DEPTH` nested groups) is left exactly as
written: `formula()` returns None and `tex_to_unicode` keeps the raw span. Nothing here raises on
any input, and the work is linear in the text (each formula is bounded, formulas do not overlap).

The libraries are imported on the first formula (~45 ms), never by `import gdstudy` or for text
without maths.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Callable, Iterator

from gdstudy.text import clean

__all__ = ["tex_to_unicode", "formula", "math_spans", "markdown_math", "mathjax_markdown", "has_math",
           "MAX_FORMULA", "MAX_DEPTH"]

MAX_FORMULA = 2_000  # characters of TeX in one formula; a longer one is shown raw
MAX_DEPTH = 40       # nested `{` groups; deeper is shown raw (the parser recurses)

_PAREN = re.compile(r"\\([(\[])")
_TEXLIKE = re.compile(r"[\\^_{]")
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$&])")


def has_math(text: str) -> bool:
    """Cheap test: could `text` hold a formula (so the libraries may be needed)?"""
    return ("$" in text or "\\(" in text or "\\[" in text) and bool(math_spans(text))


# -- where the formulas are ---------------------------------------------------------------------


def _masked(text: str) -> str:
    """`text` with inline code and fenced code blocks blanked (same length)."""
    from gdstudy.interop.spans import M, blank_spans, code_spans
    from gdstudy.mdblocks import fenced_spans

    chars = list(text)
    for a, b in fenced_spans(text):
        chars[a:b] = M * (b - a)
    masked = "".join(chars)
    if "`" in masked:
        masked = blank_spans(masked, code_spans(masked))
    return masked


def math_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Every formula in `text` outside code, as (start, end, inner start, inner end), in order."""
    if "$" not in text and "\\" not in text:
        return []
    from gdstudy.interop.spans import M, blank_spans
    from gdstudy.interop.spans import math_spans as dollar_spans

    masked = _masked(text)
    spans = []
    for a, b in dollar_spans(masked):
        k = 2 if masked.startswith("$$", a) and b - a > 4 and masked.startswith("$$", b - 2) else 1
        spans.append((a, b, a + k, b - k))
    if "\\" in masked:
        dollar_free = blank_spans(masked, [(a, b) for a, b, _, _ in spans])
        pos = 0
        while (m := _PAREN.search(dollar_free, pos)) is not None:
            closer = "\\)" if m.group(1) == "(" else "\\]"
            end = dollar_free.find(closer, m.end())
            if end < 0:
                break
            inner = dollar_free[m.end() : end]
            if M not in inner and _TEXLIKE.search(inner):
                spans.append((m.start(), end + 2, m.end(), end))
            pos = end + 2  # past the closer either way: no closer is searched for twice
        spans.sort()
    return spans


# -- one formula ----------------------------------------------------------------------------------


class _Unrendered(Exception):
    """This formula cannot be written without TeX: show it raw."""


@lru_cache(maxsize=1)
def _tables() -> tuple[Any, Any, dict[str, str], dict[str, str], dict[str, str]]:
    import logging

    logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)  # it logs what it cannot substitute
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db
    from unicodeit.data import REPLACEMENTS, SUBSUPERSCRIPTS

    db = get_default_latex_context_db()
    l2t = LatexNodes2Text(latex_context=db, math_mode="text", strict_latex_spaces=True)
    symbols: dict[str, str] = {}
    for key, value in REPLACEMENTS:
        if re.fullmatch(r"\\[A-Za-z]+", key) and value.strip():
            symbols.setdefault(key[1:], value)
    sub = {k[1:]: v for k, v in SUBSUPERSCRIPTS if k[0] == "_" and len(k) == 2}
    sup = {k[1:]: v for k, v in SUBSUPERSCRIPTS if k[0] == "^" and len(k) == 2}
    sup.update({"−": "⁻", "'": "′", "*": "*", "∗": "*", "′": "′", "T": "ᵀ", "⊤": "ᵀ", "⊺": "ᵀ", "ᵀ": "ᵀ"})
    sub.update({"−": "₋"})
    return latexwalker, (l2t, db), symbols, sub, sup


_OPERATORS = frozenset(
    "log ln exp sin cos tan tanh sinh cosh min max sup inf lim arg argmin argmax det tr Pr Var Cov "
    "dim ker rank sign sgn diag deg gcd mod".split()
)
_TEXT_FONTS = frozenset(
    "text textrm textit textbf textsf texttt mathrm mathit mathsf mathtt operatorname mbox emph "
    "mathbf boldsymbol bm pmb textnormal".split()
)
_LETTER_FONTS = frozenset("mathbb mathcal mathfrak mathscr mathbbm".split())
_DROP = frozenset(
    "left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle displaystyle "
    "textstyle scriptstyle limits nolimits nonumber notag".split()
)
_SPACES = {",": " ", ";": " ", ":": " ", ">": " ", "!": "", " ": " ", "quad": "  ", "qquad": "   ",
           "enspace": " ", "thinspace": " ", "\\": " "}
_ESCAPED = {"|": "‖", "{": "{", "}": "}", "%": "%", "$": "$", "_": "_", "&": "&", "#": "#"}
_OVERRIDE = {"cdot": "·", "langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖", "Vert": "‖",
             "vert": "|", "lvert": "|", "rvert": "|", "mid": "|", "ne": "≠", "colon": ":",
             "dots": "…", "prime": "′", "varnothing": "∅", "epsilon": "ε", "varepsilon": "ε"}
_PREFIX = frozenset("∇∂∑∏∫∮√¬")  # operators written against what they act on: ∇f, ∂L
_CLOSING = frozenset("rVert rvert rangle rceil rfloor".split())
_BINARY = set("+-−=/·×±<>≤≥≈≠∈,:←→⇒↦∝≪≫")
_CLOSERS = _BINARY | set("^_)]}|.;")
# A relation spaced on one side is spaced on both (`\eta < 2` -> `η < 2`, not `η< 2`: the space
# after a letter macro is dropped so that `\alpha x` reads `αx`); no space inside brackets.
_RELATION = re.compile(r" ?([=<>≤≥≈≠←→⇒↦∈∝≪≫]) | ([=<>≤≥≈≠←→⇒↦∈∝≪≫]) ?")  # runs of spaces are one by then
_INNER_SPACE = re.compile(r"([(\[{⟨]) +| +([)\]}⟩])")


def _ordinary_end(s: str) -> bool:
    return bool(s) and (s[-1].isalnum() or s[-1] in ")]}⟩′'" or unicodedata.category(s[-1]) in ("Ll", "Lu", "No"))


def _atomic(s: str) -> bool:
    return bool(s) and not any(ch.isspace() or ch in _BINARY for ch in s)


class _Writer:
    def __init__(self) -> None:
        self.walker, (self.l2t, self.db), self.symbols, self.sub, self.sup = _tables()

    def nodes(self, nodelist: list[Any]) -> str:
        items = list(self._items(nodelist))
        out: list[str] = []
        i = 0
        while i < len(items):
            item = items[i]
            i += 1
            if isinstance(item, str):
                if item in "^_":
                    if i >= len(items):
                        raise _Unrendered
                    arg = items[i]
                    i += 1
                    text = arg if isinstance(arg, str) else self.node(arg)
                    out.append(self._script(text, self.sup if item == "^" else self.sub, item))
                elif item not in "{}":
                    out.append("−" if item == "-" else item)
                continue
            if self._is_frac(item):
                text = self._frac(item)
                nxt = next((x for x in items[i:] if not self._dropped(x)), None)
                nxt_ordinary = nxt is not None and not (isinstance(nxt, str) and (nxt.isspace() or nxt in _CLOSERS))
                if _ordinary_end("".join(out)) or nxt_ordinary:  # `η(∂L/∂W)`, `(1/N)∑ᵢ`
                    text = f"({text})"
                out.append(text)
                continue
            text = self.node(item)
            if getattr(item, "macroname", None) in _CLOSING and out:  # `\lVert x \rVert`: ‖x‖
                out[-1] = out[-1].rstrip()
            out.append(text)
            space = getattr(item, "macro_post_space", "")
            if space and text and unicodedata.category(text[-1]) == "Sm" and text[-1] not in _PREFIX:
                out.append(" ")
        return "".join(out)

    def _items(self, nodelist: list[Any]) -> Iterator[Any]:
        """Nodes, with characters nodes split into characters (so `x_i` reads `_` then `i`)."""
        for node in nodelist:
            if node is None:
                continue
            if node.isNodeType(self.walker.LatexCharsNode):
                yield from node.chars
            elif node.isNodeType(self.walker.LatexCommentNode):
                continue
            else:
                yield node

    def _dropped(self, item: Any) -> bool:
        return not isinstance(item, str) and item.isNodeType(self.walker.LatexMacroNode) and item.macroname in _DROP

    def _is_frac(self, node: Any) -> bool:
        return node.isNodeType(self.walker.LatexMacroNode) and node.macroname in ("frac", "dfrac", "tfrac", "cfrac")

    def _frac(self, node: Any) -> str:
        parts = []
        for k in (0, 1):
            text = self.arg(node, k)
            tight = text.replace(" ", "")  # `\partial^2 L` is one factor: ∂²L
            parts.append(tight if _atomic(tight) else f"({text})")
        return "/".join(parts)

    def _script(self, text: str, table: dict[str, str], mark: str) -> str:
        if text and all(ch in table for ch in text):
            return "".join(table[ch] for ch in text)
        if len(text) == 1:
            return mark + text
        return f"{mark}({text})"

    def arg(self, node: Any, k: int) -> str:
        args = node.nodeargd.argnlist if node.nodeargd is not None else []
        if k >= len(args) or args[k] is None:
            raise _Unrendered
        return self.node(args[k])

    def node(self, node: Any) -> str:
        w = self.walker
        if node.isNodeType(w.LatexGroupNode):
            return self.nodes(node.nodelist)
        if node.isNodeType(w.LatexCharsNode):  # a macro argument without braces: `\frac12`
            return self.nodes([node])
        if node.isNodeType(w.LatexSpecialsNode):
            return {"~": " ", "&": " "}.get(node.specials_chars, node.specials_chars)
        if node.isNodeType(w.LatexMathNode):
            return self.nodes(node.nodelist)
        if node.isNodeType(w.LatexMacroNode):
            return self.macro(node)
        raise _Unrendered  # environments (matrices, align) stay TeX

    def macro(self, node: Any) -> str:
        name = node.macroname
        if name in _SPACES:
            return _SPACES[name]
        if name in _ESCAPED:
            return _ESCAPED[name]
        if name in _DROP:
            return ""
        if name in _OPERATORS:
            return name
        if self._is_frac(node):
            return self._frac(node)
        if name == "sqrt":
            args = node.nodeargd.argnlist if node.nodeargd is not None else []
            root = {"3": "∛", "4": "∜"}.get(self.node(args[0]).strip() if args and args[0] is not None else "", "√")
            body = self.arg(node, len(args) - 1)
            return root + (body if len(body) == 1 or body.isalnum() else f"({body})")
        if name in _TEXT_FONTS:
            return self.arg(node, 0) if node.nodeargd is not None and node.nodeargd.argnlist else ""
        if name in _LETTER_FONTS:
            return self._letters(node)
        if name in _OVERRIDE:
            return _OVERRIDE[name]
        if node.nodeargd is not None and any(a is not None for a in node.nodeargd.argnlist):
            return self._library(node)
        spec = self.db.get_macro_spec(name)
        repl = getattr(spec, "simplify_repl", None) if spec is not None else None
        if isinstance(repl, str) and repl and "%" not in repl:
            return repl
        if name in self.symbols:
            return self.symbols[name]
        raise _Unrendered

    def _letters(self, node: Any) -> str:
        """`\\mathbb{E}` -> 𝔼: pylatexenc's letter tables, letter by letter."""
        text = self._library(node)
        if "\\" in text:
            raise _Unrendered
        return text

    def _library(self, node: Any) -> str:
        """A macro with arguments this module has no rule for (accents: `\\hat{y}` -> ŷ): pylatexenc's."""
        spec = self.db.get_macro_spec(node.macroname)
        if spec is None or getattr(spec, "simplify_repl", None) is None and getattr(spec, "discard", True):
            raise _Unrendered
        text = self.l2t.nodelist_to_text([node])
        if not text or "%s" in text or "\\" in text:
            raise _Unrendered
        return text


def _too_deep(tex: str) -> bool:
    depth = 0
    for ch in tex:
        if ch == "{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch == "}":
            depth -= 1
    return False


@lru_cache(maxsize=4096)  # a card's formulas come back on every redraw and toggle
def formula(tex: str) -> str | None:
    """One formula's TeX (without delimiters) as Unicode text, or None when it cannot be written
    without TeX (the caller shows it raw). Never raises."""
    if len(tex) > MAX_FORMULA or _too_deep(tex):
        return None
    try:
        writer = _Writer()
        nodelist, _, _ = writer.walker.LatexWalker(tex, tolerant_parsing=False).get_latex_nodes()
        text = writer.nodes(nodelist)
    except (_Unrendered, RecursionError):
        return None
    except Exception as exc:  # pylatexenc's parse errors share no public base outside latexwalker
        if type(exc).__module__.startswith("pylatexenc"):
            return None
        raise
    text = _RELATION.sub(lambda m: f" {m.group(1) or m.group(2)} ", re.sub(r"\s+", " ", text))
    text = clean(_INNER_SPACE.sub(lambda m: m.group(1) or m.group(2), text).strip())  # the library's text too
    return text if text and "\\" not in text else None


# -- text with formulas ---------------------------------------------------------------------------


def _replace(text: str, each: Callable[[str, str], str]) -> str:
    spans = math_spans(text)
    if not spans:
        return text
    out, pos = [], 0
    for a, b, ia, ib in spans:
        out.append(text[pos:a])
        out.append(each(text[a:b], text[ia:ib]))
        pos = b
    out.append(text[pos:])
    return "".join(out)


def tex_to_unicode(text: str) -> str:
    """`text` with every formula outside code written in Unicode (a formula that cannot be is left
    as written, delimiters and all). Plain text in, plain text out."""

    def each(raw: str, tex: str) -> str:
        got = formula(tex)
        return raw if got is None else got

    return _replace(text, each)


def markdown_math(markdown: str, *, rendered: bool = True) -> str:
    """Card Markdown with each formula as literal text for a Markdown renderer: in Unicode
    (`rendered`, raw TeX where it cannot be) or as the raw TeX, backslash-escaped either way so the
    renderer shows it exactly (a `_` or `*` in a formula is never emphasis, `\\{` stays `\\{`)."""

    def each(raw: str, tex: str) -> str:
        got = formula(tex) if rendered else None
        return _MD_PUNCT.sub(r"\\\1", raw if got is None else got)

    return _replace(markdown, each)


def mathjax_markdown(markdown: str) -> str:
    """Card Markdown with each formula as MathJax text, `\\(…\\)` inline and `\\[…\\]` for
    `$$…$$`/`\\[…\\]` (the delimiters Anki's MathJax reads; a plain `$` is not one), escaped so the
    Markdown renderer passes the TeX through untouched; the renderer HTML-escapes it."""

    def each(raw: str, tex: str) -> str:
        display = raw.startswith(("$$", "\\["))
        return _MD_PUNCT.sub(r"\\\1", ("\\[" if display else "\\(") + tex + ("\\]" if display else "\\)"))

    return _replace(markdown, each)
