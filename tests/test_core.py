"""Core maths: gradients vs finite differences, batching, optimizers, schedules, divergence."""

import math

import numpy as np
import pytest

from gdstudy.core import (FUNCTIONS_2D, MLP, SGD, Batcher, InverseTime, LinearRegression,
                          LogisticRegression, StepDecay, flatten, get_backend, make_classification,
                          make_function, make_moons, make_regression, make_xor, to_backend, train)
from gdstudy.errors import DemoError


@pytest.fixture
def be():
    return get_backend("numpy", seed=0, dtype="float64")


def finite_diff(prob, params, X, y, eps=1e-6):
    """Central differences of prob.loss for every entry of every parameter."""
    out = {}
    for k, v in params.items():
        g = np.zeros_like(v, dtype=float)
        for i in np.ndindex(v.shape):
            old = v[i].copy()
            v[i] = old + eps
            up = float(prob.loss(params, X, y))
            v[i] = old - eps
            down = float(prob.loss(params, X, y))
            v[i] = old
            g[i] = (up - down) / (2 * eps)
        out[k] = g
    return out


def check_grad(prob, params, X, y):
    loss, grads = prob.loss_and_grad(params, X, y)
    assert float(loss) == pytest.approx(float(prob.loss(params, X, y)))
    fd = finite_diff(prob, params, X, y)
    for k in params:
        np.testing.assert_allclose(np.asarray(grads[k]), fd[k], rtol=1e-5, atol=1e-7, err_msg=k)


def test_linear_gradient(be):
    X, y, _ = make_regression(30, 4, seed=1)
    prob = LinearRegression(be, 4)
    check_grad(prob, to_backend(be, prob.init_params(np.random.default_rng(0), scale=1.0)), X, y)


def test_logistic_gradient(be):
    X, y, _ = make_classification(30, 4, seed=1)
    prob = LogisticRegression(be, 4)
    check_grad(prob, to_backend(be, prob.init_params(np.random.default_rng(0), scale=1.0)), X, y)


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_mlp_gradient(be, act):
    X, y = make_moons(20, seed=2)
    prob = MLP(be, 2, 5, act)
    params = to_backend(be, prob.init_params(np.random.default_rng(3)))
    params["b1"] += 0.1  # keep ReLU pre-activations away from the kink
    check_grad(prob, params, X, y)


@pytest.mark.parametrize("name", sorted(FUNCTIONS_2D))
def test_2d_gradients(be, name):
    f = make_function(be, name)
    for start in [(-1.2, 0.7), (0.3, -0.4), (1.1, 1.3)]:
        check_grad(f, to_backend(be, f.init_params(start=start)), None, None)


def test_2d_minima(be):
    for name, cls in FUNCTIONS_2D.items():
        f = cls(be)
        for m in cls.minima:
            _, g = f.loss_and_grad({"xy": np.array(m)})
            np.testing.assert_allclose(g["xy"], 0, atol=1e-12)


def test_per_example_grads_average_to_full_gradient(be):
    for cls, make in [(LinearRegression, make_regression), (LogisticRegression, make_classification)]:
        X, y, _ = make(50, 3, seed=0)
        prob = cls(be, 3)
        params = to_backend(be, prob.init_params(np.random.default_rng(1), scale=1.0))
        G = prob.per_example_grads(params, X, y)
        assert G.shape == (50, 4)
        np.testing.assert_allclose(G.mean(0), flatten(be, prob.loss_and_grad(params, X, y)[1]), atol=1e-12)
        idx = np.array([3, 7, 7, 20])  # a batch gradient is the mean of its rows
        np.testing.assert_allclose(G[idx].mean(0), flatten(be, prob.loss_and_grad(params, X[idx], y[idx])[1]),
                                   atol=1e-12)


def test_data_generators_are_seeded():
    a, b = make_regression(10, 3, seed=5), make_regression(10, 3, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(make_regression(10, 3, seed=6)[0], a[0])
    X, y = make_xor(40, seed=0)
    assert X.shape == (40, 2) and set(y) == {0.0, 1.0} and y.mean() == 0.5


@pytest.mark.parametrize("n,s", [(10, 1), (10, 3), (10, 10), (1000, 64), (7, 2)])
def test_steps_per_epoch(n, s):
    be = get_backend("numpy")
    assert Batcher(be, n, s).steps_per_epoch == math.ceil(n / s)
    assert len(list(Batcher(be, n, s).epoch())) == math.ceil(n / s)
    assert Batcher(be, n, s, drop_last=True).steps_per_epoch == n // s


def test_reshuffle_covers_every_index_once_per_epoch():
    be = get_backend("numpy", seed=1)
    b = Batcher(be, 103, 10)
    orders = []
    for _ in range(3):
        order = np.concatenate(list(b.epoch()))
        np.testing.assert_array_equal(np.sort(order), np.arange(103))
        orders.append(order)
    assert not np.array_equal(orders[0], orders[1])


def test_sampling_with_replacement_and_no_shuffle():
    be = get_backend("numpy", seed=1)
    order = np.concatenate(list(Batcher(be, 200, 10, replacement=True).epoch()))
    assert len(order) == 200 and len(np.unique(order)) < 200
    slices = list(Batcher(be, 10, 4, shuffle=False).epoch())
    assert slices == [slice(0, 4), slice(4, 8), slice(8, 10)]
    with pytest.raises(ValueError):
        Batcher(be, 10, 11)


def test_sgd_momentum_nesterov_by_hand():
    g = [np.array([1.0]), np.array([2.0]), np.array([-1.0])]
    mu, lr = 0.9, 0.1
    for nesterov in (False, True):
        p = {"x": np.array([0.0])}
        opt = SGD(p, lr=lr, momentum=mu, nesterov=nesterov)
        x, v = 0.0, 0.0
        for gi in g:
            opt.step({"x": gi})
            v = mu * v + gi[0]
            x -= lr * (gi[0] + mu * v) if nesterov else lr * v
            assert p["x"][0] == pytest.approx(x)
    p = {"x": np.array([1.0])}
    SGD(p, lr=0.5).step({"x": np.array([4.0])})
    assert p["x"][0] == -1.0


def test_schedules():
    s = StepDecay(1.0, every=10, gamma=0.5)
    assert [s(0), s(9), s(10), s(25)] == [1.0, 1.0, 0.5, 0.25]
    i = InverseTime(1.0, decay=0.1)
    assert i(0) == 1.0 and i(10) == pytest.approx(0.5)
    p = {"x": np.array([0.0])}
    opt = SGD(p, lr=s)
    for _ in range(11):
        opt.step({"x": np.array([1.0])})
    assert p["x"][0] == pytest.approx(-(10 * 1.0 + 0.5))


def test_train_records_epochs_samples_and_path():
    be = get_backend("numpy", seed=0)
    X, y, _ = make_regression(100, 3, seed=0)
    X, y = be.asarray(X), be.asarray(y)
    prob = LinearRegression(be, 3)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    r = train(prob, params, SGD(params, lr=0.1), X, y, Batcher(be, 100, 32), epochs=3, eval_every=5)
    assert r.steps == 12 and r.epoch_ends == [4, 8, 12] and r.samples_seen == 300
    assert len(r.batch_losses) == 12 and r.eval_steps[0] == 0 and r.eval_steps[-1] == 12
    assert r.eval_losses[-1] < r.eval_losses[0] and not r.diverged and r.stopped == "done"
    f = make_function(be, "quadratic")
    p = to_backend(be, f.init_params(start=(1.0, 1.0)))
    r = train(f, p, SGD(p, lr=0.05), max_steps=50, record_path=True)
    assert len(r.path) == 51 and r.path[0] == [1.0, 1.0]
    assert abs(r.path[-1][1]) < abs(r.path[-1][0]) < 1.0  # the stiff direction converges first


def test_divergence_is_reported_not_raised():
    be = get_backend("numpy")
    f = make_function(be, "quadratic")
    p = to_backend(be, f.init_params())
    r = train(f, p, SGD(p, lr=0.5), max_steps=2000)  # lr * kappa = 5 > 2: unstable
    assert r.diverged and r.stopped == "diverged" and r.message.startswith("diverged at step ")
    assert 1 <= r.diverged_at < 2000
    X, y, _ = make_regression(200, 5, seed=0)
    X, y = be.asarray(X), be.asarray(y)
    prob = LinearRegression(be, 5)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    r = train(prob, params, SGD(params, lr=50.0), X, y, Batcher(be, 200, 10), epochs=50)
    assert r.diverged and r.steps < 50 * 20


def test_target_cancel_and_progress():
    be = get_backend("numpy")
    X, y, _ = make_regression(500, 4, seed=0)
    X, y = be.asarray(X), be.asarray(y)
    prob = LinearRegression(be, 4)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    r = train(prob, params, SGD(params, lr=0.1), X, y, Batcher(be, 500, 10), epochs=20,
              eval_every=5, target_loss=0.5, stop_at_target=True)
    assert r.stopped == "target" and r.target_step % 5 == 0 and r.eval_losses[-1] <= 0.5
    calls = []
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    r = train(prob, params, SGD(params, lr=0.1), X, y, Batcher(be, 500, 10), epochs=20,
              check_every=10, progress=lambda d, t: calls.append((d, t)), cancel=lambda: len(calls) >= 3)
    assert r.stopped == "cancelled" and r.steps == 30 and calls[-1] == (30, 1000)


def test_backend_errors():
    with pytest.raises(DemoError, match="CPU only"):
        get_backend("numpy", device="cuda")
    with pytest.raises(DemoError, match="unknown backend"):
        get_backend("jax")
    with pytest.raises(DemoError, match="dtype"):
        get_backend("numpy", dtype="float16")


def test_float32_default_and_float64():
    assert get_backend().asarray(np.ones(2)).dtype == np.float32
    assert get_backend(dtype="float64").asarray(np.ones(2)).dtype == np.float64
    be = get_backend()
    X, y, _ = make_regression(20, 2, seed=0)
    prob = LinearRegression(be, 2)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    loss, grads = prob.loss_and_grad(params, be.asarray(X), be.asarray(y))
    assert np.asarray(loss).dtype == np.float32 and grads["w"].dtype == np.float32


def test_least_squares_reference_matches_lstsq_and_curvature():
    from gdstudy.core import least_squares, make_regression

    X, y, _ = make_regression(500, 6, seed=3, cond=30.0)
    ref = least_squares(X, y)
    A = np.c_[X, np.ones(len(X))]
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(ref.theta, theta, rtol=1e-8, atol=1e-10)
    assert ref.loss == pytest.approx(0.5 * np.mean((A @ theta - y) ** 2), rel=1e-10)
    assert ref.L == pytest.approx(np.linalg.eigvalsh(A.T @ A / len(X)).max(), rel=1e-12)
    assert least_squares(X[:, 0], y).theta.shape == (2,)  # a 1-D feature works too


def test_to_backend_copies_even_in_float64():
    """Training from to_backend(params) must never change the caller's arrays (the NumPy backend's
    asarray is a no-op for float64: the minibatch demo once trained its shared start in place)."""
    from gdstudy.core import to_backend
    from gdstudy.core.backend import get_backend

    host = {"w": np.zeros(3), "b": np.zeros(1)}
    for dtype in ("float32", "float64"):
        dev = to_backend(get_backend("numpy", dtype=dtype), host)
        dev["w"] += 1.0
        assert not host["w"].any(), dtype
