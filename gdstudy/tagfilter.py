"""`--tag T` on the command line (review, interview, stats, cards list, export anki): each tag given
must be on at least one card, else one error line that suggests the close tags (gdstudy.suggest)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from gdstudy.errors import ConfigError
from gdstudy.suggest import close_matches

if TYPE_CHECKING:
    from gdstudy.deck import Card

__all__ = ["check_tags"]


def check_tags(cards: Iterable["Card"], tags: Iterable[str] | None) -> None:
    """Raise ConfigError naming every tag in `tags` that no card in `cards` has."""
    wanted = list(dict.fromkeys(tags or ()))
    if not wanted:
        return
    known = sorted({t for c in cards for t in c.tags})
    unknown = [t for t in wanted if t not in known]
    if not unknown:
        return
    near = list(dict.fromkeys(m for t in unknown for m in close_matches(t, known)))
    hint = (f"; did you mean {', '.join(map(repr, near))}?" if near
            else "; `gdstudy cards list` shows each card's tags")
    raise ConfigError(f"no card has the tag {' or the tag '.join(map(repr, unknown))}{hint}")
