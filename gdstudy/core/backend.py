"""A thin array backend: the maths in `problems.py`, `optim.py` and `train.py` is written once
against this interface and runs on NumPy (always available) or torch (CPU, CUDA, MPS).

Arrays are plain `numpy.ndarray` or `torch.Tensor`; operators (`@`, `+`, `*`, indexing,
`.sum(0)`, `.mean()`, `.T`) behave the same on both, so only creation, randomness and a few
elementwise functions go through the backend object.

Randomness: every backend owns a seeded generator for per-step randomness (batch order).
Data and initial parameters are generated on the host with NumPy from the seed (see
`data.py`), so every backend starts from the same numbers. With `host_indices=True` a torch
backend also draws its batch order from the same NumPy stream as the NumPy backend, which makes
NumPy and torch trajectories comparable step by step (the parity test uses it).
"""

from __future__ import annotations

import numpy as np

from gdstudy.errors import DemoError

__all__ = ["Backend", "NumpyBackend", "TorchBackend", "get_backend", "BACKENDS", "DTYPES", "TORCH_INSTALL", "TORCH_HINT"]

BACKENDS = ("numpy", "torch")
DTYPES = ("float32", "float64")
# How to add torch to the README's install (`.venv/bin/pip install .` in the gdstudy folder): its
# extra, with the version the README pins (on these machines the local CPU-only wheel; any other
# requirement pulls a multi-GB CUDA build). docs/running-demos.md shows it; a test keeps them equal.
TORCH_INSTALL = ".venv/bin/pip install 'torch==2.13.0' '.[torch]'"
TORCH_HINT = f"in the gdstudy folder run {TORCH_INSTALL}"


class Backend:
    """Common interface; see NumpyBackend / TorchBackend."""

    name = "?"
    device = "cpu"

    def __init__(self, seed: int = 0, dtype: str = "float32") -> None:
        if dtype not in DTYPES:
            raise DemoError(f"unknown dtype {dtype!r} (choose from {', '.join(DTYPES)})")
        self.seed = int(seed)
        if self.seed < 0:
            raise DemoError(f"seed must be a non-negative integer, got {self.seed}")
        self.dtype_name = dtype
        self.np_dtype = np.dtype(dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={self.device!r}, dtype={self.dtype_name!r}, seed={self.seed})"

    # numerically stable helpers built from the primitives below
    def sigmoid(self, z):
        return 0.5 * (self.tanh(0.5 * z) + 1.0)  # exact identity, no overflow

    def softplus(self, z):  # log(1 + e^z)
        return self.relu(z) + self.log1p(self.exp(-self.abs(z)))


class NumpyBackend(Backend):
    name = "numpy"

    def __init__(self, seed: int = 0, dtype: str = "float32") -> None:
        super().__init__(seed, dtype)
        self.rng = np.random.default_rng(self.seed)

    # creation and transfer
    def asarray(self, a):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            return np.ascontiguousarray(a, dtype=self.np_dtype)
        return np.ascontiguousarray(a)

    def zeros(self, shape):
        return np.zeros(shape, dtype=self.np_dtype)

    def copy(self, a):
        return a.copy()

    def to_numpy(self, a) -> np.ndarray:
        return np.asarray(a)

    def sync(self) -> None:
        pass

    # randomness (indices are int64 arrays on the backend's device)
    def permutation(self, n: int):
        return self.rng.permutation(n)

    def randint(self, high: int, size):
        return self.rng.integers(0, high, size=size)

    def argsort_rows(self, keys):
        return np.argsort(keys, axis=1)

    def take_rows(self, a, idx, out=None):
        """a[idx] along axis 0 for indices known to be in range (a Batcher's): np.take with
        mode='clip' skips the per-index range check of a[idx] and np.take's default mode, and
        writes into `out` when given. About 3x faster than X[idx] for batches of 4096 rows of
        64 floats (`benchmarks/bench_core.py --gather`)."""
        return a.take(idx, axis=0, out=out, mode="clip")  # the method: no np.take dispatch

    def uniform(self, size):
        return self.rng.random(size, dtype=self.np_dtype)

    # elementwise functions
    tanh = staticmethod(np.tanh)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    abs = staticmethod(np.abs)
    sqrt = staticmethod(np.sqrt)

    def relu(self, z):
        return np.maximum(z, 0)

    def step01(self, z):  # derivative of relu: 1 where z > 0 else 0
        return (z > 0).astype(z.dtype)

    def cumsum(self, a, axis: int):
        return np.cumsum(a, axis=axis)

    def concat(self, arrays):
        return np.concatenate(arrays)

    def stack(self, arrays):
        return np.stack(arrays)

    def all_finite(self, a) -> bool:
        return bool(np.isfinite(a).all())


class TorchBackend(Backend):
    name = "torch"

    def __init__(self, seed: int = 0, dtype: str = "float32", device: str = "auto",
                 host_indices: bool = False) -> None:
        super().__init__(seed, dtype)
        try:
            import torch
        except ImportError:
            raise DemoError(f"the torch backend needs PyTorch, which is not installed; {TORCH_HINT}") from None
        self.torch = torch
        self.device = resolve_torch_device(torch, device)
        self.dtype = getattr(torch, dtype)
        if self.device == "mps" and dtype == "float64":
            raise DemoError("mps does not support float64; use --dtype float32")
        self.host_indices = host_indices
        self.host_rng = np.random.default_rng(self.seed)  # same stream as NumpyBackend.rng
        gen_device = "cpu" if self.device == "mps" else self.device
        # torch seeds are 64-bit: reduce any non-negative seed into that range (NumPy takes it whole)
        self.gen = torch.Generator(device=gen_device).manual_seed(self.seed % 2 ** 64)
        self._gen_device = gen_device

    def asarray(self, a):
        torch = self.torch
        if isinstance(a, torch.Tensor):
            t = a
        else:
            t = torch.from_numpy(np.ascontiguousarray(a))
        if t.is_floating_point():
            return t.to(device=self.device, dtype=self.dtype)
        return t.to(device=self.device, dtype=torch.int64)

    def zeros(self, shape):
        return self.torch.zeros(shape, dtype=self.dtype, device=self.device)

    def copy(self, a):
        return a.clone()

    def to_numpy(self, a) -> np.ndarray:
        if isinstance(a, self.torch.Tensor):
            return a.detach().cpu().numpy()
        return np.asarray(a)

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize(self.device)
        elif self.device == "mps":
            self.torch.mps.synchronize()

    def _ints(self, a):
        return self.torch.from_numpy(a).to(self.device)

    def permutation(self, n: int):
        if self.host_indices:
            return self._ints(self.host_rng.permutation(n))
        p = self.torch.randperm(n, generator=self.gen, device=self._gen_device)
        return p.to(self.device)  # on CUDA the permutation is made on the GPU: no copy

    def randint(self, high: int, size):
        if self.host_indices:
            return self._ints(self.host_rng.integers(0, high, size=size))
        size = (size,) if isinstance(size, int) else tuple(size)
        r = self.torch.randint(0, high, size, generator=self.gen, device=self._gen_device)
        return r.to(self.device)

    def argsort_rows(self, keys):
        return self.torch.argsort(keys, dim=1)

    def take_rows(self, a, idx, out=None):
        """a[idx] along dim 0: index_select (multi-threaded on CPU, into `out` when given) is
        about 10x faster than advanced indexing a[idx] on CPU at 4096 rows of 64 floats."""
        return self.torch.index_select(a, 0, idx, out=out)

    def uniform(self, size):
        if self.host_indices:
            return self.asarray(self.host_rng.random(size, dtype=self.np_dtype))
        size = (size,) if isinstance(size, int) else tuple(size)
        u = self.torch.rand(size, generator=self.gen, device=self._gen_device, dtype=self.dtype)
        return u.to(self.device)

    def tanh(self, z):
        return self.torch.tanh(z)

    def exp(self, z):
        return self.torch.exp(z)

    def log(self, z):
        return self.torch.log(z)

    def log1p(self, z):
        return self.torch.log1p(z)

    def abs(self, z):
        return self.torch.abs(z)

    def sqrt(self, z):
        return self.torch.sqrt(z)

    def relu(self, z):
        return self.torch.clamp(z, min=0)

    def step01(self, z):
        return (z > 0).to(z.dtype)

    def cumsum(self, a, axis: int):
        return self.torch.cumsum(a, dim=axis)

    def concat(self, arrays):
        return self.torch.cat(arrays)

    def stack(self, arrays):
        return self.torch.stack(arrays)

    def all_finite(self, a) -> bool:
        return bool(self.torch.isfinite(a).all())  # host sync


def resolve_torch_device(torch, device: str) -> str:
    """'auto' -> 'cuda:0' if available else 'cpu'; validate cuda/cuda:N/mps/cpu."""
    if device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DemoError("--device mps requested but Apple MPS is not available in this torch build")
        return "mps"
    if device == "cuda" or device.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise DemoError(f"--device {device} requested but CUDA is not available "
                            f"(torch {torch.__version__}); use --device cpu")
        index = 0 if device == "cuda" else _cuda_index(device)
        count = torch.cuda.device_count()
        if index >= count:
            raise DemoError(f"--device {device}: only {count} CUDA device(s) present")
        return f"cuda:{index}"
    raise DemoError(f"unknown device {device!r} (choose auto, cpu, cuda, cuda:N or mps)")


def _cuda_index(device: str) -> int:
    try:
        return int(device.split(":", 1)[1])
    except ValueError:
        raise DemoError(f"bad device {device!r}: expected cuda:N with N an integer") from None


def get_backend(name: str = "numpy", device: str = "auto", seed: int = 0,
                dtype: str = "float32", host_indices: bool = False) -> Backend:
    """Build a backend. NumPy runs on the CPU only; torch is imported only here."""
    if name == "numpy":
        if device not in ("auto", "cpu"):
            raise DemoError(f"the numpy backend runs on the CPU only (got --device {device}); "
                            "use --backend torch for GPUs")
        return NumpyBackend(seed, dtype)
    if name == "torch":
        return TorchBackend(seed, dtype, device, host_indices=host_indices)
    raise DemoError(f"unknown backend {name!r} (choose numpy or torch)")
