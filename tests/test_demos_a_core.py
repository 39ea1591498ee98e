"""Core changes made for the demos of issue 10/11: train() no longer allocates its whole loss
history up front (a long budget that stops early at a time limit or target stays small)."""

import tracemalloc

import numpy as np

from gdstudy.core import SGD, Batcher, LinearRegression, get_backend, make_regression, to_backend, train
import sys

train_mod = sys.modules["gdstudy.core.train"]


def _setup(n=2000, d=4):
    be = get_backend("numpy", seed=0, dtype="float64")
    Xh, yh, _ = make_regression(n, d, seed=0)
    prob = LinearRegression(be, d)
    params = to_backend(be, prob.init_params(np.random.default_rng(1)))
    return be, be.asarray(Xh), be.asarray(yh), prob, params


def test_long_budget_that_stops_early_does_not_allocate_it():
    be, X, y, prob, params = _setup()
    tracemalloc.start()
    res = train(prob, params, SGD(params, lr=0.01), X, y, Batcher(be, 2000, 1), epochs=5000,
                max_steps=None, target_loss=1e9, stop_at_target=True)   # stops at the first check
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert res.steps < 10_000
    assert peak < 5000 * 2000 * 8 / 20, peak        # far below the 80 MB a full history would take


def test_grown_loss_buffer_keeps_every_loss(monkeypatch):
    monkeypatch.setattr(train_mod, "LOSS_CHUNK", 7)
    be, X, y, prob, params = _setup(200)
    a = train(prob, params, SGD(params, lr=0.01), X, y, Batcher(be, 200, 8), epochs=3)
    monkeypatch.setattr(train_mod, "LOSS_CHUNK", 1 << 16)
    be, X, y, prob, params = _setup(200)
    b = train(prob, params, SGD(params, lr=0.01), X, y, Batcher(be, 200, 8), epochs=3)
    assert a.steps == b.steps == 75 and a.batch_losses == b.batch_losses
