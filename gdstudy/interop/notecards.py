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

from dataclasses import dataclass, field

from gdstudy.deck import LIMITS
from gdstudy.interop.cardtext import Line as _Line
from gdstudy.interop.cardtext import _text, display, separator, tag_only, tags_in
from gdstudy.interop.notes import Note
from gdstudy.interop.spans import blank_spans, cloze_spans, highlight_spans
from gdstudy.interop.spans import masked as _masked

__all__ = ["NoteCard", "LookInto", "NoteCards", "parse_cards"]

SPECIAL = {"interview_question", "look_into"}
MAX_CLOZES = 50  # cloze cards from one paragraph
MAX_CLOZE_DIGITS = 9  # {{c123456789::...}}: a longer number is an error (int() of 4,301 digits raises)
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


@dataclass(frozen=True)
class LookInto:
    line: int
    text: str
    section: str


@dataclass
class NoteCards:
    cards: list[NoteCard] = field(default_factory=list)
    look_into: list[LookInto] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


class _Parser:
    def __init__(self, note: Note) -> None:
        self.note = note
        self.out = NoteCards()
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

    def card(self, lines: list[_Line], key: str, suffix: str, front: str, back: str, tags: list[str], kind: str) -> None:
        if len(self.out.cards) >= MAX_CARDS:
            self.error(lines[0].no, f"more than {MAX_CARDS:,} cards in one note: split the note")
            raise _TooMany
        if self.look:
            tags = [*tags, "look_into"]
        first = lines[0].no
        self.out.cards.append(NoteCard(
            key=" ".join(key.split()), suffix=suffix, front=front, back=back, line=first,
            section=self.note.section_title(first), tags=tuple(t for t in tags if t != "interview_question"),
            interview=kind == "interview", kind=kind,
        ))

    # -- blocks ----------------------------------------------------------------------------------

    def run(self) -> NoteCards:
        note, block = self.note, []
        for i, text in enumerate(note.lines):
            no = i + 1
            if note.skip[i]:
                continue
            if no in note.headings or (not note.code[i] and not text.strip()):
                self.block(block)
                block = []
                if no in note.headings:
                    self.heading(no)
                continue
            block.append(_Line(no, text, note.code[i]))
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
            if not ln.code and ln.text.strip() in ("?", "??"):
                if not pending:
                    self.error(ln.no, "'?' separates cards only once: start the next multi-line card after a blank line"
                               if last_multi else "'?' with no question above it")
                    i += 1
                    continue
                j = i + 1
                while j < len(body) and not self._ends_answer(body[j]):
                    j += 1
                self.multiline(pending, ln, body[i + 1 : j], reverse=ln.text.strip() == "??")
                pending, last_multi, i = [], True, j
                continue
            if not ln.code and separator(ln.text):
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
        return not ln.code and (ln.text.strip() in ("?", "??") or bool(separator(ln.text)) or tag_only(ln.text))

    # -- card kinds ------------------------------------------------------------------------------

    def basic(self, ln: _Line) -> None:
        i, n = separator(ln.text)  # type: ignore[misc]
        q, qt = display(ln.text[:i])
        a, at = display(ln.text[i + n :])
        q, a = q.strip(), a.strip()
        if not a:
            self.error(ln.no, "card with no answer after '::'")
            return
        self._pair([ln], q, a, qt + at, reverse=n == 3, kind="reversed" if n == 3 else "basic")

    def multiline(self, question: list[_Line], sep: _Line, answer: list[_Line], reverse: bool) -> None:
        q, qt = _text(question)
        a, at = _text(answer)
        if not a:
            self.error(sep.no, f"'{sep.text.strip()}' with no answer below it (answer lines follow the separator)")
            return
        self._pair(question, q, a, qt + at, reverse=reverse, kind="multiline")

    def _pair(self, lines: list[_Line], q: str, a: str, tags: list[str], reverse: bool, kind: str) -> None:
        if not q:  # e.g. `#tag::answer`: the tags are taken out and nothing is left to ask
            self.error(lines[0].no, "card with no question (only tags) before its answer")
            return
        self.card(lines, q, "", q, a, tags, kind)
        if reverse:
            self.card(lines, q, "rev", a, q, tags, kind)

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
        s = ln.text
        if "==" not in s and "{{" not in s:
            return []
        masked, found = _masked(s), []
        spans, unclosed = cloze_spans(masked)
        for start, end, num in spans:
            if len(num) > MAX_CLOZE_DIGITS:
                self.error(ln.no, f"cloze number has {len(num):,} digits: at most {MAX_CLOZE_DIGITS} ({{{{c{num[:6]}…::)")
                return []
            body = masked[start : end - 2]
            open_len = body.index("::") + 2
            h = body.find("::", open_len)
            content = s[start + open_len : start + h] if h >= 0 else s[start + open_len : end - 2]
            hint = s[start + h + 2 : end - 2] if h >= 0 else None
            found.append((start, end, f"c{int(num)}", content, hint))
        if unclosed is not None:
            self.error(ln.no, "cloze with no closing }}")
            masked = masked[:unclosed]
        masked = blank_spans(masked, spans)
        marks, unclosed = highlight_spans(masked)
        for k, (start, end) in enumerate(marks, 1):
            found.append((start, end, f"h{ln.no}.{k}", s[start + 2 : end - 2], None))
        if unclosed is not None:
            self.error(ln.no, "cloze with no closing ==")
        return sorted(found)

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


def parse_cards(note: Note) -> NoteCards:
    """Every card written in a note, the `#look_into` items, and located syntax errors."""
    parser = _Parser(note)
    try:
        return parser.run()
    except _TooMany:
        return NoteCards(errors=parser.out.errors)
