"""Issue 21 item 7: error lines a user meets — each one clear line, exit 2, a suggestion only when
it is close."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke_cli


def _err_lines(r) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in r.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("args, suggestion", [(["reveiw"], "'review'"), (["cards", "lst"], "'list'"),
                                              (["intreview"], "'interview'")])
def test_did_you_mean_is_said_once(args: list[str], suggestion: str) -> None:
    r = invoke_cli(*args)
    assert r.exit_code == 2
    assert r.output.count("Did you mean") == 1, r.output
    assert suggestion in r.output


def test_unknown_demo_far_from_every_name_lists_the_demos() -> None:
    from gdstudy.demo.registry import demo_names

    r = invoke_cli("demo", "nosuch")
    assert r.exit_code == 2
    lines = _err_lines(r)
    assert len(lines) == 1 and lines[0].startswith("error: unknown demo 'nosuch'")
    assert "did you mean" not in lines[0]
    assert all(n in lines[0] for n in demo_names())


@pytest.mark.parametrize("typo, name", [("epoc", "epoch"), ("minibach", "minibatch"), ("varience", "variance"),
                                        ("sadle", "saddle")])
def test_unknown_demo_close_to_a_name_suggests_it(typo: str, name: str) -> None:
    r = invoke_cli("demo", typo)
    assert r.exit_code == 2
    lines = _err_lines(r)
    assert len(lines) == 1 and f"did you mean {name}?" in lines[0], lines


def test_import_of_a_missing_path_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "MISSING"
    r = invoke_cli("import", missing, "--into", tmp_path / "deck")
    assert r.exit_code == 2
    assert _err_lines(r) == [f"error: no such file or folder: {missing}"]
    assert r.stdout == ""  # no import summary of nothing
    assert not (tmp_path / "deck").exists()  # nothing written, not even the deck folder


def test_import_of_a_missing_relative_path_names_it_as_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real.md").write_text("What is SGD? :: stochastic gradient descent\n", encoding="utf-8")
    r = invoke_cli("import", "MISSING", "real.md", "--into", "deck")
    assert r.exit_code == 2
    assert _err_lines(r) == ["error: no such file or folder: MISSING"]
    assert not (tmp_path / "deck").exists()  # a typo stops the run before anything is written


def test_coverage_of_a_missing_path_is_one_line(tmp_path: Path) -> None:
    r = invoke_cli("cards", "coverage", tmp_path / "MISSING")
    assert r.exit_code == 2 and _err_lines(r) == [f"error: no such file or folder: {tmp_path / 'MISSING'}"]


@pytest.mark.parametrize("cmd", [["stats"], ["stats", "--json"], ["cards", "list"], ["review"], ["interview"]])
def test_a_tag_that_matches_no_card_is_one_line(cmd: list[str], small_deck_dir: Path) -> None:
    r = invoke_cli(*cmd, "--deck", small_deck_dir, "--tag", "gree")
    assert r.exit_code == 2, r.output
    lines = _err_lines(r)
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: no card has the tag 'gree'") and "did you mean 'greek'?" in lines[0]
    assert r.stdout == ""


def test_a_tag_far_from_every_tag_says_where_the_tags_are(small_deck_dir: Path) -> None:
    r = invoke_cli("stats", "--deck", small_deck_dir, "--tag", "zzzzqqq")
    assert r.exit_code == 2
    (line,) = _err_lines(r)
    assert "no card has the tag 'zzzzqqq'" in line and "did you mean" not in line
    assert "gdstudy cards list" in line  # where to see the tags


def test_one_unknown_tag_among_known_ones_is_still_an_error(small_deck_dir: Path) -> None:
    r = invoke_cli("stats", "--deck", small_deck_dir, "--tag", "greek", "--tag", "leters")
    assert r.exit_code == 2
    (line,) = _err_lines(r)
    assert "'leters'" in line and "'greek'" not in line.split("did you mean")[0] and "'letters'" in line


def test_known_tags_still_work(small_deck_dir: Path) -> None:
    r = invoke_cli("stats", "--deck", small_deck_dir, "--tag", "greek")
    assert r.exit_code == 0 and "greek" in r.stdout


def test_export_with_an_unknown_tag_is_one_line(small_deck_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("genanki")
    r = invoke_cli("export", "anki", tmp_path / "x.apkg", "--deck", small_deck_dir, "--tag", "gree")
    assert r.exit_code == 2
    (line,) = _err_lines(r)
    assert "no card has the tag 'gree'" in line and "'greek'" in line
    assert not (tmp_path / "x.apkg").exists()


# -- the torch hint -------------------------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_torch_install_command_is_the_documented_one() -> None:
    """One constant; docs/running-demos.md shows it verbatim and it pins the torch version the
    README's install line pins (on these machines only that version is a local CPU wheel)."""
    from gdstudy.core.backend import TORCH_INSTALL

    readme = README.read_text(encoding="utf-8")
    pins = set(re.findall(r"'torch==([0-9.]+)'", readme))
    assert len(pins) == 1, pins  # the README's one torch pin
    assert f"'torch=={pins.pop()}'" in TORCH_INSTALL
    assert "'.[" in TORCH_INSTALL and "torch]'" in TORCH_INSTALL  # this folder's extra: as the README installs it
    assert "gdstudy[torch]" not in TORCH_INSTALL  # gdstudy is installed from its folder, not an index
    assert TORCH_INSTALL in (DOCS / "running-demos.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):  # no page names another command for the same thing
        assert "pip install 'gdstudy[torch]'" not in page.read_text(encoding="utf-8"), page.name


@pytest.mark.parametrize("demo", ["epoch", "data-parallel"])
def test_torch_missing_names_the_install_command(demo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from gdstudy.core.backend import TORCH_INSTALL

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    monkeypatch.setitem(sys.modules, "torch.distributed", None)
    r = invoke_cli("demo", demo, "--backend", "torch")
    assert r.exit_code == 2
    (line,) = _err_lines(r)
    assert line.startswith("error: ") and "PyTorch" in line and line.endswith(TORCH_INSTALL), line


def test_the_one_suggestion_rule() -> None:
    from gdstudy.demo.registry import demo_names
    from gdstudy.suggest import close_matches

    names = demo_names()
    assert close_matches("nosuch", names) == []  # 'epoch' is only 0.55 similar
    assert close_matches("epok", names) == ["epoch"]
    assert close_matches("minibach", names) == ["minibatch"]  # not local-minima (0.5)
    assert close_matches("local", names) == ["local-minima"]  # a word of the name starts so
    assert close_matches("noise", names) == ["noise-floor", "noise-scale"]  # not 'unbiased' (0.62)
    assert close_matches("--batch-szie", ["--batch-size", "--backend", "--seed"]) == ["--batch-size"]
    assert close_matches("lr", names) == []
