"""Data-parallel SGD on torch.distributed: K workers, one all_reduce per step.

K worker processes (gloo on CPU, nccl on CUDA) each hold a replica of a small MLP. At step t
rank k computes the mean gradient on its shard (S examples) of the combined batch of K*S
examples; one all_reduce averages the gradients, and every replica takes the same SGD step.
The parent process runs the single-process reference with batch K*S on the same batches and
compares, in float64:

    gradient   max |all-reduced gradient - single-process gradient of the combined batch|
    training   max over steps and parameters |theta_t(K workers) - theta_t(single process)|
    replicas   max |theta_T(rank k) - theta_T(rank 0)| (data parallelism keeps them identical)

By default the demo starts its own K processes on 127.0.0.1 (a free port, loopback only).
Under torchrun (RANK and WORLD_SIZE set) every process joins the torchrun group instead,
checks the claims itself and prints its own verdicts (see docs/demos-issue5b.md).

    python demos/data_parallel.py --help
    python demos/data_parallel.py --workers 4 --batch-size 8
    gdstudy demo data-parallel --reduce sum        # all_reduce SUM without /K: FAIL
    torchrun --nproc-per-node 2 demos/data_parallel.py
"""

import sys
from pathlib import Path

import numpy as np

try:
    import gdstudy.demo  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gdstudy.demo import DemoResult, Param, Plot, Series, Table, Verdict, run_standalone
from gdstudy.errors import DemoError

NAME = "data-parallel"
TITLE = "Data-parallel SGD on torch.distributed: all-reduced gradients equal the big-batch gradient"
CLAIM = ("With K workers that each compute the gradient on their shard and average it with "
         "all_reduce, the averaged gradient equals the single-process gradient of the combined "
         "batch (max abs difference <= 1e-6 in float64), and K-worker training matches "
         "single-process training with batch K*S step for step.")

DTYPE = "float64"  # the claims are stated in float64 (gradient match <= 1e-6)

PARAMS = [
    Param("workers", 2, "number of worker processes K (under torchrun: WORLD_SIZE)", min=1, max=64),
    Param("batch_size", 32, "examples per worker S (combined batch K*S)", min=1, max=100_000),
    Param("steps", 20, "SGD steps", min=1, max=100_000),
    Param("lr", 0.5, "SGD step size", min=1e-6, max=100.0),
    Param("n", 1024, "number of examples N", min=2, max=10_000_000),
    Param("dim", 8, "input features D", min=1, max=10_000),
    Param("hidden", 16, "hidden units H", min=1, max=10_000),
    Param("reduce", "mean", "gradient reduction (sum and none are the broken settings)",
          choices=("mean", "sum", "none")),
    Param("dist_backend", "auto", "torch.distributed backend (auto: nccl on CUDA, gloo on CPU)",
          choices=("auto", "gloo", "nccl")),
    Param("timeout", 60.0, "seconds for the rendezvous and each collective", min=1.0, max=3600.0),
    Param("grad_tol", 1e-6, "max abs gradient difference allowed", min=0.0, max=1.0),
    Param("train_tol", 1e-9, "max abs parameter difference allowed over all steps", min=0.0, max=1.0),
]


def check(p):
    if p.workers * p.batch_size > p.n:
        raise DemoError(f"--workers * --batch-size = {p.workers * p.batch_size} must be <= --n ({p.n})")


def run(p, ctx) -> DemoResult:
    from gdstudy.core import distributed as D
    from gdstudy.core import get_backend

    torch, _ = D.require_torch()                   # a clear DemoError without torch
    ref_be = get_backend(ctx.backend, ctx.device, ctx.seed, "float64")
    device = ref_be.device if ctx.backend == "torch" else "cpu"
    job = D.Job(world=p.workers, batch=p.batch_size, steps=p.steps, lr=p.lr, n=p.n, dim=p.dim,
                hidden=p.hidden, seed=ctx.seed, reduce=p.reduce, device=device,
                backend=D.pick_backend(device, p.dist_backend), timeout=p.timeout)
    if D.launched_by_torchrun():
        return _in_torchrun_group(p, ctx, job, ref_be)
    if job.backend == "nccl" and job.world > torch.cuda.device_count():
        raise DemoError(f"nccl needs one GPU per worker: --workers {job.world} > "
                        f"{torch.cuda.device_count()} CUDA devices (use --dist-backend gloo)")
    ctx.report(0, 3, f"starting {job.world} worker processes ({job.backend})")
    ranks = D.run_local(job, on_poll=ctx.check_cancel)
    ctx.report(2, 3, "single-process reference")
    ref = D.single_process(job, ref_be)
    ctx.report(3, 3, "done")
    note = f"{job.world} local worker processes on 127.0.0.1, {job.backend}, device {device}."
    return _result(p, job, ranks, ref, note)


def _in_torchrun_group(p, ctx, job, ref_be) -> DemoResult:
    """Launched by torchrun: join its group (env://), train as this rank, check locally."""
    from gdstudy.core import distributed as D
    torch, dist = D.require_torch()
    rank, world = D.init_group(job.backend, job.timeout)
    try:
        job.world = world
        mine = D.dp_train(job, rank, world)
        final = torch.as_tensor(mine["traj"][-1])
        if job.backend == "nccl":
            final = final.to(D._local_cuda(torch))
        finals = [torch.empty_like(final) for _ in range(world)]
        dist.all_gather(finals, final)                 # every replica's final parameters
    finally:
        dist.destroy_process_group()
    ranks = [dict(mine, traj=np.stack([f.cpu().numpy()])) if r != rank else mine
             for r, f in enumerate(finals)]
    ref = D.single_process(job, ref_be)
    note = (f"rank {rank} of {world} under torchrun ({job.backend}); every rank checks the claims "
            "against its own single-process reference.")
    return _result(p, job, ranks, ref, note, me=rank)


def _result(p, job, ranks, ref, note, me: int = 0) -> DemoResult:
    mine = ranks[me]
    K, B = job.world, job.world * job.batch
    g_diff = float(np.max(np.abs(mine["grad0"] - ref["grad0"])))
    step_diff = np.max(np.abs(mine["traj"] - ref["traj"]), axis=1)          # (steps + 1,)
    rep_diff = max(float(np.max(np.abs(r["traj"][-1] - mine["traj"][-1]))) for r in ranks)
    local_gap = float(np.max(np.abs(mine["local0"] - ref["grad0"])))
    verdicts = [
        Verdict.at_most(f"max |all-reduced gradient - gradient of the combined batch of {B}|",
                        g_diff, p.grad_tol, detail=f"step 0, float64; one shard alone is off by {local_gap:.3g}"),
        Verdict.at_most(f"max |theta_t ({K} workers, S={job.batch}) - theta_t (1 process, batch {B})| "
                        f"over {job.steps} steps", float(step_diff.max()), p.train_tol),
        Verdict.at_most("max |final parameters of rank k - rank 0| (replicas in sync)", rep_diff, 1e-12),
    ]
    shown = sorted(set(np.linspace(0, job.steps, min(job.steps + 1, 11)).astype(int)))
    table = Table(["step", "loss (batch K*S)", "max |theta diff|"],
                  [[t, ref["losses"][t] if t < job.steps else None, float(step_diff[t])] for t in shown])
    plots = [Plot("Single-process loss on each combined batch", "step", "loss",
                  [Series(f"1 process, batch {B}", list(range(job.steps)), ref["losses"])]),
             Plot(f"Parameter difference, {K} workers vs 1 process", "step",
                  "log10 max |theta diff| (0 shown as -18)",
                  [Series("log10 max |diff|", list(range(job.steps + 1)),
                          np.log10(np.maximum(step_diff, 1e-18)).tolist())])]
    notes = [note, f"MLP D={job.dim}, H={job.hidden}, N={job.n}; {K} workers x S={job.batch} = batch "
             f"{B}; reduce={job.reduce}; lr={job.lr:g}; float64 everywhere."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
