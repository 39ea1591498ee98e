"""The one text boundary: everything read from a card file, note or log is plain, visible text.

`clean()` is applied ONCE, when the deck loader reads a value (every card field, id, tag, source,
deck header and demo parameter), and again to any CLI line that quotes untrusted text (card
problems, error lines, `cards list`). It makes every control character visible, so no byte
sequence from a file can drive the terminal (OSC 52 clipboard, OSC 2 title, CSI clear screen ...):

- C0 controls U+0000–U+001F except newline and tab -> the Unicode "control picture" for it
  (ESC -> ␛ U+241B, CR -> ␍, NUL -> ␀, ...); DEL U+007F -> ␡ (U+2421);
- C1 controls U+0080–U+009F (8-bit CSI/OSC/NEL ...) and lone surrogates (from YAML "\\ud800"
  escapes; they cannot be printed or encoded) -> U+FFFD �.

Widgets never parse user text as markup: they take `literal()` (a rich `Text`) or `content()` (a
Textual `Content`), both built from cleaned text. Links open only when `safe_url()` says so.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from rich.text import Text
    from textual.content import Content

__all__ = ["clean", "one_line", "shorten", "literal", "content", "safe_url", "LINK_SCHEMES"]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
LINK_SCHEMES = ("http", "https")


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c < 0x20:
        return chr(0x2400 + c)
    if c == 0x7F:
        return "\u2421"
    return "\ufffd"


def clean(s: str) -> str:
    """`s` with every control character except newline and tab made visible (see the module doc)."""
    if _CONTROL.search(s) is None:  # the common case: no copy
        return s
    return _CONTROL.sub(_visible, s)


def one_line(s: str) -> str:
    """Cleaned, with runs of whitespace (newlines, tabs) collapsed to one space: for labels."""
    return " ".join(clean(s).split())


def shorten(s: str, width: int = 60) -> str:
    """One cleaned line of at most `width` characters (an ellipsis marks a cut): for quoting
    user text inside an error message."""
    line = one_line(s)
    return line if len(line) <= width else line[: width - 1] + "…"


def literal(s: str, style: str = "", *, cell: bool = False) -> "Text":
    """A rich `Text` showing `s` literally (never parsed as markup), cleaned. `cell=True`: one
    unwrapped line, as a DataTable shows its str cells."""
    from rich.text import Text

    if cell:
        return Text(clean(s), style=style, no_wrap=True, end="")
    return Text(clean(s), style=style)


def content(s: str, style: str = "") -> "Content":
    """A Textual `Content` showing `s` literally (never parsed as markup), cleaned."""
    from textual.content import Content

    return Content.styled(clean(s), style) if style else Content(clean(s))


def safe_url(url: str) -> bool:
    """Only absolute http(s) URLs with a host may be opened; anything else (file:, ssh:, javascript:,
    relative paths, a URL with control characters or spaces) is refused."""
    if _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(parts.netloc)
