"""Every `gdstudy ...` command shown in README.md and docs/*.md is run, so none goes stale.

The convention is in tests/doc_extract.py (and docs/development.md); how a page runs, and the
tables of documented refusals, stale README lines, lines not run and slow commands with their
reasons, in tests/doc_run.py."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.doc_extract import PAGES, ROOT, Cmd, FileBlock, NotRun, extract
from tests.doc_run import NOT_RUN, SLOW, Session, cli_app, check_python, check_synopsis, run_page

NOTE = "# SGD\nWhy is SGD called stochastic?::Each step uses a random mini-batch.\n"

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
    r = CliRunner().invoke(cli_app(), ["optimize", "--retention", "--data-dir", str(folder)])
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
    return Session(folder)


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

