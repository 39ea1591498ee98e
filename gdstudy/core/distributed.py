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
and kills them all on error, timeout or cancel (process handling: gdstudy.core.launch). `run_forked` does the same with os.fork() of
the calling process, which has already imported torch: no new interpreter, no second torch
import (about 2 s of CPU each on this machine), so K workers start in milliseconds. Fork is
used only where it is safe (`fork_is_safe`: Linux, CPU, no process group and no other Python
thread in the parent; the children run torch with one thread). Under `torchrun` the demo calls
`dp_train` in its own process instead. torch is imported lazily: without it `require_torch`
raises a DemoError naming the extra.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from gdstudy.core.launch import (
    die_with_parent, free_port, kill_children, launch_local, tail_file, wait_children,
)
from gdstudy.core.backend import TORCH_HINT
from gdstudy.errors import DemoError

__all__ = ["Job", "require_torch", "launched_by_torchrun", "free_port", "pick_backend",
           "init_group", "shard", "unequal_sizes", "host_setup", "allreduce_grads", "setup", "dp_train", "single_process",
           "resolution", "launch_local", "run_local", "fork_is_safe", "run_forked"]



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
    #                           | unweighted (bug: the plain average of the workers' means)
    shards: str = "unequal"   # unequal (rank k's share ~ k+1) | equal | same (bug: every rank uses rank 0's)
    device: str = "cpu"
    backend: str = "gloo"     # gloo (CPU) | nccl (CUDA)
    timeout: float = 60.0     # seconds for the rendezvous and every collective


def require_torch():
    """(torch, torch.distributed), or a DemoError that names the extra."""
    try:
        import torch
        import torch.distributed as dist
    except ImportError:
        raise DemoError(f"data-parallel needs PyTorch (torch.distributed), which is not installed; {TORCH_HINT}") from None
    if not dist.is_available():
        raise DemoError(f"this PyTorch build has no torch.distributed support; {TORCH_HINT}")
    return torch, dist


def launched_by_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


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


def shard(n: int, rank: int, world: int, how: str = "equal") -> slice:
    """Rank `rank`'s contiguous piece of 0..n-1. equal: near-equal pieces (like np.array_split);
    unequal: sizes as near as possible to n (k+1) / (1 + 2 + ... + world), each >= 1 (needs
    n >= world (world+1) / 2); same: every rank gets rank 0's equal piece (the bug of a loader
    that is not sharded by rank)."""
    if how == "same":
        return shard(n, 0, world)
    if how == "unequal":
        sizes = unequal_sizes(n, world)
        lo = sum(sizes[:rank])
        return slice(lo, lo + sizes[rank])
    base, extra = divmod(n, world)
    lo = rank * base + min(rank, extra)
    return slice(lo, lo + base + (rank < extra))


def unequal_sizes(n: int, world: int) -> list[int]:
    """Shard sizes ~ n (k+1) / T, T = world (world+1) / 2, summing to n, the rest to the last."""
    total = world * (world + 1) // 2
    if n < total:
        raise DemoError(f"unequal shards of {n} examples over {world} workers need at least {total}")
    sizes = [n * (k + 1) // total for k in range(world)]
    sizes[-1] += n - sum(sizes)
    return sizes


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
    elif reduce == "unweighted":
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat = flat / dist.get_world_size()
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


def host_setup(job: Job):
    """The host (NumPy, float64) data X (N, D), labels y (N,), initial MLP weights (dict) and
    combined batches (steps, K*S) every rank and every reference builds from the seed."""
    from gdstudy.core.data import make_classification
    from gdstudy.core.problems import MLP
    Xh, yh, _ = make_classification(job.n, job.dim, seed=job.seed)
    params = MLP(None, job.dim, job.hidden, "tanh").init_params(np.random.default_rng([job.seed, 1]))
    rng = np.random.default_rng([job.seed, 2])
    B = job.world * job.batch
    batches = np.stack([rng.choice(job.n, B, replace=False) for _ in range(job.steps)])
    return Xh, yh, params, batches


def setup(job: Job, be):
    """Data (N, D), labels (N,), MLP, initial weights and the combined batches (steps, K*S)."""
    from gdstudy.core.problems import MLP, to_backend
    Xh, yh, params, batches = host_setup(job)
    prob = MLP(be, job.dim, job.hidden, "tanh")
    return prob, be.asarray(Xh), be.asarray(yh), to_backend(be, params), batches


def dp_train(job: Job, rank: int, world: int) -> dict:
    """One worker of K-worker data-parallel SGD (inside an initialised process group)."""
    from gdstudy.core import SGD, flatten, get_backend
    torch, _ = require_torch()
    if world != job.world:
        raise DemoError(f"process group has {world} ranks but the job expects {job.world}")
    device = _local_cuda(torch) if job.device.startswith("cuda") else job.device
    be = get_backend("torch", device, job.seed, "float64")
    prob, X, y, params, batches = setup(job, be)
    mine = shard(batches.shape[1], rank, world, job.shards)
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


def single_process(job: Job, be, perturb: float = 0.0) -> dict:
    """The reference: one process, batch K*S, the same batches; no communication. `perturb`
    shifts every initial weight by +-perturb (random signs): a sensitivity run."""
    from gdstudy.core import SGD, flatten
    prob, X, y, params, batches = setup(job, be)
    if perturb:
        rng = np.random.default_rng([job.seed, 3])
        for k, v in params.items():
            params[k] = v + be.asarray(perturb * rng.choice([-1.0, 1.0], size=tuple(v.shape)))
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


def resolution(job: Job, be, ref: dict) -> dict:
    """Float64 rounding bounds for comparing K workers with the single-process reference.

    gradient: two ways of summing the same B per-example gradients (shard means + all_reduce vs
    one batch mean) differ by at most ~(B + K) eps sum_i |g_i| / B; the per-example values
    themselves may come from differently blocked matrix products (~(D + H) eps). Bound:
    8 (B + K + D + H) eps max_j mean_i |g_ij| (8 = safety factor).
    training: an error e injected at a step grows at most by the amplification A measured with
    a perturbed reference run (max_t |theta'_t - theta_t| / |theta'_0 - theta_0|); per step
    the injected error is lr * gradient bound + 4 eps max |theta|, so the bound is
    A * steps * (lr * grad_tol + 4 eps max|theta|)."""
    from gdstudy.core import flatten
    eps = float(np.finfo(np.float64).eps)
    prob, X, y, params, batches = setup(job, be)
    B = batches.shape[1]
    idx = batches[0]
    per = [np.abs(be.to_numpy(flatten(be, prob.loss_and_grad(params, X[int(i):int(i) + 1],
                                                              y[int(i):int(i) + 1])[1])))
           for i in idx]                                       # B x (P,) per-example |gradient|
    scale = float(np.max(np.mean(per, axis=0)))
    grad_tol = 8 * (B + job.world + job.dim + job.hidden) * eps * scale
    delta = 1e-6 * max(1.0, float(np.max(np.abs(ref["traj"][0]))))
    shifted = single_process(job, be, perturb=delta)
    dev = np.max(np.abs(shifted["traj"] - ref["traj"]), axis=1)   # (steps + 1,)
    amp = max(1.0, float(dev.max() / dev[0]))
    theta = float(np.max(np.abs(ref["traj"])))
    train_tol = amp * job.steps * (job.lr * grad_tol + 4 * eps * theta)
    return {"grad_tol": grad_tol, "train_tol": train_tol, "amp": amp, "grad_scale": scale}


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


def fork_is_safe(job: Job) -> bool:
    """Fork the workers from this process only on Linux, on the CPU, with no process group of
    our own and no other Python thread running (a fork copies one thread only)."""
    if not sys.platform.startswith("linux") or job.device != "cpu" or job.backend != "gloo":
        return False
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    _, dist = require_torch()
    return not dist.is_initialized()


def run_forked(job: Job, on_poll=None, poll: float = 0.02) -> list[dict]:
    """Run `job` on job.world workers forked from this process (see fork_is_safe). Each child
    joins an env:// group on 127.0.0.1, trains, writes rank<k>.npz and leaves with os._exit, its
    output going to a log file (never to our stdout, which may be the stream's JSON channel).
    A failed rank, the timeout or an exception from on_poll() kills every child."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gdstudy-dp-") as tmp:
        out = Path(tmp)
        sys.stdout.flush()
        sys.stderr.flush()
        pids, parent = [], os.getpid()
        try:
            for rank in range(job.world):
                pid = os.fork()
                if pid == 0:                                   # the child: never returns
                    _forked_worker(job, rank, port, out, parent)
                pids.append(pid)
            codes = wait_children(pids, job.timeout + 30, on_poll, poll, out)
        finally:
            kill_children(pids)
        bad = [(r, c) for r, c in enumerate(codes) if c != 0]
        if bad:
            r, c = bad[0]
            raise DemoError(f"data-parallel worker rank {r} exited with code {c}: "
                            f"{tail_file(out / f'log{r}') or 'no output'}")
        return [dict(np.load(out / f"rank{r}.npz")) for r in range(job.world)]


def _forked_worker(job: Job, rank: int, port: int, out: Path, parent: int) -> None:
    code = 1
    try:
        die_with_parent()
        if os.getppid() != parent:                             # the parent died before prctl
            os._exit(1)
        fd = os.open(out / f"log{rank}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)                 # the parent's cancel handler is not ours
        os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                           "LOCAL_RANK": str(rank), "WORLD_SIZE": str(job.world),
                           "LOCAL_WORLD_SIZE": str(job.world), "OMP_NUM_THREADS": "1"})
        torch, _ = require_torch()
        torch.set_num_threads(1)
        _worker(job, out)
        code = 0
    except BaseException:                                      # noqa: BLE001 - reported via the log
        import traceback
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def _worker(job: Job, out: Path) -> None:
    """One rank: join the env:// group, train, write rank<k>.npz atomically, leave the group."""
    _, dist = require_torch()
    rank, world = init_group(job.backend, job.timeout)
    try:
        res = dp_train(job, rank, world)
        # nobody leaves before every rank is connected and done: with --reduce none there is no
        # collective, and a rank that left early broke its peer's gloo connectFullMesh
        dist.barrier()
        tmp = out / f".rank{rank}.npz"
        np.savez(tmp, **res)
        os.replace(tmp, out / f"rank{rank}.npz")              # complete files only
    finally:
        dist.destroy_process_group()


def _main(argv: list[str]) -> int:
    spec, out = Path(argv[0]), Path(argv[1])
    job = Job(**json.loads(spec.read_text()))
    _worker(job, out)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
