"""Where decks live: the shipped deck, the user's own deck, configured decks; and the two steps
that make a deck the user's own.

- The user's own deck is the folder `cards/` in the data dir (`user_deck_dir`). `gdstudy import`
  with no `--into` writes there; `ensure_user_deck` creates it and registers it in the config file
  (created if missing; gdstudy.configwrite keeps every other setting and comment), so review,
  stats and the browser load it with no flag. Cards added or edited from the app go there too.
- `gdstudy cards init` copies the shipped deck (which lives inside the installed package) to an
  editable folder, `shipped-cards/` in the data dir by default, and registers it. The copy carries
  a marker file (`SHIPPED_MARKER`); a registered folder with the marker is loaded *instead of* the
  packaged deck, as the shipped deck (ids and sources required), so its cards are not duplicates.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from gdstudy.errors import ConfigError

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.deck import Deck

__all__ = ["USER_DECK", "SHIPPED_COPY", "SHIPPED_MARKER", "user_deck_dir", "ensure_user_deck", "deck_sources",
           "init_shipped_copy", "where_lines", "Registered"]

USER_DECK = "cards"
SHIPPED_COPY = "shipped-cards"
SHIPPED_MARKER = ".gdstudy-shipped-copy"
_MARKER_TEXT = ("This folder is a copy of the deck shipped with gdstudy, made by `gdstudy cards init`.\n"
                "While it is in the config's `decks`, gdstudy loads it instead of the packaged deck.\n")


def user_deck_dir(data_dir: str | Path | None = None) -> Path:
    """The user's own deck folder (not created): `cards/` in the data dir."""
    from gdstudy.config import data_dir_path

    return data_dir_path(data_dir) / USER_DECK


@dataclass(frozen=True)
class Registered:
    folder: Path
    config: Path
    created: bool      # the folder was made now
    registered: bool   # the folder was added to the config's decks now (False: it was there)

    def lines(self) -> list[str]:
        from gdstudy.outpath import shown  # writers only: not on the review path

        out = [f"{'created' if self.created else 'using'} your deck folder {shown(self.folder)}"]
        if self.registered:
            out.append(f"registered it in {shown(self.config)} (decks): review, stats and the browser load it")
        return out


def _make_folder(folder: Path) -> bool:
    """Create `folder` (True) or accept an existing folder (False); anything else is an OutputError."""
    from gdstudy.outpath import OutputError, shown  # writers only: not on the review path

    if folder.is_dir():
        return False
    if os.path.lexists(folder):
        raise OutputError(f"cannot use the deck folder {shown(folder)}: it is not a folder")
    try:
        folder.mkdir(parents=True)
    except OSError as e:
        raise OutputError(f"cannot create the deck folder {shown(folder)}: {e.strerror or e}") from None
    return True


def ensure_user_deck(folder: Path | None = None, config: Path | None = None) -> Registered:
    """Create the user's deck folder (default `user_deck_dir()`) and register it in the config."""
    from gdstudy.config import config_path
    from gdstudy.configwrite import add_deck

    folder = Path(os.path.abspath(folder or user_deck_dir()))
    created = _make_folder(folder)
    path, added = add_deck(folder, config or config_path())
    return Registered(folder, path, created, added)


def _is_copy(folder: Path) -> bool:
    try:
        return (folder / SHIPPED_MARKER).is_file()
    except OSError:
        return False


def deck_sources(configured: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(shipped, user) folders to load: the packaged deck, or the first configured copy of it made by
    `cards init` (the copy then is not loaded a second time as a user deck)."""
    from gdstudy.paths import shipped_cards_dir

    user = list(configured)
    copy = next((d for d in user if _is_copy(Path(d))), None)
    if copy is None:
        return [shipped_cards_dir()], user
    return [Path(copy)], [d for d in user if d != copy]


def init_shipped_copy(dest: Path | None = None, *, force: bool = False, config: Path | None = None) -> tuple[Registered, Path | None]:
    """Copy the packaged deck to `dest` (default `shipped-cards/` in the data dir) and register it.
    An existing `dest` is refused without `force`; with it, the old folder is moved aside (never
    deleted: `dest.old-YYYYmmdd-HHMMSS`), returned second. The copy is made in a temp folder beside
    `dest` and renamed into place: all or nothing."""
    from gdstudy.config import config_path, data_dir_path
    from gdstudy.configwrite import add_deck
    from gdstudy.deckfiles import card_files
    from gdstudy.outpath import OutputError, shown  # writers only: not on the review path
    from gdstudy.paths import shipped_cards_dir

    src = shipped_cards_dir()
    dest = Path(os.path.abspath(dest or data_dir_path() / SHIPPED_COPY))
    if os.path.realpath(dest) == os.path.realpath(src) or _inside(dest, src):
        raise ConfigError(f"{shown(dest)} is the packaged deck itself: give another folder")
    exists = os.path.lexists(dest)
    if exists and os.path.islink(dest):
        raise OutputError(f"cannot write {shown(dest)}: it is a symbolic link; give the real path")
    if exists and not force:
        raise OutputError(f"{shown(dest)} exists; give --force to move it aside and copy the shipped deck again")
    files, errors = card_files([src])
    if errors:
        raise ConfigError(f"the packaged deck cannot be read: {errors[0]}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create {shown(dest.parent)}: {e.strerror or e}") from None
    import tempfile

    try:
        tmp = Path(tempfile.mkdtemp(prefix=".gdstudy-init-", dir=dest.parent))
    except OSError as e:
        raise OutputError(f"cannot write into {shown(dest.parent)}: {e.strerror or e}") from None
    moved: Path | None = None
    try:
        for f in files:
            rel = f.relative_to(src)
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, tmp / rel)
        (tmp / SHIPPED_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        if exists:
            moved = dest.with_name(f"{dest.name}.old-{datetime.now():%Y%m%d-%H%M%S}")
            os.rename(dest, moved)
        os.rename(tmp, dest)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot copy the shipped deck to {shown(dest)}: {e.strerror or e}") from None
    path, added = add_deck(dest, config or config_path())
    return Registered(dest, path, True, added), moved


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def where_lines(settings: "Settings", extra: Iterable[Path] = ()) -> list[str]:
    """`gdstudy cards path`: every deck folder, what it is, and whether it is loaded."""
    from gdstudy.config import config_path
    from gdstudy.outpath import shown  # writers only: not on the review path
    from gdstudy.paths import shipped_cards_dir

    configured = list(settings.decks)
    shipped, _ = deck_sources(configured)
    packaged = shipped_cards_dir()
    own = Path(os.path.abspath(user_deck_dir()))
    out = [f"shipped   {shown(packaged)}" + ("" if shipped == [packaged] else "  (not loaded: your copy is)")]
    if shipped != [packaged]:
        out.append(f"copy      {shown(shipped[0])}  (the shipped deck, editable; made by gdstudy cards init)")
    state = "registered" if any(os.path.abspath(d) == str(own) for d in configured) else "not registered"
    exists = os.path.isdir(own)
    out.append(f"yours     {shown(own)}  ({state}{'' if exists else ', not created yet: gdstudy import or a card added in the app makes it'})")
    for d in configured:
        if Path(d) in (own, *shipped):
            continue
        out.append(f"config    {shown(d)}" + ("" if os.path.exists(d) else "  (missing)"))
    for d in extra:
        out.append(f"--deck    {shown(d)}")
    cfg = config_path()
    out.append(f"config file {shown(cfg)}" + ("" if os.path.exists(cfg) else " (not created yet)"))
    return out


def check_lines(deck: "Deck") -> tuple[list[str], list[str]]:
    """`gdstudy cards check`: (stdout lines: the ids derived from questions; stderr lines: each problem
    and, under it, a one-line example of the fix)."""
    from gdstudy.cardhints import fix_hint

    out = [f"{c.where}: no id: using '{c.id}' (made from the question; write `id: {c.id}` to keep it if you reword it)"
           for c in deck.cards if c.derived_id]
    err = []
    for p in deck.problems:
        err += [str(p), f"  fix: {fix_hint(p)}"]
    return out, err
