"""The review and interview screens wait at most INTERACTIVE_BUSY_S for another process's write lock
(then the grade is refused with a 'locked' notice and can be retried), so a grade never freezes the
screen for the 10 s that one-shot commands wait."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gdstudy.cli as cli
import gdstudy.cli.common as cli_common
import gdstudy.reviewrun as reviewrun

runner = CliRunner()


@pytest.mark.parametrize("command", [["review"], ["interview", "--minutes", "5"]])
def test_study_screens_use_the_short_busy_timeout(command: list[str], small_deck_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def fake_run(app: Any) -> None:  # no terminal here: look at the store the app was given, don't run it
        store = app.session.store
        seen.append(int(store.db.execute("PRAGMA busy_timeout").fetchone()[0]))

    # the one implementation both screens run their app through (review: gdstudy.reviewrun)
    monkeypatch.setattr(reviewrun, "run_tui", fake_run)
    monkeypatch.setattr(cli_common, "run_tui", fake_run)
    r = runner.invoke(cli.app, [*command, "--deck", str(small_deck_dir), "--data-dir", str(tmp_path / "d")])
    assert r.exit_code == 0, r.output
    assert seen == [int(cli.INTERACTIVE_BUSY_S * 1000)] and cli.INTERACTIVE_BUSY_S <= 3


def test_commands_keep_the_long_busy_timeout(tmp_path: Path) -> None:
    with cli._store(tmp_path) as store:
        assert int(store.db.execute("PRAGMA busy_timeout").fetchone()[0]) == 10_000
