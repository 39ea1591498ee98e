"""What `gdstudy review` (and `gdstudy` with no command) does, without typer or click: settings,
deck, store, the screen, the exit report. `gdstudy/cli/common.py` re-exports the helpers for every
command and `gdstudy/cli/study.py` parses the review options into `review`; `gdstudy/launch.py`
calls `review` directly for the two launches that take no option, so they never import the CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdstudy.errors import ConfigError

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.deck import Deck
    from gdstudy.store import Store

__all__ = ["INTERACTIVE_BUSY_S", "clean", "settings", "deck", "store", "report_problems", "run_tui",
           "retention_explicit", "review"]

# The review and interview screens wait this long for another process's write lock before a grade is
# refused with a "locked" notice (and can be retried): the screen never freezes longer than this.
# One-shot commands keep the store's 10 s.
INTERACTIVE_BUSY_S = 3.0


def clean(text: str) -> str:
    """Every CLI line quoting untrusted text (card problems, errors) passes the one text rule."""
    from gdstudy.text import clean as clean_text

    return clean_text(text)


def settings(**overrides: Any) -> "Settings":
    from gdstudy.config import load_settings, parse_steps

    for key in ("learning_steps", "relearning_steps"):
        if overrides.get(key) is not None:
            overrides[key] = parse_steps(overrides[key], key.replace("_", " "))
    return load_settings(overrides)


def deck(settings: "Settings", decks: list[str] | None, *, full_check: bool = False,
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


def store(data_dir: str | Path | None, *, interactive: bool = False) -> "Store":
    from gdstudy.config import data_dir as resolve
    from gdstudy.store import DB_NAME, Store

    path = resolve(data_dir) / DB_NAME
    return Store(path, timeout_s=INTERACTIVE_BUSY_S) if interactive else Store(path)


def report_problems(loaded: "Deck") -> None:
    for p in loaded.problems:
        print(clean(str(p)), file=sys.stderr)


def run_tui(tui: Any) -> int:
    """Run the app; its return code: non-zero after a crash inside it (Textual has shown the
    traceback) or a SIGTERM/SIGHUP, so the command never ends with 0 then."""
    tui.run()
    return getattr(tui, "return_code", 0) or 0


def retention_explicit(flag: float | None) -> bool:
    """Whether a flag or the config file sets the desired retention (then it wins over the one
    `gdstudy optimize --retention` recommended)."""
    from gdstudy.config import _from_toml, config_path

    return flag is not None or "desired_retention" in _from_toml(config_path())


def review(decks: list[str] | None = None, data_dir: str | None = None, *, retention: float | None = None,
           new_per_day: int | None = None, max_reviews: int | None = None, learning_steps: str | None = None,
           relearning_steps: str | None = None, fuzz: bool | None = None, cram: bool = False,
           tags: list[str] | None = None, summary_json: bool = False, start: str = "review") -> int:
    """The review screen (`start="home"`: the home screen) on the deck and store the options name;
    on exit the session summary. The exit code: the app's, 0 when it ended normally. A user's error
    is a GdstudyError for the caller's one-line edge."""
    chosen = settings(
        desired_retention=retention, new_per_day=new_per_day, max_reviews_per_day=max_reviews,
        learning_steps=learning_steps, relearning_steps=relearning_steps, enable_fuzz=fuzz,
    )
    cards = deck(chosen, decks, tags=tags)
    report_problems(cards)
    from gdstudy.session import ReviewSession
    from gdstudy.tui import make_app

    with store(data_dir, interactive=True) as st:
        st.active_params()  # a damaged saved parameter set is one error line here, not in the screen
        session = ReviewSession(cards, st, chosen, cram=cram, tags=tuple(tags or ()),
                                explicit_retention=retention_explicit(retention))
        code = run_tui(make_app(session) if start == "review" else make_app(session, start="home")) or 0
        if code:
            return code
        from gdstudy.summary import exit_report

        report = exit_report(session.summary(), as_json=summary_json)
    if report:
        print(clean(report))
    return 0
