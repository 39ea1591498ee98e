"""torch backend: parity with NumPy, device handling, CUDA paths (skipped without a GPU)."""

import numpy as np
import pytest

from gdstudy.core import (MLP, SGD, Batcher, LinearRegression, get_backend, make_function,
                          make_regression, make_xor, to_backend, train)
from gdstudy.errors import DemoError

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

# Same seed, same data, same batch order (host_indices): float64 trajectories agree to 1e-10
# relative; float32 ones to 1e-4 (different BLAS summation order).
TOL = {"float64": 1e-10, "float32": 1e-4}


def run_linear(be, momentum=0.0, nesterov=False):
    Xh, yh, _ = make_regression(300, 5, seed=3)
    X, y = be.asarray(Xh), be.asarray(yh)
    prob = LinearRegression(be, 5)
    params = to_backend(be, prob.init_params(np.random.default_rng(1), scale=1.0))
    r = train(prob, params, SGD(params, lr=0.05, momentum=momentum, nesterov=nesterov), X, y,
              Batcher(be, 300, 16), epochs=3, eval_every=7)
    return r, {k: be.to_numpy(v) for k, v in params.items()}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mom", [(0.0, False), (0.9, False), (0.9, True)])
def test_numpy_torch_parity_linear(dtype, mom):
    rn, pn = run_linear(get_backend("numpy", seed=4, dtype=dtype), *mom)
    rt, pt = run_linear(get_backend("torch", "cpu", seed=4, dtype=dtype, host_indices=True), *mom)
    np.testing.assert_allclose(rt.batch_losses, rn.batch_losses, rtol=TOL[dtype])
    np.testing.assert_allclose(rt.eval_losses, rn.eval_losses, rtol=TOL[dtype])
    for k in pn:
        np.testing.assert_allclose(pt[k], pn[k], rtol=TOL[dtype], atol=TOL[dtype])
    assert rt.epoch_ends == rn.epoch_ends and rt.samples_seen == rn.samples_seen


def test_numpy_torch_parity_mlp_and_2d():
    out = []
    for be in (get_backend("numpy", seed=0, dtype="float64"),
               get_backend("torch", "cpu", seed=0, dtype="float64", host_indices=True)):
        Xh, yh = make_xor(64, seed=0)
        prob = MLP(be, 2, 4, "tanh")
        params = to_backend(be, prob.init_params(np.random.default_rng(2)))
        r = train(prob, params, SGD(params, lr=0.5, momentum=0.9), be.asarray(Xh), be.asarray(yh),
                  Batcher(be, 64, 8), epochs=5)
        f = make_function(be, "rosenbrock")
        p = to_backend(be, f.init_params())
        r2 = train(f, p, SGD(p, lr=1e-3, momentum=0.9), max_steps=300, record_path=True)
        out.append((r.batch_losses, r2.path))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-10)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-10)


def test_torch_native_rng_is_seeded():
    a = get_backend("torch", "cpu", seed=7).permutation(50)
    b = get_backend("torch", "cpu", seed=7).permutation(50)
    assert torch.equal(a, b) and sorted(a.tolist()) == list(range(50))


def test_torch_default_dtype_and_device():
    be = get_backend("torch", "cpu")
    t = be.asarray(np.ones(3))
    assert t.dtype == torch.float32 and t.device.type == "cpu"
    assert be.asarray(np.arange(3)).dtype == torch.int64


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_unavailable_is_a_clear_error():
    for dev in ("cuda", "cuda:1"):
        with pytest.raises(DemoError, match="CUDA is not available"):
            get_backend("torch", dev)
    assert get_backend("torch", "auto").device == "cpu"


def test_bad_device_names():
    with pytest.raises(DemoError, match="unknown device"):
        get_backend("torch", "tpu")
    if not torch.cuda.is_available():
        return
    with pytest.raises(DemoError, match="cuda:N"):
        get_backend("torch", "cuda:x")


def test_mps_unavailable_is_a_clear_error():
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        pytest.skip("MPS present")
    with pytest.raises(DemoError, match="MPS"):
        get_backend("torch", "mps")


@cuda
@pytest.mark.cuda
def test_cuda_training_matches_cpu():
    """Data and permutation live on the GPU; only checkpoints sync (written, not run here)."""
    res = []
    for dev in ("cpu", "cuda"):
        be = get_backend("torch", dev, seed=0, dtype="float64", host_indices=True)
        r, params = run_linear(be)
        res.append(r.batch_losses)
    np.testing.assert_allclose(res[0], res[1], rtol=1e-8)
    be = get_backend("torch", "cuda", seed=0)
    assert be.permutation(10).device.type == "cuda"


@cuda
@pytest.mark.cuda
def test_cuda_demo_runs():
    from gdstudy.demo.runner import run_demo
    r = run_demo("variance", {"n": 64, "trials": 400}, backend="torch", device="cuda")
    assert r.passed and r.device.startswith("cuda")
