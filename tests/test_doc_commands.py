"""Every `gdstudy ...` command shown in README.md and docs/*.md is run, so none goes stale.

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
  or inline code naming a command that needs arguments (`gdstudy import`): its subcommands must exist and each `--option` (and each `a|b` value) must be in that command's
  `--help`; or
- **concrete**: it runs through CliRunner and must exit 0 (or what `EXPECT` says, with a reason),
  without a traceback. Screens run headless: the app starts as in a terminal, waits for its first
  screen (`SCREENS` says which) and quits. A redirection (`<`, `>`) means "no terminal".
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from tests.waits import screen_settled, wait_until

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
        return any(_placeholder(t) for t in self.tokens[1:])


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

# Shell lines that mention gdstudy or Python but are not run here, and why. Any other such line
# fails `test_every_shell_line_is_run_or_allow_listed`.
NOT_RUN = {
    r"^python3 -m venv \.venv && ": "creates a virtual environment and installs the package (or torch and the test tools) into it: "
                                   "the install itself is what CI runs (.ci/run), and the commands after it are the ones run here",
    r"^pip install 'gdstudy\[\w+\]'": "installs an extra from the package index; the extra must exist in pyproject.toml (checked)",
    r"^torchrun ": "a multi-process launcher (two machines for the multi-node lines); the single-node torchrun path "
                  "is run by tests/test_demos_training.py (slow)",
}


def _placeholder(tok: str) -> bool:
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


# -- what the docs may show that is not "exit 0" ----------------------------------------------------


@dataclass(frozen=True)
class Expect:
    code: int
    shows: str  # text the output must contain
    reason: str


EXPECT = {
    "gdstudy demo redundancy --runs 3": Expect(2, "7", "documented: a setting too small for the test is refused"),
    "gdstudy demo noise-floor --steps 10": Expect(2, "518", "documented: a setting too small for the test is refused"),
    "gdstudy review </dev/null >file": Expect(2, "needs a terminal", "documented: without a terminal, one error line"),
    "gdstudy demo nosuch": Expect(2, "the demos: ", "documented: an unknown demo name lists the demos"),
}

# Stale commands in README.md, which only the lead edits: reported, expected to fail until fixed
# (then this entry must go: a stale entry that passes fails the test).
KNOWN_STALE = {
    "gdstudy import ~/vault": "README.md: `import` needs `--into DECK_DIR` (e.g. `gdstudy import ~/vault --into my-deck`)",
}

# Commands that take long (their page's test is marked slow), and why.
SLOW = {
    "gdstudy demo redundancy --k 50 --backend torch": "imports torch and runs the demo on it: ~20 s on a loaded 2-core machine",
}

# The first screen each command opens (the session has due cards, so review shows one).
SCREENS = {"": "HomeScreen", "review": "ReviewScreen", "interview": "InterviewScreen", "demo": "DemoBrowserScreen"}

NOTE = "# SGD\nWhy is SGD called stochastic?::Each step uses a random mini-batch.\n"


# -- running them ------------------------------------------------------------------------------------


def _app() -> Any:
    from gdstudy.cli import app

    return app


def _click_root() -> Any:
    import typer.main

    return typer.main.get_command(_app())


class _Tty:
    """A stream that says it is a terminal (the screens then start, headless)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _TtySys:
    """`sys` for the modules that ask whether they run in a terminal, answering yes."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(sys, name)
        return _Tty(value) if name in ("stdin", "stdout") else value


def _terminal_modules() -> list[Any]:
    """The modules that decide on `sys.stdin/stdout.isatty()` to open a screen: the root
    command's (plain `gdstudy`: the home screen) and `gdstudy demo`'s (the demo browser)."""
    import gdstudy.demo.cli

    root = _app().registered_callback.callback
    return [sys.modules[root.__module__], gdstudy.demo.cli]


@dataclass
class Session:
    folder: Path
    monkeypatch: pytest.MonkeyPatch
    screens: list[str] = field(default_factory=list)

    def run(self, cmd: Cmd) -> tuple[int, str]:
        from gdstudy.tui.app import GdstudyApp

        argv = [os.path.expanduser(t) for t in cmd.tokens[1:] if not t.startswith(("<", ">"))]
        terminal = not any(t.startswith(("<", ">")) for t in cmd.tokens)
        self.screens.clear()
        with pytest.MonkeyPatch.context() as mp:
            if terminal:
                for mod in _terminal_modules():
                    mp.setattr(mod, "sys", _TtySys())
                mp.setattr(GdstudyApp, "run", lambda app, **kw: self._headless_run(app))
            r = CliRunner().invoke(_app(), argv)
        out = r.output
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            out += f"\n(raised {r.exception!r})"
            return 99, out
        return r.exit_code, out

    def _headless_run(self, app: Any) -> None:
        from textual.app import App

        async def first_screen(pilot: Any) -> None:
            await wait_until(pilot, lambda: screen_settled(pilot.app), what="the first screen is up")
            self.screens.append(type(pilot.app.screen).__name__)
            pilot.app.exit()

        App.run(app, headless=True, size=(100, 30), auto_pilot=first_screen)


def check_synopsis(tokens: list[str]) -> list[str]:
    """Problems of a synopsis: a subcommand the CLI does not have, an option or choice its help
    does not list."""
    import click

    cmd, path, rest = _click_root(), [], tokens[1:]
    while rest and isinstance(cmd, click.Group) and not _placeholder(rest[0]) and not rest[0].startswith("-"):
        sub = cmd.commands.get(rest[0])
        if sub is None:
            if not any(isinstance(p, click.Argument) for p in cmd.params):
                return [f"`{' '.join(['gdstudy', *path])}` has no command `{rest[0]}`"]
            break
        cmd, path, rest = sub, [*path, rest[0]], rest[1:]
    concrete = []  # e.g. a demo name, whose --help lists its own parameters
    for t in rest:
        if t.startswith("-") or _placeholder(t):
            break
        concrete.append(t)
    r = CliRunner().invoke(_app(), [*path, *concrete, "--help"])
    if r.exit_code != 0:
        return [f"`gdstudy {' '.join([*path, *concrete])} --help` exits {r.exit_code}: {r.output.strip()[:200]}"]
    return _listed(rest, r.output, f"`gdstudy {' '.join(path)}`")


def _listed(rest: list[str], help_text: str, name: str) -> list[str]:
    """Each `--option` of `rest`, and each `a|b` choice after one, appears in `help_text`."""
    problems, prev_opt = [], False
    for t in rest:
        parts = [p for p in re.split(r"[\[\]|]", t) if p and p not in ("...", "…")]
        opts = [p.split("=")[0].rstrip(".…") for p in parts if p.startswith("--")]
        for o in opts:
            if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", help_text):
                problems.append(f"{name} has no option {o}")
        if prev_opt and "|" in t and not opts:  # the choices of the option before
            for v in parts:
                if not re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", help_text):
                    problems.append(f"{name} help does not list the choice {v!r}")
        prev_opt = bool(opts)
    return problems


def check_python(tokens: list[str], env: dict[str, str], *, inline: bool = False) -> list[str]:
    """`python demos/X.py ...` and `python -m gdstudy....` run (from the project folder, as the
    docs mean). A benchmark (run by hand: minutes) or a synopsis only has its script or module
    checked and each option looked up in its `--help`; a script or module named in a sentence
    with no arguments (`python -m gdstudy.demo.stream`) only has to exist."""
    import subprocess

    t = tokens[3:] if tokens[0] == "nice" else tokens
    target, rest = (t[1:3], t[3:]) if t[1] == "-m" else (t[1:2], t[2:])
    if target[0] == "-m":
        if importlib.util.find_spec(target[1]) is None:
            return [f"no module {target[1]}"]
    elif not (ROOT / target[0]).is_file():
        return [f"no script {target[0]}"]
    check_only = target[0].startswith("benchmarks/") or any(_placeholder(x) for x in rest)
    if inline and not rest or check_only and target[0] == "-m" and not any(x.startswith("-") for x in rest):
        return []  # a module's usage line is its own: there is no --help to ask
    argv = [sys.executable, *target, *(["--help"] if check_only else rest)]
    r = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # only a hang
    if r.returncode != 0:
        return [f"`{' '.join(argv[1:])}` exited {r.returncode}:\n{(r.stdout + r.stderr).strip()[-1500:]}"]
    return _listed(rest, r.stdout, f"`{' '.join(target)}`") if check_only else []


def _names_a_command(tokens: list[str]) -> bool:
    """`gdstudy import` in a sentence names the command; it is no invocation when the command
    needs arguments (a command that needs none, like `gdstudy stats`, is run)."""
    import click

    cmd = _click_root()
    for t in tokens[1:]:
        if not isinstance(cmd, click.Group) or t not in cmd.commands:
            return False
        cmd = cmd.commands[t]
    return any(p.required for p in cmd.params) or (isinstance(cmd, click.Group) and not cmd.invoke_without_command)


def lines_in_order(expected: list[str], actual: str) -> str | None:
    """The first expected line not found (in order) among the actual lines, or None."""
    got = [" ".join(x.split()) for x in actual.splitlines()]
    j = 0
    for e in expected:
        e = " ".join(e.split())
        while j < len(got) and got[j] != e:
            j += 1
        if j == len(got):
            return e
        j += 1
    return None


def _screen_for(tokens: list[str]) -> str | None:
    """The screen a command opens in a terminal (None: it prints and exits)."""
    rest = tokens[1:]
    if "--help" in rest or "--version" in rest:
        return None
    word = rest[0] if rest and not rest[0].startswith("-") else ""
    if word == "demo" and len(rest) > 1 or word == "interview" and rest[1:2] == ["history"]:
        return None
    return SCREENS.get(word)


def run_page(items: list[Item], session: Session) -> tuple[list[str], list[str]]:
    """Run a page's items in order; (problems, the known-stale commands that failed as expected)."""
    problems: list[str] = []
    stale_seen: list[str] = []
    done: set[str] = set()
    for it in items:
        if isinstance(it, NotRun):
            continue
        if isinstance(it, FileBlock):
            target = session.folder / it.path
            if not it.excerpt:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(it.body, encoding="utf-8")
            elif not target.is_file():
                problems.append(f"{it.loc}: the excerpt's file {it.path} was not written")
            elif (miss := lines_in_order([x for x in it.body.splitlines() if x.strip()],
                                         target.read_text(encoding="utf-8"))) is not None:
                problems.append(f"{it.loc}: {it.path} has no line {miss!r} (in the excerpt's order)")
            continue
        try:
            tokens = it.tokens
        except ValueError as e:
            problems.append(f"{it.loc}: `{it.text}` is not a shell command line ({e})")
            continue
        if it.key in done and not it.shown:
            continue
        done.add(it.key)
        if it.python:
            problems += [f"{it.loc}: {p}" for p in check_python(tokens, dict(os.environ), inline=it.inline)]
            continue
        if it.synopsis or _names_a_command(tokens):
            problems += [f"{it.loc}: {p}" for p in check_synopsis(tokens)]
            continue
        if "--backend" in tokens and tokens[tokens.index("--backend") + 1:][:1] == ["torch"] \
                and importlib.util.find_spec("torch") is None:
            continue  # torch is optional: its commands are run where it is installed
        code, out = session.run(it)
        exp = EXPECT.get(it.key, Expect(0, "", "runs"))
        bad = code != exp.code or exp.shows not in out
        if it.key in KNOWN_STALE:
            if bad:
                stale_seen.append(f"{it.loc}: {KNOWN_STALE[it.key]}")
            else:
                problems.append(f"{it.loc}: `{it.text}` works now: remove it from KNOWN_STALE")
            continue
        if bad:
            problems.append(f"{it.loc}: `{it.text}` exited {code} (expected {exp.code}"
                            + (f", output with {exp.shows!r}" if exp.shows else "") + f"):\n{out.strip()[-1500:]}")
            continue
        if it.shown and (miss := lines_in_order(it.shown, out)) is not None:
            problems.append(f"{it.loc}: `{it.text}` did not print {miss!r} (the page shows it):\n{out.strip()[-1500:]}")
        want = _screen_for(tokens) if code == 0 else None
        if want and session.screens != [want]:
            problems.append(f"{it.loc}: `{it.text}` opened {session.screens or 'no screen'}, not {want}")
    return problems, stale_seen


# -- the history every session starts with -----------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few days of reviews of the shipped deck (so stats, log export/import and optimize have
    data), made once and copied into each session."""
    import random
    from datetime import timedelta

    from gdstudy.config import Settings
    from gdstudy.deck import load_deck
    from gdstudy.paths import shipped_cards_dir
    from gdstudy.scheduling import Grade
    from gdstudy.session import ReviewSession
    from gdstudy.store import DB_NAME, Store
    from gdstudy.timeutil import utcnow
    from tests.conftest import Clock

    folder = tmp_path_factory.mktemp("seed")
    rng = random.Random(5)
    deck = load_deck([shipped_cards_dir()], [])
    clock = Clock(utcnow() - timedelta(days=6))
    with Store(folder / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings(new_per_day=10), clock=clock)
        for _ in range(5):
            for _ in range(15):
                card = s.next_card()
                if card is None:
                    break
                g = rng.choices(list(Grade), weights=(1, 1, 6, 1))[0]
                s.grade(card, s.preview(card)[g], duration_ms=rng.randint(2000, 15000))
                clock.advance(minutes=rng.randint(1, 9))
            clock.advance(days=1)
    # one saved parameter change (so --undo and --reset have something to act on), made as a user would
    r = CliRunner().invoke(_app(), ["optimize", "--retention", "--data-dir", str(folder)])
    assert r.exit_code == 0, r.output
    return folder / DB_NAME


@pytest.fixture
def session(tmp_path: Path, isolated_home: Path, seeded_db: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    from gdstudy.store import DB_NAME

    folder, user = tmp_path / "work", tmp_path / "user"
    folder.mkdir()
    (user / "vault").mkdir(parents=True)
    (user / "vault" / "sgd.md").write_text(NOTE, encoding="utf-8")
    isolated_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(seeded_db, isolated_home / DB_NAME)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HOME", str(user))
    return Session(folder, monkeypatch)


def _page_id(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def _pages() -> list[Any]:
    params = []
    for p in PAGES:
        keys = {i.key for i in extract(p) if isinstance(i, Cmd)}
        if keys:
            params.append(pytest.param(p, id=_page_id(p), marks=[pytest.mark.slow] if keys & set(SLOW) else []))
    return params


@pytest.mark.parametrize("page", _pages())
def test_every_command_on_the_page_runs(page: Path, session: Session) -> None:
    problems, stale = run_page(extract(page), session)
    assert not problems, "\n\n".join(problems)
    if stale:
        pytest.xfail("stale (reported): " + "; ".join(stale))


def test_every_shell_line_is_run_or_allow_listed() -> None:
    """A shell line naming gdstudy or Python is run, or NOT_RUN says why not (so a new way to
    invoke gdstudy in a new page cannot go unchecked)."""
    unexplained = [f"{it.loc}: {it.text}" for p in PAGES for it in extract(p) if isinstance(it, NotRun)
                   and re.search(r"\bgdstudy\b|python|\.py\b", it.text)
                   and not any(re.search(pat, it.text) for pat in NOT_RUN)]
    assert not unexplained, "\n".join(unexplained)
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    named = {m.group(1): p.name for p in PAGES  # `gdstudy[anki]` anywhere in the docs is an extra
             for m in re.finditer(r"gdstudy\[(\w+)\]", p.read_text(encoding="utf-8"))}
    assert named and {x: page for x, page in named.items() if x not in extras} == {}


# -- the harness itself can fail ------------------------------------------------------------------------


SAMPLE = """\
# Sample

Run `gdstudy cards list --state due` or `gdstudy
stats --json`; `gdstudy.apkg` and `gdstudy[torch]` are not commands.

```bash
gdstudy demo list        # a comment
gdstudy cards list [--tag T] [--state new|due]
python demos/minibatch.py
```

```console
$ gdstudy cards check
ok: 3 cards
$ gdstudy --version
```

A note, `n/a.md`:

```markdown
Q::A
```

`n/a.md` (excerpt) — it is there:

```
Q::A
```

Measured with

    nice -n 5 .venv/bin/python benchmarks/bench_core.py --gather
"""


def test_extractor_reads_fences_prompts_inline_spans_and_files(tmp_path: Path) -> None:
    p = tmp_path / "sample.md"
    p.write_text(SAMPLE, encoding="utf-8")
    items = extract(p, "sample.md")
    cmds = [i for i in items if isinstance(i, Cmd)]
    assert [(c.loc, c.key) for c in cmds] == [
        ("sample.md:3", "gdstudy cards list --state due"),
        ("sample.md:3", "gdstudy stats --json"),
        ("sample.md:7", "gdstudy demo list"),
        ("sample.md:8", "gdstudy cards list [--tag T] [--state new|due]"),
        ("sample.md:9", "python demos/minibatch.py"),
        ("sample.md:13", "gdstudy cards check"),
        ("sample.md:15", "gdstudy --version"),
        ("sample.md:32", "nice -n 5 .venv/bin/python benchmarks/bench_core.py --gather"),
    ]
    assert [c.synopsis for c in cmds] == [False, False, False, True, False, False, False, False]
    assert [c.python for c in cmds] == [False] * 4 + [True, False, False, True]
    assert [c.inline for c in cmds] == [True, True] + [False] * 6
    assert cmds[5].shown == ["ok: 3 cards"] and cmds[6].shown == []
    files = [i for i in items if isinstance(i, FileBlock)]
    assert [(f.path, f.excerpt, f.body) for f in files] == [("n/a.md", False, "Q::A\n"), ("n/a.md", True, "Q::A\n")]


@pytest.mark.parametrize(("line", "problem"), [
    ("gdstudy cards nosuch [--tag T]", "has no command `nosuch`"),
    ("gdstudy nosuch [--x]", "has no command `nosuch`"),
    ("gdstudy cards list [--colour C]", "has no option --colour"),
    ("gdstudy cards list [--state new|fresh]", "does not list the choice 'fresh'"),
    ("gdstudy demo NAME [--no-plott]", "has no option --no-plott"),
])
def test_a_synopsis_the_cli_does_not_have_fails(line: str, problem: str) -> None:
    problems = check_synopsis(shlex.split(line))
    assert any(problem in p for p in problems), problems


def test_good_synopses_pass() -> None:
    for line in ("gdstudy cards list [--tag T] [--state new|due|suspended]",
                 "gdstudy interview [--minutes 20] [--tag T] [--count N] [--schedule]",
                 "gdstudy import NOTES... --into DECK_DIR [--dry-run]",
                 "gdstudy demo NAME --no-plot", "gdstudy interview history N"):
        assert check_synopsis(shlex.split(line)) == [], line


def test_an_unknown_command_a_wrong_exit_or_missing_output_fails(session: Session, tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("`gdstudy nosuch`\n\n```console\n$ gdstudy cards orphans\nno such line\n```\n"
                    "\n`gdstudy demo noise-floor --steps 10`\n\n`x.txt` (excerpt):\n\n```\nabsent\n```\n",
                    encoding="utf-8")
    problems, _ = run_page(extract(page, "p.md"), session)
    assert len(problems) == 3, problems
    assert "`gdstudy nosuch` exited 2" in problems[0]
    assert "did not print 'no such line'" in problems[1]
    assert "x.txt was not written" in problems[2]  # noise-floor --steps 10: the documented exit 2


def test_a_screen_command_opens_its_screen_headless(session: Session) -> None:
    assert session.run(Cmd("t", "gdstudy review"))[0] == 0 and session.screens == ["ReviewScreen"]
    assert session.run(Cmd("t", "gdstudy"))[0] == 0 and session.screens == ["HomeScreen"]
    assert session.run(Cmd("t", "gdstudy demo"))[0] == 0 and session.screens == ["DemoBrowserScreen"]
    code, out = session.run(Cmd("t", "gdstudy review </dev/null"))
    assert code == 2 and "needs a terminal" in out and session.screens == []


@pytest.mark.parametrize(("line", "problem"), [
    ("python demos/nosuch.py", "no script demos/nosuch.py"),
    ("python -m gdstudy.nosuch NAME", "no module gdstudy.nosuch"),
    (".venv/bin/python benchmarks/bench_core.py --nosuch", "has no option --nosuch"),
    ("python demos/minibatch.py --batch-size 0", "exited 2"),
])
def test_a_stale_python_command_fails(line: str, problem: str) -> None:
    problems = check_python(shlex.split(line), dict(os.environ))
    assert any(problem in p for p in problems), problems
