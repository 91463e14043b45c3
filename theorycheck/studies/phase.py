"""The (B, λ) phase diagram: test error at convergence over a grid of batch sizes and weight
decays, for Adam and AdamW, beside what Thms 4.1-4.5 and Cor 4.3 predict there.

One plan per (optimizer, B, λ), one config per seed. Every cell trains to the convergence budget
the checks use (`checks._common.converge_fields`: `--tol horizon` x the stage time of the result
whose batch regime holds at that B, the mini-batch result's where neither holds); at one B every
optimizer and λ shares the longest of those budgets, so the cells of one B form one shape group
and are advanced together. Each plan's end state is declared 'convergence' with the metrics of the
check of the result predicted there (Cor 4.3's reads the training loss alone: a stuck model's
test error hovers near 1/2; the default, train and test error, where nothing is predicted), so the
judge measures the '[point] converged' hypothesis and reads the horizon ladder (judge.horizon) as
that check would.

The prediction of a cell (`prediction`) comes from bounds alone, under the tolerances' slack:
Adam inside Thms 4.1/4.2's window λ = o(σ0^{q−2}σp/n) predicts memorization where n/B is in the
large-batch regime and generalization in the mini-batch one; Adam with λ = ω(σ0^{q−2}) (Cor 4.3)
predicts training stuck at initialization; AdamW inside the window λ = Ω~(B²/n ∧ 1), O~(1)
predicts memorization (Thm 4.4) or generalization (Thm 4.5) by the same regimes. For AdamW the
cell also records whether ληT = ω(1) (Lemma C.20, the checks' gating reading), so that the
agreement can be read with and without it. Everywhere else no outcome is predicted.

The measured outcome of a run (`outcome`): for Adam, 'stuck' when Cor 4.3's rule holds on it (no
growth of feature or noise past its Θ~(σ0) scale; not read for AdamW, whose decoupled decay holds
a feature that generalizes near 1/λ, below that scale at large λ), else 'generalizes' (test error ≤ δ), 'memorizes'
(test error ≥ 1/2 − δ on a fitted training set, training error ≤ δ, as Thms 4.1/4.4 state it), 'unfit'
(test error ≥ 1/2 − δ with training error > δ: it neither fits nor generalizes, which is not the
theorems' memorization) or 'between'. A cell's outcome is the one its seeds share, else 'mixed'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import bounds
from simulations import Config, ConfigError

from ..checks._common import adam_lambda, adamw_lambda, converge_fields, polylog
from ..checks.registry import load_all
from ..engine.build import arm_configs, make_context
from ..engine.plan import Arm, Plan
from ..judge.claims import feature
from ..judge.gating import bounds_values
from ..judge.horizon import ERRORS, declare, end_state
from ..judge.verdicts import Tolerances
from .grid import point_rule
from .study import flag

if TYPE_CHECKING:
    from simulations import RunResult


OPTIMIZERS = ("adam", "adamw")
OUTCOMES = ("generalizes", "memorizes", "stuck", "between")
IDENTITY = ("optimizer", "B", "lam", "epochs", "record_every")  # a --set of these is refused
# the large- and mini-batch result of each optimizer, and the stage its checks train to
RESULTS = {"adam": (("thm4.1", "stage1"), ("thm4.2", "plateau")), "adamw": (("thm4.4", "stage1"), ("thm4.5", "stage1"))}


def _kw(tol: Tolerances) -> dict:
    return dict(c=tol.c, k=tol.k, rho=tol.rho)


def divisors(n: int) -> list[int]:
    return [b for b in range(1, n + 1) if n % b == 0]


def default_batch_sizes(n: int, count: int = 5) -> list[int]:
    """Up to `count` divisors of n from 2 to n, log-spaced by their index among the divisors."""
    divs = [b for b in divisors(n) if b >= 2]
    if not divs:
        raise ConfigError("n", f"needs a divisor B >= 2, got n={n}")
    return sorted({divs[round(i)] for i in np.linspace(0, len(divs) - 1, min(count, len(divs)))})


def default_lambdas(base: Config, tol: Tolerances, count: int = 6) -> list[float]:
    """`count` log-spaced λ from a tenth of the upper end of Adam's window (Thms 4.1/4.2) to half the
    upper end of AdamW's (Thms 4.4/4.5): every window and Cor 4.3's region get cells."""
    v = bounds_values(base)
    lo = bounds.lambda_window("thm4.2", v, **_kw(tol))[1]
    hi = bounds.lambda_window("thm4.5", v, **_kw(tol))[1]
    assert lo is not None and hi is not None  # both windows have an upper end
    return [float(f"{x:.3g}") for x in np.logspace(math.log10(lo / 10), math.log10(hi / 2), count)]


def regime_result(opt: str, values: dict, tol: Tolerances) -> str | None:
    """The result (large or mini) whose batch regime holds at these values, or None."""
    for rid, _ in RESULTS[opt]:
        if bounds.batch_regime(rid, values, **_kw(tol)).holds:
            return rid
    return None


def budget(base: Config, B: int, tol: Tolerances, optimizers: Sequence[str] = OPTIMIZERS) -> dict:
    """Epochs and record spacing of every cell at batch size B: the longest convergence budget of
    the optimizers' results there (the regime that holds, else the mini-batch result)."""
    best: dict = {}
    for opt in optimizers:
        lam = adam_lambda(base, tol) if opt == "adam" else adamw_lambda(base, B, tol)
        v = {**bounds_values(base.replace(B=B, lam=lam))}
        rid = regime_result(opt, v, tol) or RESULTS[opt][1][0]
        stage = dict(RESULTS[opt])[rid]
        f = converge_fields(base, B, rid, stage, tol, **({"lam": lam} if stage == "plateau" else {}))
        if not best or f["epochs"] > best["epochs"]:
            best = f
    return best


@dataclass(frozen=True)
class Prediction:
    result: str | None  # the result that predicts an outcome here (None: no prediction)
    outcome: str | None  # 'generalizes', 'memorizes' or 'stuck'
    lam_eta_T: bool | None = None  # AdamW: ληT = ω(1) over the cell's run (Lemma C.20's reading)

    @property
    def region(self) -> str:
        if self.result is None:
            return "no prediction"
        if self.lam_eta_T is None:
            return self.result
        return f"{self.result} ({'ληT = ω(1)' if self.lam_eta_T else 'ληT not ω(1)'})"


def prediction(opt: str, cfg: Config, tol: Tolerances) -> Prediction:
    """What the paper's results predict for this cell (module docstring), from bounds alone."""
    v = bounds_values(cfg)
    lam = cfg.lam
    if opt == "adam":
        hi = bounds.lambda_window("thm4.2", v, **_kw(tol))[1]
        stuck = bounds.lambda_window("cor4.3", v, **_kw(tol))[0]
        if stuck is not None and lam >= stuck:
            return Prediction("cor4.3", "stuck")
        if hi is not None and 0 < lam <= hi:
            rid = regime_result(opt, v, tol)
            if rid is not None:
                return Prediction(rid, "memorizes" if rid == "thm4.1" else "generalizes")
        return Prediction(None, None)
    lo, hi = bounds.lambda_window("thm4.5", v, **_kw(tol))
    if lo is not None and hi is not None and lo <= lam <= hi:
        rid = regime_result(opt, v, tol)
        if rid is not None:
            decay = bounds.evaluate("lam_eta_T_omega1", v, **_kw(tol)).holds
            return Prediction(rid, "memorizes" if rid == "thm4.4" else "generalizes", bool(decay))
    return Prediction(None, None)


def decay_line(cfg: Config, tol: Tolerances) -> float | None:
    """The smallest λ with ληT = ω(1) over this cell's run (Lemma C.20's reading, bounds)."""
    cv = bounds.evaluate("lam_eta_T_omega1", bounds_values(cfg.replace(lam=1.0)), **_kw(tol))
    return None if cv.lhs_min is None else float(cv.lhs_min / cv.lhs)  # lhs is linear in λ


# ---- measured outcomes ------------------------------------------------------------------------
def stuck(r: RunResult, base: Config, tol: Tolerances) -> bool:
    """Cor 4.3's rule on one run (checks/cor4_3.py): feature and noise growth over initialization
    stay within stuck x σ0 x log(n)^k (x s^{1/2}σp for the noise)."""
    cap = tol.stuck * base.sigma_0 * polylog(base, tol)
    f = feature(r)
    nm = r.trajectory["noise_max"]
    return float(max(f) - f[0]) <= cap and float(nm.max() - nm[0]) <= cap * base.s**0.5 * base.sigma_p


def outcome(r: RunResult, base: Config, tol: Tolerances) -> str:
    """One run's measured outcome (module docstring); 'failed' for a run that did not finish."""
    if r.status not in ("ok", "collapsed"):
        return "failed"
    if r.config.optimizer == "adam" and stuck(r, base, tol):  # Cor 4.3 is about Adam alone
        return "stuck"
    e = float(r.final["test_err"])
    if e <= tol.delta:
        return "generalizes"
    if e >= 0.5 - tol.delta:
        # memorization is err_S = 0 beside err_D >= 1/2 - δ; a run at chance on both is not it
        return "memorizes" if float(r.final["train_err"]) <= tol.delta else "unfit"
    return "between"


def cell_outcome(outcomes: Sequence[str]) -> str:
    return outcomes[0] if len(set(outcomes)) == 1 else "mixed"


# ---- plans ------------------------------------------------------------------------------------
def phase_plans(
    preset_name: str = "smoke",
    overrides: dict | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    batch_sizes: Sequence[int] | None = None,
    lambdas: Sequence[float] | None = None,
    tol: Tolerances | None = None,
    optimizers: Sequence[str] = OPTIMIZERS,
) -> list[Plan]:
    """One plan per (optimizer, B, λ); every argument is checked before a plan is built."""
    load_all()  # the checks' end states (judge.horizon.declare) are read per cell
    ctx = make_context(preset_name, overrides, seeds, tol)
    base, tol = ctx.base, ctx.tol
    given = (batch_sizes, lambdas, list(optimizers))
    optimizers = list(dict.fromkeys(optimizers))
    bad = [o for o in optimizers if o not in OPTIMIZERS]
    if bad or not optimizers:
        raise ConfigError("optimizers", f"must be among {OPTIMIZERS}, got {bad or 'none'}")
    batch_sizes = sorted(set(batch_sizes or default_batch_sizes(base.n)))
    for B in batch_sizes:
        if B < 1 or base.n % B:
            raise ConfigError("batch_sizes", f"every B must divide n={base.n} (divisors: {divisors(base.n)}), got {B}")
    lambdas = sorted(set(lambdas or default_lambdas(base, tol)))
    if any(not lam > 0 for lam in lambdas):
        raise ConfigError("lambdas", "every λ must be > 0 (the windows of Thms 4.1-4.5 start above 0)")
    command = ctx.command("phase") + flag("batch-sizes", given[0], None) + flag("lambdas", given[1], None)
    command += flag("optimizers", given[2], list(OPTIMIZERS))
    grid = dict(batch_sizes=batch_sizes, lambdas=lambdas, optimizers=optimizers, base=base.to_dict())
    plans = []
    for B in batch_sizes:
        fields_B = budget(base, B, tol, optimizers)
        for opt in optimizers:
            for lam in lambdas:
                fields = {"optimizer": opt, "B": B, "lam": lam, **fields_B}
                cfgs = arm_configs(ctx, fields, IDENTITY, "the (B, λ) phase diagram (it varies optimizer, B and λ)")
                pid = f"phase/{opt} B={B} λ={lam:.3g}"
                pred = prediction(opt, cfgs[0], tol)
                declare(pid, "convergence", metrics=end_state(pred.result).metrics if pred.result else ERRORS)
                plans.append(
                    Plan(
                        pid,
                        "Thms 4.1-4.5, Cor 4.3",
                        f"{opt} B={B} λ={lam:.3g}",
                        (Arm("point", cfgs, None, fields=fields),),
                        ctx,
                        point_rule,
                        accepts=("ok", "collapsed"),
                        command=command,
                        meta=dict(study="phase", optimizer=opt, B=B, lam=lam, **grid),
                    )
                )
    return plans
