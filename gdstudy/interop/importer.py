"""`gdstudy import`: notes -> one YAML card file per note, safely re-importable.

Each note `sub/n.md` (path relative to the folder given, or the file name for a file argument)
becomes `DECK_DIR/sub/n.md.yaml`. Card ids: a slug of the question plus 8 hex digits of
sha1(note path + question), so editing an answer keeps the id (and the progress stored under it);
a reversed card adds `-rev`, a cloze `-c1`/`-h1` (its id hashes the text with every cloze hidden).

What the import last wrote is recorded in the file's header comment
`# gdstudy-import: {"v": 1, "note": ..., "root": ..., "cards": {id: hash}}` (hash of each card's
fields as the deck loader reads them). On re-import, per file:
- a card whose fields no longer match its recorded hash was edited by hand, a card without a hash
  was added by hand, a recorded card missing from the file was deleted by hand: a **conflict**, and
  the whole file is left as it is (delete the file, or undo the edit, to take the note's version);
- a card whose question left the note is **orphaned**: kept in the file and reported, never deleted;
- otherwise cards are added/updated; a file whose text would not change is not written at all.
Every file is validated by the deck loader before it is written (gdstudy.interop.cardwrite).
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from gdstudy.cardid import slug
from gdstudy.deck import load_deck
from gdstudy.deckfiles import card_files
from gdstudy.errors import CardError
from gdstudy.interop.cardfile import body, card_hash, clean_text, header, limits, one_line, read_marker, shorten
from gdstudy.interop.cardwrite import write_plans
from gdstudy.interop.notecards import NoteCard, parse_cards
from gdstudy.interop.notefiles import NoteFile, find_notes
from gdstudy.interop.notes import NoteError, read_note
from gdstudy.safeyaml import file_kind, read_text

__all__ = ["NoteFile", "Change", "ImportReport", "find_notes", "import_notes", "card_id"]

DEFAULT_TAG = "imported"  # for a card with no tags: card files need at least one


@dataclass(frozen=True)
class Change:
    kind: str       # added | updated | conflict | orphaned
    file: str       # the card file
    card: str       # card id ("" for a whole-file conflict)
    detail: str = ""


@dataclass
class ImportReport:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    errors: list[CardError] = field(default_factory=list)
    warnings: list[CardError] = field(default_factory=list)  # files in the deck folder that were skipped
    skipped: list[CardError] = field(default_factory=list)  # cards of a note left out (located), the note's others imported
    schedules: dict[str, str] = field(default_factory=dict)  # card id -> its OSR schedule entry (`2026-01-01,3,250`)
    schedule_at: dict[str, str] = field(default_factory=dict)  # card id -> `note:line` of that entry
    written: list[Path] = field(default_factory=list)
    notes: int = 0
    dry_run: bool = False
    stale: int = 0  # temp files of an interrupted import, removed

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def lines(self) -> list[str]:
        out = []
        for c in self.changes:
            what = f"{c.file}: {c.card}" if c.card else c.file
            out.append(f"{c.kind:<9} {what}" + (f"  ({c.detail})" if c.detail else ""))
        if self.count("conflict"):
            out.append("conflicts: to keep a hand edit, make it in the note; then delete the card file (or undo the edit) "
                       "and import again (ids are stable, so progress is kept)")
        if self.skipped:
            out.append(f"{len(self.skipped)} card problem(s) (warnings above): those cards were left out, "
                       "every other card of their notes was imported")
        if self.stale:
            out.append(f"removed {self.stale} temp file(s) left by an interrupted import")
        files = "would write" if self.dry_run else "wrote"
        out.append(
            f"{self.notes} note(s): {self.count('added')} added, {self.count('updated')} updated, {self.unchanged} unchanged, "
            f"{self.count('conflict')} conflict(s), {self.count('orphaned')} orphaned; {files} {len(self.written)} file(s)"
            + (" (dry run: nothing written)" if self.dry_run else "")
        )
        return out


# ---------------------------------------------------------------------------------------------
# cards


_slug = slug  # the shared slug rule (gdstudy.cardid)


def card_id(note_key: str, key: str, suffix: str = "") -> str:
    digest = hashlib.sha1(f"{note_key}\x1f{key}".encode()).hexdigest()[:8]
    return f"{_slug(key)}-{digest}" + (f"-{suffix}" if suffix else "")


def _card_dicts(note: NoteFile, cards: list[NoteCard], extra_tags: tuple[str, ...],
                skipped: list[CardError] | None = None,
                schedules: dict[str, str] | None = None,
                schedules_at: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], list[NoteError]]:
    """Card values exactly as the deck loader will read them back (cleaned, trimmed). A card over
    the loader's limits is left out with a located warning in `skipped`; errors: the note as a
    whole cannot be a card file."""
    out, used, errors = [], set(), []
    seen: dict[str, int] = {}
    lim = limits()
    deck_name = shorten(note.key, lim.get("source", 300) // 2)
    for c in cards:
        base = cid = card_id(note.key, c.key, c.suffix)
        while cid in used:  # the same question twice in one note: -2, -3, ...
            seen[base] = seen.get(base, 1) + 1
            cid = f"{base}-{seen[base]}"
        used.add(cid)
        tags = list(dict.fromkeys(t for t in (clean_text(t).strip() for t in [*c.tags, *extra_tags]) if t)) or [DEFAULT_TAG]
        source = one_line(f"{deck_name} § {c.section}")
        d: dict[str, Any] = {
            "id": cid, "front": clean_text(c.front).strip(), "back": clean_text(c.back).strip(), "tags": tags,
            "source": shorten(source, lim.get("source", 10**9)),
        }
        if c.interview:
            d["interview"] = True
        problem = _over_limit(d, lim)
        if problem:
            (skipped if skipped is not None else errors).append(NoteError(str(note.path), c.line, problem))
            if skipped is not None:
                continue
        if c.schedule and schedules is not None:
            schedules[cid] = c.schedule
            if schedules_at is not None:
                schedules_at[cid] = f"{note.path}:{c.last}"
        out.append(d)
    from gdstudy.deck import MAX_FILE_BYTES

    size = sum(80 + len(d["id"]) + len(d["source"]) + sum(map(len, d["tags"])) + len(d["front"].encode()) + len(d["back"].encode())
               for d in out)
    if size > MAX_FILE_BYTES:  # checked before the YAML is built: a 1 MB note of cards must not take long to refuse
        errors.append(NoteError(str(note.path), None, f"{len(out):,} cards make a card file of about {size:,} bytes, "
                                f"over the {MAX_FILE_BYTES:,}-byte cap: split the note"))
    return out, errors


def _over_limit(d: dict[str, Any], lim: dict[str, int]) -> str | None:
    for key, what in (("front", "question (front)"), ("back", "answer (back)")):
        if key in lim and len(d[key]) > lim[key]:
            return f"card {what} is {len(d[key]):,} characters, over the {lim[key]:,}-character limit of card files"
    if "tags" in lim and len(d["tags"]) > lim["tags"]:
        return f"card has {len(d['tags'])} tags, over the limit of {lim['tags']}"
    long = [t for t in d["tags"] if "tag" in lim and len(t) > lim["tag"]]
    if long:
        return f"tag '{shorten(long[0], 50)}' is over the {lim['tag']}-character limit"
    return None


# ---------------------------------------------------------------------------------------------
# import


@dataclass
class _Plan:
    """What to do with one card file: its changes (reported once the file is validated) and the
    text to write (None: leave the file as it is)."""

    note: NoteFile
    out: Path
    cards: list[dict[str, Any]]
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    text: str | None = None
    error: CardError | None = None  # the card file cannot be read (a FIFO, a device): note not imported


def _plan_file(n: NoteFile, desired: list[dict[str, Any]], out: Path) -> _Plan:
    plan = _Plan(n, out, desired)
    f = str(out)
    try:
        st = os.stat(out)
    except FileNotFoundError:
        if os.path.islink(out):
            plan.error = NoteError(str(n.path), None, f"cannot import: its card file {out} is a broken symbolic link")
        elif desired:
            plan.changes = [Change("added", f, d["id"]) for d in desired]
            plan.text = header(n.key, n.root, desired) + body(n.key, desired)
        return plan
    except OSError as e:
        plan.error = NoteError(str(n.path), None, f"cannot import: cannot read its card file {out}: {e.strerror or e}")
        return plan
    if not stat.S_ISREG(st.st_mode):  # never opened: a FIFO would block, /dev/zero never ends
        plan.error = NoteError(str(n.path), None, f"cannot import: its card file {out} is not a regular file "
                                                  f"({file_kind(st.st_mode)})")
        return plan
    try:
        current: str | None = read_text(out)  # the deck loader's checks: regular file, size cap, UTF-8
    except CardError:
        current = None
    yaml_body = body(n.key, desired)
    if current == header(n.key, n.root, desired) + yaml_body:
        plan.unchanged = len(desired)  # exactly what this import would write
        return plan
    marker = read_marker(out, current)
    if marker is None or marker.get("note") != n.key:
        plan.changes.append(Change("conflict", f, "", "not written by gdstudy import, or its header was changed; left unchanged"))
        return plan
    existing = load_deck((), [out], check_demos=False)
    if existing.problems:
        plan.changes.append(Change("conflict", f, "", f"cannot be read ({existing.problems[0]}); left unchanged"))
        return plan
    recorded: dict[str, str] = marker["cards"]
    want = {d["id"]: d for d in desired}
    old = {c.id: c.to_dict() for c in existing.cards}
    conflicts = []
    for cid, d in old.items():
        if want.get(cid) == d:
            continue  # already what the note says
        if recorded.get(cid) != card_hash(d):
            how = "edited by hand" if cid in recorded else "added by hand"
            conflicts.append(Change("conflict", f, cid, f"{how} since the last import; file left unchanged"))
    conflicts += [Change("conflict", f, cid, "deleted by hand but still in the note; file left unchanged")
                  for cid in recorded if cid not in old and cid in want]
    if conflicts:
        plan.changes = conflicts
        return plan
    orphans = [d for cid, d in old.items() if cid not in want]
    if not orphans and all(old.get(cid) == d for cid, d in want.items()):
        plan.unchanged = len(desired)  # the cards are what the note says: a hand-edited header or comment is kept
        return plan
    deck_name = next((c.deck for c in existing.cards if c.deck), "")  # a `deck:` renamed by hand is kept
    for d in desired:
        if d["id"] not in old:
            plan.changes.append(Change("added", f, d["id"]))
        elif d != old[d["id"]]:
            plan.changes.append(Change("updated", f, d["id"]))
        else:
            plan.unchanged += 1
    plan.changes += [Change("orphaned", f, d["id"], f"no longer in {n.key}; kept") for d in orphans]
    final = desired + orphans
    text = header(n.key, n.root, final) + body(n.key, final, deck=deck_name)
    plan.cards, plan.text = final, (None if text == current else text)
    return plan


def _orphan_files(deck_dir: Path, notes: list[NoteFile], report: ImportReport) -> None:
    """Card files this import wrote earlier for notes (under the same folders) that are gone."""
    if not deck_dir.is_dir():
        return
    keys = {n.key for n in notes}
    roots = {n.root for n in notes}
    targets = {os.path.normpath(deck_dir / (k + ".yaml")) for k in keys}
    files, skipped = card_files([deck_dir])  # the deck loader's walk: FIFOs, devices, broken links reported
    report.warnings += [e for e in skipped if os.path.normpath(e.path) not in targets]  # a note's own: its error
    for f in files:
        if not f.name.endswith(".yaml") or f.relative_to(deck_dir).as_posix()[: -len(".yaml")] in keys:
            continue  # that note's own file: handled above
        m = read_marker(f)
        if m is None or m["note"] in keys or m.get("root") not in roots:
            continue
        for cid in m["cards"]:
            report.changes.append(Change("orphaned", str(f), cid, f"its note {m['note']} is gone; kept"))


def import_notes(paths: Iterable[Path], deck_dir: Path, *, dry_run: bool = False, tags: Iterable[str] = (),
                 shipped: Iterable[Path] = (), only: set[str] | None = None) -> ImportReport:
    """Import notes into `deck_dir` (see the module docstring). Note errors are collected in the
    report (that note is skipped, every other one imported); nothing is written on a dry run.
    `only`: import just the notes with these keys (the app's `e` on an imported card)."""
    gc_was_on = gc.isenabled()
    gc.disable()  # lines, cards and YAML events are acyclic: collector passes over them only cost time
    try:
        return _import(paths, deck_dir, dry_run, tags, shipped, only)
    finally:
        if gc_was_on:
            gc.enable()


def _import(paths: Iterable[Path], deck_dir: Path, dry_run: bool, tags: Iterable[str], shipped: Iterable[Path],
            only: set[str] | None = None) -> ImportReport:
    from gdstudy.errors import ConfigError

    deck_dir = Path(deck_dir)
    if deck_dir.exists() and not deck_dir.is_dir():
        raise ConfigError(f"--into {deck_dir} is a file, not a folder")
    extra = tuple(t.strip() for t in tags)
    if any(not t or any(ch.isspace() for ch in t) for t in extra):
        raise ConfigError("--tag needs a name without spaces")
    report = ImportReport(dry_run=dry_run)
    notes, errors = find_notes(paths)
    if only is not None:
        keep = {str(n.path) for n in notes if n.key in only}
        errors = [e for e in errors if e.path in keep]
    report.errors += errors
    parsed = []
    for n in notes if only is None else [n for n in notes if n.key in only]:
        try:
            r = parse_cards(read_note(n.path))
        except NoteError as e:
            report.errors.append(e)
            continue
        problems = [NoteError(str(n.path), line, msg) for line, msg in r.errors]
        if r.fatal:
            report.errors += problems
            continue
        report.skipped += problems
        dicts, over = _card_dicts(n, r.cards, extra, report.skipped, report.schedules, report.schedule_at)
        if over:
            report.errors += over
            continue
        parsed.append((n, dicts))
    report.notes = len(parsed)
    if not dry_run:
        try:
            deck_dir.mkdir(parents=True, exist_ok=True)  # so `--deck DECK_DIR` works even before a first card
        except OSError as e:
            raise ConfigError(f"cannot create {deck_dir}: {e.strerror or e}") from None
    plans = []
    for n, dicts in parsed:
        plan = _plan_file(n, dicts, deck_dir / (n.key + ".yaml"))
        if plan.error is not None:
            report.errors.append(plan.error)
            report.notes -= 1
        else:
            plans.append(plan)
    write_plans(plans, deck_dir, list(shipped), dry_run, report)
    _orphan_files(deck_dir, notes, report)
    return report
