"""Every demo PASSes at a small size at three seeds, and a deliberately broken setting FAILs."""

import json

import pytest

from gdstudy.demo import DemoResult, Param
from gdstudy.demo.registry import demo_names, load_demo, validate_params
from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

SEEDS = (0, 1, 2)
SMALL = {
    "minibatch": {"max_seconds": 0.3},  # the default N: the timing claim is about the default size
    "epoch": {"n": 200, "batch_size": 16},
    "unbiased": {"n": 500, "trials": 256, "reps": 32},
    "variance": {"n": 128, "trials": 1500},
    "symmetry": {"n": 80, "steps": 800},
}
BROKEN = {  # setting -> which verdict must fail
    "minibatch": ({"loss": "sum"}, "reaches the target first"),       # summed batch loss: step S x lr
    "epoch": ({"replacement": True}, "exactly once"),
    "unbiased": ({"sampling": "biased"}, "unbiased: pooled mean"),     # P(i) ~ |g_i|, not reweighted
    "variance": ({"fpc": False}, "without replacement"),               # wrong theory value
    "symmetry": ({"jitter": 1e-3}, "hidden units"),                    # symmetry broken on purpose
}


def test_five_demos_are_registered():
    assert set(SMALL) <= set(demo_names())


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize("seed", SEEDS)
def test_demo_passes(name, seed):
    r = run_demo(name, SMALL[name], seed=seed)
    assert r.passed, "\n".join(v.line() for v in r.verdicts)
    assert r.name == name and r.verdicts and r.plots and r.table.rows


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_broken_setting_fails(key):
    name = key.split("-")[0]
    setting, failing = BROKEN[key]
    r = run_demo(name, {**SMALL[name], **setting}, seed=0)
    assert not r.passed
    assert any(failing in v.name and not v.passed for v in r.verdicts), [v.line() for v in r.verdicts]


def test_declared_name_matches_file_and_interface():
    for name in demo_names():
        m = load_demo(name)
        assert m.NAME == name
        assert isinstance(m.TITLE, str) and "\n" not in m.TITLE
        assert m.CLAIM and callable(m.run) and m.__doc__ and "python demos/" in m.__doc__
        assert all(isinstance(p, Param) for p in m.PARAMS)
        assert len({p.name for p in m.PARAMS}) == len(m.PARAMS)
        for p in m.PARAMS:
            assert p.convert(p.default) == p.default  # defaults satisfy their own validation


def test_result_json_round_trip():
    r = run_demo("epoch", SMALL["epoch"], seed=0)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["passed"] is True and d["name"] == "epoch" and d["params"]["batch_size"] == 16
    again = DemoResult.from_dict(d)
    assert again.to_dict() == d and again.passed


def test_non_finite_values_become_null():
    r = DemoResult(verdicts=[])
    r.notes = []
    r.plots = []
    from gdstudy.demo import Plot, Series
    r.plots.append(Plot("t", "x", "y", [Series("s", [1, 2], [float("nan"), float("inf")])]))
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["plots"][0]["series"][0]["y"] == [None, None] and d["passed"] is False


def test_unknown_demo_suggests_nearest():
    with pytest.raises(DemoError, match="did you mean minibatch"):
        load_demo("minibach")


def test_validate_params_for_cards():
    assert validate_params("minibatch", {"batch-size": 32})["batch_size"] == 32
    assert validate_params("epoch", {"batch_size": "8", "replacement": "false"})["replacement"] is False
    assert validate_params("epoch", {"shuffle": "batches"})["shuffle"] == "batches"
    with pytest.raises(DemoError, match="unknown parameter --batchsize.*--batch-size"):
        validate_params("minibatch", {"batchsize": 32})
    with pytest.raises(DemoError, match="--batch-size must be >= 16"):
        validate_params("minibatch", {"batch_size": 1})
    with pytest.raises(DemoError, match="expected an integer"):
        validate_params("minibatch", {"batch_size": "many"})
    with pytest.raises(DemoError, match="not one of"):
        validate_params("variance", {"problem": "svm"})
    with pytest.raises(DemoError, match="--batch-sizes"):
        validate_params("variance", {"batch_sizes": "1,x"})
    with pytest.raises(DemoError, match="between 1 and N"):
        validate_params("variance", {"n": 64, "batch_sizes": "1,65"})
    with pytest.raises(DemoError, match="must be <= --n"):
        validate_params("epoch", {"n": 10, "batch_size": 20})
    with pytest.raises(DemoError, match="mapping"):
        validate_params("epoch", [1, 2])


def test_param_conversion():
    p = Param("n", 10, min=1)
    assert p.convert("1e3") == 1000 and p.convert(7.0) == 7
    for bad in ("1.5", True, "x"):
        with pytest.raises(DemoError):
            p.convert(bad)
    f = Param("lr", 0.1)
    assert f.convert("2") == 2.0
    with pytest.raises(DemoError):
        f.convert("nan")


def test_progress_and_cancel():
    import threading
    calls = []
    run_demo("variance", {"n": 64, "trials": 600, "chunk": 100}, progress=lambda *a: calls.append(a))
    assert calls and calls[-1][0] == calls[-1][1]
    ev = threading.Event()
    ev.set()
    from gdstudy.demo import DemoCancelled
    with pytest.raises(DemoCancelled):
        run_demo("variance", {"n": 64}, cancel_event=ev)


def test_torch_backend_runs_a_demo():
    pytest.importorskip("torch")
    r = run_demo("unbiased", SMALL["unbiased"], backend="torch", device="cpu", seed=0)
    assert r.passed and r.backend == "torch" and r.device == "cpu"
