"""Writing import's card files (gdstudy.interop.importer plans them): each through a temp file,
validated by the deck loader, then renamed over its target under the one output-path rule
(gdstudy.outpath: never through a symlink, FIFO or device, never over the store or a card file
import did not write). A file that cannot be written is a located error for its note; the other
notes are written. SIGTERM/SIGHUP remove the temp files; the next run removes those a kill -9 left
(gdstudy.tempfiles)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from gdstudy.deck import load_deck
from gdstudy.interop.notes import NoteError

if TYPE_CHECKING:
    from gdstudy.interop.importer import ImportReport, _Plan
    from gdstudy.tempfiles import Temps

__all__ = ["write_plans", "SCRATCH_PREFIX"]

SCRATCH_PREFIX = "gdstudy-import-"  # a dry run's temp folder


def _temp_file(folder: Path, name: str, text: str, temps: "Temps", shown_as: Path) -> Path:
    """Write `text` to a new temp file (mkstemp, O_EXCL) in `folder`, named after card file `name`
    (cut to fit NAME_MAX): an OSError is an OutputError line for that note."""
    from gdstudy.outpath import OutputError, make_temp, shown
    from gdstudy.tempfiles import import_temp_name

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot write {shown(shown_as)}: cannot create folder {shown(folder)}: {e.strerror or e}") from None
    tmp = make_temp(temps, folder, import_temp_name(name), shown_as=shown_as)
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as e:
        raise OutputError(f"cannot write {shown(shown_as)}: {e.strerror or e}") from None
    return tmp


def write_plans(plans: list["_Plan"], deck_dir: Path, shipped: list[Path], dry_run: bool,
                report: "ImportReport") -> None:
    """Every file to write is first written to a temp file beside its target (a temp folder on a
    dry run) and read back by the deck loader, all in one pass: only a file the loader accepts,
    with exactly the values planned, replaces its target (gdstudy.outpath: checked again, then
    renamed: atomic). A file the loader or the output rule refuses (an id the shipped deck uses, a
    target that became a symlink, a name too long) is reported against its note and not written.
    SIGTERM/SIGHUP remove the temp files; those a kill -9 left are removed by the next run."""
    import time

    from gdstudy import outpath, tempfiles

    started = time.time()
    if not dry_run:
        report.stale = tempfiles.remove_stale(deck_dir, started)
    targets: dict[int, outpath.Target] = {}
    store = outpath.store_files()
    for i, p in enumerate(plans):
        if p.text is None and not _odd(p.out):
            continue  # nothing to write to an ordinary file (or none): nothing to check
        t = outpath.Target(p.out, outpath.CARD_FILE, store=store)
        try:
            outpath.check(t)
        except outpath.OutputError as e:
            _refuse(p, str(e), report)
            continue
        targets[i] = t
    todo = [(p, targets[i]) for i, p in enumerate(plans) if i in targets and p.text is not None]
    if todo and not dry_run:
        outpath.probe(deck_dir)  # a deck folder where no file can be made: one line, not one per note
    temps = tempfiles.Temps()
    with tempfiles.interruptible(), _scratch(dry_run, started) as scratch:
        try:
            made: dict[str, tuple["_Plan", outpath.Target]] = {}
            for p, t in todo:
                folder = scratch / str(len(made)) if dry_run else p.out.parent
                try:
                    made[str(_temp_file(folder, p.out.name, p.text or "", temps, p.out))] = (p, t)
                except outpath.OutputError as e:
                    _refuse(p, str(e), report)
            deck = load_deck(shipped, [Path(t) for t in made], check_demos=False)
            loaded: dict[str, list[dict[str, Any]]] = {}
            for c in deck.cards:
                loaded.setdefault(c.path, []).append(c.to_dict())
            bad: dict[str, str] = {}
            for e in deck.problems:
                if e.path in made:
                    bad.setdefault(e.path, e.message)
            for tmp, (p, t) in made.items():
                if tmp not in bad and loaded.get(tmp, []) != p.cards:
                    bad[tmp] = "the card file would not read back as written"  # a loader normalisation the import lacks
                if tmp in bad:
                    _refuse(p, f"cannot import: {bad[tmp]}", report)
                    continue
                if not dry_run:
                    try:
                        outpath.commit(temps, Path(tmp), t)
                    except outpath.OutputError as e:
                        _refuse(p, str(e), report)
                        continue
                report.written.append(p.out)
        finally:
            temps.cleanup()
    for p in plans:
        report.changes += p.changes
        report.unchanged += p.unchanged


def _odd(out: Path) -> bool:
    """A target that is a symlink, FIFO, device ..., or whose name is too long: the output rule
    reports it even when the plan would write nothing."""
    import stat

    try:
        return not stat.S_ISREG(os.lstat(out).st_mode)
    except FileNotFoundError:
        return False
    except OSError:  # ENAMETOOLONG, ELOOP ...
        return True


def _refuse(p: "_Plan", message: str, report: "ImportReport") -> None:
    report.errors.append(NoteError(str(p.note.path), None, message))
    p.changes, p.unchanged = [], 0


@contextmanager
def _scratch(dry_run: bool, started: float) -> Iterator[Path]:
    """A dry run's scratch folder (removed at the end; those of killed runs, at the next dry run)."""
    if not dry_run:
        yield Path()
        return
    from gdstudy.outpath import OutputError, shown
    from gdstudy.tempfiles import remove_stale_scratch

    remove_stale_scratch(SCRATCH_PREFIX, started)
    try:
        scratch = tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX)
    except OSError as e:
        raise OutputError(f"cannot make a scratch folder for the dry run in {shown(tempfile.gettempdir())}: "
                          f"{e.strerror or e} (set TMPDIR)") from None
    with scratch as d:
        yield Path(d)
