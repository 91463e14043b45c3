"""The one judge: a plan and its runs in, a `Judgement` (verdict, claims, evidence) out.

Order (judge.verdicts has the vocabulary): runs that cannot be scored -> 'diverged'; regime or
mechanism misses -> 'outside-regime'; runs too short for the claim's stage -> 'inconclusive:
not converged' (for checks whose end state is convergence, also the measured 'converged'
hypothesis of judge.horizon); then the claims, read again along the horizon ladder (judge.horizon:
a reading that changes along it is 'inconclusive: horizon-dependent'). When the plan has negative
controls, the same rule is applied to them, claim by claim (judge.separation): a claim that also
passes on its control cannot fail here, so unless the check states why its control cannot
separate it, a 'consistent' reading is downgraded to 'inconclusive' (verdicts.control_downgrade,
shared with the scaling checks) and the reason names the claim.
"""

from __future__ import annotations

from ..engine.plan import Plan
from ..engine.session import Runs
from ..engine.store import config_key
from .gating import arm_hypotheses, eps_hypotheses, horizon_hypothesis
from .horizon import apply_ladder, converged_hypotheses, ladder_hypotheses, read_ladder
from .separation import reason as why
from .separation import separate
from .verdicts import Claim, Judgement, RunRow, control_downgrade, decide


def control_outcome(claims: list[Claim]) -> tuple[bool, int, int]:
    """(separates, seeds failing, seeds): a set of control claims separates when every seed fails
    some claim (the scaling checks' per-point claims read it; checks separate claim by claim)."""
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
    hyps += converged_hypotheses(plan, regime, ctx.tol)  # the end state (judge.horizon)
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
        ladder = [] if bad else read_ladder(plan, regime, ctx.tol)  # one run's records, truncated
        hyps += ladder_hypotheses(ladder)
        verdict, reason = apply_ladder(verdict, reason, ladder, hyps)
        ctl_runs = runs.controls(plan)
        if ctl_runs and not bad:
            controls = plan.rule(ctl_runs, ctx)
            for c in controls:
                c.name = f"[control] {c.name}"
            sep = separate(claims, controls)
            held = ", ".join(sep.unseparated) if sep.unseparated else "every claim (none is separated)"
            verdict, reason = control_downgrade(verdict, reason, sep.ok, f"claim by claim: {why(sep)}", f"on {held}")
    roles = {a.name: a.role for a in plan.arms}
    rows = [
        RunRow(
            arm=name,
            role=roles[name],
            seed=r.config.seed,
            status=r.status,
            detail=r.detail,
            final=r.final,
            key=config_key(r.config),
            wall_s=runs.wall.get(r.config, 0.0),
            steps=r.config.steps,
            config=r.config.to_dict(),
        )
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
        check_id=plan.id,
        ref=plan.ref,
        title=plan.title,
        verdict=verdict,
        reason=reason,
        claims=claims,
        hypotheses=hyps,
        runs=rows,
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
