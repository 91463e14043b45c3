"""The λ x B grid behind the bound-vs-empirical table and the Figure 1-2 analogues.

For each optimizer: every (B, λ) of the grid (the λ sweep, Fig. 2), and every B at the λ the
checks pick for that optimizer and B (the batch-size sweep, Fig. 1). One plan per grid point;
its rule is the generalization claim (test error <= δ), read by the renderer as "good λ".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from simulations import Config, ConfigError

from ..checks._common import adam_lambda, adamw_lambda
from ..engine.build import arm_configs, make_context
from ..engine.plan import Arm, Context, Plan
from ..judge.claims import heldout_error_low
from ..judge.verdicts import Tolerances

if TYPE_CHECKING:
    from simulations import RunResult

    from ..judge.verdicts import Claim

RESULT_FOR = {
    ("adam", "mini"): "thm4.2",
    ("adam", "large"): "thm4.1",
    ("adamw", "mini"): "thm4.5",
    ("adamw", "large"): "thm4.4",
}


def default_batch_sizes(n: int) -> list[int]:
    """A few divisors of n from 2 up to n/2 (log-spaced)."""
    divs = [b for b in range(2, n // 2 + 1) if n % b == 0]
    if not divs:
        raise ConfigError("n", f"needs a divisor B with 2 <= B <= n/2, got n={n}")
    return sorted({divs[round(i)] for i in np.linspace(0, len(divs) - 1, min(4, len(divs)))})


def default_lambdas() -> list[float]:
    return [float(x) for x in np.logspace(-6, 0, 13)]


def check_lambda(opt: str, base: Config, B: int, tol: Tolerances) -> float:
    """The λ the registered checks use for this optimizer and batch size."""
    return adam_lambda(base, tol) if opt == "adam" else adamw_lambda(base, B, tol)


def point_rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    """The rule of one grid cell (arm 'point'): the held-out error is low (also the phase cells')."""
    return [heldout_error_low(runs["point"], ctx.tol)]


def grid_plans(
    preset_name: str = "smoke",
    overrides: dict | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    batch_sizes: Sequence[int] | None = None,
    lambdas: Sequence[float] | None = None,
    tol: Tolerances | None = None,
    optimizers: Sequence[str] = ("adam", "adamw"),
) -> list[Plan]:
    ctx = make_context(preset_name, overrides, seeds, tol)
    base, tol = ctx.base, ctx.tol
    batch_sizes = list(batch_sizes or default_batch_sizes(base.n))
    lambdas = list(lambdas or default_lambdas())
    for B in batch_sizes:
        if base.n % B:
            raise ConfigError("batch_sizes", f"every B must divide n={base.n}, got {B}")
    if any(lam < 0 for lam in lambdas):
        raise ConfigError("lambdas", "every λ must be >= 0")
    grid = dict(batch_sizes=batch_sizes, lambdas=lambdas, base=base.to_dict())
    plans = []
    for opt in optimizers:
        for B in batch_sizes:
            points = [("lam", lam) for lam in lambdas] + [("batch", check_lambda(opt, base, B, tol))]
            for kind, lam in points:
                fields = {"optimizer": opt, "B": B, "lam": lam}
                cfgs = arm_configs(ctx, fields, fields, "the λ x B grid (it varies optimizer, B and λ)")
                plans.append(
                    Plan(
                        f"grid/{kind}/{opt} B={B} λ={lam:.3g}",
                        "",
                        f"{opt} B={B} λ={lam:.3g}",
                        (Arm("point", cfgs, None, fields=fields),),
                        ctx,
                        point_rule,
                        command=ctx.command("table"),
                        meta=dict(study="grid", kind=kind, optimizer=opt, B=B, lam=lam, **grid),
                    )
                )
    return plans
