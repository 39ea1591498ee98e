"""Card ids made from text: the slug rule shared by `gdstudy import` and hand-written cards.

A hand-written card in the user's own deck may leave out `id:`; its id is then derived from the
question: a slug of it plus 8 hex digits of sha1 over the question with whitespace normalised
(`what-is-a-mini-batch-3f2a9c1e`). The same question gives the same id in any file, on any machine,
so progress follows the card when it moves; rewording the question makes a new card (write the id
shown by `gdstudy cards check` as `id:` to keep it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["slug", "derived_id"]


def _ascii(ch: str) -> str:
    """A character for a slug: its ASCII base letter, a Greek letter's name (η -> eta), or nothing."""
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if base or ch.isascii():
        return base
    name = unicodedata.name(ch, "")
    return f" {name.rsplit(' ', 1)[-1].lower()} " if name.startswith("GREEK") and "LETTER" in name else " "


def slug(text: str, limit: int = 40) -> str:
    """Lowercase ASCII words joined by single hyphens, at most `limit` characters (cut at a word),
    "card" when nothing is left. Linear in the first 200 characters."""
    s = text[:200]
    if not s.isascii():
        s = "".join(ch if ch.isascii() else _ascii(ch) for ch in s)
    s = s.lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if len(s) > limit:
        cut = s[:limit]
        s = cut.rsplit("-", 1)[0] if "-" in cut and s[limit] != "-" else cut
    return s.strip("-") or "card"


def derived_id(front: str) -> str:
    """The id of a card that has none: slug of the question + 8 hex digits of its hash."""
    norm = " ".join(front.split())
    return f"{slug(norm)}-{hashlib.sha1(norm.encode()).hexdigest()[:8]}"
