"""Optimizers and learning-rate schedules, torch.optim-like but on a dict of named arrays.

SGD with momentum mu (torch convention, buffer v starts at 0):
    v = mu * v + g
    heavy ball:  x -= lr * v
    Nesterov:    x -= lr * (g + mu * v)
With mu = 0 both reduce to plain SGD: x -= lr * g.

Adam (Kingma & Ba 2015, Algorithm 1; buffers m, v start at 0, t counts steps from 1):
    m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
    x -= lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
bias_correction=False uses m, v themselves (the negative control of demos/adam.py). weight_decay
adds wd * x to g (L2, "Adam") or, with decoupled=True, subtracts lr * wd * x from x after the
step (AdamW, Loshchilov & Hutter 2019, Algorithm 2 with schedule multiplier 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["SGD", "Adam", "Constant", "StepDecay", "InverseTime", "make_schedule"]


@dataclass(frozen=True)
class Constant:
    lr: float

    def __call__(self, t: int) -> float:
        return self.lr


@dataclass(frozen=True)
class StepDecay:
    """lr * gamma ** (t // every): multiply by gamma every `every` steps."""
    lr: float
    every: int
    gamma: float = 0.1

    def __call__(self, t: int) -> float:
        return self.lr * self.gamma ** (t // self.every)


@dataclass(frozen=True)
class InverseTime:
    """lr / (1 + decay * t): the classic Robbins-Monro decay."""
    lr: float
    decay: float

    def __call__(self, t: int) -> float:
        return self.lr / (1.0 + self.decay * t)


def make_schedule(kind: str, lr: float, every: int = 100, gamma: float = 0.1, decay: float = 0.01):
    if kind == "constant":
        return Constant(lr)
    if kind == "step":
        return StepDecay(lr, every, gamma)
    if kind == "inverse-time":
        return InverseTime(lr, decay)
    raise ValueError(f"unknown schedule {kind!r} (constant, step, inverse-time)")


class SGD:
    """Updates `params` (dict of arrays) in place from a dict of gradients."""

    def __init__(self, params: dict, lr=0.1, momentum: float = 0.0, nesterov: bool = False) -> None:
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov needs momentum > 0")
        self.params = params
        self.schedule = lr if callable(lr) else Constant(float(lr))
        self.momentum, self.nesterov = float(momentum), nesterov
        self.t = 0                       # number of steps taken
        self.velocity: dict = {}

    def step(self, grads: dict) -> None:
        lr = self.schedule(self.t)
        self.t += 1
        p, mu = self.params, self.momentum
        if mu == 0.0:
            for k, g in grads.items():
                p[k] -= lr * g
            return
        for k, g in grads.items():
            v = self.velocity.get(k)
            v = g * 1 if v is None else mu * v + g   # first step: v = g (copy)
            self.velocity[k] = v
            p[k] -= lr * (g + mu * v) if self.nesterov else lr * v

    def describe(self) -> dict:
        return {"schedule": type(self.schedule).__name__, **asdict(self.schedule),
                "momentum": self.momentum, "nesterov": self.nesterov}


class Adam:
    """Adam / AdamW on a dict of arrays (NumPy or torch: only +, *, / and ** 0.5)."""

    def __init__(self, params: dict, lr=1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False, bias_correction: bool = True) -> None:
        b1, b2 = (float(b) for b in betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam betas must lie in [0, 1), got {betas}")
        self.params = params
        self.schedule = lr if callable(lr) else Constant(float(lr))
        self.b1, self.b2, self.eps = b1, b2, float(eps)
        self.weight_decay, self.decoupled, self.bias_correction = float(weight_decay), decoupled, bias_correction
        self.t = 0
        self.m: dict = {}
        self.v: dict = {}
        self.estimates: dict = {}        # key -> (m_hat, v_hat) the last step used

    def step(self, grads: dict) -> None:
        lr = self.schedule(self.t)
        self.t += 1
        b1, b2, t, wd = self.b1, self.b2, self.t, self.weight_decay
        c1, c2 = (1 - b1 ** t, 1 - b2 ** t) if self.bias_correction else (1.0, 1.0)
        p = self.params
        for k, g in grads.items():
            if wd and not self.decoupled:
                g = g + wd * p[k]
            m, v = self.m.get(k), self.v.get(k)
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            v = (1 - b2) * (g * g) if v is None else b2 * v + (1 - b2) * (g * g)
            self.m[k], self.v[k] = m, v
            m_hat, v_hat = m / c1, v / c2
            self.estimates[k] = (m_hat, v_hat)
            if wd and self.decoupled:
                p[k] -= (lr * wd) * p[k]
            p[k] -= lr * m_hat / (v_hat ** 0.5 + self.eps)

    def describe(self) -> dict:
        return {"schedule": type(self.schedule).__name__, **asdict(self.schedule), "betas": [self.b1, self.b2],
                "eps": self.eps, "weight_decay": self.weight_decay, "decoupled": self.decoupled,
                "bias_correction": self.bias_correction}
