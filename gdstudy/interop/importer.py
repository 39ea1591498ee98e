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
Every file is validated by the deck loader before it is written (temp file + os.replace).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from gdstudy.deck import Card, load_deck
from gdstudy.errors import CardError
from gdstudy.interop.notecards import NoteCard, parse_cards
from gdstudy.interop.notes import NOTE_SUFFIXES, NoteError, read_note

__all__ = ["NoteFile", "Change", "ImportReport", "find_notes", "import_notes", "card_id", "MARKER"]

MARKER = "# gdstudy-import: "
HEADER = (
    "# Written by `gdstudy import` from a note: edit the note and import again.\n"
    "# A card edited here by hand is left alone (reported as a conflict); delete this file to regenerate it.\n"
)


@dataclass(frozen=True)
class NoteFile:
    path: Path   # the file to read
    key: str     # how cards cite it: path relative to the folder given (posix), or the file name
    root: str    # the folder given (resolved), for orphan reports


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
    written: list[Path] = field(default_factory=list)
    notes: int = 0
    dry_run: bool = False

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def lines(self) -> list[str]:
        out = []
        for c in self.changes:
            what = f"{c.file}: {c.card}" if c.card else c.file
            out.append(f"{c.kind:<9} {what}" + (f"  ({c.detail})" if c.detail else ""))
        files = "would write" if self.dry_run else "wrote"
        out.append(
            f"{self.notes} note(s): {self.count('added')} added, {self.count('updated')} updated, {self.unchanged} unchanged, "
            f"{self.count('conflict')} conflict(s), {self.count('orphaned')} orphaned; {files} {len(self.written)} file(s)"
            + (" (dry run: nothing written)" if self.dry_run else "")
        )
        return out


# ---------------------------------------------------------------------------------------------
# finding notes


def find_notes(paths: Iterable[Path]) -> tuple[list[NoteFile], list[CardError]]:
    """Files and folders (recursively; hidden folders such as .obsidian skipped) -> notes."""
    notes: list[NoteFile] = []
    errors: list[CardError] = []
    for p in map(Path, paths):
        if p.is_dir():
            root = p.resolve()
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    f = Path(dirpath) / name
                    if f.suffix.lower() in NOTE_SUFFIXES and not name.startswith(".") and f.is_file():
                        notes.append(NoteFile(f, f.relative_to(p).as_posix(), str(root)))
        elif p.is_file():
            if p.suffix.lower() not in NOTE_SUFFIXES:
                errors.append(CardError(str(p), None, f"not a note (expected {', '.join(NOTE_SUFFIXES)})"))
            else:
                notes.append(NoteFile(p, p.name, str(p.resolve().parent)))
        else:
            errors.append(CardError(str(p), None, "no such file or folder"))
    seen: dict[str, NoteFile] = {}
    unique = []
    for n in notes:
        if n.key in seen:
            errors.append(CardError(str(n.path), None, f"same name as {seen[n.key].path}: both would write {n.key}.yaml"))
            continue
        seen[n.key] = n
        unique.append(n)
    return unique, errors


# ---------------------------------------------------------------------------------------------
# cards


def _slug(text: str, limit: int = 40) -> str:
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if len(s) > limit:
        cut = s[:limit]
        s = cut.rsplit("-", 1)[0] if "-" in cut and s[limit] != "-" else cut
    return s.strip("-") or "card"


def card_id(note_key: str, key: str, suffix: str = "") -> str:
    digest = hashlib.sha1(f"{note_key}\x1f{key}".encode()).hexdigest()[:8]
    return f"{_slug(key)}-{digest}" + (f"-{suffix}" if suffix else "")


def _card_dicts(note: NoteFile, cards: list[NoteCard], extra_tags: tuple[str, ...]) -> list[dict[str, Any]]:
    out, used = [], set()
    for c in cards:
        cid = card_id(note.key, c.key, c.suffix)
        base, k = cid, 1
        while cid in used:  # the same question twice in one note
            k += 1
            cid = f"{base}-{k}"
        used.add(cid)
        d: dict[str, Any] = {
            "id": cid, "front": c.front, "back": c.back,
            "tags": list(dict.fromkeys([*c.tags, *extra_tags])),
            "source": f"{note.key} § {c.section}",
        }
        if c.interview:
            d["interview"] = True
        out.append(d)
    return out


def card_hash(card: Card) -> str:
    return hashlib.sha256(json.dumps(card.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# YAML


_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """The safe dumper, with multi-line text as `|` blocks when YAML allows it (else quoted)."""


def _str(dumper: Any, s: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)


_Dumper.add_representer(str, _str)


def _body(note_key: str, cards: list[dict[str, Any]]) -> str:
    doc = {"deck": note_key, "description": f"Cards imported from the note {note_key}", "cards": cards}
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def _header(note: NoteFile, cards: list[Card]) -> str:
    marker = {"v": 1, "note": note.key, "root": note.root, "cards": {c.id: card_hash(c) for c in cards}}
    return HEADER + MARKER + json.dumps(marker, ensure_ascii=True, separators=(",", ":")) + "\n"


def read_marker(path: Path) -> dict[str, Any] | None:
    """The import record in a card file's header, or None (not written by the import, or damaged)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = [f.readline() for _ in range(4)]
    except OSError:
        return None
    for ln in head:
        if ln.startswith(MARKER):
            try:
                m = json.loads(ln[len(MARKER):])
            except ValueError:
                return None
            ok = (isinstance(m, dict) and isinstance(m.get("note"), str) and isinstance(m.get("cards"), dict)
                  and all(isinstance(k, str) and isinstance(v, str) for k, v in m["cards"].items()))
            return m if ok else None
    return None


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------------------------
# import


def _generate(parsed: list[tuple[NoteFile, list[dict[str, Any]]]], shipped: list[Path],
              report: ImportReport) -> list[tuple[NoteFile, list[Card]]]:
    """Dump every note's cards and read them back with the deck loader (one pass over a temp
    folder): what is written is exactly what `cards check` accepts; a note whose cards the loader
    refuses (e.g. an id the shipped deck uses) is reported and skipped."""
    with tempfile.TemporaryDirectory(prefix="gdstudy-import-") as tmp:
        where: dict[str, int] = {}
        for i, (n, dicts) in enumerate(parsed):
            p = Path(tmp) / f"{i:06d}.yaml"
            p.write_text(_body(n.key, dicts), encoding="utf-8")
            where[str(p)] = i
        deck = load_deck(shipped, [Path(tmp)], check_demos=False)
    bad: dict[int, str] = {}
    for prob in deck.problems:
        if prob.path in where:
            bad.setdefault(where[prob.path], prob.message)
    cards: list[list[Card]] = [[] for _ in parsed]
    for c in deck.cards:
        if c.path in where:
            cards[where[c.path]].append(c)
    out = []
    for i, (n, _) in enumerate(parsed):
        if i in bad:
            report.errors.append(NoteError(str(n.path), None, f"cannot import: {bad[i]}"))
        else:
            out.append((n, cards[i]))
    return out


def _plan_file(n: NoteFile, desired: list[Card], out: Path, report: ImportReport) -> str | None:
    """Changes for one card file; the text to write, or None to leave the file alone."""
    f = str(out)
    if not out.exists():
        report.changes += [Change("added", f, c.id) for c in desired]
        return _header(n, desired) + _body(n.key, [c.to_dict() for c in desired]) if desired else None
    marker = read_marker(out)
    if marker is None or marker.get("note") != n.key:
        report.changes.append(Change("conflict", f, "", "not written by gdstudy import, or its header was changed; left unchanged"))
        return None
    existing = load_deck((), [out], check_demos=False)
    if existing.problems:
        report.changes.append(Change("conflict", f, "", f"cannot be read ({existing.problems[0]}); left unchanged"))
        return None
    recorded: dict[str, str] = marker["cards"]
    want = {c.id: c for c in desired}
    conflicts = []
    for c in existing.cards:
        if c.id in want and c.to_dict() == want[c.id].to_dict():
            continue  # already what the note says
        if recorded.get(c.id) != card_hash(c):
            how = "edited by hand" if c.id in recorded else "added by hand"
            conflicts.append(Change("conflict", f, c.id, f"{how} since the last import; file left unchanged"))
    have = {c.id for c in existing.cards}
    conflicts += [Change("conflict", f, cid, "deleted by hand but still in the note; file left unchanged")
                  for cid in recorded if cid not in have and cid in want]
    if conflicts:
        report.changes += conflicts
        return None
    old = {c.id: c for c in existing.cards}
    orphans = [c for c in existing.cards if c.id not in want]
    for c in desired:
        if c.id not in old:
            report.changes.append(Change("added", f, c.id))
        elif c.to_dict() != old[c.id].to_dict():
            report.changes.append(Change("updated", f, c.id))
        else:
            report.unchanged += 1
    report.changes += [Change("orphaned", f, c.id, f"no longer in {n.key}; kept") for c in orphans]
    final = desired + orphans
    text = _header(n, final) + _body(n.key, [c.to_dict() for c in final])
    try:
        same = out.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        same = False
    return None if same else text


def _orphan_files(deck_dir: Path, notes: list[NoteFile], report: ImportReport) -> None:
    """Card files this import wrote earlier for notes (under the same folders) that are gone."""
    if not deck_dir.is_dir():
        return
    keys = {n.key for n in notes}
    roots = {n.root for n in notes}
    for f in sorted(deck_dir.rglob("*.yaml")):
        m = read_marker(f)
        if m is None or m["note"] in keys or m.get("root") not in roots:
            continue
        for cid in m["cards"]:
            report.changes.append(Change("orphaned", str(f), cid, f"its note {m['note']} is gone; kept"))


def import_notes(paths: Iterable[Path], deck_dir: Path, *, dry_run: bool = False, tags: Iterable[str] = (),
                 shipped: Iterable[Path] = ()) -> ImportReport:
    """Import notes into `deck_dir` (see the module docstring). Note errors are collected in the
    report (that note is skipped, every other one imported); nothing is written on a dry run."""
    from gdstudy.errors import ConfigError

    deck_dir = Path(deck_dir)
    if deck_dir.exists() and not deck_dir.is_dir():
        raise ConfigError(f"--into {deck_dir} is a file, not a folder")
    extra = tuple(t.strip() for t in tags)
    if any(not t or any(ch.isspace() for ch in t) for t in extra):
        raise ConfigError("--tag needs a name without spaces")
    report = ImportReport(dry_run=dry_run)
    notes, errors = find_notes(paths)
    report.errors += errors
    parsed = []
    for n in notes:
        try:
            r = parse_cards(read_note(n.path))
        except NoteError as e:
            report.errors.append(e)
            continue
        if r.errors:
            report.errors += [NoteError(str(n.path), line, msg) for line, msg in r.errors]
            continue
        parsed.append((n, _card_dicts(n, r.cards, extra)))
    report.notes = len(parsed)
    for n, desired in _generate(parsed, list(shipped), report):
        out = deck_dir / (n.key + ".yaml")
        text = _plan_file(n, desired, out, report)
        if text is not None:
            if not dry_run:
                _atomic_write(out, text)
            report.written.append(out)
    _orphan_files(deck_dir, notes, report)
    return report
