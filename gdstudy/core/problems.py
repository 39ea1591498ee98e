"""Problems with hand-written gradients. Parameters are a dict of named arrays; every problem has

    init_params(rng) -> {name: numpy array}      (host, float64; move with to_backend)
    loss(params, X, y) -> scalar array
    loss_and_grad(params, X, y) -> (loss, {name: gradient})

The loss is the mean over the rows of X, so the gradient of a mini-batch is the mean of its
per-example gradients. Linear and logistic regression also give `per_example_grads` (N, P).
2-D test functions ignore X and y and have a single parameter "xy" of shape (2,).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LinearRegression", "LogisticRegression", "MLP", "Function2D", "FUNCTIONS_2D",
    "make_function", "to_backend", "flatten", "TiltedDoubleWell",
]


def to_backend(be, params: dict) -> dict:
    """Copy a dict of host arrays onto the backend (dtype and device of `be`). Always a copy: the
    NumPy backend in float64 would otherwise hand back the caller's own array, and training would
    change the caller's start point in place."""
    return {k: be.asarray(np.array(v, dtype=np.float64, copy=True)) for k, v in params.items()}


def flatten(be, params: dict):
    """Concatenate named arrays into one vector (P,), in insertion order."""
    return be.concat([v.reshape(-1) for v in params.values()])


class LinearRegression:
    """Least squares with bias: loss = 0.5 * mean((X @ w + b - y)^2)."""

    def __init__(self, be, dim: int) -> None:
        self.be, self.dim = be, dim

    def init_params(self, rng: np.random.Generator, scale: float = 0.0) -> dict:
        return {"w": scale * rng.standard_normal(self.dim), "b": np.zeros(())}

    def loss(self, params, X, y):
        r = X @ params["w"] + params["b"] - y       # (S, D) @ (D,) -> (S,)
        return 0.5 * (r @ r) / r.shape[0]

    def loss_and_grad(self, params, X, y):
        S = X.shape[0]
        r = X @ params["w"] + params["b"] - y       # (S, D) @ (D,) -> (S,)
        loss = 0.5 * (r @ r) / S
        grads = {"w": (X.T @ r) / S,                # (D, S) @ (S,) -> (D,)
                 "b": r.sum() / S}
        return loss, grads

    def per_example_grads(self, params, X, y):
        r = X @ params["w"] + params["b"] - y       # (N, D) @ (D,) -> (N,)
        return _rows_times(self.be, r, X)


def _rows_times(be, r, X):
    """Per-example gradient rows [r_i * x_i, r_i] -> (N, D + 1), matching flatten(w, b)."""
    gw = r[:, None] * X                             # (N, 1) * (N, D) -> (N, D)
    return be.concat([gw.T, r[None, :]]).T          # (D + 1, N) -> (N, D + 1)


class LogisticRegression:
    """Binary cross-entropy on logits z = X @ w + b, labels y in {0, 1}."""

    def __init__(self, be, dim: int) -> None:
        self.be, self.dim = be, dim

    def init_params(self, rng: np.random.Generator, scale: float = 0.0) -> dict:
        return {"w": scale * rng.standard_normal(self.dim), "b": np.zeros(())}

    def loss(self, params, X, y):
        z = X @ params["w"] + params["b"]           # (S,)
        return (self.be.softplus(z) - y * z).mean()  # -log sigmoid(+-z), stable

    def loss_and_grad(self, params, X, y):
        S = X.shape[0]
        z = X @ params["w"] + params["b"]           # (S, D) @ (D,) -> (S,)
        loss = (self.be.softplus(z) - y * z).mean()
        dz = self.be.sigmoid(z) - y                 # (S,)  d loss_i / d z_i
        return loss, {"w": (X.T @ dz) / S, "b": dz.sum() / S}

    def per_example_grads(self, params, X, y):
        dz = self.be.sigmoid(X @ params["w"] + params["b"]) - y
        return _rows_times(self.be, dz, X)


class MLP:
    """One hidden layer, binary cross-entropy output:
    h = act(X @ W1 + b1)  (S, H);  z = h @ W2 + b2  (S,);  loss = mean(softplus(z) - y z)."""

    ACTIVATIONS = ("tanh", "relu", "sigmoid")

    def __init__(self, be, dim: int, hidden: int, activation: str = "tanh") -> None:
        if activation not in self.ACTIVATIONS:
            raise ValueError(f"activation must be one of {self.ACTIVATIONS}")
        self.be, self.dim, self.hidden, self.activation = be, dim, hidden, activation

    def init_params(self, rng: np.random.Generator, init: str = "random", value: float = 0.5,
                    scale: float | None = None) -> dict:
        """init: 'random' (Gaussian, std `scale`, default 1/sqrt(fan_in)), 'zero' or 'constant'
        (every weight and bias equal to `value`)."""
        D, H = self.dim, self.hidden
        shapes = {"W1": (D, H), "b1": (H,), "W2": (H,), "b2": ()}
        if init == "zero":
            return {k: np.zeros(s) for k, s in shapes.items()}
        if init == "constant":
            return {k: np.full(s, float(value)) for k, s in shapes.items()}
        if init != "random":
            raise ValueError("init must be 'random', 'zero' or 'constant'")
        s1 = 1.0 / np.sqrt(D) if scale is None else scale
        s2 = 1.0 / np.sqrt(H) if scale is None else scale
        return {"W1": s1 * rng.standard_normal((D, H)), "b1": np.zeros(H),
                "W2": s2 * rng.standard_normal(H), "b2": np.zeros(())}

    def _act(self, z):
        be = self.be
        return {"tanh": be.tanh, "relu": be.relu, "sigmoid": be.sigmoid}[self.activation](z)

    def _act_grad(self, z, h):  # d act / d z, from the pre-activation z and output h
        if self.activation == "tanh":
            return 1 - h * h
        if self.activation == "relu":
            return self.be.step01(z)
        return h * (1 - h)

    def forward(self, params, X):
        z1 = X @ params["W1"] + params["b1"]        # (S, D) @ (D, H) -> (S, H)
        h = self._act(z1)                           # (S, H)
        z = h @ params["W2"] + params["b2"]         # (S, H) @ (H,) -> (S,)
        return z1, h, z

    def loss(self, params, X, y):
        _, _, z = self.forward(params, X)
        return (self.be.softplus(z) - y * z).mean()

    def loss_and_grad(self, params, X, y):
        S = X.shape[0]
        z1, h, z = self.forward(params, X)
        loss = (self.be.softplus(z) - y * z).mean()
        dz = (self.be.sigmoid(z) - y) / S           # (S,)
        dh = dz[:, None] * params["W2"][None, :]    # (S, 1) * (1, H) -> (S, H)
        dz1 = dh * self._act_grad(z1, h)            # (S, H)
        grads = {"W1": X.T @ dz1,                   # (D, S) @ (S, H) -> (D, H)
                 "b1": dz1.sum(0),                  # (H,)
                 "W2": h.T @ dz,                    # (H, S) @ (S,) -> (H,)
                 "b2": dz.sum()}
        return loss, grads

    def accuracy(self, params, X, y) -> float:
        _, _, z = self.forward(params, X)
        pred = self.be.to_numpy(z) > 0
        return float((pred == (self.be.to_numpy(y) > 0.5)).mean())


class Function2D:
    """A 2-D test function f(x, y) with its analytic gradient; parameter "xy" has shape (2,)."""

    name = "?"
    minima: tuple = ()

    def __init__(self, be, **kw) -> None:
        self.be = be
        for k, v in kw.items():
            setattr(self, k, float(v))

    def init_params(self, rng=None, start=(-1.5, 1.0)) -> dict:
        return {"xy": np.asarray(start, dtype=np.float64)}

    def value_grad(self, x, y):  # overridden: returns f, df/dx, df/dy
        raise NotImplementedError

    def loss(self, params, X=None, y=None):
        p = params["xy"]
        return self.value_grad(p[0], p[1])[0]

    def loss_and_grad(self, params, X=None, y=None):
        p = params["xy"]
        f, gx, gy = self.value_grad(p[0], p[1])
        return f, {"xy": self.be.stack([gx, gy])}


class Quadratic(Function2D):
    """Ill-conditioned bowl f = 0.5 (x^2 + kappa y^2); condition number kappa."""
    name, kappa, minima = "quadratic", 10.0, ((0.0, 0.0),)

    def value_grad(self, x, y):
        return 0.5 * (x * x + self.kappa * y * y), x, self.kappa * y


class Saddle(Function2D):
    """f = x^2 - y^2: a saddle at the origin, unbounded below along y."""
    name, minima = "saddle", ()

    def value_grad(self, x, y):
        return x * x - y * y, 2 * x, -2 * y


class DoubleWell(Function2D):
    """f = (x^2 - 1)^2 + y^2: two minima at (+-1, 0), a barrier at x = 0."""
    name, minima = "double-well", ((-1.0, 0.0), (1.0, 0.0))

    def value_grad(self, x, y):
        u = x * x - 1
        return u * u + y * y, 4 * x * u, 2 * y


class Rosenbrock(Function2D):
    """f = (a - x)^2 + b (y - x^2)^2: a curved valley, minimum at (a, a^2)."""
    name, a, b, minima = "rosenbrock", 1.0, 100.0, ((1.0, 1.0),)

    def value_grad(self, x, y):
        u = y - x * x
        f = (self.a - x) ** 2 + self.b * u * u
        return f, -2 * (self.a - x) - 4 * self.b * x * u, 2 * self.b * u


FUNCTIONS_2D = {c.name: c for c in (Quadratic, Saddle, DoubleWell, Rosenbrock)}


class TiltedDoubleWell:
    """1-D double well with a shallow and a deep minimum, as a data problem (mini-batches):
    per example f_i(w) = (w^2 - 1)^2 + t_i w with tilts t_i = X[:, 0]. The full loss is the well
    tilted by t = mean(t_i): for t > 0 the deep minimum is at w < 0, the shallow one at w > 0,
    the barrier in between. A batch sees only its own tilts: gradient noise var(t_i)/S with
    replacement. `value`/`grad` are elementwise, so (R,) arrays run R walkers at once."""

    def __init__(self, be, tilt: float = 0.5) -> None:
        self.be, self.tilt = be, float(tilt)

    @staticmethod
    def make_data(n: int, tilt: float, spread: float, rng: np.random.Generator) -> np.ndarray:
        """Tilts (n, 1) with mean exactly `tilt` and standard deviation exactly `spread`."""
        t = rng.standard_normal(n)
        return (tilt + spread * (t - t.mean()) / t.std())[:, None]

    def stationary_points(self, tilt: float | None = None) -> tuple:
        """(deep minimum, barrier, shallow minimum) of the full loss: roots of 4w^3 - 4w + t."""
        t = self.tilt if tilt is None else tilt
        r = np.roots([4.0, 0.0, -4.0, t])
        if np.abs(r.imag).max() > 1e-9:
            raise ValueError(f"tilt {t} is too large: only one minimum (|tilt| < 1.5396)")
        return tuple(sorted(r.real.tolist(), key=lambda w: w if t >= 0 else -w))

    @staticmethod
    def value(w, t):
        u = w * w - 1
        return u * u + t * w

    @staticmethod
    def grad(w, t):
        return 4 * w * (w * w - 1) + t

    def init_params(self, rng=None, start: float | None = None) -> dict:
        w0 = self.stationary_points()[2] if start is None else start
        return {"w": np.full(1, float(w0))}        # (1,); y is unused (train needs one)

    def loss(self, params, X, y=None):
        return self.value(params["w"], X[:, 0].mean()).sum()

    def loss_and_grad(self, params, X, y=None):
        t = X[:, 0].mean()                          # (S, 1) -> scalar: the batch's tilt
        return self.value(params["w"], t).sum(), {"w": self.grad(params["w"], t)}


def make_function(be, name: str, **kw) -> Function2D:
    return FUNCTIONS_2D[name](be, **kw)


def gradient_samples(be, kind: str, n: int, dim: int, seed: int, rng: np.random.Generator):
    """For the sampling demos: '{linear|logistic}' regression data (seeded), a random point w
    drawn from `rng`, and at w the full gradient (P,) and the per-example gradients (N, P)."""
    from gdstudy.core.data import make_classification, make_regression
    if kind == "linear":
        X, y, _ = make_regression(n, dim, seed=seed)
        prob = LinearRegression(be, dim)
    else:
        X, y, _ = make_classification(n, dim, seed=seed)
        prob = LogisticRegression(be, dim)
    X, y = be.asarray(X), be.asarray(y)
    params = to_backend(be, prob.init_params(rng, scale=1.0))
    full = flatten(be, prob.loss_and_grad(params, X, y)[1])   # (P,) on all N examples
    return full, prob.per_example_grads(params, X, y)         # (N, P); rows average to `full`
