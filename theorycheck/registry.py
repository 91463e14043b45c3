"""The theorem registry and the machinery every check shares.

A `Check` (one module per result under theorycheck/checks/) says:
  * which paper result it tests (`ref`) and which bounds/ result holds its hypotheses;
  * a simulation plan: named arms, each a set of Config fields chosen from the
    preset so that the result's hypotheses hold (the user's overrides win);
  * a rule: a function from the arms' runs to claims (see verdicts.py).
`run_check` executes the plan through the sweep runner (store, batching, executor)
and returns a `CheckResult` with the verdict and its evidence.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import shlex
from collections.abc import Callable
from dataclasses import dataclass

import bounds
from simulations import PRESETS, Config, ConfigError, preset

from .runner import run_configs
from .verdicts import CheckResult, Hypothesis, Tolerances, decide

DEFAULT_SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Arm:
    """One group of runs of a check: Config fields plus the bounds result whose hypotheses gate it."""

    fields: dict
    result_id: str | None


@dataclass(frozen=True)
class Check:
    id: str
    ref: str
    title: str
    plan: Callable[[dict, Tolerances], dict]  # (base values, tol) -> {arm name: Arm}
    rule: Callable[[dict, dict, Tolerances], list]  # (runs by arm, base values, tol) -> [Claim]
    doc: str = ""
    extra_hypotheses: Callable | None = None  # (base, tol) -> [Hypothesis] (non-config evidence)


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    REGISTRY[check.id] = check
    return check


def load_all() -> dict[str, Check]:
    from . import checks

    for mod in pkgutil.iter_modules(checks.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{checks.__name__}.{mod.name}")
    return dict(sorted(REGISTRY.items(), key=lambda kv: _order(kv[0])))


def _order(cid: str):
    kind = {"thm": 0, "cor": 0, "lem": 1}[cid[:3]]
    return (kind, cid.replace("cor", "thm"))


def get_check(cid: str) -> Check:
    reg = load_all()
    if cid not in reg:
        raise ConfigError("result", f"unknown result id {cid!r}; known: {', '.join(reg)}")
    return reg[cid]


# ---- helpers the check modules use ------------------------------------------------------
def bounds_values(cfg: Config | dict) -> dict:
    """The Config fields bounds/ needs, under bounds' names (T counts epochs)."""
    c = cfg if isinstance(cfg, dict) else cfg.to_dict()
    eps = c.get("eps")
    if eps is None:
        eps = c.get("eps_scale", 1.0) * c["lam"] * c["eta"]
    return dict(
        n=c["n"],
        d=c["d"],
        s=c["s"],
        sigma_p=c["sigma_p"],
        alpha=c["alpha"],
        sigma_0=c["sigma_0"],
        m=c["m"],
        q=c["q"],
        eta=c["eta"],
        beta1=c["beta1"],
        beta2=c["beta2"],
        eps=eps,
        lam=c["lam"],
        B=c["B"],
        T=c["epochs"],
    )


def base_values(preset_name: str, overrides: dict) -> dict:
    if preset_name not in PRESETS:
        raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {preset_name!r}")
    base = dict(Config().to_dict(), **PRESETS[preset_name])
    base.update(overrides)
    return base


def polylog(base: dict, tol: Tolerances) -> float:
    return math.log(base["n"]) ** tol.k


def adam_lambda(base: dict, tol: Tolerances) -> float:
    """Inside Thms 4.1/4.2's window lambda = o(sigma_0^{q-2} sigma_p / n): its upper end over rho."""
    return tol.c * base["sigma_0"] ** (base["q"] - 2) * base["sigma_p"] / base["n"] / tol.rho


def adamw_lambda(base: dict, B: int, tol: Tolerances) -> float:
    """Twice the lower end of AdamW's window lambda = Omega~(B^2/n ∧ 1) (Thms 4.4/4.5)."""
    lo, _ = bounds.lambda_window("thm4.5", dict(bounds_values(base), B=B), c=tol.c, k=tol.k)
    return 2.0 * lo


def memorization_claims(runs, tol):
    """Thms 4.1/4.4: err_S = 0 and err_D >= 1/2 - o(1), per seed."""
    from .verdicts import at_least, at_most

    return [
        at_most("train error", "err_S = 0", final(runs, "train_err"), tol.train_delta),
        at_least("test error", ">= 1/2 - o(1)", final(runs, "test_err"), 0.5 - tol.delta),
    ]


def generalization_claims(runs, tol):
    """Thms 4.2/4.5: err_S = 0 and err_D = o(1), per seed."""
    from .verdicts import at_most

    return [
        at_most("train error", "err_S = 0", final(runs, "train_err"), tol.train_delta),
        at_most("test error", "err_D = o(1)", final(runs, "test_err"), tol.delta),
    ]


def final(runs, metric):
    return [r.final[metric] for r in runs]


def feature(r):
    """max over classes of max_r <w_{j,r}, j v> along the trajectory."""
    return [max(a, b) for a, b in zip(r.trajectory["feat_pos"], r.trajectory["feat_neg"])]


def slope(r, metric_values, t_end):
    """Least-squares slope per iteration of a trajectory quantity over [0, t_end]."""
    import numpy as np

    steps = r.trajectory["step"]
    sel = steps <= t_end
    if sel.sum() < 2:
        sel = np.arange(len(steps)) < 2
    x, y = steps[sel].astype(float), np.asarray(metric_values, dtype=float)[sel]
    return float(np.polyfit(x, y, 1)[0])


# ---- running a check ---------------------------------------------------------------------
def gating_hypotheses(result_id: str, cfg: Config, tol: Tolerances) -> list[Hypothesis]:
    """The result's own stated hypotheses on lambda and n/B, evaluated at this config."""
    v = bounds_values(cfg)
    out = []
    lo, hi = bounds.lambda_window(result_id, v, c=tol.c, k=tol.k)
    ok = (lo is None or v["lam"] >= lo) and (hi is None or v["lam"] <= hi)
    span = f"[{'-' if lo is None else f'{lo:.3g}'}, {'-' if hi is None else f'{hi:.3g}'}]"
    out.append(
        Hypothesis(
            f"{result_id}: lambda window",
            bounds.get_result(result_id).ref,
            ok,
            f"lambda={v['lam']:.3g} vs predicted window {span}",
            True,
        )
    )
    br = bounds.batch_regime(result_id, v, c=tol.c, k=tol.k, rho=tol.rho)
    detail = ", ".join(f"{k}={_fmt(x)}" for k, x in br.items() if k != "holds")
    out.append(
        Hypothesis(f"{result_id}: batch regime", bounds.get_result(result_id).ref, bool(br["holds"]), detail, True)
    )
    return out


def condition_hypotheses(result_id: str, cfg: Config, tol: Tolerances) -> list[Hypothesis]:
    """Conditions A.1/A.2 and derived relations (non-gating evidence: the paper's own
    experiment misses several of them, see docs/bounds_report.md)."""
    v = bounds_values(cfg)
    out = []
    for cv in bounds.evaluate_all(
        v, names=list(bounds.get_result(result_id).hypotheses), c=tol.c, k=tol.k, rho=tol.rho
    ):
        out.append(
            Hypothesis(
                cv.name,
                cv.ref,
                bool(cv.holds),
                f"lhs={_fmt(cv.lhs)} rhs={_fmt(cv.rhs)} ratio={_fmt(cv.ratio)} ({cv.rule})",
                False,
            )
        )
    return out


def _fmt(x):
    return f"{x:.3g}" if isinstance(x, float) else str(x)


def build_configs(check: Check, preset_name: str, overrides: dict, seeds, tol: Tolerances):
    base = base_values(preset_name, overrides)
    arms = check.plan(base, tol)
    out = {}
    for name, arm in arms.items():
        fields = {**arm.fields, **overrides}  # explicit parameters win over the plan
        out[name] = (arm, [preset(preset_name, **{**fields, "seed": s}) for s in seeds])
    return base, out


def run_check(
    cid: str,
    preset_name: str = "smoke",
    overrides: dict | None = None,
    seeds=DEFAULT_SEEDS,
    tol: Tolerances | None = None,
    store=None,
    executor="process",
    workers: int = 1,
    progress=None,
    fresh: bool = False,
) -> CheckResult:
    """Run one registered check and return its verdict with evidence."""
    overrides = dict(overrides or {})
    tol = tol or Tolerances()
    check = get_check(cid)
    seeds = tuple(seeds)
    if not seeds:
        raise ConfigError("seeds", "need at least one seed")
    base, arms = build_configs(check, preset_name, overrides, seeds, tol)  # validates before any run
    flat = [c for _, cfgs in arms.values() for c in cfgs]
    results, stats = run_configs(flat, store=store, executor=executor, workers=workers, progress=progress, fresh=fresh)
    by_cfg = dict(zip(flat, results))
    runs = {name: [by_cfg[c] for c in cfgs] for name, (_, cfgs) in arms.items()}
    hyps = []
    for name, (arm, cfgs) in arms.items():
        if arm.result_id:
            for h in gating_hypotheses(arm.result_id, cfgs[0], tol) + condition_hypotheses(arm.result_id, cfgs[0], tol):
                h.name = f"[{name}] {h.name}"
                hyps.append(h)
    if check.extra_hypotheses:
        hyps += check.extra_hypotheses(base, tol)
    bad = [
        f"[{name}] seed {r.config.seed}: {r.status} ({r.detail})" for name, rs in runs.items() for r in rs if not r.ok
    ]
    claims = [] if bad else check.rule(runs, base, tol)
    verdict, reason = decide(claims, hyps, bad)
    from .store import config_key

    run_rows = [
        {"arm": name, "seed": r.config.seed, "status": r.status, "final": r.final, "key": config_key(r.config)}
        for name, rs in runs.items()
        for r in rs
    ]
    return CheckResult(
        check.id,
        check.ref,
        check.title,
        verdict,
        reason,
        claims,
        hyps,
        run_rows,
        command=reproduce_command(cid, preset_name, overrides, seeds, tol),
        settings={
            "preset": preset_name,
            "overrides": overrides,
            "seeds": list(seeds),
            "tolerances": tol.__dict__,
            "arms": {n: a.fields for n, (a, _) in arms.items()},
        },
        cached=stats.cached,
        computed=stats.computed,
        wall_s=stats.wall_s,
    )


def reproduce_command(cid, preset_name, overrides, seeds, tol: Tolerances) -> str:
    parts = ["theorycheck", "check", cid, "--preset", preset_name]
    for k, v in overrides.items():
        parts += ["--set", f"{k}={v}"]
    parts += ["--seeds", ",".join(map(str, seeds))]
    for k, v in tol.__dict__.items():
        if v != getattr(Tolerances(), k):
            parts += ["--tol", f"{k}={v}"]
    return " ".join(shlex.quote(p) for p in parts)
