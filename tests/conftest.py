"""Shared fixtures: a pinned clock, fuzz off, a temp data dir, a small deck."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)

SMALL_DECK = """\
deck: small
description: three cards for tests
cards:
  - id: alpha
    front: What is alpha?
    back: The first letter.
    tags: [greek, letters]
    source: 000_e0c09ec66bc19b89.txt § Batch gradient descent
    interview: true
  - id: beta
    front: What is beta?
    back: The second letter.
    tags: [greek]
    source: 000_e0c09ec66bc19b89.txt § Mini-batches
  - id: gamma
    front: What is **gamma**?
    back: The third letter.
    tags: [greek, letters]
    source: 001_e13f089455f4b340.txt § Problems
"""


class Clock:
    """A settable clock for sessions: tests move time explicitly."""

    def __init__(self, t: datetime = T0) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own GDSTUDY_HOME (data + config) so nothing touches the real user dirs."""
    home = tmp_path / "home"
    monkeypatch.setenv("GDSTUDY_HOME", str(home))
    monkeypatch.delenv("GDSTUDY_CONFIG", raising=False)
    random.seed(1234)
    return home


@pytest.fixture
def small_deck_dir(tmp_path: Path) -> Path:
    d = tmp_path / "deck"
    d.mkdir()
    (d / "small.yaml").write_text(SMALL_DECK, encoding="utf-8")
    return d


def invoke_cli(*args: object):  # type: ignore[no-untyped-def]
    """Run `gdstudy ARGS...` through typer's CliRunner; no traceback, no exception but an exit."""
    from gdstudy.cli import app

    r = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def run_cli(*args: object) -> tuple[int, str]:
    """`invoke_cli` as (exit code, output)."""
    r = invoke_cli(*args)
    return r.exit_code, r.output


@pytest.fixture
def utc_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local time is UTC (screens show local times): `pytestmark = pytest.mark.usefixtures("utc_tz")`."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
