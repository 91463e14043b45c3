"""The bounds side of a verdict: Config -> bounds values, and the hypotheses that gate it.

Gating hypotheses, in the order a verdict reads them:

* regime     the result's own λ window and batch regime (bounds.lambda_check, batch_regime);
* mechanism  the conditions that decide whether Adam's sign-like mechanism runs at all:
             η = o(σ0^{q−1}) and the other relations bounds.MECHANISM_CONDITIONS lists, and
             ε against the initial gradient scale of the coordinates that must move,
             measured on the runs at step 0 (simulations records g0_noise, g0_feature);
* horizon    the runs reach the stage the claim is about (bounds.stage_times).

A miss of the first two reads 'outside-regime', never 'violated'; a miss of the horizon
reads 'inconclusive: not converged'. Every miss carries its factor and a fix. The scaling
conditions (Conditions A.1/A.2 and the relations the proofs use) are evidence only: the
paper's own experiment misses several of them (docs/bounds_report.md).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import bounds
from simulations import Config, RunResult, problem

from .verdicts import Hypothesis, Tolerances


def bounds_values(cfg: Config | dict) -> dict[str, Any]:
    """The Config fields bounds/ needs, under bounds' names (T counts epochs; eps resolved)."""
    c = cfg if isinstance(cfg, dict) else cfg.to_dict()
    eps = c.get("eps")
    if eps is None:
        eps = c.get("eps_scale", 1.0) * c["lam"] * c["eta"]
    keys = ("n", "d", "s", "sigma_p", "alpha", "sigma_0", "m", "q", "eta", "beta1", "beta2", "lam", "B")
    return {**{k: c[k] for k in keys}, "eps": eps, "T": c["epochs"]}


def fmt(x: Any) -> str:
    return f"{x:.3g}" if isinstance(x, float) else str(x)


def _kw(tol: Tolerances) -> dict[str, float]:
    return {"c": tol.c, "k": tol.k, "rho": tol.rho}


def regime_hypotheses(result_id: str, cfg: Config, tol: Tolerances) -> list[Hypothesis]:
    """The result's own stated hypotheses on λ and n/B."""
    v = bounds_values(cfg)
    ref = bounds.get_result(result_id).ref
    wc = bounds.lambda_check(result_id, v, **_kw(tol))
    detail = f"λ={v['lam']:.3g}: {wc.rule}" + ("" if wc.holds else f"; misses by ×{wc.miss_factor:.3g}")
    out = [
        Hypothesis(
            f"{result_id}: λ window", ref, wc.holds, detail, True, "regime", f"--set lam={wc.fix:.3g}" if wc.fix else ""
        )
    ]
    br = bounds.batch_regime(result_id, v, **_kw(tol))
    detail = f"n/B={fmt(br.n_over_B)}: {br.rule}" + ("" if br.holds else f"; misses by ×{br.miss_factor:.3g}")
    out.append(
        Hypothesis(
            f"{result_id}: batch regime",
            ref,
            br.holds,
            detail,
            True,
            "regime",
            f"needs {br.fix}" if br.fix else "",
            br.miss_factor,
        )
    )
    return out


def mechanism_hypotheses(result_id: str, cfg: Config, tol: Tolerances) -> list[Hypothesis]:
    """The conditions bounds marks as deciding whether the mechanism runs (η against σ0^{q−1}, ...)."""
    out = []
    for mc in bounds.mechanism_check(result_id, bounds_values(cfg), **_kw(tol)):
        detail = f"ratio {mc.ratio:.3g}: {mc.rule}" + ("" if mc.holds else f"; misses by ×{mc.miss_factor:.3g}")
        fix = f"--set {mc.param}={mc.fix:.3g}" if mc.fix is not None and mc.param else mc.fix_rule
        out.append(
            Hypothesis(f"{result_id}: {mc.name}", mc.ref, mc.holds, detail, True, "mechanism", fix, mc.miss_factor)
        )
    return out


def uses_eps(cfg: Config) -> bool:
    return cfg.optimizer in ("adam", "adamw")


def eps_hypotheses(arm: str, runs: Sequence[RunResult], tol: Tolerances, against: str = "loss") -> list[Hypothesis]:
    """ε = o(the initial gradient scale of the coordinates that must move), measured at step 0.

    Adam normalizes g/(√v + ε): when ε exceeds the gradients, the step is no longer sign-like
    and Adam acts as a damped SGD, outside every result's mechanism (Lemma C.2 needs |g| above
    its threshold). against='loss': g0_noise / g0_feature, the medians of the per-sample
    stochastic-gradient entries on the noise supports / the feature coordinate (simulations
    records them); against='decay': the L2 term λ·|w0| (median |w0| = 0.674 σ0), the force
    that drives every coordinate when Adam is stuck (Cor 4.3)."""
    if not runs or not uses_eps(runs[0].config):
        return []
    cfg = runs[0].config
    eps = cfg.eps_value
    if against == "decay":
        scales: list[tuple[str, float, float | None]] = [("L2 term λ|w0|", cfg.lam * 0.674 * cfg.sigma_0, None)]
    elif "g0_noise" in runs[0].final:
        share = max((r.final.get("g0_below_eps", math.nan) for r in runs), default=math.nan)
        scales = [
            (what, min(r.final.get(key, math.nan) for r in runs), share if key == "g0_noise" else None)
            for key, what in (("g0_noise", "noise-coordinate gradients"), ("g0_feature", "feature-coordinate gradient"))
        ]
    else:
        return []
    out = []
    for what, g, below in scales:
        if not math.isfinite(g) or g <= 0:
            continue
        ratio = eps / g
        holds = ratio <= 1 / tol.rho
        detail = f"ε={eps:.3g} vs initial {what} {g:.3g}: ratio {ratio:.3g}, needs <= 1/ρ"
        if not holds and below is not None and below == below:
            detail += f" ({below:.0%} of the noise-coordinate gradients lie below ε)"
        out.append(
            Hypothesis(
                f"[{arm}] ε below the initial {what}",
                "Lemma C.2 (docs/model.md §4.8)",
                holds,
                detail,
                True,
                "mechanism",
                "" if holds else f"--set eps={_round_down(g / tol.rho / 2)}",
                max(1.0, ratio * tol.rho),
            )
        )
    return out


def _round_down(x: float) -> str:
    e = math.floor(math.log10(x))
    return f"{math.floor(x / 10**e)}e{e}"


def horizon_hypothesis(arm: str, result_id: str, cfg: Config, stage: str, fraction: float) -> Hypothesis:
    """The runs last at least `fraction` of the iterations that `stage` needs (bounds.stage_times)."""
    st = bounds.stage_times(result_id, bounds_values(cfg)).get(stage)
    if st is None:
        return Hypothesis(f"[{arm}] horizon", "", True, f"no {stage} time for {result_id}", False, "horizon")
    need = fraction * st.iterations
    holds = cfg.steps >= need
    what = f"{fraction:g} x " if fraction != 1 else ""
    detail = (
        f"{cfg.steps} iterations vs {what}{stage} = {need:.3g} iterations ({st.ref}: {st.expr}, log factors dropped)"
    )
    fix = "" if holds else f"--set epochs={math.ceil(need / cfg.iters_per_epoch)}"
    return Hypothesis(
        f"[{arm}] reaches {stage}", st.ref, holds, detail, True, "horizon", fix, max(1.0, need / cfg.steps)
    )


def condition_hypotheses(result_id: str, cfg: Config, tol: Tolerances) -> list[Hypothesis]:
    """Conditions A.1/A.2 and derived relations that are not mechanism conditions (evidence only)."""
    v = bounds_values(cfg)
    mech = set(bounds.MECHANISM_CONDITIONS)
    names = [n for n in bounds.get_result(result_id).hypotheses if n not in mech]
    out = []
    for cv in bounds.evaluate_all(v, names=names, **_kw(tol)):
        gating = cv.name in GATING_CONDITIONS.get(result_id, ())
        out.append(
            Hypothesis(
                cv.name,
                cv.ref,
                bool(cv.holds),
                f"lhs={fmt(cv.lhs)} rhs={fmt(cv.rhs)} ratio={fmt(cv.ratio)} ({cv.rule})",
                gating,
                "regime" if gating else "scaling",
                _decay_fix(cfg, cv.ratio, tol) if gating and not cv.holds else "",
                max(1.0, tol.rho / cv.ratio) if gating and cv.ratio and cv.ratio > 0 else 1.0,
            )
        )
    return out


# Scaling-table conditions that gate, by result: ληT = ω(1) (Lemma C.20), without which AdamW's decay
# has not acted and Thms 4.4/4.5 are not about the run (docs/model.md §8 item 9); the Stage-I lemmas carry
# it as evidence only (their window ends long before the decay acts).
GATING_CONDITIONS = {"thm4.4": ("lam_eta_T_omega1",), "thm4.5": ("lam_eta_T_omega1",)}


def _decay_fix(cfg: Config, ratio: float, tol: Tolerances) -> str:
    need = tol.rho / ratio if ratio and ratio > 0 else math.inf
    return f"--set epochs={math.ceil(cfg.epochs * need)} (or a larger lam)" if math.isfinite(need) else ""


NOISE_SE = 5.0  # the measured noise scale may differ from sigma_p by this many standard errors


@functools.lru_cache(maxsize=256)
def measured_sigma_p(cfg: Config) -> float:
    """The noise scale of the training data the run actually solves: the root mean square of its
    Gaussian noise entries, rebuilt from the run's seed by simulations.problem (not read off cfg)."""
    val = problem(cfg).train.val
    return float(val.double().pow(2).mean().sqrt())


def data_hypothesis(arm_name: str, cfg: Config) -> tuple[Hypothesis, Config]:
    """The data is what the configuration describes: the measured noise scale against sigma_p.

    With n*s Gaussian entries the RMS has relative standard error 1/sqrt(2ns); the measured value
    must lie within NOISE_SE of them. Where it does not, the bounds are evaluated at the measured
    scale (returned as the Config to gate with), and the miss itself gates: the configuration's
    numbers do not describe these runs."""
    got = measured_sigma_p(cfg)
    se = 1.0 / math.sqrt(2.0 * cfg.n * cfg.s)
    ratio = got / cfg.sigma_p
    holds = abs(ratio - 1.0) <= NOISE_SE * se
    detail = f"measured noise scale {got:.4g} vs sigma_p={cfg.sigma_p:.4g}: ratio {ratio:.4g}, needs |ratio - 1| <= {NOISE_SE * se:.3g}"
    h = Hypothesis(
        f"[{arm_name}] data: measured noise scale matches sigma_p",
        "Def. 3.1 (docs/model.md §2)",
        holds,
        detail + ("" if holds else "; the bounds below are evaluated at the measured scale"),
        True,
        "mechanism",
        "" if holds else "the data generator does not draw the configured noise",
        1.0 if holds else max(ratio, 1.0 / ratio),
    )
    return h, cfg if holds else cfg.replace(sigma_p=got)


def arm_hypotheses(arm_name: str, result_id: str, cfg: Config, tol: Tolerances) -> list[Hypothesis]:
    """Every configuration hypothesis of one arm, each name prefixed with the arm; the data's
    noise scale is measured first (`data_hypothesis`)."""
    data, cfg = data_hypothesis(arm_name, cfg)
    out = regime_hypotheses(result_id, cfg, tol) + mechanism_hypotheses(result_id, cfg, tol)
    out += condition_hypotheses(result_id, cfg, tol)
    for h in out:
        h.name = f"[{arm_name}] {h.name}"
    return [data] + out


# the name the first release used
gating_hypotheses = regime_hypotheses
