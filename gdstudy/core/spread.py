"""Exact mean squared distance to the minimum of mini-batch SGD on least squares.

Loss f(theta) = 1/(2N) sum_i (a_i . theta - y_i)^2, minimum theta*, residuals r_i = a_i . theta* - y_i
(sum_i r_i a_i = 0), Hessian H = 1/N sum a_i a_i^T. One SGD step with a batch of S distinct
examples drawn uniformly (independently from step to step): theta' = theta - eta g, g the batch
mean of g_i = a_i (a_i . delta + r_i), delta = theta - theta*. The batch mean of S of N values
without replacement has covariance f/S times their population covariance, f = (N - S)/(N - 1).
Hence, exactly, with mu_t = E delta_t and Sigma_t = E delta_t delta_t^T:

    mu_{t+1}    = G mu_t,                          G = I - eta H
    Sigma_{t+1} = G Sigma_t G + eta^2 f/S [M(Sigma_t) + 2 K(mu_t) + C - H Sigma_t H]

    M(Sigma) = 1/N sum (a_i^T Sigma a_i) a_i a_i^T,  K(mu) = 1/N sum r_i (a_i . mu) a_i a_i^T,
    C = 1/N sum r_i^2 a_i a_i^T.

E|delta_t|^2 = tr Sigma_t. The stationary Sigma_inf solves the same equation with mu = 0 (a
linear system); it is infinite when the second moment is not contracting (eta too large).
Sums over a window of steps use powers of the (affine) linear map, not a loop over the steps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SgdSpread", "sgd_spread", "fourth_moment_radius", "largest_lr"]


class SgdSpread:
    def __init__(self, A: np.ndarray, r: np.ndarray, H: np.ndarray, lr: float, S: int) -> None:
        A, r = np.asarray(A, dtype=np.float64), np.asarray(r, dtype=np.float64)
        n, d = A.shape
        self.d, self.lr = d, float(lr)
        self.lam_min = float(np.linalg.eigvalsh(H)[0])
        f = (n - S) / (n - 1) if n > 1 else 0.0
        c = lr * lr * f / S
        Q = np.einsum("ij,ik,il,im->jklm", A, A, A, A, optimize=True) / n      # (d, d, d, d)
        P = np.einsum("i,ij,ik,il->jkl", r, A, A, A, optimize=True) / n        # (d, d, d)
        C = np.einsum("i,ij,ik->jk", r * r, A, A, optimize=True) / n           # (d, d)
        G = np.eye(d) - lr * H
        d2 = d * d
        # z = [vec Sigma (d^2), mu (d), 1]: z_{t+1} = T z_t
        T = np.zeros((d2 + d + 1, d2 + d + 1))
        for k in range(d2):
            E = np.zeros(d2)
            E[k] = 1.0
            Sg = E.reshape(d, d)
            T[:d2, k] = (G @ Sg @ G + c * (np.einsum("jklm,lm->jk", Q, Sg) - H @ Sg @ H)).reshape(-1)
        for l_ in range(d):
            T[:d2, d2 + l_] = (2 * c * P[:, :, l_]).reshape(-1)
        T[d2:d2 + d, d2:d2 + d] = G
        T[:d2, -1] = (c * C).reshape(-1)
        T[-1, -1] = 1.0
        self.T = T
        self.trace = np.zeros(d2 + d + 1)
        self.trace[: d2: d + 1] = 1.0                        # tr Sigma = sum of the diagonal of vec
        F = T[:d2, :d2]
        self.radius = float(np.max(np.abs(np.linalg.eigvals(F)))) if d2 else 0.0
        if self.radius < 1:
            sig = np.linalg.solve(np.eye(d2) - F, T[:d2, -1]).reshape(d, d)
            self.stationary = float(np.trace(sig))             # E|delta|^2 at stationarity
        else:
            self.stationary = float("inf")

    def _z0(self, delta0) -> np.ndarray:
        d0 = np.asarray(delta0, dtype=np.float64)
        return np.concatenate([np.outer(d0, d0).reshape(-1), d0, [1.0]])

    def at(self, delta0, t: int) -> float:
        """E|delta_t|^2 from delta_0 = delta0 (deterministic start)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return float(self.trace @ np.linalg.matrix_power(self.T, int(t)) @ self._z0(delta0))

    def window_mean(self, delta0, first: int, last: int) -> float:
        """Mean of E|delta_t|^2 over t = first .. last (inclusive)."""
        k = self.T.shape[0]
        L = last - first + 1
        big = np.block([[self.T, np.eye(k)], [np.zeros((k, k)), np.eye(k)]])
        with np.errstate(over="ignore", invalid="ignore"):
            geo = np.linalg.matrix_power(big, L)[:k, k:]         # sum_{j < L} T^j
            start = np.linalg.matrix_power(self.T, int(first)) @ self._z0(delta0)
            return float(self.trace @ geo @ start) / L


def sgd_spread(A, r, H, lr, S) -> SgdSpread:
    return SgdSpread(A, r, H, lr, S)


def fourth_moment_radius(A, lr: float) -> float:
    """Spectral radius of q -> E q((I - lr a a^T) delta) on binary quartics q (2-D only): the
    growth factor per step of E (u . delta)^4 for single-example SGD without the additive noise.
    >= 1 means the squared distance has no finite variance at stationarity (heavy tails), so a
    mean over runs has no valid standard error. By Jensen ((mean of S values)^4 <= mean of their
    4th powers) the single-example factor bounds the one of any batch size. The operator is
    found exactly from its values in 5 directions (a quartic is fixed by 5 of them)."""
    A = np.asarray(A, dtype=np.float64)
    ang = np.linspace(0, np.pi, 5, endpoint=False) + 0.3
    D = np.stack([np.cos(ang), np.sin(ang)], 1)                         # (5, 2)
    V = np.stack([D[:, 0] ** j * D[:, 1] ** (4 - j) for j in range(5)], 1)
    Vi = np.linalg.inv(V)
    M = np.zeros((5, 5))
    Bd = [d[None, :] - lr * A * (A @ d)[:, None] for d in D]           # 5 x (N, 2)
    for j in range(5):
        M[:, j] = Vi @ np.array([np.mean(b[:, 0] ** j * b[:, 1] ** (4 - j)) for b in Bd])
    return float(np.max(np.abs(np.linalg.eigvals(M))))


def largest_lr(A, limit: float = 1.0, steps: int = 40) -> float:
    """The largest lr (bisection, within limit) with fourth_moment_radius < 1."""
    lo, hi = 0.0, limit
    for _ in range(steps):
        mid = (lo + hi) / 2
        if fourth_moment_radius(A, mid) < 1:
            lo = mid
        else:
            hi = mid
    return lo
