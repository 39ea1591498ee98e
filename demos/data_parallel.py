"""Data-parallel SGD on torch.distributed: K workers, one all_reduce per step.

K worker processes (gloo on CPU, nccl on CUDA) each hold a replica of a small MLP. At step t
rank k computes the mean gradient on its shard of the combined batch of K*S examples (by
default unequal shards, rank k's share ~ k+1: 21 + 43 for K = 2, so the weighting matters);
one all_reduce of [count * g, count] gives the mean over the combined batch, and every replica
takes the same SGD step. The parent compares, in float64, with two single-process references
on the same batches: an independent plain-NumPy computation (per-example gradients written
apart from the core's MLP, then averaged) and the core's torch code:

    gradient   max |all-reduced gradient - reference gradient of the combined batch| (step 0)
    training   max over steps and parameters |theta_t(K workers) - theta_t(reference)|
    replicas   max |theta_T(rank k) - theta_T(rank 0)| (bookkeeping: every rank applies the
               same all-reduced gradient, so they are identical by construction)

The tolerances are float64 rounding bounds computed in the run (gdstudy.core.distributed.
resolution: per-example gradient magnitudes for the gradient, a perturbed reference run for
how much the training dynamics amplify an error); no sampling, so no false FAIL by chance.
Training that amplifies a small change more than 1e4x (chaotic, e.g. --lr 100 for 10 steps) is
refused: step-for-step equality up to rounding is not testable there. K = 1 is refused: with
one worker every check would be an identity.

Negative controls (each off by O(|gradient|), ~1e11 times the bound, at any N): --reduce
unweighted (the plain mean of the workers' means: wrong for unequal shards), --shards same
(a loader not sharded by rank: every worker reads the same piece), --reduce sum (no /K),
--reduce none (no communication).

By default the demo forks its own K workers from this process on 127.0.0.1 (a free port,
loopback only; torch is imported once, here), or starts K new interpreters where fork is not
safe (--start spawn forces that).
Under torchrun (RANK and WORLD_SIZE set) every process joins the torchrun group instead,
checks the claims itself and prints its own verdicts (see docs/demos-issue5b.md).

    python demos/data_parallel.py --help
    python demos/data_parallel.py --workers 4 --batch-size 8
    gdstudy demo data-parallel --reduce unweighted # mean of the workers' means: FAIL
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
CLAIM = ("With K >= 2 workers that each compute the gradient on their shard (equal or not) and "
         "average it with all_reduce weighted by shard size, the averaged gradient equals the "
         "single-process gradient of the combined batch up to float64 rounding (a bound computed "
         "in the run), and K-worker training matches single-process training with batch K*S step "
         "for step.")

DTYPE = "float64"   # the claims are stated in float64
BACKEND = "torch"   # the workers run torch.distributed; the runner reports this backend

PARAMS = [
    Param("workers", 2, "number of worker processes K >= 2 (under torchrun: WORLD_SIZE)", min=2, max=64),
    Param("batch_size", 32, "examples per worker S (combined batch K*S)", min=1, max=100_000),
    Param("steps", 10, "SGD steps", min=1, max=2000),
    Param("lr", 0.5, "SGD step size", min=1e-6, max=100.0),
    Param("n", 1024, "number of examples N", min=2, max=10_000_000),
    Param("dim", 8, "input features D", min=1, max=1000),
    Param("hidden", 16, "hidden units H", min=1, max=1000),
    Param("reduce", "mean", "gradient reduction: mean (weighted by shard size, the claim); the broken "
          "settings sum (no /K), none (no communication) and unweighted (the plain average of the "
          "workers' means: wrong when shards differ in size)", choices=("mean", "sum", "none", "unweighted")),
    Param("shards", "unequal", "how the combined batch of K*S is split: unequal (rank k gets a share "
          "~ k+1), equal (S each) or same (the bug of a loader not sharded by rank: every rank "
          "gets rank 0's piece)", choices=("unequal", "equal", "same")),
    Param("dist_backend", "auto", "torch.distributed backend (auto: nccl on CUDA, gloo on CPU)",
          choices=("auto", "gloo", "nccl")),
    Param("timeout", 60.0, "seconds for the rendezvous and each collective", min=1.0, max=3600.0),
    Param("start", "auto", "how the local workers start: fork this process (torch already "
          "imported), spawn new interpreters, or auto (fork where safe)",
          choices=("auto", "fork", "spawn")),
]


def check(p):
    if p.workers * p.batch_size > p.n:
        raise DemoError(f"--workers * --batch-size = {p.workers * p.batch_size} must be <= --n ({p.n})")
    if p.shards == "unequal" and 2 * p.batch_size < p.workers + 1:
        raise DemoError(f"--shards unequal over {p.workers} workers needs --batch-size >= "
                        f"{(p.workers + 2) // 2} (every rank at least one example)")


PROCESS_BYTES = {"fork": 96 << 20, "spawn": 320 << 20}   # per worker: measured RSS + margin


def peak_bytes(p) -> int:
    """K worker processes (a forked worker shares torch's pages with this process; a spawned
    one imports torch itself) plus, in each process and the reference, the data (N x D), the
    batches (steps x K*S) and the trajectory (steps x P) in float64."""
    per = PROCESS_BYTES["spawn" if p.start == "spawn" or not sys.platform.startswith("linux") else "fork"]
    P = p.hidden * (p.dim + 2) + 1
    data = 8 * (p.n * (p.dim + 1) + p.steps * p.workers * p.batch_size + (p.steps + 1) * P * 3)
    return int(p.workers * per + (p.workers + 2) * data)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import distributed as D

    ctx.report(0, 4, "torch.distributed")
    torch, _ = D.require_torch()                   # a clear DemoError without torch
    ref_be = ctx.be                                # torch, float64 (BACKEND, DTYPE above)
    device = ref_be.device
    job = D.Job(world=p.workers, batch=p.batch_size, steps=p.steps, lr=p.lr, n=p.n, dim=p.dim,
                hidden=p.hidden, seed=ctx.seed, reduce=p.reduce, shards=p.shards, device=device,
                backend=D.pick_backend(device, p.dist_backend), timeout=p.timeout)
    if D.launched_by_torchrun():
        return _in_torchrun_group(p, ctx, job, ref_be)
    if job.backend == "nccl" and job.world > torch.cuda.device_count():
        raise DemoError(f"nccl needs one GPU per worker: --workers {job.world} > "
                        f"{torch.cuda.device_count()} CUDA devices (use --dist-backend gloo)")
    fork = p.start == "fork" or (p.start == "auto" and D.fork_is_safe(job))
    if p.start == "fork" and not D.fork_is_safe(job):
        raise DemoError("--start fork is not safe here (needs Linux, CPU/gloo, no other thread "
                        "and no process group in this process); use --start spawn or auto")
    how = "forked from this process" if fork else "new interpreters"
    ctx.report(1, 4, f"{job.world} workers ({how}, {job.backend})")
    ranks = (D.run_forked if fork else D.run_local)(job, on_poll=ctx.check_cancel)
    ctx.report(3, 4, "single-process reference")
    ref = D.single_process(job, ref_be)
    res = D.resolution(job, ref_be, ref)
    _check_amplification(p, res)
    ref["numpy"] = numpy_reference(job)
    ctx.report(4, 4, "done")
    note = (f"{job.world} local worker processes on 127.0.0.1 ({how}), torch.distributed "
            f"{job.backend}, device {device}.")
    return _result(p, job, ranks, ref, res, note)


def _in_torchrun_group(p, ctx, job, ref_be) -> DemoResult:
    """Launched by torchrun: join its group (env://), train as this rank, check locally."""
    from gdstudy.core import distributed as D
    torch, dist = D.require_torch()
    rank, world = D.init_group(job.backend, job.timeout)
    if world < 2:
        dist.destroy_process_group()
        raise DemoError("data-parallel needs at least 2 ranks (WORLD_SIZE = 1: every check "
                        "would be an identity)")
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
    res = D.resolution(job, ref_be, ref)
    _check_amplification(p, res)
    ref["numpy"] = numpy_reference(job)
    note = (f"rank {rank} of {world} under torchrun (torch.distributed {job.backend}); every rank "
            "checks the claims against its own single-process reference.")
    return _result(p, job, ranks, ref, res, note, me=rank)


MAX_AMPLIFICATION = 1e4   # beyond: chaotic training, where rounding differences grow to O(1)


def _check_amplification(p, res) -> None:
    """Step-for-step equality up to rounding is testable only while the training dynamics keep
    a rounding-size difference small: refuse when a 1e-6 change of the weights grows more than
    MAX_AMPLIFICATION times (e.g. --lr 100 for 200 steps: the runs decorrelate from rounding
    alone and the bound would be vacuous)."""
    if res["amp"] > MAX_AMPLIFICATION:
        raise DemoError(f"--lr {p.lr:g} over --steps {p.steps}: the training amplifies a small change of the "
                        f"weights {res['amp']:.3g}x (more than {MAX_AMPLIFICATION:g}x: chaotic), so equality "
                        "step for step up to rounding cannot be tested; use a smaller --lr or fewer --steps")


def numpy_reference(job) -> dict:
    """The independent reference: plain NumPy float64, one process, the whole combined batch,
    written apart from the core's MLP (per-example gradients, then their mean): the gradient at
    step 0 and the SGD trajectory (steps + 1, P) in the order W1, b1, W2, b2."""
    from gdstudy.core import distributed as D
    X, y, params, batches = D.host_setup(job)
    W1, b1, W2, b2 = (np.array(params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2"))
    flat = lambda: np.concatenate([W1.ravel(), b1.ravel(), W2.ravel(), np.ravel(b2)])  # noqa: E731
    traj, grad0 = [flat()], None
    for t in range(job.steps):
        xb, yb = X[batches[t]], y[batches[t]]             # (B, D), (B,)
        h = np.tanh(xb @ W1 + b1)                          # (B, H)
        z = h @ W2 + b2                                    # (B,)
        e = 0.5 * (1.0 + np.tanh(0.5 * z)) - yb            # sigmoid(z) - y, per example
        gz1 = e[:, None] * W2[None, :] * (1.0 - h * h)     # (B, H) d loss_i / d z1_i
        g = [np.einsum("bd,bh->dh", xb, gz1) / len(yb), gz1.mean(0), (e[:, None] * h).mean(0), e.mean()]
        if t == 0:
            grad0 = np.concatenate([v.ravel() for v in g[:3]] + [np.ravel(g[3])])
        W1, b1, W2, b2 = W1 - job.lr * g[0], b1 - job.lr * g[1], W2 - job.lr * g[2], b2 - job.lr * g[3]
        traj.append(flat())
    return {"grad0": grad0, "traj": np.stack(traj)}


def _result(p, job, ranks, ref, res, note, me: int = 0) -> DemoResult:
    from gdstudy.core.distributed import shard
    mine = ranks[me]
    K, B = job.world, job.world * job.batch
    sizes = [shard(B, k, K, job.shards).stop - shard(B, k, K, job.shards).start for k in range(K)]
    npy = ref["numpy"]
    g_diff = float(np.max(np.abs(mine["grad0"] - ref["grad0"])))
    g_np = float(np.max(np.abs(mine["grad0"] - npy["grad0"])))
    step_diff = np.max(np.abs(mine["traj"] - ref["traj"]), axis=1)          # (steps + 1,)
    np_diff = float(np.max(np.abs(mine["traj"] - npy["traj"])))
    rep_diff = max(float(np.max(np.abs(r["traj"][-1] - mine["traj"][-1]))) for r in ranks)
    local_gap = float(np.max(np.abs(mine["local0"] - ref["grad0"])))
    gt, tt = res["grad_tol"], res["train_tol"]
    shard_text = f"shards {'+'.join(map(str, sizes))} ({job.shards})"
    verdicts = [
        Verdict(f"max |all-reduced gradient - independent NumPy gradient of the combined batch of {B}|",
                bool(g_np <= gt), g_np, 0.0, f"{gt:.2g} (float64 rounding bound)",
                f"step 0; plain NumPy per-example gradients, averaged; {shard_text}"),
        Verdict(f"max |all-reduced gradient - torch gradient of the combined batch of {B}|",
                bool(g_diff <= gt), g_diff, 0.0, f"{gt:.2g} (float64 rounding bound)",
                f"step 0; per-example |gradient| scale {res['grad_scale']:.3g}; one shard alone "
                f"is off by {local_gap:.3g}"),
        Verdict(f"max |theta_t ({K} workers) - theta_t (NumPy, 1 process, batch {B})| over {job.steps} steps",
                bool(np_diff <= tt), np_diff, 0.0,
                f"{tt:.2g} (rounding bound x measured amplification {res['amp']:.3g})", shard_text),
        Verdict(f"max |theta_t ({K} workers, S={job.batch}) - theta_t (torch, 1 process, batch {B})| "
                f"over {job.steps} steps", bool(float(step_diff.max()) <= tt), float(step_diff.max()),
                0.0, f"{tt:.2g} (rounding bound x measured amplification {res['amp']:.3g})"),
        Verdict.bookkeeping("max |final parameters of rank k - rank 0| (replicas in sync)", rep_diff, 0.0,
                            "every rank applies the same all-reduced gradient"),
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
    notes = [note, f"MLP D={job.dim}, H={job.hidden}, N={job.n}; {K} workers, {shard_text} = batch "
             f"{B}; reduce={job.reduce}; lr={job.lr:g}; float64 everywhere."]
    ok = all(v.passed for v in verdicts)
    if ok:
        listed = ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]}" if K <= 6 else shard_text
        take = (f"{K} workers with shards of {listed} examples, "
                f"averaged by one all_reduce weighted by shard size, gave the gradient of the combined "
                f"batch of {B} to {g_np:.2g} (rounding bound {gt:.2g}), and {job.steps} steps of training "
                f"matched one process to {max(np_diff, float(step_diff.max())):.2g}.")
    else:
        take = (f"With reduce={job.reduce} and {shard_text}, the {K} workers' averaged gradient was off by "
                f"{g_np:.3g} from the combined batch's (the rounding bound is {gt:.2g}) and training drifted "
                f"by {np_diff:.3g}: this is not data-parallel SGD with batch {B}.")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=take)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
