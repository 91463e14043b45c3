"""The one judge: a plan and its runs in, a `Judgement` (verdict, claims, evidence) out.

Order (judge.verdicts has the vocabulary): runs that cannot be scored -> 'diverged'; regime or
mechanism misses -> 'outside-regime'; runs too short for the claim's stage -> 'inconclusive:
not converged'; then the claims. When the plan has negative controls, the same rule is applied
to them, claim by claim (judge.separation): a claim that also passes on its control cannot fail
here, so unless the check states why its control cannot separate it, a 'consistent' reading is
downgraded to 'inconclusive' and the reason names the claim.
"""

from __future__ import annotations

from ..engine.plan import Plan
from ..engine.session import Runs
from ..engine.store import config_key
from .gating import arm_hypotheses, eps_hypotheses, horizon_hypothesis
from .separation import reason as why
from .separation import separate
from .verdicts import Claim, Judgement, decide


def control_outcome(claims: list[Claim]) -> tuple[bool, int, int]:
    """(separates, seeds failing, seeds): the control separates when every seed fails some claim."""
    if not claims:
        return False, 0, 0
    n = len(claims[0].passes)
    failing = sum(1 for s in range(n) if not all(c.passes[s] for c in claims))
    return failing == n, failing, n


def judge(plan: Plan, runs: Runs) -> Judgement:
    """Gate, score and decide one plan."""
    ctx = plan.context
    by_arm = runs.of(plan, role=None)
    regime = runs.of(plan)
    hyps = []
    for arm in plan.arms:
        if arm.role != "regime":
            continue
        if arm.gate:
            hyps += arm_hypotheses(arm.name, arm.gate, arm.configs[0], ctx.tol)
            if arm.horizon:
                hyps.append(horizon_hypothesis(arm.name, arm.gate, arm.configs[0], *arm.horizon))
        hyps += eps_hypotheses(arm.name, regime[arm.name], ctx.tol, arm.eps_against)
    if plan.hypotheses is not None:
        hyps += plan.hypotheses(ctx)
    bad = [
        f"[{name}] seed {r.config.seed}: {r.status} ({r.detail})"
        for name, rs in by_arm.items()
        for r in rs
        if r.status not in plan.accepts
    ]
    controls: list[Claim] = []
    if plan.rule is None:
        claims = []
        verdict, reason = ("diverged", "; ".join(bad)) if bad else ("measured", "nothing is claimed; runs reported")
    else:
        claims = [] if bad else plan.rule(regime, ctx)
        verdict, reason = decide(claims, hyps, bad)
        ctl_runs = runs.controls(plan)
        if ctl_runs and not bad:
            controls = plan.rule(ctl_runs, ctx)
            for c in controls:
                c.name = f"[control] {c.name}"
            sep = separate(claims, controls)
            if verdict == "consistent":
                verdict, reason = ("consistent", reason + "; " + why(sep)) if sep.ok else ("inconclusive", why(sep))
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
        controls=controls,
    )


def judge_all(plans: list[Plan], runs: Runs) -> list[Judgement]:
    return [judge(p, runs) for p in plans]
