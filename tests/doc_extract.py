"""What the docs show: the commands and files of README.md and docs/*.md (tests/test_doc_commands.py runs them).

The convention (also in docs/development.md), read from every page, so a new page is picked up:

- **Fenced blocks** tagged `bash`, `sh`, `shell`, `console` or untagged: each line that is a
  `gdstudy` command (optionally after a `$ ` prompt; `\\` continues a line; `# ...` is a comment).
  In a `console` block the lines after a `$ gdstudy ...` line, up to the next `$` line, are its
  output: each must appear in what the command prints.
- **Inline code** in the prose that starts with the word `gdstudy`.
- **Files**: a fenced block right after a line ending in `` `PATH`: `` is written to PATH before
  the commands after it run; one after a line starting `` `PATH` (excerpt) `` must appear in PATH
  (its lines, in order) once the commands before it have run.

Each page is one shell session in a fresh empty folder, with a fresh `GDSTUDY_HOME` holding a few
days of review history and one saved parameter change, and a `$HOME` whose `~/vault` holds a
note; its commands run in page order (a command repeated on a page runs once). A command is either

- a **synopsis** (it has `[...]`, `a|b`, `...` or an ALL-CAPS placeholder such as `NOTES`, `N`),
  or inline code naming a command that needs arguments (`gdstudy import`): its subcommands must
  exist and each `--option` (and each `a|b` value) must be in that command's `--help`; or
- **concrete**: it runs through CliRunner and must exit 0 (or what `EXPECT` in tests/doc_run.py says),
  without a traceback. Screens run headless: the app starts as in a terminal, waits for its first
  screen (`SCREENS` says which) and quits. A redirection (`<`, `>`) means "no terminal".
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

__all__ = ["PAGES", "ROOT", "Cmd", "FileBlock", "Item", "NotRun", "extract", "placeholder"]

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_INFO = {"", "bash", "sh", "shell", "console"}


# -- what a page shows -----------------------------------------------------------------------------


@dataclass
class Cmd:
    loc: str  # page:line
    text: str  # as written (prompt removed)
    shown: list[str] = field(default_factory=list)  # output lines a console block shows
    inline: bool = False  # in the prose, not in a code block

    @property
    def tokens(self) -> list[str]:
        return shlex.split(self.text, comments=True)

    @property
    def key(self) -> str:
        return " ".join(self.tokens)

    @property
    def python(self) -> bool:
        return self.tokens[0] != "gdstudy"

    @property
    def synopsis(self) -> bool:
        return any(placeholder(t) for t in self.tokens[1:])


@dataclass
class FileBlock:
    loc: str
    path: str  # relative to the session folder
    body: str
    excerpt: bool  # True: must appear in the file; False: written before the commands after it


@dataclass
class NotRun:
    """A line of a shell block that is no gdstudy or project-Python command (pip, torchrun ...)."""

    loc: str
    text: str


Item = Cmd | FileBlock | NotRun


def placeholder(tok: str) -> bool:
    return (any(c in tok for c in "[]|…") or "..." in tok
            or re.fullmatch(r"[A-Z][A-Z0-9_]*|<[\w-]+>", tok) is not None)


FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_PATH = r"((?:[\w.-]+/)*[\w-]+\.[\w.-]+)"  # a relative file name with an extension
FILE_DECL = re.compile(rf"`{_PATH}`:\s*$")
EXCERPT_DECL = re.compile(rf"^`{_PATH}` \(excerpt\)")


PYTHON = re.compile(r"^(?:nice -n \d+ )?(?:\.venv/bin/)?python3? (?:(?:demos|benchmarks)/[\w/]+\.py|-m gdstudy[\w.]*)(?: |$)")


def _is_command(text: str) -> bool:
    """`gdstudy ...`, or Python running one of this project's scripts or modules."""
    return text == "gdstudy" or text.startswith("gdstudy ") or PYTHON.match(text) is not None


def _shell_block(body: list[str], first: int, page: str, console: bool) -> Iterator[Cmd | NotRun]:
    cmd: Cmd | None = None
    i = 0
    while i < len(body):
        line, n = body[i].strip(), first + i
        prompt = line.startswith("$ ")
        if prompt:
            line = line[2:].strip()
        while line.endswith("\\") and i + 1 < len(body):
            i += 1
            line = line[:-1] + " " + body[i].strip()
        i += 1
        if console and not prompt:
            if cmd is not None and line:
                cmd.shown.append(line)
            continue
        if cmd is not None:
            yield cmd
        cmd = Cmd(f"{page}:{n}", line) if _is_command(line) else None
        if cmd is None and line and not line.startswith("#"):
            yield NotRun(f"{page}:{n}", line)
    if cmd is not None:
        yield cmd


def _inline(prose: list[tuple[int, str]], page: str) -> Iterator[Cmd]:
    """Code spans of a run of prose lines (a span may wrap onto the next line)."""
    if not prose:
        return
    text = "\n".join(line for _, line in prose)
    starts = [n for n, _ in prose]
    for m in CODE_SPAN.finditer(text):
        span = " ".join(m.group(2).split())
        if _is_command(span):
            yield Cmd(f"{page}:{starts[text.count(chr(10), 0, m.start())]}", span, inline=True)


def extract(path: Path, name: str | None = None) -> list[Item]:
    """The commands and file blocks of one page, in page order."""
    page = name or path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    items: list[Item] = []
    prose: list[tuple[int, str]] = []
    last_text = ""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        indented = lines[i].startswith("    ") and not (prose and prose[-1][1].strip()
                                                       and not prose[-1][1].startswith("    "))
        if not m and indented and _is_command(lines[i].strip()):  # an indented code block's line
            items += _inline(prose, page)
            prose = []
            items += _shell_block([lines[i]], i + 1, page, console=False)
            i += 1
            continue
        if not m:
            prose.append((i + 1, lines[i]))
            if lines[i].strip():
                last_text = lines[i].strip()
            i += 1
            continue
        items += _inline(prose, page)
        prose = []
        fence, info, start = m.group(1), m.group(2).lower(), i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence))
                                      and set(lines[i].strip()) == {fence[0]}):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        shell = info in SHELL_INFO - {""}
        if not shell and (d := FILE_DECL.search(last_text)):
            items.append(FileBlock(f"{page}:{start}", d.group(1), "\n".join(body) + "\n", excerpt=False))
        elif not shell and (d := EXCERPT_DECL.match(last_text)):
            items.append(FileBlock(f"{page}:{start}", d.group(1), "\n".join(body) + "\n", excerpt=True))
        elif info in SHELL_INFO:
            items += _shell_block(body, start + 1, page, console=info == "console")
        last_text = ""
    items += _inline(prose, page)
    return items


