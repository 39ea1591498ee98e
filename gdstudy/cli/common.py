"""What every command shares: the error edge, the shared options, settings, deck and store."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional, TypeVar

import typer

from gdstudy.errors import ConfigError, GdstudyError

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.deck import Deck
    from gdstudy.store import Store

__all__ = ["edge", "DeckOpt", "DataDirOpt", "ForceOpt", "INTERACTIVE_BUSY_S"]

F = TypeVar("F", bound=Callable[..., Any])


def edge(fn: F) -> F:
    """Convert a GdstudyError into one line on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GdstudyError as e:
            typer.echo(f"error: {_clean(str(e))}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _clean(text: str) -> str:
    """Every CLI line quoting untrusted text (card problems, errors) passes the one text rule."""
    from gdstudy.text import clean

    return clean(text)


# -- shared options ------------------------------------------------------------------------------

# Paths are taken as text and checked by `gdstudy.paths.user_path` (an empty `--data-dir ''` must
# not silently become the current folder, as a typer Path would make it).
DeckOpt = Annotated[
    Optional[list[str]],
    typer.Option("--deck", help="A deck folder or card file to add, or a deck name to keep only: notes, beyond-the-notes, or a deck's name (repeatable).", show_default=False),
]
DataDirOpt = Annotated[
    Optional[str],
    typer.Option("--data-dir", help="Where the review database lives. Default: $GDSTUDY_HOME or the user data dir.", show_default=False),
]


def _settings(**overrides: Any) -> "Settings":
    from gdstudy.config import load_settings, parse_steps

    for key in ("learning_steps", "relearning_steps"):
        if overrides.get(key) is not None:
            overrides[key] = parse_steps(overrides[key], key.replace("_", " "))
    return load_settings(overrides)


def _deck(settings: "Settings", decks: list[str] | None, *, full_check: bool = False,
          tags: list[str] | None = None) -> "Deck":
    """The shipped deck (or the user's copy of it, `cards init`), the configured decks (the user's own
    deck among them), then `--deck` folders; a `--deck` that names a deck (`notes`,
    `beyond-the-notes`, a `deck:` name) keeps only those cards (gdstudy.deckselect). `tags` (a
    command's `--tag`): each must be on some card (gdstudy.tagfilter), else one error line."""
    from gdstudy.deck import load_deck
    from gdstudy.deckselect import select_decks, split_deck_args
    from gdstudy.paths import user_path
    from gdstudy.tagfilter import check_tags
    from gdstudy.userdeck import deck_sources

    paths, names = split_deck_args(decks)
    user = [*settings.decks, *(user_path(d, "--deck") for d in paths)]
    for d in user:
        try:
            exists = Path(d).exists()
        except (OSError, ValueError) as e:  # e.g. a name too long for the file system
            raise ConfigError(f"deck folder {d}: {getattr(e, 'strerror', None) or e}") from None
        if not exists:
            raise ConfigError(f"deck folder {d} does not exist")
    shipped, user = deck_sources(user)
    loaded = select_decks(load_deck(shipped, user, demo_params=full_check), names)
    check_tags(loaded.cards, tags)
    return loaded


# The review and interview screens wait this long for another process's write lock before a grade is
# refused with a "locked" notice (and can be retried): the screen never freezes longer than this.
# One-shot commands keep the store's 10 s.
INTERACTIVE_BUSY_S = 3.0


def _store(data_dir: str | Path | None, *, interactive: bool = False) -> "Store":
    from gdstudy.config import data_dir as resolve
    from gdstudy.store import DB_NAME, Store

    path = resolve(data_dir) / DB_NAME
    return Store(path, timeout_s=INTERACTIVE_BUSY_S) if interactive else Store(path)


def _report_problems(deck: "Deck") -> None:
    for p in deck.problems:
        typer.echo(_clean(str(p)), err=True)


def _run_tui(tui: Any) -> None:
    """Run the app; a crash inside it (Textual has shown the traceback) or a SIGTERM/SIGHUP
    ends the command with the app's non-zero return code, never 0."""
    tui.run()
    code = getattr(tui, "return_code", 0) or 0
    if code:
        raise typer.Exit(code)


def _minutes(value: float) -> float:
    import math

    if not math.isfinite(value) or not 0 < value <= 24 * 60:
        raise ConfigError(f"--minutes must be more than 0 and at most 1440 (a day), got {value:g}")
    return value


def _retention_explicit(flag: float | None) -> bool:
    """Whether a flag or the config file sets the desired retention (then it wins over the one
    `gdstudy optimize --retention` recommended)."""
    from gdstudy.config import _from_toml, config_path

    return flag is not None or "desired_retention" in _from_toml(config_path())


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing file that is not an earlier export of this kind (never the store, a card file, a note, a device, FIFO or symlink).")]
