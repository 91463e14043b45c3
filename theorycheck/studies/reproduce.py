"""The paper's synthetic experiment (Appendix D.2) as plans: one plan per cell.

A cell is one (optimizer, λ, batch size) setting over several seeds. Its rule is the claim
the paper makes on it, built from the same claim builders as the theorem checks:
memorizes (test error >= 1/2 - δ, Thms 4.1/4.4), generalizes (test error <= δ,
Thms 4.2/4.5), stuck (train error >= 1/2 - δ, Cor 4.3). The paper's reported values
(Tables 1-2; Figs 5-6 give no numbers) travel in the plan's meta for the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engine.build import arm_configs, make_context
from ..engine.plan import Arm, Plan, Rule
from ..judge.claims import fails_to_train, heldout_error_high, heldout_error_low
from ..judge.verdicts import Tolerances

# (optimizer, lambda, regime) -> what the paper reports (None: shown only as a plot)
PAPER_REPORTED: dict[tuple[str, float, str], dict[str, Any]] = {
    ("adam", 1e-5, "large"): dict(source="Table 1", train=0.0, test=0.9545, claim="memorizes"),
    ("adam", 1e-5, "mini"): dict(source="Table 1", train=0.0, test=0.0, claim="generalizes"),
    ("adamw", 0.01, "large"): dict(source="Table 2", train=0.0, test=0.5485, claim="memorizes"),
    ("adamw", 0.01, "mini"): dict(source="Table 2", train=0.0, test=0.0, claim="generalizes"),
    ("adam", 0.05, "large"): dict(source="Fig. 5", train=None, test=None, claim="stuck"),
    ("adam", 0.05, "mini"): dict(source="Fig. 5", train=None, test=None, claim="stuck"),
    ("adamw", 0.5, "large"): dict(source="Fig. 6", train=None, test=None, claim="memorizes"),
    ("adamw", 0.5, "mini"): dict(source="Fig. 6", train=None, test=None, claim="generalizes"),
}
CLAIM_RULES = {"memorizes": heldout_error_high, "generalizes": heldout_error_low, "stuck": fails_to_train}
CLAIM_TEXT = {
    "memorizes": "test error >= 1/2 - δ (Thms 4.1/4.4)",
    "generalizes": "test error <= δ (Thms 4.2/4.5)",
    "stuck": "fails to train: train error >= 1/2 - δ (Cor 4.3)",
}


def _cell_rule(claim: str) -> Rule:
    build = CLAIM_RULES[claim]
    return lambda runs, ctx: [build(runs["cell"], ctx.tol)]


def cell_plans(
    preset_name: str = "paper",
    overrides: dict | None = None,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    tol: Tolerances | None = None,
    reading: dict | None = None,
    label: str = "default",
) -> list[Plan]:
    """The eight Appendix D.2 cells on a preset (large batch = n/2, mini-batch = 2) under one reading."""
    ctx = make_context(preset_name, overrides, seeds, tol)
    base = ctx.base
    plans = []
    for (opt, lam, regime), rep in PAPER_REPORTED.items():
        B = base.n // 2 if regime == "large" else 2
        fields = {**(reading or {}), "optimizer": opt, "lam": lam, "B": B}
        cfgs = arm_configs(
            ctx, fields, fields, f"the {rep['source']} cell {opt} λ={lam:g} ({regime} batch, reading {label!r})"
        )
        meta = dict(
            study="reproduce",
            preset=preset_name,
            reading=label,
            optimizer=opt,
            lam=lam,
            regime=regime,
            B=cfgs[0].B,
            reported=rep,
            base=base.to_dict(),
        )
        plans.append(
            Plan(
                f"{preset_name}/{label}/{rep['source']} {opt} λ={lam:g} B={cfgs[0].B}",
                rep["source"],
                f"{opt} λ={lam:g} B={cfgs[0].B}: {CLAIM_TEXT[rep['claim']]}",
                (Arm("cell", cfgs, None, fields=fields),),
                ctx,
                _cell_rule(rep["claim"]),
                accepts=("ok", "collapsed") if rep["claim"] == "stuck" else ("ok",),
                command=ctx.command("reproduce"),
                meta=meta,
            )
        )
    return plans
