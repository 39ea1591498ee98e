"""Cards written inside notes: the syntaxes `gdstudy import` recognises.

    Question::Answer                 basic, one line
    Question:::Answer                basic + reversed (two cards)
    question lines / ? / answer      multi-line (`??`: also reversed); ends at a blank line or the next card
    text with ==hidden== or {{c1::hidden}} / {{c1::hidden::hint}}   cloze: one card per cloze number
    #interview_question              the next non-empty line is the question, the lines after it
                                     (up to a blank line or heading) the answer; the card is `interview`
    #tag                             in a card's lines: that card's tag; elsewhere: a tag of every card
                                     of the note (front matter `tags:` too)
    #look_into                       marks the rest of its paragraph (or the next one): cards get the
                                     tag `look_into`, `gdstudy cards coverage` lists the item

Never a card: anything in fenced code blocks; `::`/`==` inside inline code, math (`$...$`, `$$...$$`),
URLs, wiki links and link targets. Image embeds become `[image: name]` placeholders (never fetched),
wiki links their label.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from gdstudy.deck import LIMITS
from gdstudy.interop.cardtext import Line as _Line
from gdstudy.interop.cardtext import _text, display, separator, tag_only, tags_in
from gdstudy.interop.notes import Note
from gdstudy.interop.clozescan import find_clozes
from gdstudy.interop.syntax import DEFAULT, Syntax

__all__ = ["NoteCard", "LookInto", "NoteCards", "parse_cards"]

SPECIAL = {"interview_question", "look_into"}
MAX_CLOZES = 50  # cloze cards from one paragraph
MAX_CARDS = 10_000  # cards from one note (a card file holds at most 1 MB)
# Each cloze card repeats its paragraph (front and back): a paragraph whose cards would repeat more
# than this many characters is refused before rendering (it cannot fit a card file's 1 MB anyway,
# and 50 renderings of a 1 MB paragraph took 102 s and 283 MB).
MAX_CLOZE_TEXT = 2_000_000
MAX_NOTE_TAGS = LIMITS["tags"]  # tags every card of a note gets (the card file limit): more is refused early
HIDDEN = "[…]"


@dataclass(frozen=True)
class NoteCard:
    key: str            # identity text: the question (whitespace-normalised) or the cloze template
    suffix: str         # "" | "rev" | "c1".. | "h1".. (one card of several from the same text)
    front: str
    back: str
    line: int
    section: str
    tags: tuple[str, ...]
    interview: bool = False
    kind: str = "basic"  # basic | reversed | multiline | cloze | interview
    last: int = 0        # the card's last line (an OSR schedule comment or callout under it included)
    schedule: str | None = None  # this card's entry of OSR's `<!--SR:!...-->` comment (`2026-01-01,3,250`)
    reverse: bool = False  # written as a reversible card (`:::`, `??`)


@dataclass(frozen=True)
class LookInto:
    line: int
    text: str
    section: str


@dataclass
class NoteCards:
    cards: list[NoteCard] = field(default_factory=list)
    look_into: list[LookInto] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message): each card's own problem
    fatal: bool = False  # the note as a whole is refused (too many cards or tags): no card of it is imported


class _Parser:
    def __init__(self, note: Note, syntax: Syntax = DEFAULT) -> None:
        if note.kind == "plain" and syntax != DEFAULT:  # `Question&&Answer` reads as a plain-text title
            keep = {no: h for no, h in note.headings.items() if not separator(note.lines[no - 1], syntax)}
            note = replace(note, headings=keep, _starts=None) if len(keep) != len(note.headings) else note
        self.note = note
        self.syntax = syntax
        self.siblings: dict[tuple[int, str], int] = {}  # cards made so far per (first line, question)
        self.out = NoteCards(errors=list(note.warnings))
        self.note_tags: dict[str, int] = dict.fromkeys(note.tags, 1)  # tag -> line where it first appears
        self.interview_at: int | None = None
        self.look = False
        self.look_item = False

    def error(self, line: int, msg: str) -> None:
        self.out.errors.append((line, msg))

    def note_tag(self, tags: list[str], line: int) -> None:
        for t in tags:
            if t not in SPECIAL:
                self.note_tags.setdefault(t, line)

    def card(self, lines: list[_Line], key: str, suffix: str, front: str, back: str, tags: list[str], kind: str,
             reverse: bool = False) -> None:
        if len(self.out.cards) >= MAX_CARDS:
            self.error(lines[0].no, f"more than {MAX_CARDS:,} cards in one note: split the note")
            raise _TooMany
        if self.look:
            tags = [*tags, "look_into"]
        first, last = lines[0].no, self._last(lines[-1].no)
        schedule = None
        if self.note.sr:  # OSR: `!due,ivl,ease` per card of the question (the card, its reverse; each cloze), in order
            sr = next((self.note.sr[k] for k in range(first, last + 1) if k in self.note.sr), None)
            sibling = self.siblings.get((first, key), 0)
            self.siblings[(first, key)] = sibling + 1
            parts = sr.split("!")[1:] if sr and sr.startswith("!") else []
            schedule = parts[sibling] if sibling < len(parts) else None
        self.out.cards.append(NoteCard(
            key=" ".join(key.split()), suffix=suffix, front=front, back=back, line=first,
            section=self.note.section_title(first), tags=tuple(t for t in tags if t != "interview_question"),
            interview=kind == "interview", kind=kind, last=last, schedule=schedule, reverse=reverse,
        ))

    def _last(self, no: int) -> int:
        """A card's last line, with the OSR schedule comment / callout lines right under it."""
        meta = self.note.meta
        while no + 1 in meta:
            no += 1
        return no

    # -- blocks ----------------------------------------------------------------------------------

    def run(self) -> NoteCards:
        note, block, syntax = self.note, [], self.syntax
        collecting = False  # with an end marker: a block holding a multi-line card or a cloze goes on past blank lines
        for i, text in enumerate(note.lines):
            no = i + 1
            if note.skip[i]:
                continue
            if not note.code[i] and syntax.is_end(text):
                while block and not block[-1].code and not block[-1].text:
                    block.pop()
                self.block(block)
                block, collecting = [], False
                continue
            blank = not note.code[i] and not text.strip()
            if blank and collecting and no not in note.headings:
                block.append(_Line(no, "", False))
                continue
            if no in note.headings or blank:
                while block and not block[-1].code and not block[-1].text:
                    block.pop()  # blank lines kept while collecting, before a heading or the end
                self.block(block)
                block, collecting = [], False
                if no in note.headings:
                    self.heading(no)
                continue
            block.append(_Line(no, text, note.code[i]))
            if syntax.end_marker and not collecting and not note.code[i]:
                collecting = syntax.multi_kind(text) is not None or any(o in text for o in syntax.cloze_openers())
        while block and not block[-1].code and not block[-1].text:
            block.pop()
        self.block(block)
        if self.interview_at is not None:
            self.error(self.interview_at, "#interview_question with no question after it")
        tags = [t for t in self.note_tags if t not in SPECIAL]
        if self.out.cards and len(tags) > MAX_NOTE_TAGS:  # every card would carry them all: refused
            from gdstudy.text import clean

            distinct = list(dict.fromkeys(t for t in (clean(t).strip() for t in tags) if t))
            if len(distinct) > MAX_NOTE_TAGS:
                line = self.note_tags[tags[MAX_NOTE_TAGS]]
                self.error(line, f"the note has {len(distinct):,} tags, and every card of it carries them: "
                                 f"at most {MAX_NOTE_TAGS} tags per card")
                self.out.cards = []
                self.out.fatal = True
                return self.out
        self.out.cards = [
            NoteCard(**{**c.__dict__, "tags": tuple(dict.fromkeys([*c.tags, *tags]))}) for c in self.out.cards
        ]
        return self.out

    def heading(self, no: int) -> None:
        self.note_tag(tags_in(self.note.lines[no - 1]), no)
        if self.interview_at is not None:
            self.error(self.interview_at, "#interview_question with no question before the next heading")
            self.interview_at = None
        self.look = self.look_item = False

    def block(self, body: list[_Line]) -> None:
        if not body:
            return
        pending: list[_Line] = []
        last_multi = False
        i = 0
        while i < len(body):
            ln = body[i]
            if not ln.code and tag_only(ln.text):
                tags = tags_in(ln.text)
                self.note_tag(tags, ln.no)
                if "look_into" in tags or "interview_question" in tags:
                    self.prose(pending)
                    pending = []
                if "look_into" in tags:
                    self.look = self.look_item = True
                if "interview_question" in tags:
                    self.interview_at = ln.no
                i += 1
                continue
            if self.look_item:
                self.out.look_into.append(LookInto(ln.no, display(ln.text)[0].strip()[:300], self.note.section_title(ln.no)))
                self.look_item = False
            if self.interview_at is not None:
                self.interview(body[i:])
                self.interview_at = None
                i = len(body)
                break
            multi = None if ln.code else self.syntax.multi_kind(ln.text)
            if multi is not None:
                if not pending:
                    sep = ln.text.strip()
                    self.error(ln.no, f"'{sep}' separates cards only once: start the next multi-line card after a blank line"
                               if last_multi else f"'{sep}' with no question above it")
                    i += 1
                    continue
                j = i + 1
                while j < len(body) and not self._ends_answer(body[j]):
                    j += 1
                answer = body[i + 1 : j]
                while answer and not answer[-1].code and not answer[-1].text.strip():
                    answer.pop()  # blank lines before an end marker
                self.multiline(pending, ln, answer, reverse=multi == "rev")
                pending, last_multi, i = [], True, j
                continue
            if not ln.code and separator(ln.text, self.syntax):
                self.prose(pending)
                pending = []
                self.basic(ln)
                i += 1
                continue
            if not ln.code and "interview_question" in tags_in(ln.text):
                self.prose(pending)
                pending = []
                self.interview(body[i:])
                i = len(body)
                break
            pending.append(ln)
            i += 1
        self.prose(pending)
        if not self.look_item:
            self.look = False  # a marker ends with its paragraph (a standalone one marks the next)

    def _ends_answer(self, ln: _Line) -> bool:
        return not ln.code and (self.syntax.multi_kind(ln.text) is not None or bool(separator(ln.text, self.syntax))
                                or tag_only(ln.text))

    # -- card kinds ------------------------------------------------------------------------------

    def basic(self, ln: _Line) -> None:
        i, n, rev = separator(ln.text, self.syntax)  # type: ignore[misc]
        q, qt = display(ln.text[:i])
        a, at = display(ln.text[i + n :])
        q, a = q.strip(), a.strip()
        if not a:
            self.error(ln.no, f"card with no answer after '{ln.text[i:i + n]}'")
            return
        self._look_into(ln, qt + at)
        self._pair([ln], q, a, qt + at, reverse=rev, kind="reversed" if rev else "basic")

    def _look_into(self, ln: _Line, tags: list[str]) -> None:
        """`Q::A #look_into`: the card gets the tag (not answer text) and coverage lists the item."""
        if "look_into" in tags and not self.look:
            self.out.look_into.append(LookInto(ln.no, display(ln.text)[0].strip()[:300], self.note.section_title(ln.no)))

    def multiline(self, question: list[_Line], sep: _Line, answer: list[_Line], reverse: bool) -> None:
        q, qt = _text(question)
        a, at = _text(answer)
        if not a:
            self.error(sep.no, f"'{sep.text.strip()}' with no answer below it (answer lines follow the separator)")
            return
        self._look_into(question[0], qt + at)
        self._pair([*question, sep, *answer], q, a, qt + at, reverse=reverse, kind="multiline")

    def _pair(self, lines: list[_Line], q: str, a: str, tags: list[str], reverse: bool, kind: str) -> None:
        if not q:  # e.g. `#tag::answer`: the tags are taken out and nothing is left to ask
            self.error(lines[0].no, "card with no question (only tags) before its answer")
            return
        self.card(lines, q, "", q, a, tags, kind, reverse)
        if reverse:
            self.card(lines, q, "rev", a, q, tags, kind, reverse)

    def interview(self, body: list[_Line]) -> None:
        q, qt = _text(body[:1])
        a, at = _text(body[1:])
        if not q:
            self.error(body[0].no, "#interview_question with no question after it")
        elif not a:
            self.error(body[0].no, "#interview_question: the question has no answer under it (the lines after it, up to a blank line)")
        else:
            self.card(body, q, "", q, a, qt + at, "interview")

    def prose(self, lines: list[_Line]) -> None:
        """Lines that are not cards: clozes, inline #look_into items, note-wide tags."""
        if not lines:
            return
        spans: list[list[tuple[int, int, str, str, str | None]]] = []  # per line: (start, end, number, content, hint)
        for ln in lines:
            found: list[tuple[int, int, str, str, str | None]] = []
            if not ln.code:
                tags = tags_in(ln.text)
                if "look_into" in tags:
                    self.look = True
                    self.out.look_into.append(LookInto(ln.no, display(ln.text)[0].strip()[:300], self.note.section_title(ln.no)))
                found = self._clozes(ln)
            spans.append(found)
        if any(spans):
            self.cloze(lines, spans)
        else:
            for ln in lines:
                if not ln.code:
                    self.note_tag(tags_in(ln.text), ln.no)

    def _clozes(self, ln: _Line) -> list[tuple[int, int, str, str, str | None]]:
        found, errors = find_clozes(ln.text, ln.no, self.syntax)
        for msg in errors:
            self.error(ln.no, msg)
        return found

    def cloze(self, lines: list[_Line], spans: list[list[tuple[int, int, str, str, str | None]]]) -> None:
        numbers = list(dict.fromkeys(n for found in spans for (_, _, n, _, _) in found))
        if len(numbers) > MAX_CLOZES:
            self.error(lines[0].no, f"paragraph has {len(numbers)} clozes: at most {MAX_CLOZES} cards from one paragraph")
            return
        size = sum(len(ln.text) for ln in lines)
        if (2 * len(numbers) + 1) * size > MAX_CLOZE_TEXT:
            self.error(lines[0].no, f"paragraph of {size:,} characters with {len(numbers)} cloze(s): its cloze cards "
                       f"would repeat it {2 * len(numbers) + 1} times, over {MAX_CLOZE_TEXT:,} characters: split the paragraph")
            return
        hl = [n for n in numbers if n.startswith("h")]
        rename = {n: f"h{k}" for k, n in enumerate(hl, 1)}  # highlights: h1, h2, ... in reading order
        # a line reads the same on every card that does not hide one of its clozes: displayed once
        known = [None if found or ln.code else display(ln.text) for ln, found in zip(lines, spans)]
        nums = [{n for (_, _, n, _, _) in found} for found in spans]

        def line_text(ln: _Line, found: list[tuple[int, int, str, str, str | None]], show: str | None, bold: bool) -> str:
            s, pos, parts = ln.text, 0, []
            for start, end, n, content, hint in found:
                parts.append(s[pos:start])
                if show == "*" or (show is not None and n != show):
                    parts.append(content)
                elif show is None:
                    parts.append(HIDDEN)
                elif bold:
                    parts.append(f"**{content}**" if content.strip() == content and "*" not in content else content)
                else:
                    parts.append(f"[{hint.strip()}]" if hint and hint.strip() else HIDDEN)
                pos = end
            parts.append(s[pos:])
            return "".join(parts)

        shown = [display(line_text(ln, found, "*", False)) if found else None for ln, found in zip(lines, spans)]

        def render(show: str | None, bold: bool) -> tuple[str, list[str]]:
            out: list[_Line] = []
            cached: list[tuple[str, list[str]] | None] = []
            for k, (ln, found) in enumerate(zip(lines, spans)):
                if not found or (show is not None and show not in nums[k]):
                    out.append(ln)
                    cached.append(shown[k] if found else known[k])
                else:
                    out.append(_Line(ln.no, line_text(ln, found, show, bold), ln.code))
                    cached.append(None)
            return _text(out, cached)

        template, tags = render(None, False)
        for n in numbers:
            front, _ = render(n, False)
            back, _ = render(n, True)
            self.card(lines, template, rename.get(n, n), front, back, tags, "cloze")


class _TooMany(Exception):
    pass


def parse_cards(note: Note, syntax: Syntax = DEFAULT) -> NoteCards:
    """Every card written in a note, the `#look_into` items, and located problems: a card with a
    problem is left out (its problem reported), the others are made; `fatal` when the note as a
    whole is refused."""
    parser = _Parser(note, syntax)
    try:
        return parser.run()
    except _TooMany:
        return NoteCards(errors=parser.out.errors, fatal=True)
