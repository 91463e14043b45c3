"""The one judge: a plan and its runs in, a `Judgement` (verdict, claims, evidence) out."""

from __future__ import annotations

from ..engine.plan import Plan
from ..engine.session import Runs
from ..engine.store import config_key
from .gating import arm_hypotheses
from .verdicts import Judgement, decide


def judge(plan: Plan, runs: Runs) -> Judgement:
    """Gate, score and decide one plan (see judge.verdicts for the order of verdicts)."""
    ctx = plan.context
    by_arm = runs.of(plan, role=None)
    regime = runs.of(plan)
    hyps = []
    for arm in plan.arms:
        if arm.role == "regime" and arm.gate:
            hyps += arm_hypotheses(arm.name, arm.gate, arm.configs[0], ctx.tol)
    if plan.hypotheses is not None:
        hyps += plan.hypotheses(ctx)
    bad = [
        f"[{name}] seed {r.config.seed}: {r.status} ({r.detail})"
        for name, rs in by_arm.items()
        for r in rs
        if r.status not in plan.accepts
    ]
    if plan.rule is None:
        claims = []
        verdict, reason = ("diverged", "; ".join(bad)) if bad else ("measured", "nothing is claimed; runs reported")
    else:
        claims = [] if bad else plan.rule(regime, ctx)
        verdict, reason = decide(claims, hyps, bad)
    roles = {a.name: a.role for a in plan.arms}
    rows = [
        {
            "arm": name,
            "role": roles[name],
            "seed": r.config.seed,
            "status": r.status,
            "detail": r.detail,
            "final": r.final,
            "key": config_key(r.config),
            "wall_s": runs.wall.get(r.config, 0.0),
            "steps": r.config.steps,
            "config": r.config.to_dict(),
        }
        for name, rs in by_arm.items()
        for r in rs
    ]
    settings = {
        "preset": ctx.preset,
        "overrides": ctx.overrides,
        "seeds": list(ctx.seeds),
        "tolerances": ctx.tol.__dict__,
        "arms": {a.name: {"role": a.role, "gate": a.gate, "fields": a.fields} for a in plan.arms},
    }
    cached, computed, wall_s = runs.counts(plan.configs)
    return Judgement(
        plan.id,
        plan.ref,
        plan.title,
        verdict,
        reason,
        claims,
        hyps,
        rows,
        command=plan.command,
        settings=settings,
        cached=cached,
        computed=computed,
        wall_s=wall_s,
        meta=dict(plan.meta),
        evidence=by_arm,
    )


def judge_all(plans: list[Plan], runs: Runs) -> list[Judgement]:
    return [judge(p, runs) for p in plans]
