""""Did you mean …?": which known names are close enough to a mistyped one to suggest.

One rule for every suggestion gdstudy makes itself (demo names, tags, demo options): a name one of
whose `-`/`_`-separated words starts with what was typed (`local` → `local-minima`), else names
at least CUTOFF similar (difflib's ratio: about a letter off in four, two in eight). Anything
else is not suggested: the caller lists the choices or says where they are instead.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

__all__ = ["close_matches", "CUTOFF"]

CUTOFF = 0.6  # difflib's default; 'nosuch' vs 'epoch' is 0.55 (the old 0.5 suggested it), 'epok' vs 'epoch' 0.67


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` of `choices` worth suggesting for `word`, the closest first."""
    names = list(dict.fromkeys(choices))
    typed = word.strip().lower().lstrip("-")
    if len(typed) >= 3:
        prefixed = [c for c in names if any(w.startswith(typed) for w in re.split(r"[-_]", c.lower().lstrip("-")))]
        if prefixed:
            return prefixed[:n]
    return difflib.get_close_matches(word, names, n=n, cutoff=CUTOFF)
