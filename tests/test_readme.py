"""The README's two commands are the ones a new user runs; CI must run the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def test_readme_opens_with_run_and_test_commands() -> None:
    run, test = readme_commands()[:2]
    assert "gdstudy review" in run and "pip install ." in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_exactly() -> None:
    test = readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci, f"README test command not found verbatim in .ci/run:\n{test}"
