"""Running what a page shows: a page is one shell session (see tests/doc_extract.py); the tables
of what the docs may show besides "exit 0" are here, each entry with its reason."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.doc_extract import ROOT, Cmd, FileBlock, Item, NotRun, placeholder
from tests.waits import screen_settled, wait_until

__all__ = ["EXPECT", "KNOWN_STALE", "NOT_RUN", "SLOW", "Session", "check_python", "check_synopsis", "cli_app", "run_page"]


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

def _expect_from_comment(text: str) -> Expect:
    """A documented negative control (`gdstudy demo X --bug  # FAIL: ...`) must FAIL: exit 1 and a
    FAIL line; any other command must exit 0."""
    if re.search(r"\s#.*(?<!/)\bFAIL", text):  # not "PASS/FAIL verdicts"
        return Expect(1, "FAIL", "documented: a negative control FAILs")
    return Expect(0, "", "runs")


# Stale commands in README.md, which only the lead edits: reported, expected to fail until fixed
# (then this entry must go: a stale entry that passes fails the test).
KNOWN_STALE: dict[str, str] = {}

# The first screen each command opens (the session has due cards, so review shows one).
SCREENS = {"": "HomeScreen", "review": "ReviewScreen", "interview": "InterviewScreen", "demo": "DemoBrowserScreen"}

# Shell lines that mention gdstudy or Python but are not run here, and why. Any other such line
# fails `test_every_shell_line_is_run_or_allow_listed`.
NOT_RUN = {
    r"^python3 -m venv \.venv && ": "creates a virtual environment and installs the package (or torch and the test tools) into it: "
                                   "the install itself is what CI runs (.ci/run), and the commands after it are the ones run here",
    r"^pip install 'gdstudy\[\w+\]'": "installs an extra from the package index; the extra must exist in pyproject.toml (checked)",
    r"^torchrun ": "a multi-process launcher (two machines for the multi-node lines); the single-node torchrun path "
                  "is run by tests/test_demos_training.py (slow)",
}


# Commands that take long (their page's test is marked slow), and why.
SLOW = {
    "gdstudy demo redundancy --k 50 --backend torch": "imports torch and runs the demo on it: ~20 s on a loaded 2-core machine",
}


# -- running them ------------------------------------------------------------------------------------


def cli_app() -> Any:
    from gdstudy.cli import app

    return app


def _click_root() -> Any:
    import typer.main

    return typer.main.get_command(cli_app())


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

    root = cli_app().registered_callback.callback
    return [sys.modules[root.__module__], gdstudy.demo.cli]


@dataclass
class Session:
    folder: Path
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
            r = CliRunner().invoke(cli_app(), argv)
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
    while rest and isinstance(cmd, click.Group) and not placeholder(rest[0]) and not rest[0].startswith("-"):
        sub = cmd.commands.get(rest[0])
        if sub is None:
            if not any(isinstance(p, click.Argument) for p in cmd.params):
                return [f"`{' '.join(['gdstudy', *path])}` has no command `{rest[0]}`"]
            break
        cmd, path, rest = sub, [*path, rest[0]], rest[1:]
    concrete = []  # e.g. a demo name, whose --help lists its own parameters
    for t in rest:
        if t.startswith("-") or placeholder(t):
            break
        concrete.append(t)
    r = CliRunner().invoke(cli_app(), [*path, *concrete, "--help"])
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
    t = tokens[3:] if tokens[0] == "nice" else tokens
    target, rest = (t[1:3], t[3:]) if t[1] == "-m" else (t[1:2], t[2:])
    if target[0] == "-m":
        if importlib.util.find_spec(target[1]) is None:
            return [f"no module {target[1]}"]
    elif not (ROOT / target[0]).is_file():
        return [f"no script {target[0]}"]
    check_only = target[0].startswith("benchmarks/") or any(placeholder(x) for x in rest)
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
        exp = EXPECT.get(it.key) or _expect_from_comment(it.text)
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


