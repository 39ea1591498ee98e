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


def test_readme_is_short_and_its_links_resolve() -> None:
    """At most 2,000 words (details live in docs/); every relative link points at a file."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.split()) <= 2000
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert links
    for link in links:
        if not link.startswith("http"):
            assert (ROOT / link).is_file(), link


def test_docs_links_resolve() -> None:
    """Every relative link between docs/ pages (and back to the repository) points at a file."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(encoding="utf-8"), flags=re.S)
        for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not link.startswith(("http://", "https://", "mailto:")):
                assert (page.parent / link).exists(), f"{page.name}: {link}"
