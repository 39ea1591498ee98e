"""The fast batch gather (Batcher.gather: np.take(mode="clip") / index_select into reused
buffers) must not change what an epoch is or what a step computes."""

import math

import numpy as np
import pytest

from gdstudy.core import SGD, Batcher, LinearRegression, get_backend, make_regression, to_backend, train


class FancyIndexBatcher(Batcher):
    """Reference: the previous gather, plain X[idx], y[idx] into fresh arrays."""

    def gather(self, X, y, idx):
        return X[idx], y[idx]


class EpochOnlyBatcher:
    """A custom batcher with only epoch() (no gather): train falls back to X[idx]."""

    def __init__(self, inner):
        self.inner, self.batch_size, self.steps_per_epoch = inner, inner.batch_size, inner.steps_per_epoch

    def epoch(self):
        return self.inner.epoch()


def _backends():
    out = ["numpy"]
    try:
        import torch  # noqa: F401
        out.append("torch")
    except ImportError:
        pass
    return out


def _data(be, n, d=5, seed=0):
    Xh, yh, _ = make_regression(n, d, seed=seed)
    return be.asarray(Xh), be.asarray(yh)


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("n,s", [(103, 10), (100, 100), (64, 1), (50, 49)])
def test_gather_equals_plain_indexing_and_epochs_stay_permutations(backend, n, s):
    be = get_backend(backend, "cpu", seed=3)
    X, y = _data(be, n)
    b = Batcher(be, n, s)
    orders = []
    for _ in range(3):  # buffers are reused across steps and epochs
        batches = list(b.epoch())
        assert len(batches) == b.steps_per_epoch == math.ceil(n / s)
        for idx in batches:
            xb, yb = b.gather(X, y, idx)
            np.testing.assert_array_equal(be.to_numpy(xb), be.to_numpy(X[idx]))
            np.testing.assert_array_equal(be.to_numpy(yb), be.to_numpy(y[idx]))
            assert xb.dtype == X.dtype and yb.dtype == y.dtype  # float32 stays float32
            i = be.to_numpy(idx)
            assert len(np.unique(i)) == len(i)                  # S distinct examples
        order = np.concatenate([be.to_numpy(i) for i in batches])
        np.testing.assert_array_equal(np.sort(order), np.arange(n))  # each example once
        orders.append(order)
    if n > 2:
        assert not np.array_equal(orders[0], orders[1]) or not np.array_equal(orders[1], orders[2])


@pytest.mark.parametrize("backend", _backends())
def test_gather_with_replacement_and_without_shuffle(backend):
    be = get_backend(backend, "cpu", seed=1)
    X, y = _data(be, 40)
    b = Batcher(be, 40, 8, replacement=True)
    for idx in b.epoch():
        xb, yb = b.gather(X, y, idx)
        np.testing.assert_array_equal(be.to_numpy(xb), be.to_numpy(X[idx]))
    b = Batcher(be, 40, 16, shuffle=False)
    for idx in b.epoch():
        xb, _ = b.gather(X, y, idx)
        assert isinstance(idx, slice)
        np.testing.assert_array_equal(be.to_numpy(xb), be.to_numpy(X[idx]))


def test_gather_buffers_follow_the_data_shape():
    be = get_backend("numpy", seed=0)
    b = Batcher(be, 30, 7)
    idx = next(iter(b.epoch()))
    for d in (3, 5):
        X, y = _data(be, 30, d)
        xb, yb = b.gather(X, y, idx)
        assert xb.shape == (7, d)
        np.testing.assert_array_equal(xb, X[idx])
    X64 = X.astype(np.float64)
    xb, _ = b.gather(X64, y, idx)
    assert xb.dtype == np.float64
    np.testing.assert_array_equal(xb, X64[idx])


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_is_identical_to_the_plain_indexing_reference(backend, dtype):
    """Same seed, same batches: the gathered rows are the same numbers in the same order, so
    the trajectory must be bit-identical to the X[idx] reference (and to a custom batcher
    that has no gather method)."""
    runs = []
    for make in (Batcher, FancyIndexBatcher, lambda *a: EpochOnlyBatcher(Batcher(*a))):
        be = get_backend(backend, "cpu", seed=7, dtype=dtype)
        X, y = _data(be, 257, 6, seed=2)
        prob = LinearRegression(be, 6)
        params = to_backend(be, prob.init_params(np.random.default_rng(0), scale=0.1))
        r = train(prob, params, SGD(params, lr=0.05), X, y, make(be, 257, 32), epochs=3)
        assert r.steps == 3 * math.ceil(257 / 32)
        runs.append((r.batch_losses, {k: be.to_numpy(v) for k, v in params.items()}))
        assert all(v.dtype == np.dtype(dtype) for v in runs[-1][1].values())
    for losses, params in runs[1:]:
        assert losses == runs[0][0]
        for k in params:
            np.testing.assert_array_equal(params[k], runs[0][1][k])


def test_step_gradient_matches_float64_reference():
    """A float32 step's mean gradient equals the float64 mean over the same batch (tolerance)."""
    be = get_backend("numpy", seed=4)
    X, y = _data(be, 500, 8, seed=1)
    prob = LinearRegression(be, 8)
    params = to_backend(be, prob.init_params(np.random.default_rng(1), scale=0.5))
    b = Batcher(be, 500, 64)
    idx = next(iter(b.epoch()))
    xb, yb = b.gather(X, y, idx)
    loss, g = prob.loss_and_grad(params, xb, yb)
    assert loss.dtype == np.float32 and g["w"].dtype == np.float32
    X64, y64 = X[idx].astype(np.float64), y[idx].astype(np.float64)
    r = X64 @ params["w"].astype(np.float64) + params["b"].astype(np.float64) - y64
    np.testing.assert_allclose(g["w"], X64.T @ r / len(r), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g["b"], r.mean(), rtol=1e-5, atol=1e-6)
