"""Peak resident memory of the quickstart's main job, against baselines measured in the same run.

    python benchmarks/bench_memory.py                       # check --all --preset smoke, fresh store
    python benchmarks/bench_memory.py --check thm4.2 --no-default

Each command runs in a child process with a fresh store in a temporary folder; its peak RSS is
the kernel's own figure for the child (`ru_maxrss` from wait4, the same number as VmHWM), so no
sampling interval can miss the peak. The baselines, measured in the same run, are `import torch`
alone and each job again with glibc's default allocator settings (THEORYCHECK_GLIBC_MALLOC=default,
which turns off `theorycheck.engine.executors.release_heap`); the report prints each peak and its
ratios. Run it on a quiet machine (nice -n 10 if not): the full job takes minutes on two cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, wall seconds, exit code) of `cmd` run as a child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    if p.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} failed with exit {p.returncode}:\n{err[-2000:]}")
    return usage.ru_maxrss / 1024, time.perf_counter() - t0, p.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="smoke")
    ap.add_argument("--check", default="all", help="One check id, or 'all' (the main job).")
    ap.add_argument("--no-default", action="store_true", help="Skip the glibc-default runs (halves the time).")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("THEORYCHECK_GLIBC_MALLOC", None)
    default_env = {**env, "THEORYCHECK_GLIBC_MALLOC": "default"}
    tc = [sys.executable, "-m", "theorycheck", "check"]
    ids = ["--all"] if args.check == "all" else [args.check]
    label = f"check {' '.join(ids)} --preset {args.preset}"
    with tempfile.TemporaryDirectory() as tmp:

        def job(name: str) -> list[str]:  # a fresh store for every job
            return [*tc, *ids, "--preset", args.preset, "--quiet", "--store", os.path.join(tmp, name + ".sqlite")]

        torch_mib, *_ = peak([sys.executable, "-c", "import torch"], env)
        rows = [(label + " (heap released per batch)", *peak(job("released"), env))]
        if not args.no_default:
            rows.append((label + " (glibc default)", *peak(job("default"), default_env)))
    ref = rows[-1][1]
    print(f"{'command':<58} {'peak RSS MiB':>12} {'x torch':>8} {'x default':>9} {'wall s':>7} {'exit':>5}")
    print(f"{'import torch':<58} {torch_mib:>12.0f} {1:>8.2f} {'':>9} {'':>7} {'':>5}")
    for name, mib, wall, rc in rows:
        print(f"{name:<58} {mib:>12.0f} {mib / torch_mib:>8.2f} {mib / ref:>9.2f} {wall:>7.1f} {rc:>5}")


if __name__ == "__main__":
    main()
