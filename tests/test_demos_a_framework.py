"""Framework fixes of issues 9 and 11: seeds, the peak-memory guard, ASCII-only terminals."""

import math
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from gdstudy.demo import runner
from gdstudy.demo.cli import register
from gdstudy.demo.registry import load_demo
from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

MINE = ("minibatch", "epoch", "unbiased", "variance", "symmetry", "learning-rate", "conditioning")


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    register(app)

    @app.command("other")
    def other() -> None:
        pass

    return app


def invoke(app, *args):
    return CliRunner().invoke(app, ["demo", *args])


def one_error_line(r, message):
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert message in r.stderr and "Traceback" not in r.output


def test_negative_seed_is_one_error_line(app):
    one_error_line(invoke(app, "epoch", "--seed", "-1", "--no-plot"), "--seed")
    with pytest.raises(DemoError, match="non-negative"):
        run_demo("epoch", {"n": 20, "batch_size": 4}, seed=-3)


def test_huge_seed_is_reduced_into_the_generators_range(app):
    big = "99999999999999999999"  # 20 digits, > 2**64
    r = invoke(app, "epoch", "--n", "40", "--batch-size", "4", "--seed", big, "--json")
    assert r.exit_code == 0, r.output
    assert f'"seed": {big}' in r.stdout


def test_huge_seed_on_torch(app):
    pytest.importorskip("torch")
    big = "99999999999999999999"
    r = invoke(app, "epoch", "--n", "40", "--batch-size", "4", "--seed", big, "--backend", "torch",
               "--no-plot")
    assert r.exit_code == 0, r.output
    # reduction is deterministic: the same big seed gives the same run
    a = run_demo("unbiased", {"n": 200, "trials": 16, "reps": 8}, seed=int(big), backend="torch")
    b = run_demo("unbiased", {"n": 200, "trials": 16, "reps": 8}, seed=int(big), backend="torch")
    assert a.table.rows == b.table.rows


@pytest.mark.parametrize("name,args", [
    ("variance", ["--n", "100000", "--chunk", "100000"]),
])
def test_memory_guard_refuses_instantly(app, name, args):
    import time
    t0 = time.process_time()  # CPU time, which other processes on the machine do not inflate
    r = invoke(app, name, *args, "--no-plot")
    one_error_line(r, "memory")
    assert "GB" in r.stderr and time.process_time() - t0 < 2.0  # refused before any work


def test_memory_guard_uses_available_memory(monkeypatch):
    monkeypatch.setattr(runner, "available_memory", lambda: 10 * 2 ** 20)  # 10 MiB
    with pytest.raises(DemoError, match="memory"):
        run_demo("variance", {"n": 512})
    monkeypatch.setattr(runner, "available_memory", lambda: 64 * 2 ** 30)
    assert run_demo("epoch", {"n": 30, "batch_size": 4}).passed


def test_available_memory_reads_meminfo_with_fallback(tmp_path, monkeypatch):
    f = tmp_path / "meminfo"
    f.write_text("MemTotal:  100 kB\nMemAvailable:    2048 kB\n")
    assert runner.available_memory(str(f)) == 2048 * 1024
    assert runner.available_memory(str(tmp_path / "missing")) > 0  # sysconf or a fixed fallback


@pytest.mark.parametrize("name", MINE)
def test_peak_bytes_estimates_grow_with_size(name):
    m = load_demo(name)
    from gdstudy.demo.params import resolve_params
    p = resolve_params(m, {})
    small = m.peak_bytes(p)
    assert 0 < small < 2 * 2 ** 30, small   # every default run fits in 2 GiB
    key = "n" if any(q.name == "n" for q in m.PARAMS) else "steps"
    big = dict(p)
    top = next(q.max for q in m.PARAMS if q.name == key) or math.inf
    big[key] = min(p[key] * 10 if p[key] else 100_000, top)   # within the allowed range
    assert m.peak_bytes(resolve_params(m, big)) >= small


def test_peak_bytes_of_variance_is_close_to_measured():
    """The estimate is an upper bound within a small factor of the real peak (tracemalloc)."""
    import tracemalloc
    m = load_demo("variance")
    params = {"n": 2000, "chunk": 200, "trials": 200}
    from gdstudy.demo.params import resolve_params
    est = m.peak_bytes(resolve_params(m, params))
    tracemalloc.start()
    run_demo(m, params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= est <= 6 * peak, (peak, est)


def test_ascii_terminal_renders_without_traceback():
    import os
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    p = subprocess.run([sys.executable, "-c", "import sys; from gdstudy.cli import main; sys.argv[0] = 'gdstudy'; main()",
                        "demo", "variance", "--trials", "200"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode in (0, 1) and "variance" in p.stdout
