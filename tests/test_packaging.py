"""Packaging: the wheel carries the shipped deck and demos, works outside the checkout, and the
light commands stay light (no torch / Textual / numpy for `import gdstudy` or `gdstudy --help`).

Every import check runs in a fresh subprocess: this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "textual", "numpy")


def run_py(code: str, *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env={**os.environ, **(env or {})},
        capture_output=True, text=True, timeout=timeout,
    )


def loaded_after(code: str, tmp_path: Path, watch: tuple[str, ...] = HEAVY + ("plotext", "torch.nn")) -> list[str]:
    """Run `code` in a fresh interpreter (SystemExit allowed) and return which of `watch` it imported."""
    probe = (
        "import sys, json\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except SystemExit:\n    pass\n"
        f"print('MODULES=' + json.dumps(sorted(m for m in {list(watch)!r} if m in sys.modules)), file=sys.stderr)\n"
    )
    proc = run_py(probe, cwd=tmp_path, env={"PYTHONPATH": str(REPO)})
    marker = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES=")]
    assert marker, f"probe failed (exit {proc.returncode}):\n{proc.stderr}"
    return json.loads(marker[0].removeprefix("MODULES="))


# ---------------------------------------------------------------------------------------------
# fast: what the light paths import


def test_import_gdstudy_is_light(tmp_path: Path) -> None:
    assert loaded_after("import gdstudy\nimport gdstudy.cli", tmp_path) == []


@pytest.mark.parametrize("argv", [["--help"], ["cards", "--help"], ["review", "--help"]], ids=" ".join)
def test_help_is_light(tmp_path: Path, argv: list[str]) -> None:
    code = f"sys.argv = ['gdstudy', *{argv!r}]\nfrom gdstudy.cli import main\nmain()"
    assert loaded_after(code, tmp_path) == []


def test_help_via_python_m_works_and_exits_0(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gdstudy.cli", "--help"], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "review" in proc.stdout and "cards" in proc.stdout
    assert proc.stderr == ""


def test_review_modules_never_import_torch(tmp_path: Path) -> None:
    loaded = loaded_after("import gdstudy.session\nimport gdstudy.tui", tmp_path)
    assert "torch" not in loaded


def test_review_app_running_never_imports_torch(tmp_path: Path) -> None:
    """The whole `gdstudy review` path, headless: build deck/store/session like the CLI does, run
    the app, reveal and grade a card, undo, open help; torch must still not be loaded."""
    home = tmp_path / "home"
    code = f"""
import asyncio
from gdstudy.config import load_settings
from gdstudy.deck import load_deck
from gdstudy.paths import shipped_cards_dir
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
deck = load_deck([shipped_cards_dir()])
assert deck.cards, "no shipped cards"
store = Store({str(home / 'gdstudy.db')!r})
session = ReviewSession(deck, store, load_settings())
async def drive():
    async with make_app(session).run_test(size=(100, 40)) as pilot:
        for key in ("space", "3", "space", "1", "u", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
asyncio.run(drive())
assert sum(1 for _ in store.log()) == 1, "expected 2 grades then 1 undo"
store.close()
"""
    home.mkdir()
    loaded = loaded_after(code.strip(), tmp_path, watch=("torch", "torch.nn", "gdstudy.tui"))
    assert loaded == ["gdstudy.tui"]  # the app did run


def test_gdstudy_is_a_regular_package() -> None:
    """Not an implicit namespace package: otherwise portions from other sys.path entries (a
    checkout, a stale site-packages/gdstudy/_data from an editable install) merge silently."""
    import gdstudy

    assert getattr(gdstudy, "__file__", None) is not None
    assert len(list(gdstudy.__path__)) == 1


# ---------------------------------------------------------------------------------------------
# slow: build the wheel, install it elsewhere, use it from another folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(out)],
        cwd=out, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"wheel build failed (is hatchling installed in the venv?):\n{proc.stderr}"
    wheels = list(out.glob("gdstudy-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return target


def shipped_names(kind: str, suffix: str) -> set[str]:
    return {p.name for p in (REPO / kind).glob(f"*{suffix}")}


@pytest.mark.slow
def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    cards = {n.rsplit("/", 1)[1] for n in names if n.startswith("gdstudy/_data/cards/") and n.endswith(".yaml")}
    assert cards, "no cards in the wheel"
    assert cards == shipped_names("cards", ".yaml")
    demos = {n.rsplit("/", 1)[1] for n in names if n.startswith("gdstudy/_data/demos/") and n.endswith(".py")}
    assert demos == shipped_names("demos", ".py")
    top = {n.split("/", 1)[0] for n in names}
    assert top == {"gdstudy", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}, top
    for bad in ("cards/", "demos/", "tests/", "benchmarks/"):
        assert not any(n.startswith(bad) for n in names), bad
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    for module in ("launch.py", "reviewrun.py", "cli/__init__.py", "cli/study.py", "deck.py", "store/__init__.py", "store/core.py", "session.py", "scheduling.py", "paths.py", "tui/app.py"):
        assert f"gdstudy/{module}" in names, module
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "gdstudy = gdstudy.launch:main" in entry_points


@pytest.mark.slow
def test_installed_wheel_finds_its_data_from_another_folder(installed: Path, tmp_path: Path) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    code = f"""
import json, sys
import gdstudy.paths, gdstudy.cli, gdstudy.store, gdstudy.session
cards = gdstudy.paths.shipped_cards_dir()
demos = gdstudy.paths.shipped_demos_dir()
mods = {{n: getattr(m, '__file__', None) for n, m in sys.modules.items() if n.startswith('gdstudy')}}
print(json.dumps({{'cards': str(cards), 'demos': str(demos),
                  'yaml': sorted(p.name for p in cards.glob('*.yaml')),
                  'py': sorted(p.name for p in demos.glob('*.py')), 'mods': mods}}))
"""
    proc = run_py(code, cwd=cwd, env={"PYTHONPATH": str(installed)})
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    root = str(installed.resolve())
    assert info["cards"].startswith(root) and info["demos"].startswith(root), info
    assert set(info["yaml"]) == shipped_names("cards", ".yaml") and info["yaml"]
    assert set(info["py"]) == shipped_names("demos", ".py")
    # Every gdstudy module came from the installed wheel, none from the checkout.
    stray = {n: f for n, f in info["mods"].items() if f and not f.startswith(root)}
    assert not stray, stray


@pytest.mark.slow
def test_installed_wheel_cards_check_passes(installed: Path, tmp_path: Path) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "GDSTUDY_CONFIG"}
    env.update(PYTHONPATH=str(installed), GDSTUDY_HOME=str(home))
    proc = subprocess.run(
        [sys.executable, "-m", "gdstudy.cli", "cards", "check"], cwd=cwd, capture_output=True, text=True,
        env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n_files = len(shipped_names("cards", ".yaml"))
    assert proc.stdout.startswith("ok: ") and f"in {n_files} files" in proc.stdout, proc.stdout
    # And the store works from the installed package: `cards list` creates the database in GDSTUDY_HOME.
    proc = subprocess.run(
        [sys.executable, "-m", "gdstudy.cli", "cards", "list"], cwd=cwd, capture_output=True, text=True,
        env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (home / "gdstudy.db").is_file()
    assert list(cwd.iterdir()) == []  # nothing written to the working folder
