"""Optimizers and learning-rate schedules, torch.optim-like but on a dict of named arrays.

SGD with momentum mu (torch convention, buffer v starts at 0):
    v = mu * v + g
    heavy ball:  x -= lr * v
    Nesterov:    x -= lr * (g + mu * v)
With mu = 0 both reduce to plain SGD: x -= lr * g.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["SGD", "Constant", "StepDecay", "InverseTime", "make_schedule"]


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
