"""Anki export: the deck as an `.apkg` package, written with genanki (`pip install 'gdstudy[anki]'`).

One Anki note per card, one note type ("gdstudy card": Front, Back, Source, Demo, Tags). Ids are
derived from the card and deck names, never random, so exporting again and importing into the same
Anki profile updates the notes instead of duplicating them:

    note guid  = genanki.guid_for("gdstudy", card.id)
    model id   = stable_id("model", MODEL_NAME)          (1 << 30 <= id < 1 << 31, as genanki advises)
    deck id    = stable_id("deck", "gdstudy::<deck>")

Card text is untrusted: Markdown (CommonMark plus tables and strikethrough, as in the TUI) is
rendered by markdown-it-py with raw HTML *disabled* (a card's `<script>` or `onerror=` arrives as
text), images disabled (no remote fetches from a card), links only http(s). Formulas are found by
the TUI's rule (`gdstudy.tex.math_spans`: `$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`, never in code)
and kept as TeX for Anki's MathJax, as `\\(…\\)` / `\\[…\\]` (plain `$` is not a MathJax
delimiter by default); Unicode math is kept as written. Obsidian callouts (`> [!note] Title`) get
their label and `<br>` is a line break (`gdstudy.mdblocks`). The Source, Demo and Tags fields are escaped plain text.

Scheduling (`--include-schedule`, see gdstudy.interop.anki_schedule): genanki writes every card as
new and has no review-log API (genanki issue #147), so the card states and the review log are
written into the collection genanki builds. Anki takes them for cards new to the profile only.
"""

from __future__ import annotations

import hashlib
import html
import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from gdstudy.errors import ConfigError

if TYPE_CHECKING:
    from gdstudy.deck import Card
    from gdstudy.interop.anki_schedule import Schedule
    from gdstudy.outpath import Target

__all__ = [
    "AnkiExport", "export_apkg", "note_fields", "anki_tags", "card_html", "deck_name", "stable_id",
    "MODEL_NAME", "FIELDS", "ROOT_DECK",
]

MODEL_NAME = "gdstudy card"
ROOT_DECK = "gdstudy"
FIELDS = ("Front", "Back", "Source", "Demo", "Tags")

CSS = """\
.card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; background: white; }
.source, .demo, .tags { font-size: 14px; color: #666; margin-top: 1em; }
code { font-size: 90%; }
"""
FRONT = "{{Front}}"
BACK = """\
{{FrontSide}}
<hr id="answer">
{{Back}}
<div class="source">Source: {{Source}}</div>
{{#Demo}}<div class="demo">Checked by: <code>{{Demo}}</code></div>{{/Demo}}
"""


def _genanki() -> Any:
    try:
        import genanki
    except ImportError:
        raise ConfigError("Anki export needs genanki: pip install 'gdstudy[anki]'") from None
    return genanki


def stable_id(kind: str, name: str) -> int:
    """A stable Anki model/deck id in [2**30, 2**31) from a name (genanki's advised range)."""
    h = int.from_bytes(hashlib.sha256(f"gdstudy-{kind}:{name}".encode()).digest()[:8], "big")
    return (1 << 30) + h % (1 << 30)


# -- text --------------------------------------------------------------------------------------

_md = None


def _markdown() -> Any:
    """CommonMark + tables + strikethrough, raw HTML off, images off, http(s) links only."""
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
        md.disable("image")
        md.validateLink = lambda url: url.strip().lower().startswith(("http://", "https://"))
        _md = md
    return _md


def card_html(markdown_text: str) -> str:
    """Card Markdown -> safe HTML for an Anki field (formulas as MathJax TeX, callouts labelled)."""
    from gdstudy.mdblocks import br_breaks, label_callouts
    from gdstudy.tex import mathjax_markdown

    return _markdown().render(mathjax_markdown(br_breaks(label_callouts(markdown_text)))).strip()


def _text(s: str) -> str:
    return html.escape(s, quote=True)


_SPACE = re.compile(r"\s+")


def anki_tags(card: "Card") -> list[str]:
    """Card tags as Anki tags: whitespace (Anki's separator) becomes `_`; `interview: true` adds
    `interview`. Order kept, duplicates dropped."""
    out: list[str] = []
    for t in (*card.tags, *(("interview",) if card.interview else ())):
        t = _SPACE.sub("_", t.strip())
        if t and t not in out:
            out.append(t)
    return out


def demo_command(card: "Card") -> str:
    """The command line that runs the card's demo, e.g. `gdstudy demo minibatch --batch-size 32`."""
    if card.demo is None:
        return ""
    argv = ["gdstudy", "demo", card.demo.name]
    for key, value in card.demo.params.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        else:
            argv += [flag, str(value)]
    return " ".join(shlex.quote(a) for a in argv)


def note_fields(card: "Card") -> list[str]:
    """[Front, Back, Source, Demo, Tags] as Anki field HTML (everything escaped)."""
    return [
        card_html(card.front),
        card_html(card.back),
        _text(card.source),
        _text(demo_command(card)),
        _text(" ".join(card.tags)),
    ]


# -- decks -------------------------------------------------------------------------------------


def deck_name(header: str | None, path: str) -> str:
    """`gdstudy::<deck header>` (or the file's stem when the file has no header); `::` inside a
    name would make more sub-decks, so it is flattened."""
    name = "".join(ch for ch in (header or Path(path).stem) if unicodedata.category(ch)[0] != "C" or ch in " \t")
    name = _SPACE.sub(" ", name.replace("::", ":")).strip() or "cards"
    return f"{ROOT_DECK}::{name}"


# -- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnkiExport:
    path: Path
    notes: int
    decks: dict[str, int]  # deck name -> notes in it
    scheduled: int = 0     # cards exported with a schedule (not new)


def _model(genanki: Any) -> Any:
    return genanki.Model(
        stable_id("model", MODEL_NAME), MODEL_NAME,
        fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Card 1", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
        sort_field_index=0,
    )


def export_apkg(cards: Iterable["Card"], out: "Path | Target", *, schedule: "Schedule | None" = None,
                timestamp: float | None = None, force: bool = False) -> AnkiExport:
    """Write `cards` to the Anki package `out` (atomically: a temp file renamed into place), with
    their scheduling and review log when `schedule` is given. `out` follows gdstudy.outpath's rule
    (a Target already checked, or a path; `-` is stdout)."""
    from gdstudy import outpath
    from gdstudy.interop.anki_schedule import write_package

    target = out if isinstance(out, outpath.Target) else outpath.target(out, outpath.ANKI_PACKAGE, force=force)
    genanki = _genanki()
    model = _model(genanki)
    decks: dict[str, Any] = {}
    counts: dict[str, int] = {}
    guids: dict[str, str] = {}
    n = 0
    for card in cards:
        name = deck_name(card.deck or None, card.path)  # the loader read the file's `deck:` header
        if name not in decks:
            decks[name] = genanki.Deck(stable_id("deck", name), name)
            counts[name] = 0
        guids[card.id] = genanki.guid_for("gdstudy", card.id)
        note = genanki.Note(model=model, fields=note_fields(card), tags=anki_tags(card), guid=guids[card.id])
        decks[name].add_note(note)
        counts[name] += 1
        n += 1
    if not n:
        raise ConfigError("no cards to export")
    with outpath.replacing(target) as tmp:
        write_package(genanki, list(decks.values()), str(tmp), timestamp, guids, schedule)
    scheduled = sum(1 for c in guids if schedule and (st := schedule.states.get(c)) and not st.is_new)
    return AnkiExport(target.path or Path(outpath.STDOUT), n, counts, scheduled)
