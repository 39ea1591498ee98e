"""Adding a deck folder to the config file's `decks` list (`gdstudy import`, `gdstudy cards init`).

The file is edited as text, never regenerated: a missing file is created with one `decks` line; in
an existing one the new path is appended inside the `decks = [...]` array (wherever it is: top
level or under `[scheduling]`), or a `decks` line is put before the first table. The result is
parsed again and must hold exactly the old settings plus the one new folder (comments, order and
every other key kept), or nothing is written. The file is replaced under the one output-path rule
(gdstudy.outpath: never through a symlink, never a FIFO or device; temp file, then rename).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from gdstudy.config import config_path
from gdstudy.errors import ConfigError
from gdstudy.outpath import Kind, OutputError, open_text, shown, target

__all__ = ["add_deck", "toml_string", "CONFIG_FILE"]

CONFIG_FILE = Kind("gdstudy config file", lambda _path, _head: True)  # checked as TOML before it is replaced
_MAX_CONFIG_BYTES = 1 << 20
_KEY = re.compile(r"^[ \t]*(decks|\"decks\"|'decks')[ \t]*=[ \t]*", re.M)
_TABLE = re.compile(r"^[ \t]*\[", re.M)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _read(path: Path) -> str | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError(f"{shown(path)}: cannot read config: {e.strerror or e}") from None
    import stat

    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_CONFIG_BYTES:
        raise ConfigError(f"{shown(path)}: not a regular config file of at most 1 MB; add the deck to 'decks' yourself")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{shown(path)}: cannot read config: {e}") from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as e:
        raise ConfigError(f"{shown(path)}: {e}; fix it before gdstudy adds a deck to it") from None


def _scan_array(text: str, start: int) -> tuple[int, int] | None:
    """For the TOML array opening at text[start] == '[': (index of its closing `]`, index of its
    last item character or comma, outside strings and comments: `start` when it is empty), or
    None. Linear in the text."""
    depth, i, n, last = 0, start, len(text), start
    while i < n:
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if ch in "\"'":
            triple = text.startswith(ch * 3, i)
            close = ch * 3 if triple else ch
            j = i + len(close)
            while j < n:
                if ch == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(close, j):
                    break
                if not triple and text[j] == "\n":
                    return None
                j += 1
            i = j + len(close)
            last = i - 1
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i, last
        if not ch.isspace():
            last = i
        i += 1
    return None


def _with_deck(text: str, entry: str) -> str | None:
    """`text` with `entry` (TOML) appended to its `decks` array (right after the last item, before
    any comment), or a new `decks` line; None when the array cannot be found as text."""
    m = _KEY.search(text)
    if m is None:
        line = f"decks = [{entry}]  # added by gdstudy\n"
        t = _TABLE.search(text)
        at = t.start() if t else len(text)
        before = text[:at]
        if before and not before.endswith("\n"):
            before += "\n"
        return before + line + text[at:]
    if text[m.end():m.end() + 1] != "[":
        return None
    found = _scan_array(text, m.end())
    if found is None:
        return None
    _, last = found
    sep = "" if text[last] in "[," else ", "
    if text[last] == ",":
        sep = " "
    return text[:last + 1] + sep + entry + text[last + 1:]


def _decks(raw: dict[str, Any]) -> list[Any]:
    section = raw.get("scheduling", {})
    value = raw.get("decks", section.get("decks", []) if isinstance(section, dict) else [])
    return value if isinstance(value, list) else [value]


def add_deck(folder: Path, config: Path | None = None) -> tuple[Path, bool]:
    """Register `folder` (absolute) in the config's `decks`: -> (config path, whether it was added;
    False when it was there already). ConfigError/OutputError (one line) when the file cannot be
    changed safely: nothing is written then."""
    path = config or config_path()
    folder = Path(os.path.abspath(folder))
    text = _read(path)
    old = _parse(path, text) if text is not None else {}
    have = _decks(old)
    for entry in have:
        if isinstance(entry, str):
            try:
                p = Path(entry).expanduser()
            except RuntimeError:  # ~user for an unknown user: not the folder being added
                continue
            p = p if p.is_absolute() else path.parent / p
            if os.path.abspath(p) == str(folder):
                return path, False
    new_text = _with_deck(text or "", toml_string(str(folder)))
    if new_text is not None:
        new = _parse(path, new_text) if new_text else {}
        expected = dict(old)
        section = old.get("scheduling")
        if "decks" not in old and isinstance(section, dict) and "decks" in section:
            expected["scheduling"] = {**section, "decks": [*have, str(folder)]}
        else:
            expected["decks"] = [*have, str(folder)]
    if new_text is None or new != expected:
        raise ConfigError(f"{shown(path)}: cannot add the deck safely; add it yourself: decks = [{toml_string(str(folder))}]")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the config folder {shown(path.parent)}: {e.strerror or e}") from None
    with open_text(target(path, CONFIG_FILE)) as f:
        f.write(new_text)
    return path, True
