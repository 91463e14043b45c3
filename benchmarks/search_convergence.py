"""Where does large-batch memorization persist at convergence? (docs/convergence.md)

Trains the large-batch arms of Thms 4.1 (Adam) and 4.4 (AdamW) on the default `smoke` preset with one
parameter moved at a time along small ladders, for `--horizon` x the Stage-I time (one long run per
point), and prints, at x1, x3, x10 (and up to the horizon) the Stage-I time, the train and test error,
the feature level max_r <w_{j,r}, j v> and the memorized noise max_i max_r <w_{y_i,r}, xi_i>, plus
whether the configuration keeps every gating hypothesis of its theorem (regime, mechanism, ληT).

    nice -n 10 python benchmarks/search_convergence.py                 # every ladder, seed 0
    nice -n 10 python benchmarks/search_convergence.py --only adam:alpha --seeds 0,1

CPU only, one thread; each point costs about 10-20 s of CPU on an idle core at the default horizon.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import bounds
from simulations import ConfigError, train
from simulations.presets import preset
from theorycheck.checks._common import adam_lambda, adamw_fields, converge_fields
from theorycheck.judge.gating import arm_hypotheses, bounds_values
from theorycheck.judge.horizon import rungs
from theorycheck.vocab import Tolerances

# (optimizer, parameter) -> values; each point moves one parameter of the smoke preset
LADDERS: dict[tuple[str, str], tuple] = {
    ("adam", "alpha"): (0.25, 0.9),
    ("adam", "B"): (100,),
    ("adam", "sigma_p"): (1 / 3,),
    ("adam", "beta2"): (0.999,),
    ("adam", "sigma_0"): (0.025,),
    ("adam", "lam"): (1e-8,),
    ("adam", "eps"): (1e-6,),
    ("adamw", "B"): (100,),
    ("adamw", "alpha"): (0.25,),
    ("adamw", "lam"): (0.109,),
}


def point(opt: str, param: str | None, value: float | None, seeds: list[int], tol: Tolerances) -> dict:
    base = preset("smoke")
    B = base.n // 2
    fields: dict = {param: value} if param and param != "B" else {}
    if param == "B":
        B = int(value)
    if param in ("beta2",):
        fields["beta1"] = 0.9  # β1² < β2 stays true
    b2 = preset("smoke", **fields)
    if opt == "adam":
        rid = "thm4.1"
        f = dict(optimizer="adam", B=B, lam=adam_lambda(b2, tol), **converge_fields(b2, B, rid, "stage1", tol))
    else:
        rid = "thm4.4"
        f = adamw_fields(b2, B, tol)
    if param == "lam":
        f["lam"] = value
    cfgs = [preset("smoke", **{**fields, **f, "seed": s}) for s in seeds]
    miss = [h.name for h in arm_hypotheses("a", rid, cfgs[0], tol) if h.gating and not h.holds]
    t0 = time.process_time()
    runs = train(cfgs)
    cpu = time.process_time() - t0
    rows = []
    for mult in rungs(tol):
        t = cfgs[0].steps * mult / tol.horizon
        vals = []
        for r in runs:
            tr = r.trajectory
            i = max(0, int(np.searchsorted(tr["step"], t, side="right")) - 1)
            feat = max(tr["feat_pos"][i], tr["feat_neg"][i])
            vals.append((tr["train_err"][i], tr["test_err"][i], feat, tr["noise_max"][i]))
        rows.append((mult, int(t), np.mean(vals, axis=0)))
    st = bounds.stage_times(rid, {**bounds_values(cfgs[0])})["stage1"].iterations
    return dict(opt=opt, param=param, value=value, cfg=cfgs[0], miss=miss, rows=rows, cpu=cpu, stage=st)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--horizon", type=float, default=10.0)
    ap.add_argument("--only", default="", help="comma list of opt:param (e.g. adam:alpha); 'base' for the presets")
    a = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    tol = Tolerances(horizon=a.horizon)
    todo: list[tuple[str, str | None, float | None]] = [("adam", None, None), ("adamw", None, None)]
    for (opt, param), values in LADDERS.items():
        todo += [(opt, param, v) for v in values]
    if a.only:
        keep = set(a.only.split(","))
        todo = [t for t in todo if f"{t[0]}:{t[1]}" in keep or (t[1] is None and "base" in keep)]
    print("opt    point             lam       steps  gating misses  | rung: iter train test feat noise")
    for opt, param, value in todo:
        try:
            p = point(opt, param, value, seeds, tol)
        except ConfigError as e:
            print(f"{opt:6s} {param}={value}: not buildable ({e})")
            continue
        c = p["cfg"]
        name = "smoke" if param is None else f"{param}={value:.3g}"
        ladder = "  ".join(f"x{m:g}: {t} {v[0]:.2f} {v[1]:.2f} {v[2]:.2f} {v[3]:.2f}" for m, t, v in p["rows"])
        print(
            f"{opt:6s} {name:17s} {c.lam:<9.3g} {c.steps:6d}  {len(p['miss']):2d} {','.join(p['miss'])[:40]:40s} | {ladder}  [{p['cpu']:.0f} s CPU]",
            flush=True,
        )


if __name__ == "__main__":
    main()
