"""Seeded data generators. They return NumPy arrays (float64) made on the host, so every backend
and dtype sees the same numbers; move them with `backend.asarray(...)`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["make_regression", "make_classification", "make_xor", "make_moons", "LeastSquares", "least_squares"]


def make_regression(n: int, d: int, noise: float = 0.5, seed: int = 0, cond: float = 1.0):
    """y = X @ w_true + 1 + noise * eps. Feature scales go from 1 down to 1/sqrt(cond), so the
    Hessian X^T X / n has condition number about `cond`. Returns X (n, d), y (n,), w_true (d,)."""
    rng = np.random.default_rng(seed)
    scales = np.sqrt(np.geomspace(1.0, 1.0 / cond, d)) if d > 1 else np.ones(1)
    X = rng.standard_normal((n, d)) * scales      # (n, d) * (d,) -> (n, d)
    w_true = rng.standard_normal(d)
    y = X @ w_true + 1.0 + noise * rng.standard_normal(n)  # (n, d) @ (d,) -> (n,)
    return X, y, w_true


def make_classification(n: int, d: int, seed: int = 0, margin: float = 1.0):
    """Binary labels (0/1) from a noisy linear rule: P(y=1|x) = sigmoid(margin * x @ w_true)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d) / np.sqrt(d)
    p = 1.0 / (1.0 + np.exp(-margin * (X @ w_true) * np.sqrt(d)))
    y = (rng.random(n) < p).astype(np.float64)
    return X, y, w_true


def make_xor(n: int, noise: float = 0.25, seed: int = 0):
    """Four Gaussian blobs at (+-1, +-1); label 1 where the signs differ (XOR). Not linearly
    separable: a network needs at least two distinct hidden units."""
    rng = np.random.default_rng(seed)
    centers = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    labels = np.array([0.0, 0.0, 1.0, 1.0])
    k = np.arange(n) % 4                           # balanced classes
    X = centers[k] + noise * rng.standard_normal((n, 2))
    return X, labels[k]


def make_moons(n: int, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles (labels 0/1), like sklearn.datasets.make_moons."""
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0 = np.pi * rng.random(n0)
    t1 = np.pi * rng.random(n - n0)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    return X, y


class LeastSquares(NamedTuple):
    """The exact answer for the linear-regression loss ½·mean((x·w + b − y)²) on (X, y)."""

    theta: np.ndarray  # (D+1,) optimal (w, b)
    loss: float        # the optimal loss
    hessian: np.ndarray  # (D+1, D+1)
    L: float           # largest curvature: GD with a constant step is stable iff lr < 2/L


def least_squares(X: np.ndarray, y: np.ndarray) -> LeastSquares:
    """Solve the normal equations in float64 (the demos' reference optimum and curvature)."""
    n = len(X)
    A = np.c_[X.reshape(n, -1), np.ones(n)]             # (N, D+1) with the bias column
    H = A.T @ A / n                                      # (D+1, D+1) Hessian of the mean loss
    theta = np.linalg.solve(H, A.T @ y / n)              # (D+1,)
    loss = 0.5 * float(np.mean((A @ theta - y) ** 2))
    return LeastSquares(theta, loss, H, float(np.linalg.eigvalsh(H)[-1]))
