"""Peak resident memory of the quickstart's main job, against baselines measured in the same run.

    python benchmarks/bench_memory.py                       # check --all --preset smoke, fresh store
    python benchmarks/bench_memory.py --preset tiny --ids thm4.2,thm4.1

Each command runs in a child process with a fresh store in a temporary folder; its peak RSS is
the kernel's own figure for the child (`ru_maxrss` from wait4, the same number as VmHWM), so no
sampling interval can miss the peak. The baselines are `import torch` alone and one check alone;
the report prints each peak and its ratio to them. Run it on a quiet machine (nice -n 10 if not):
the full job takes minutes on two cores.
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
    ap.add_argument("--ids", default="all", help="Comma-separated check ids, or 'all' (the main job).")
    ap.add_argument("--one", default="thm4.2", help="The one-check baseline.")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    tc = [sys.executable, "-m", "theorycheck", "check"]
    with tempfile.TemporaryDirectory() as tmp:

        def job(ids: list[str], name: str) -> list[str]:
            return [*tc, *ids, "--preset", args.preset, "--quiet", "--store", os.path.join(tmp, name + ".sqlite")]

        main_ids = ["--all"] if args.ids == "all" else None
        rows = [
            ("import torch", [sys.executable, "-c", "import torch"]),
            (f"check {args.one}", job([args.one], "one")),
        ]
        if main_ids:
            rows.append((f"check --all --preset {args.preset}", job(main_ids, "all")))
        else:
            for cid in args.ids.split(","):
                rows.append((f"check {cid}", job([cid], cid.replace(".", "_"))))
        results = [(label, *peak(cmd, env)) for label, cmd in rows]
    base_torch, base_one = results[0][1], results[1][1]
    print(f"{'command':<36} {'peak RSS MiB':>12} {'x torch':>8} {'x one':>6} {'wall s':>7} {'exit':>5}")
    for label, mib, wall, rc in results:
        print(f"{label:<36} {mib:>12.0f} {mib / base_torch:>8.2f} {mib / base_one:>6.2f} {wall:>7.1f} {rc:>5}")


if __name__ == "__main__":
    main()
