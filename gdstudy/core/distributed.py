"""Data-parallel SGD on torch.distributed: process group, shards, gradient all-reduce, a local
launcher, and the single-process reference it must match.

Every rank builds the same data, initial weights and sequence of combined batches from the seed
(`setup`). Step t: rank k takes its shard of the combined batch of K*S examples, computes the mean
gradient on it, and one all_reduce of one flat buffer [count * g, count] gives every rank the
mean over the combined batch (exact for unequal shards too); then every rank takes the same SGD
step, so the replicas stay identical.

    python -m gdstudy.core.distributed JOB.json OUT_DIR     # one worker; env:// rendezvous
                                                            # (RANK, WORLD_SIZE, MASTER_ADDR/PORT)

`run_local` starts K such workers on 127.0.0.1 with a free port (loopback only), polls them,
and kills them all on error, timeout or cancel. Under `torchrun` the demo calls `dp_train` in
its own process instead. torch is imported lazily: without it `require_torch` raises a
DemoError naming the extra.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from gdstudy.errors import DemoError

__all__ = ["Job", "require_torch", "launched_by_torchrun", "free_port", "pick_backend",
           "init_group", "shard", "allreduce_grads", "setup", "dp_train", "single_process",
           "launch_local", "run_local"]

TORCH_EXTRA = "pip install 'gdstudy[torch]'"


@dataclass
class Job:
    """What every rank and the single-process reference agree on (JSON for the workers)."""
    world: int = 2            # K workers
    batch: int = 32           # S examples per worker; combined batch K*S
    steps: int = 20
    lr: float = 0.5
    n: int = 1024
    dim: int = 8
    hidden: int = 16
    seed: int = 0
    reduce: str = "mean"      # mean (correct) | sum (bug: K x too big) | none (no communication)
    device: str = "cpu"
    backend: str = "gloo"     # gloo (CPU) | nccl (CUDA)
    timeout: float = 60.0     # seconds for the rendezvous and every collective


def require_torch():
    """(torch, torch.distributed), or a DemoError that names the extra."""
    try:
        import torch
        import torch.distributed as dist
    except ImportError:
        raise DemoError("data-parallel needs PyTorch (torch.distributed), which is not installed: "
                        f"{TORCH_EXTRA} (CPU build: pip install torch==2.13.0)") from None
    if not dist.is_available():
        raise DemoError(f"this PyTorch build has no torch.distributed support; {TORCH_EXTRA}")
    return torch, dist


def launched_by_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def pick_backend(device: str, choice: str = "auto") -> str:
    """auto: nccl for CUDA devices, gloo otherwise."""
    if choice == "auto":
        return "nccl" if device.startswith("cuda") else "gloo"
    if choice == "nccl" and not device.startswith("cuda"):
        raise DemoError("--dist-backend nccl needs CUDA devices (use --backend torch --device cuda)")
    return choice


def init_group(backend: str, timeout: float) -> tuple[int, int]:
    """env:// rendezvous (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT); returns (rank, world)."""
    torch, dist = require_torch()
    if not dist.is_initialized():
        if backend == "nccl":
            torch.cuda.set_device(_local_cuda(torch))
        dist.init_process_group(backend, init_method="env://", timeout=timedelta(seconds=timeout))
    return dist.get_rank(), dist.get_world_size()


def _local_cuda(torch) -> str:
    return f"cuda:{int(os.environ.get('LOCAL_RANK', 0)) % max(1, torch.cuda.device_count())}"


def shard(n: int, rank: int, world: int) -> slice:
    """Contiguous, near-equal pieces of 0..n-1 (like np.array_split)."""
    base, extra = divmod(n, world)
    lo = rank * base + min(rank, extra)
    return slice(lo, lo + base + (rank < extra))


def allreduce_grads(grads: dict, count: int, reduce: str = "mean") -> dict:
    """Mean over all workers' examples of their mean gradients (weighted by `count`), with one
    all_reduce of one flat buffer. reduce='sum' and 'none' are the broken variants."""
    torch, dist = require_torch()
    if reduce == "none":
        return grads
    flat = torch.cat([g.reshape(-1) for g in grads.values()])            # (P,)
    if reduce == "mean":
        buf = torch.cat([flat * count, flat.new_tensor([float(count)])])  # (P + 1,)
        dist.all_reduce(buf, op=dist.ReduceOp.SUM)
        flat = buf[:-1] / buf[-1]
    elif reduce == "sum":
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    else:
        raise ValueError(f"unknown reduce {reduce!r}")
    return unflatten(flat, grads)


def unflatten(flat, like: dict) -> dict:
    out, i = {}, 0
    for k, v in like.items():
        m = int(np.prod(v.shape))
        out[k] = flat[i:i + m].reshape(v.shape)
        i += m
    return out


def setup(job: Job, be):
    """Data (N, D), labels (N,), MLP, initial weights and the combined batches (steps, K*S)."""
    from gdstudy.core.data import make_classification
    from gdstudy.core.problems import MLP, to_backend
    Xh, yh, _ = make_classification(job.n, job.dim, seed=job.seed)
    prob = MLP(be, job.dim, job.hidden, "tanh")
    params = to_backend(be, prob.init_params(np.random.default_rng([job.seed, 1])))
    rng = np.random.default_rng([job.seed, 2])
    B = job.world * job.batch
    batches = np.stack([rng.choice(job.n, B, replace=False) for _ in range(job.steps)])
    return prob, be.asarray(Xh), be.asarray(yh), params, batches


def dp_train(job: Job, rank: int, world: int) -> dict:
    """One worker of K-worker data-parallel SGD (inside an initialised process group)."""
    from gdstudy.core import SGD, flatten, get_backend
    torch, _ = require_torch()
    if world != job.world:
        raise DemoError(f"process group has {world} ranks but the job expects {job.world}")
    device = _local_cuda(torch) if job.device.startswith("cuda") else job.device
    be = get_backend("torch", device, job.seed, "float64")
    prob, X, y, params, batches = setup(job, be)
    mine = shard(batches.shape[1], rank, world)
    opt = SGD(params, lr=job.lr)
    flat = lambda d: be.to_numpy(flatten(be, d)).copy()
    traj, local0, grad0 = [flat(params)], None, None
    for t in range(job.steps):
        idx = be.asarray(batches[t, mine])                    # this worker's shard (S,)
        _, g = prob.loss_and_grad(params, X[idx], y[idx])     # mean gradient over the shard
        if t == 0:
            local0 = flat(g)
        g = allreduce_grads(g, int(idx.shape[0]), job.reduce)
        if t == 0:
            grad0 = flat(g)
        opt.step(g)
        traj.append(flat(params))
    return {"rank": rank, "local0": local0, "grad0": grad0, "traj": np.stack(traj)}


def single_process(job: Job, be) -> dict:
    """The reference: one process, batch K*S, the same batches; no communication."""
    from gdstudy.core import SGD, flatten
    prob, X, y, params, batches = setup(job, be)
    opt = SGD(params, lr=job.lr)
    flat = lambda d: be.to_numpy(flatten(be, d)).astype(np.float64)
    traj, losses, grad0 = [flat(params)], [], None
    for t in range(job.steps):
        idx = be.asarray(batches[t])                          # the combined batch (K*S,)
        loss, g = prob.loss_and_grad(params, X[idx], y[idx])
        grad0 = flat(g) if t == 0 else grad0
        losses.append(float(loss))
        opt.step(g)
        traj.append(flat(params))
    return {"grad0": grad0, "traj": np.stack(traj), "losses": losses}


def launch_local(world: int, argv: list[str], *, timeout: float, on_poll=None,
                 poll: float = 0.05) -> None:
    """Start `world` processes of `argv` with the env:// variables on 127.0.0.1 and a free port;
    wait for all to exit 0. Any failure, the timeout, or an exception from on_poll() (cancel)
    kills every child before the error propagates."""
    import gdstudy
    root = str(Path(gdstudy.__file__).resolve().parents[1])
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()),
           "WORLD_SIZE": str(world), "LOCAL_WORLD_SIZE": str(world), "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    procs, logs = [], []
    try:
        for rank in range(world):
            logs.append(tempfile.TemporaryFile())
            procs.append(subprocess.Popen(argv, env={**env, "RANK": str(rank), "LOCAL_RANK": str(rank)},
                                          stdin=subprocess.DEVNULL, stdout=logs[-1],
                                          stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout
        while True:
            codes = [p.poll() for p in procs]
            bad = [(r, c) for r, c in enumerate(codes) if c not in (None, 0)]
            if bad:
                r, c = bad[0]
                raise DemoError(f"data-parallel worker rank {r} exited with code {c}: {_tail(logs[r])}")
            if all(c == 0 for c in codes):
                return
            if on_poll is not None:
                on_poll()
            if time.monotonic() > deadline:
                raise DemoError(f"data-parallel workers did not finish within {timeout:g} s "
                                f"(rank 0 said: {_tail(logs[0]) or 'nothing'})")
            time.sleep(poll)
    finally:
        _stop(procs)
        for f in logs:
            f.close()


def _stop(procs, grace: float = 2.0) -> None:
    """Terminate the children that are still running; kill those that do not exit in time."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    end = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _tail(f, chars: int = 600) -> str:
    f.flush()
    f.seek(0)
    text = f.read().decode("utf-8", "replace").strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    last = " | ".join(lines[-3:])
    return last[-chars:]


def run_local(job: Job, on_poll=None) -> list[dict]:
    """Run `job` on job.world local worker processes; returns each rank's dp_train result.
    Retries once with a new port if the first one was taken in the meantime."""
    with tempfile.TemporaryDirectory(prefix="gdstudy-dp-") as tmp:
        spec = Path(tmp) / "job.json"
        spec.write_text(json.dumps(asdict(job)))
        argv = [sys.executable, "-m", "gdstudy.core.distributed", str(spec), tmp]
        for attempt in (0, 1):
            try:
                launch_local(job.world, argv, timeout=job.timeout + 30, on_poll=on_poll)
                break
            except DemoError as err:
                if attempt or "address already in use" not in str(err).lower():
                    raise
        return [dict(np.load(Path(tmp) / f"rank{r}.npz")) for r in range(job.world)]


def _main(argv: list[str]) -> int:
    spec, out = Path(argv[0]), Path(argv[1])
    job = Job(**json.loads(spec.read_text()))
    _, dist = require_torch()
    rank, world = init_group(job.backend, job.timeout)
    try:
        res = dp_train(job, rank, world)
        tmp = out / f".rank{rank}.npz"
        np.savez(tmp, **res)
        os.replace(tmp, out / f"rank{rank}.npz")              # complete files only
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
