"""Local worker processes: a free loopback port, start K processes with the env:// variables
and wait for them, or wait for forked children; on a failure, a timeout or a cancel every child
is killed before the error propagates. No torch here (gdstudy.core.distributed uses these)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from gdstudy.errors import DemoError

__all__ = ["free_port", "launch_local", "wait_children", "kill_children", "die_with_parent",
           "tail_file"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]

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

def die_with_parent() -> None:
    """Linux: SIGKILL this child when its parent dies (a killed demo leaves no worker behind)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

def wait_children(pids, timeout, on_poll, poll, out) -> list[int]:
    """Exit codes of all children; stops early at the first failure (the rest are killed)."""
    codes = [None] * len(pids)
    deadline = time.monotonic() + timeout
    while True:
        for k, pid in enumerate(pids):
            if codes[k] is None:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    codes[k] = os.waitstatus_to_exitcode(status)
        if any(c not in (None, 0) for c in codes) or all(c is not None for c in codes):
            return [c if c is not None else -9 for c in codes]
        if on_poll is not None:
            on_poll()
        if time.monotonic() > deadline:
            raise DemoError(f"data-parallel workers did not finish within {timeout:g} s "
                            f"(rank 0 said: {tail_file(out / 'log0') or 'nothing'})")
        time.sleep(poll)

def kill_children(pids) -> None:
    """SIGKILL every child that is still running and reap it."""
    for pid in pids:
        try:
            if os.waitpid(pid, os.WNOHANG) == (0, 0):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        except ChildProcessError:
            pass                                               # already reaped

def tail_file(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return _tail(f)
    except OSError:
        return ""
