"""noise-floor, trajectory, throughput, data-parallel: PASS at a small size at three seeds, a
broken setting FAILs, and the data-parallel launcher cleans up after errors, timeouts, cancels."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdstudy.demo import DemoCancelled
from gdstudy.demo.registry import demo_names, load_demo
from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2)
SMALL = {
    "noise-floor": {"chains": 500, "steps": 800, "decay_steps": 500},
    "trajectory": {"n": 200, "sgd_steps": 1000},
    "throughput": {"max_batch": 256, "neighbours": "96,100,127,129,255", "block_ms": 2.0,
                   "warmup_ms": 1.0},
}
BROKEN = {  # key -> (demo, setting, a verdict that must fail)
    "noise-floor-approx": ("noise-floor", {"theory": "approx"}, "stationary variance"),
    "noise-floor-no-batch": ("noise-floor", {"theory": "no-batch"}, "stationary variance"),
    "trajectory-full-batch": ("trajectory", {"batch_size": 200}, "path length"),
    "throughput-loop": ("throughput", {"vectorize": False}, "throughput at S >= 256"),
}
DP_SMALL = {"steps": 5, "n": 256, "batch_size": 16, "timeout": 30.0}


def test_four_demos_are_registered():
    assert {"noise-floor", "trajectory", "throughput", "data-parallel"} <= set(demo_names())


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize("seed", SEEDS)
def test_demo_passes(name, seed):
    r = run_demo(name, SMALL[name], seed=seed)
    assert r.passed, "\n".join(v.line() for v in r.verdicts)
    assert r.plots and r.table.rows


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_broken_setting_fails(key):
    name, setting, failing = BROKEN[key]
    r = run_demo(name, {**SMALL[name], **setting}, seed=0)
    assert not r.passed
    assert any(failing in v.name and v.is_check and not v.passed for v in r.verdicts), \
        [v.line() for v in r.verdicts]


def test_noise_floor_theory_column_matches_formula():
    r = run_demo("noise-floor", SMALL["noise-floor"], seed=0)
    base = r.table.rows[0]                       # run, eta, S, measured, SE, theory, gap
    eta, S = base[1], base[2]
    assert base[5] == pytest.approx(eta * 1.0 / (S * 1.0 * (2 - eta)), rel=1e-3)  # sigma = h = 1


def test_throughput_reports_power_of_two_observations():
    r = run_demo("throughput", SMALL["throughput"], seed=0)
    assert any(n.startswith("observation: S=128") for n in r.notes)
    assert len(r.verdicts) == 1                  # the observation is not a verdict


def test_bad_throughput_sizes_are_a_clear_error():
    with pytest.raises(DemoError, match="--neighbours"):
        run_demo("throughput", {"neighbours": "96,abc"})
    with pytest.raises(DemoError, match="between 1 and --max-batch"):
        run_demo("throughput", {"max_batch": 256, "neighbours": "257"})


# ---- data-parallel -------------------------------------------------------------------------

def test_data_parallel_without_torch_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)           # `import torch` now fails
    monkeypatch.setitem(sys.modules, "torch.distributed", None)
    assert load_demo("data-parallel").NAME == "data-parallel"  # listing still works
    from gdstudy.core.backend import TORCH_INSTALL

    with pytest.raises(DemoError) as err:
        run_demo("data-parallel", DP_SMALL)
    assert str(err.value).endswith(TORCH_INSTALL)


def test_shards_cover_the_batch_once():
    from gdstudy.core.distributed import shard
    for n, k in [(64, 2), (10, 3), (7, 7), (5, 1)]:
        for how in ("equal", "unequal"):
            if how == "unequal" and n < k * (k + 1) // 2:
                continue
            idx = [i for r in range(k) for i in range(n)[shard(n, r, k, how)]]
            assert idx == list(range(n))
    sizes = [len(range(64)[shard(64, r, 2, "unequal")]) for r in range(2)]
    assert sizes == [21, 43]                                   # ~ 1 : 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_data_parallel_passes(seed):
    pytest.importorskip("torch")
    r = run_demo("data-parallel", DP_SMALL, seed=seed)
    assert r.passed, [v.line() for v in r.verdicts]
    assert r.verdicts[0].measured <= 1e-6 and "2 local worker processes" in r.notes[0]


@pytest.mark.slow
def test_data_parallel_sum_reduction_fails():
    pytest.importorskip("torch")
    r = run_demo("data-parallel", {**DP_SMALL, "reduce": "sum"}, seed=0)
    assert not r.verdicts[0].passed and not r.verdicts[1].passed


@pytest.mark.slow
def test_data_parallel_under_torchrun():
    pytest.importorskip("torch")
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun not installed next to this python")
    out = subprocess.run([str(torchrun), "--standalone", "--nproc-per-node", "2",
                          str(ROOT / "demos" / "data_parallel.py"), "--no-plot", "--steps", "3",
                          "--batch-size", "16"],   # not --n: torchrun takes it for its own --nnodes
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stdout.count("PASS  data-parallel") == 2 and "rank 1 of 2 under torchrun" in out.stdout


def _torch_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.cuda
@pytest.mark.skipif(not _torch_cuda(), reason="no CUDA device")
def test_data_parallel_on_cuda_with_nccl():
    import torch
    workers = min(2, torch.cuda.device_count())
    r = run_demo("data-parallel", {**DP_SMALL, "workers": workers}, backend="torch", device="cuda")
    assert r.passed and "nccl" in r.notes[0]


# ---- the local launcher: failures, timeouts and cancels leave no child behind ---------------

def _script(body: str) -> list[str]:
    return [sys.executable, "-c", "import os, sys, time\n"
            "r = int(os.environ['RANK'])\n"
            "open(os.path.join(sys.argv[1], f'pid{r}'), 'w').write(str(os.getpid()))\n" + body]


@pytest.fixture
def children(monkeypatch):
    """Every child process the launcher starts (it has reaped or must still own each one)."""
    made: list[subprocess.Popen] = []
    real = subprocess.Popen

    def spy(*args, **kw):
        made.append(real(*args, **kw))
        return made[-1]

    monkeypatch.setattr(subprocess, "Popen", spy)
    return made


def _started(tmp_path, n):
    return all((tmp_path / f"pid{r}").exists() for r in range(n))


def test_launcher_reports_a_failed_rank_and_kills_the_rest(tmp_path, children):
    from gdstudy.core.launch import launch_local
    argv = _script("print('boom from rank 1') if r == 1 else None\n"
                   "sys.exit(3) if r == 1 else time.sleep(60)\n") + [str(tmp_path)]
    with pytest.raises(DemoError, match=r"rank 1 exited with code 3: boom from rank 1"):  # not the timeout
        launch_local(2, argv, timeout=30)
    assert len(children) == 2 and all(p.poll() is not None for p in children)  # none left running
    assert children[1].returncode == 3 and children[0].returncode < 0  # rank 0 killed, not at the end of its sleep


def test_launcher_timeout_and_cancel_kill_the_workers(tmp_path, children):
    from gdstudy.core.launch import launch_local
    argv = _script("time.sleep(60)\n") + [str(tmp_path)]
    with pytest.raises(DemoError, match="did not finish within 1 s"):
        launch_local(2, argv, timeout=1)
    assert len(children) == 2 and all(p.poll() is not None and p.returncode < 0 for p in children)

    for f in tmp_path.glob("pid*"):
        f.unlink()
    children.clear()

    def on_poll():  # cancel once both workers run (a condition, not a delay)
        if _started(tmp_path, 2):
            raise DemoCancelled("cancelled")
    with pytest.raises(DemoCancelled):
        launch_local(2, argv, timeout=30, on_poll=on_poll)
    assert _started(tmp_path, 2)
    assert len(children) == 2 and all(p.poll() is not None and p.returncode < 0 for p in children)


def test_launcher_uses_loopback_and_the_env_protocol(tmp_path):
    from gdstudy.core.distributed import launch_local
    argv = [sys.executable, "-c", "import os, sys; r = os.environ['RANK']; open(os.path.join("
            "sys.argv[1], 'env' + r), 'w').write(' '.join(os.environ[k] for k in ('MASTER_ADDR', "
            "'WORLD_SIZE', 'LOCAL_RANK')))", str(tmp_path)]
    launch_local(3, argv, timeout=30)
    assert [(tmp_path / f"env{r}").read_text() for r in range(3)] == [f"127.0.0.1 3 {r}" for r in range(3)]
