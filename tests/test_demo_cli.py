"""`gdstudy demo` via typer's CliRunner on a bare app, the stream runner, and import cost."""

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from gdstudy.demo.cli import register


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    register(app)

    @app.command("other")  # a second command so typer keeps `demo` as a subcommand
    def other() -> None:
        pass

    return app


def invoke(app, *args):
    return CliRunner().invoke(app, ["demo", *args])


def test_demo_list(app):
    r = invoke(app, "list")
    assert r.exit_code == 0
    for name in ("minibatch", "epoch", "unbiased", "variance", "symmetry"):
        assert name in r.stdout
    assert "claim:" in r.stdout
    assert invoke(app).exit_code == 0  # no name: the list for now


def test_demo_json(app):
    r = invoke(app, "epoch", "--n", "50", "--batch-size", "7", "--json", "--seed", "3")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["passed"] and d["seed"] == 3 and d["params"]["batch_size"] == 7
    assert {v["name"] for v in d["verdicts"]} >= {"steps per epoch"}


def test_demo_text_output_and_fail_exit_code(app):
    r = invoke(app, "epoch", "--n", "50", "--batch-size", "7")
    assert r.exit_code == 0 and "PASS  epoch: all" in r.stdout and "Index used" in r.stdout
    r = invoke(app, "epoch", "--n", "50", "--batch-size", "7", "--shuffle", "none", "--no-plot")
    assert r.exit_code == 1 and "FAIL  epoch" in r.stdout and "Index used" not in r.stdout


@pytest.mark.parametrize("args,message", [
    (["epoch", "--batch-size", "0"], "--batch-size must be >= 1"),
    (["epoch", "--batch-size", "lots"], "expected an integer"),
    (["epoch", "--batchsize", "3"], "did you mean --batch-size"),
    (["epoch", "--backend", "jax"], "unknown backend"),
    (["epoch", "--device", "cuda"], "CPU only"),
    (["epoch", "--dtype", "float16"], "dtype"),
    (["epoch", "--seed", "x"], "--seed"),
    (["minibach"], "did you mean minibatch"),
])
def test_user_errors_are_one_line_exit_2(app, args, message):
    r = invoke(app, *args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
    assert "Traceback" not in r.output


def test_torch_missing_message(app, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    r = invoke(app, "epoch", "--backend", "torch")
    from gdstudy.core.backend import TORCH_INSTALL

    assert r.exit_code == 2 and TORCH_INSTALL in r.stderr


def test_demo_help_lists_parameters(app):
    r = invoke(app, "variance", "--help")
    assert r.exit_code == 0 and "--trials" in r.stdout and "--backend" in r.stdout


def run_stream(*args):
    return subprocess.run([sys.executable, "-m", "gdstudy.demo.stream", *args],
                          capture_output=True, text=True, timeout=60)


def test_stream_json_lines():
    p = run_stream("variance", "--n", "64", "--trials", "2000", "--chunk", "50")
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert lines[-1]["type"] == "result" and lines[-1]["passed"] and lines[-1]["name"] == "variance"
    progress = [m for m in lines if m["type"] == "progress"]
    assert progress and all({"done", "total", "message"} <= set(m) for m in progress)
    assert progress[-1]["done"] == progress[-1]["total"]


def test_stream_error_line():
    p = run_stream("epoch", "--n", "-5")
    assert p.returncode == 2
    (line,) = [ln for ln in p.stdout.splitlines() if json.loads(ln)["type"] != "progress"]
    assert json.loads(line) == {"type": "error", "message": "--n must be >= 3, got -5"}
    p = run_stream("nope")
    assert p.returncode == 2 and json.loads(p.stdout.splitlines()[-1])["type"] == "error"


def test_cheap_imports():
    code = ("import sys, gdstudy.demo.cli, gdstudy.demo.registry as r; r.demo_names(); "
            "bad = [m for m in ('numpy', 'torch', 'plotext') if m in sys.modules]; print(bad)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_standalone_script(tmp_path):
    from gdstudy.paths import shipped_demos_dir
    script = shipped_demos_dir() / "epoch.py"
    p = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "--batch-size" in p.stdout
    p = subprocess.run([sys.executable, str(script), "--n", "30", "--batch-size", "4", "--no-plot"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "PASS  epoch" in p.stdout
