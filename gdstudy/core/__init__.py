"""The optimizer core: one implementation of the maths on NumPy or torch.

    from gdstudy.core import get_backend, LinearRegression, Batcher, SGD, train, make_regression
    be = get_backend("numpy", seed=0)                      # or "torch", device="cuda"
    X, y, _ = make_regression(1000, 10, seed=0)
    X, y = be.asarray(X), be.asarray(y)
    prob = LinearRegression(be, 10)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    result = train(prob, params, SGD(params, lr=0.05), X, y, Batcher(be, 1000, 32), epochs=5)
"""

from gdstudy.core.backend import BACKENDS, DTYPES, Backend, get_backend
from gdstudy.core.batching import Batcher, FullBatch
from gdstudy.core.data import (
    LeastSquares, least_squares, make_classification, make_moons, make_regression, make_xor,
)
from gdstudy.core.optim import SGD, Adam, Constant, InverseTime, StepDecay, make_schedule
from gdstudy.core.problems import (
    FUNCTIONS_2D, MLP, Function2D, LinearRegression, LogisticRegression, flatten, gradient_samples,
    make_function, to_backend,
)
from gdstudy.core.train import TrainResult, train

__all__ = [
    "BACKENDS", "DTYPES", "Backend", "get_backend",
    "Batcher", "FullBatch",
    "make_classification", "make_moons", "make_regression", "make_xor", "LeastSquares", "least_squares",
    "SGD", "Adam", "Constant", "InverseTime", "StepDecay", "make_schedule",
    "FUNCTIONS_2D", "MLP", "Function2D", "LinearRegression", "LogisticRegression", "flatten",
    "make_function", "to_backend", "gradient_samples",
    "TrainResult", "train",
]
