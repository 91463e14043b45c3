"""Main results (Theorems 4.1-4.5, Corollaries 4.3/4.6; docs/model.md §6) and stage lemmas
(docs/model.md §7) as queryable data, plus the numbers a check needs.

A :class:`Result` lists its hypotheses by condition name (see conditions.py) and its
predicted outcome as SymPy expressions.  Orders are stored *without* their hidden
constants and log factors; the numeric helpers read them under the single convention of
:mod:`bounds.convention` (c, (log n)^k, ρ; docs/model.md §1 item 9):

* :func:`lambda_window` / :func:`lambda_check` — the admissible λ window and how far λ
  misses it; :func:`lambda_orders` — the raw orders (no ρ) for reference lines;
* :func:`batch_regime` — whether n/B is in the result's batch regime, with thresholds;
* :func:`mechanism_check` — the mechanism conditions (conditions.MECHANISM_CONDITIONS)
  that gate the result, with the parameter value that would fix a miss;
* :func:`stage_times` — how many iterations each stage of the result needs;
* :func:`predicted` — everything above plus the predicted magnitudes.

Where Appendix B and Appendix C disagree (docs/model.md §1 items 7-8) both versions are
kept: ``outcome["magnitudes"]`` has keys "appendix_B"/"appendix_C", and every Stage-I
length T0 is tagged by its lemma in :data:`T0_VARIANTS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .conditions import (
    A1,
    A2,
    CONDITIONS,
    DERIVED,
    MECHANISM_CONDITIONS,
    check_values,
    complete,
    evaluate,
    evaluate_all,
    fix_value,
    lhs_interval,
    needs,
)
from .convention import DEFAULT_C, DEFAULT_K, DEFAULT_RHO, check_slack, miss
from .symbols import NAMES, SYMBOLS, B, alpha, eta, lam, m, n, q, s, sigma_0, sigma_p

BASE = A1 + A2 + ("lam_pos",) + DERIVED + ("supports_disjoint_whp",)
ADAMW_LAM = ("lam_adamw_lower", "lam_adamw_upper", "lam_eta_nB_o1", "lam_eta_T_omega1")
H_ADAM_LARGE = BASE + ("nB_theta1", "lam_adam_upper")
H_ADAM_MINI = BASE + ("nB_ge_log_eps", "lam_adam_upper", "lemC7_nssp_B", "faded_moments")
H_ADAM_STUCK = BASE + ("lam_adam_stuck",)
H_ADAMW_LARGE = BASE + ADAMW_LAM + ("alpha_fnoise",)
H_ADAMW_MINI = BASE + ADAMW_LAM + ("nB_ge_log_eps", "nB_omega_ssp", "nB_omega_sqrt_n")
LARGE_ALTS = (("nB_theta1",), ("nB_o_ssp",))  # Thm 4.4: n/B = Θ(1) OR n/B = o(sσ_p)

# conditions mentioning λ or ε: Adam and AdamW run with different λ, so Cor 4.6 (which
# compares the two windows) keeps only the λ-free regime conditions.
_LAM_DEP = {
    "faded_moments",
    "eps_scaling",
    "lam_pos",
    "lam_eta_o1",
    "eta_taubar_ssp_o1",
    "taubar_polylog",
    "nB_ge_log_eps",
    "lam_adam_upper",
    "lam_adamw_lower",
    "lam_adamw_upper",
    "lam_eta_nB_o1",
    "lam_eta_T_omega1",
}
SSP = s * sigma_p
TAU_BAR = sp.log(1 / (lam * eta))  # Lemma C.2 memory length


@dataclass
class Result:
    """A theorem, corollary or lemma: its hypotheses (condition names; ``alternatives``
    are OR-groups), optimizer and batch regime, and predicted ``outcome`` (errors,
    magnitudes per appendix reading, plateau, T0 lemma, per-step rates)."""

    id: str
    ref: str
    kind: str  # "theorem" | "corollary" | "lemma"
    optimizer: str  # "adam" | "adamw" | "both"
    regime: str  # "large" | "mini" | "any"
    hypotheses: tuple
    outcome: dict
    alternatives: tuple = ()  # disjunctive hypothesis groups: at least one must hold
    note: str = ""


def _mag(C: tuple | None = None, B_: tuple | None = None, **shared: object) -> dict:
    """Feature/noise magnitudes per appendix; ``C``/``B_`` are (feature, noise) pairs."""
    mags = {}
    for key, pair in (("appendix_C", C), ("appendix_B", B_ or C)):
        if pair:
            mags[key] = {"feature": pair[0], "noise": pair[1]}
    return {"magnitudes": mags, **shared}


_R = [
    # ---------------- main results, docs/model.md §0.2 / §6 ----------------
    Result(
        "thm4.1",
        "Theorem 4.1",
        "theorem",
        "adam",
        "large",
        H_ADAM_LARGE,
        {
            "train_error": 0,
            "test_error": ">=1/2-o(1)",
            "stuck": False,
            **_mag(C=(None, sp.Integer(1))),
            "feature_sign": "negative (reversed)",
            "T0_lemma": "lem5.1",
        },
    ),
    Result(
        "thm4.2",
        "Theorem 4.2",
        "theorem",
        "adam",
        "mini",
        H_ADAM_MINI,
        {
            "train_error": 0,
            "test_error": "o(1)",
            "stuck": False,
            **_mag(C=(sp.Integer(1), eta * SSP + alpha)),
            "plateau": "adam_plateau",
            "T0_lemma": "lemC.4",
        },
    ),
    Result(
        "cor4.3",
        "Corollary 4.3",
        "corollary",
        "adam",
        "any",
        H_ADAM_STUCK,
        {"train_error": None, "test_error": None, "stuck": True, **_mag(C=(sigma_0, sp.sqrt(s) * sigma_p * sigma_0))},
        note="'under the conditions of Thms 4.1/4.2' except their λ range, which "
        "contradicts λ = ω(σ0^{q-2}); the A.1-A.2 part is kept",
    ),
    Result(
        "thm4.4",
        "Theorem 4.4",
        "theorem",
        "adamw",
        "large",
        H_ADAMW_LARGE,
        {
            "train_error": 0,
            "test_error": ">=1/2-o(1)",
            "stuck": False,
            **_mag(C=(-n / (B * SSP), sp.Integer(1)), B_=(-1 / lam, B * SSP / (n * lam))),
            "T0_lemma": "lemC.12",
        },
        alternatives=LARGE_ALTS,
    ),
    Result(
        "thm4.5",
        "Theorem 4.5",
        "theorem",
        "adamw",
        "mini",
        H_ADAMW_MINI,
        {
            "train_error": 0,
            "test_error": "o(1)",
            "stuck": False,
            **_mag(C=(sp.Integer(1), B * SSP / n), B_=(1 / lam, B * SSP / (n * lam))),
            "T0_lemma": "lemC.17",
        },
    ),
    Result(
        "cor4.6",
        "Corollary 4.6",
        "corollary",
        "both",
        "mini",
        tuple(h for h in dict.fromkeys(H_ADAM_MINI + H_ADAMW_MINI) if h not in _LAM_DEP),
        {
            "statement": "λ_Adam ~ σ0^{q-2} << B²/n ∧ 1 ~ λ_AdamW",
            "adam_cap": sigma_0 ** (q - 2),
            "adamw_floor": sp.Min(B**2 / n, 1),
        },
        note="Adam and AdamW use different λ; cor46_gap() drops λ-dependent conditions",
    ),
]

# ---------------- stage lemmas, docs/model.md §7 ----------------
_LEM = [  # (id, ref, optimizer, regime, hypotheses, outcome)
    (
        "lem5.1",
        "Lemma 5.1 = B.1 = C.3",
        "adam",
        "large",
        H_ADAM_LARGE,
        {
            "T0_lemma": "lem5.1",
            "per_step": {"feature": eta, "noise": eta * SSP, "unit": "iteration", "feature_is_bound": True},
        },
    ),
    (
        "lem5.2",
        "Lemma 5.2",
        "adam",
        "mini",
        H_ADAM_MINI,
        {"T0_lemma": "lem5.2", "per_step": {"feature": eta, "unit": "iteration"}, **_mag(C=(None, eta * SSP))},
    ),
    ("lemB.2", "Lemma B.2", "adam", "mini", H_ADAM_MINI, {"T0_lemma": "lemB.2"}),
    ("lemC.4", "Lemma C.4", "adam", "mini", H_ADAM_MINI, {"T0_lemma": "lemC.4", **_mag(C=(None, eta * SSP))}),
    ("lemC.5", "Lemma C.5", "adam", "mini", H_ADAM_MINI, {"per_step": {"feature": eta, "unit": "iteration"}}),
    (
        "lem5.3",
        "Lemma 5.3 = B.3",
        "adam",
        "mini",
        H_ADAM_MINI,
        {**_mag(C=(sp.Integer(1), eta * SSP)), "plateau": "adam_plateau"},
    ),
    (
        "lemC.7",
        "Lemma C.7",
        "adam",
        "mini",
        H_ADAM_MINI,
        {**_mag(C=(sp.Integer(1), eta * SSP + alpha)), "plateau": "adam_plateau"},
    ),
    (
        "lemC.9",
        "Lemma C.9",
        "adam",
        "mini",
        H_ADAM_MINI,
        {"train_error": 0, "test_error": "o(1)", **_mag(C=(sp.Integer(1), eta * SSP + alpha))},
    ),
    (
        "lemB.5",
        "Lemma B.5 = C.10",
        "adam",
        "any",
        H_ADAM_STUCK,
        {"stuck": True, **_mag(C=(sigma_0, sp.sqrt(s) * sigma_p * sigma_0))},
    ),
    (
        "lemB.6",
        "Lemma B.6",
        "adamw",
        "large",
        H_ADAMW_LARGE,
        {"T0_lemma": "lemB.6", "per_step": {"noise": eta * SSP, "unit": "epoch"}},
    ),
    (
        "lemC.12",
        "Lemma C.12",
        "adamw",
        "large",
        H_ADAMW_LARGE,
        {"T0_lemma": "lemC.12", "per_step": {"noise": eta * SSP, "unit": "epoch"}},
    ),
    (
        "lemB.7",
        "Lemma B.7",
        "adamw",
        "large",
        H_ADAMW_LARGE,
        {**_mag(C=(-1 / lam, B / (n * lam))), "T_r": True, "noise_is_coordinate": True},
    ),
    (
        "lemC.13",
        "Lemma C.13",
        "adamw",
        "large",
        H_ADAMW_LARGE,
        {**_mag(C=(-n / (B * SSP), 1 / SSP)), "T_r": True, "noise_is_coordinate": True},
    ),
    ("lemB.8", "Lemma B.8", "adamw", "large", H_ADAMW_LARGE, _mag(C=(-1 / lam, B * SSP / (n * lam)))),
    ("lemC.14", "Lemma C.14", "adamw", "large", H_ADAMW_LARGE, _mag(C=(-n / (B * SSP), sp.Integer(1)))),
    (
        "lemC.16",
        "Lemma C.16",
        "adamw",
        "large",
        H_ADAMW_LARGE,
        {"train_error": 0, "test_error": ">=1/2-o(1)", **_mag(C=(-1 / SSP, None))},
    ),
    (
        "lemB.10",
        "Lemma B.10",
        "adamw",
        "mini",
        H_ADAMW_MINI,
        {"T0_lemma": "lemB.10", "per_step": {"feature": eta * n / B, "noise": eta * SSP, "unit": "epoch"}},
    ),
    (
        "lemC.17",
        "Lemma C.17",
        "adamw",
        "mini",
        H_ADAMW_MINI,
        {"T0_lemma": "lemC.17", "per_step": {"feature": eta * n / B, "noise": eta * SSP, "unit": "epoch"}},
    ),
    ("lemB.11", "Lemma B.11", "adamw", "mini", H_ADAMW_MINI, _mag(C=(1 / lam, B * SSP / (n * lam)))),
    ("lemC.18", "Lemma C.18", "adamw", "mini", H_ADAMW_MINI, _mag(C=(sp.Integer(1), B * SSP / n))),
    (
        "lemC.20",
        "Lemma C.20",
        "adamw",
        "mini",
        H_ADAMW_MINI,
        {"train_error": 0, "test_error": "o(1)", **_mag(C=(sp.Integer(1), sigma_0 + alpha))},
    ),
]
for _id, _ref, _opt, _reg, _h, _out in _LEM:
    _R.append(
        Result(_id, _ref, "lemma", _opt, _reg, _h, _out, LARGE_ALTS if (_opt, _reg) == ("adamw", "large") else ())
    )
RESULTS: dict[str, Result] = {r.id: r for r in _R}
_LOWER = {key.lower(): key for key in RESULTS}

#: Stage-I length T0 per lemma (docs/model.md §1 item 7): (regime, expression, unit as read).
#: The units are a reading: lemmas stating per-iteration growth count iterations, lemmas
#: stating per-epoch growth count epochs (docs/model.md §1 item 16).
T0_VARIANTS = {
    "lem5.1": ("adam_large", 1 / (eta * SSP), "iterations"),
    "lem5.2": ("adam_mini", 1 / (eta * SSP), "iterations"),
    "lemB.2": ("adam_mini", B / (eta * n), "epochs"),  # = 1/η iterations: agrees with C.4
    "lemC.4": ("adam_mini", 1 / eta, "iterations"),
    "lemB.6": ("adamw_large", B / (lam * eta * n), "epochs"),
    "lemC.12": ("adamw_large", 1 / (eta * SSP), "epochs"),
    "lemB.10": ("adamw_mini", B / (lam * eta * n), "epochs"),
    "lemC.17": ("adamw_mini", B / (eta * n), "epochs"),
}
#: Which lemma supplies T0 per regime under each reading (docs/model.md §1 items 7-8).
T0_DEFAULTS = {
    "appendix_C": {"adam_large": "lem5.1", "adam_mini": "lemC.4", "adamw_large": "lemC.12", "adamw_mini": "lemC.17"},
    "appendix_B": {"adam_large": "lem5.1", "adam_mini": "lemB.2", "adamw_large": "lemB.6", "adamw_mini": "lemB.10"},
    "section5": {"adam_large": "lem5.1", "adam_mini": "lem5.2", "adamw_large": "lemC.12", "adamw_mini": "lemC.17"},
}


#: Stage-II thresholds and time scales as expressions (docs/model.md §7, §8 items 4 and 7).
#: Adam's feature plateau z* (Lemma 5.3 = B.3): the loss factor ℓ ≈ (1 + e^{m z^q})^{-1} equals λ.
ADAM_PLATEAU = (sp.log(1 / lam - 1) / m) ** (1 / q)
#: iterations mini-batch Adam needs to reach z* at ≈ η per iteration (docs/model.md §8 item 4)
ADAM_PLATEAU_TIME = ADAM_PLATEAU / eta
#: AdamW Stage-II noise plateau (Lemmas B.8/C.14) and feature stop (Lemmas B.11/C.18)
ADAMW_PLATEAU_M = (sp.log(1 / (lam * eta) - 1) / m) ** (1 / q)
ADAMW_PLATEAU_SQ = sp.log(1 / (lam * eta) ** 2 - 1) ** (1 / q)
#: large-batch AdamW feature-reversal time (Lemma B.7/C.13), in epochs [reconstructed unit]
T_R = sigma_0 / (eta * SSP * alpha ** (1 / (q - 1)))


def get_result(result_id: str) -> Result:
    """Case-insensitive lookup ("lemC.7" == "lemc.7"); ValueError naming an unknown id."""
    key = _LOWER.get(result_id.lower()) if isinstance(result_id, str) else None
    if key is None:
        raise ValueError(f"result_id must be one of {sorted(RESULTS)}, got {result_id!r}")
    return RESULTS[key]


def _num(expr: sp.Expr | float | None, values: dict) -> float | None:
    if expr is None:
        return None
    subs = {SYMBOLS[key]: val for key, val in complete(values).items() if key in SYMBOLS and val is not None}
    return float(sp.sympify(expr).subs(subs))


def _lam_kind(r: Result) -> str:
    if r.id == "cor4.6":
        return "cor4.6"
    if r.optimizer == "adam":
        return "adam_stuck" if r.outcome.get("stuck") else "adam_success"
    return "adamw"


def lambda_orders(
    result_id: str, values: dict, c: float = DEFAULT_C, k: float = DEFAULT_K
) -> tuple[float | None, float | None]:
    """The raw λ orders (lower, upper) of a result, without the ρ slack: for plotting
    reference lines.  None = unbounded.  Needs the rhs parameters only (not λ).

    Adam success (Thms 4.1/4.2 and their lemmas): (0, c·σ0^{q−2}σ_p/n).
    Adam stuck (Cor 4.3, Lemma B.5): (c·σ0^{q−2}, None).
    AdamW (Thms 4.4/4.5 and lemmas): (c·(B²/n ∧ 1)/(log n)^k, c·(log n)^k).
    Cor 4.6: (Adam cap c·σ0^{q−2}, AdamW floor c·(B²/n ∧ 1)/(log n)^k).
    """
    r = get_result(result_id)
    check_slack(c, k, 1.0)
    kind = _lam_kind(r)

    def order(name: str) -> float:
        lo, hi = lhs_interval(name, values, c, k, 1.0)  # at ρ = 1 the bound is c·x itself
        return lo if lo is not None else hi

    if kind == "adam_success":
        return 0.0, order("lam_adam_upper")
    if kind == "adam_stuck":
        return order("lam_adam_stuck"), None
    if kind == "adamw":
        return order("lam_adamw_lower"), order("lam_adamw_upper")
    return order("lam_adam_stuck"), order("lam_adamw_lower")


def lambda_window(
    result_id: str,
    values: dict,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> tuple[float | None, float | None]:
    """The admissible λ window (lower, upper) of a result under the convention of
    bounds.convention; None = unbounded.  This is what a verdict must gate on.

    Adam success (Thms 4.1/4.2, λ = o(σ0^{q−2}σ_p/n)): (0, c·σ0^{q−2}σ_p/(n·ρ)).
    Adam stuck (Cor 4.3, λ = ω(σ0^{q−2})): (ρ·c·σ0^{q−2}, None).
    AdamW (Thms 4.4/4.5, λ = Ω̃(B²/n ∧ 1) and Õ(1)):
    (c·(B²/n ∧ 1)/((log n)^k·ρ), ρ·c·(log n)^k).
    Cor 4.6 has no window; it returns the pair (Adam cap, AdamW floor) of
    :func:`lambda_orders`, and :func:`lambda_check` judges cap = o(floor).
    """
    r = get_result(result_id)
    check_slack(c, k, rho)
    kind = _lam_kind(r)
    if kind == "adam_success":
        return 0.0, lhs_interval("lam_adam_upper", values, c, k, rho)[1]
    if kind == "adam_stuck":
        return lhs_interval("lam_adam_stuck", values, c, k, rho)[0], None
    if kind == "adamw":
        return lhs_interval("lam_adamw_lower", values, c, k, rho)[0], lhs_interval(
            "lam_adamw_upper", values, c, k, rho
        )[1]
    return lambda_orders(r.id, values, c, k)


@dataclass(frozen=True)
class WindowCheck:
    """λ against a result's window (or, for Cor 4.6, Adam's cap against AdamW's floor).

    ``miss_factor`` = factor by which λ must move to enter [lo, hi] (1 if inside);
    ``side`` = "above"/"below" when outside; ``fix`` = the nearest admissible λ.
    """

    result: str
    lam: float | None
    lo: float | None
    hi: float | None
    holds: bool
    miss_factor: float
    side: str | None
    fix: float | None
    rule: str


def lambda_check(
    result_id: str,
    values: dict,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> WindowCheck:
    """Is λ = ``values["lam"]`` inside :func:`lambda_window`, and by what factor does it miss?

    For Cor 4.6 (no λ) the relation judged is Adam cap = o(AdamW floor): it holds iff
    ρ·cap <= floor, and misses by ρ·cap/floor otherwise.
    """
    r = get_result(result_id)
    lo, hi = lambda_window(r.id, values, c, k, rho)
    if r.id == "cor4.6":
        holds, factor, side = miss(lo, None, hi / rho)
        rule = f"Adam cap c·σ0^(q-2) = o(AdamW floor c·(B²/n ∧ 1)/(log n)^k): ρ·cap <= floor, ρ = {rho:g}"
        return WindowCheck(r.id, None, lo, hi, holds, factor, side, None, rule)
    check_values(values, ["lam"])
    lam_ = float(values["lam"])
    holds, factor, side = miss(lam_, lo, hi)
    fix = None if holds else (hi if side == "above" else lo)
    span = f"[{'0' if not lo else f'{lo:.3g}'}, {'inf' if hi is None else f'{hi:.3g}'}]"
    return WindowCheck(r.id, lam_, lo, hi, holds, factor, side, fix, f"λ in {span} (c = {c:g}, k = {k:g}, ρ = {rho:g})")


#: batch-size relations per (optimizer, regime): ("all" | "any", condition names)
BATCH_RELATIONS = {
    ("adam", "large"): ("all", ("nB_theta1",)),
    ("adam", "mini"): ("all", ("nB_ge_log_eps",)),
    ("adamw", "large"): ("any", ("nB_theta1", "nB_o_ssp")),
    ("adamw", "mini"): ("all", ("nB_ge_log_eps", "nB_omega_ssp", "nB_omega_sqrt_n")),
    ("both", "mini"): ("all", ("nB_omega_ssp", "nB_omega_sqrt_n")),  # Cor 4.6: λ-free part
}
#: name of the n/B threshold each batch condition contributes to batch_regime's output
BATCH_THRESHOLDS = {
    "nB_theta1": "theta1_max",
    "nB_o_ssp": "o_ssp_max",
    "nB_ge_log_eps": "log_eps_min",
    "nB_omega_ssp": "ssp_omega_min",
    "nB_omega_sqrt_n": "sqrt_n_omega_min",
}


def batch_regime(
    result_id: str,
    values: dict,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> dict:
    """Is n/B in the result's batch regime (docs/model.md §5.6), under the convention?

    Relations (r = (n/B)/(c·x)): large-batch Adam n/B = Θ(1), read as n/B <= c·ρ;
    mini-batch Adam n/B >= Θ(log 1/ε), read as Ω: n/B >= c·log(1/ε)/ρ; large-batch AdamW
    n/B = Θ(1) OR n/B = o(sσ_p) (n/B <= c·sσ_p/ρ); mini-batch AdamW n/B >= Θ(log 1/ε)
    AND n/B = ω(sσ_p ∨ √n) (n/B >= ρ·c·sσ_p and >= ρ·c·√n).  Cor 4.6 uses the λ-free
    part of the mini-batch AdamW regime; Cor 4.3 holds in either regime.

    Returns a flat dict: ``n_over_B``, ``regime``, ``holds``, ``miss_factor`` (factor by
    which n/B must move; 1 if it holds), ``rule`` (text), one named threshold per relation
    (``theta1_max``, ``o_ssp_max``, ``log_eps_min``, ``ssp_omega_min``,
    ``sqrt_n_omega_min``), the combined ``min_n_over_B`` (mini) or ``max_n_over_B``
    (large), ``missed`` = {condition: miss factor} of the failing relations, and ``fix`` =
    the batch sizes that would satisfy the regime ("B <= …" / "B >= …"; "" if it holds).
    """
    r = get_result(result_id)
    check_slack(c, k, rho)
    v = complete(values)
    check_values(v, ["n", "B"])
    nB = float(v["n"]) / float(v["B"])
    out: dict = {"n_over_B": nB, "regime": r.regime}
    if r.regime == "any":
        out.update(holds=True, miss_factor=1.0, rule="either regime", missed={})
        return out
    mode, names = BATCH_RELATIONS[(r.optimizer, r.regime)]
    cvs = [evaluate(name, v, c, k, rho) for name in names]
    for cv in cvs:
        out[BATCH_THRESHOLDS[cv.name]] = cv.lhs_max if cv.lhs_max is not None else cv.lhs_min
    if r.regime == "mini":
        out["min_n_over_B"] = max(cv.lhs_min for cv in cvs)
        rule = f"n/B >= {out['min_n_over_B']:.4g} (max of " + ", ".join(BATCH_THRESHOLDS[x] for x in names) + ")"
    else:
        out["max_n_over_B"] = max(cv.lhs_max for cv in cvs)
        rule = f"n/B <= {out['max_n_over_B']:.4g} (" + (" or ".join(BATCH_THRESHOLDS[x] for x in names)) + ")"
    holds = all(cv.holds for cv in cvs) if mode == "all" else any(cv.holds for cv in cvs)
    factors = [cv.miss_factor for cv in cvs]
    if holds:
        fix = ""
    elif r.regime == "mini":
        fix = f"B <= {float(v['n']) / out['min_n_over_B']:.4g}"
    else:
        fix = f"B >= {float(v['n']) / out['max_n_over_B']:.4g}"
    out.update(
        holds=bool(holds),
        miss_factor=1.0 if holds else (max(factors) if mode == "all" else min(factors)),
        rule=rule + f", c = {c:g}, ρ = {rho:g}",
        missed={} if holds else {cv.name: cv.miss_factor for cv in cvs if not cv.holds},
        fix=fix,
    )
    return out


@dataclass(frozen=True)
class MechanismCheck:
    """One mechanism condition of a result at concrete values.

    ``param``/``value``: the parameter a miss is fixed by and its current value; ``fix``:
    the value of ``param`` on the condition's boundary (None if it holds); ``fix_rule``:
    e.g. "eta <= 2.5e-05" (strict "<"/">" for literal inequalities).
    """

    name: str
    ref: str
    kind: str
    holds: bool
    ratio: float
    miss_factor: float
    rule: str
    param: str | None
    value: float | None
    fix: float | None
    fix_rule: str
    note: str


def mechanism_conditions(result_id: str) -> tuple[str, ...]:
    """The conditions of :data:`MECHANISM_CONDITIONS` among a result's hypotheses."""
    r = get_result(result_id)
    return tuple(x for x in MECHANISM_CONDITIONS if x in r.hypotheses)


def mechanism_check(
    result_id: str,
    values: dict,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> list[MechanismCheck]:
    """Evaluate the mechanism conditions gating a result (Adam's sign-like update operates
    only inside them), each with the value of its ``fix_param`` that would fix a miss.

    A result whose mechanism conditions fail is *outside its regime* at these values: its
    conclusion says nothing there.  E.g. at the Appendix D.2 preset, η = 5e-5 against
    σ0^{q−1} = 1e-4 has r = 0.5 and misses η = o(σ0^{q−1}) by ×2 under ρ = 4; the fix is
    η <= c·σ0^{q−1}/ρ = 2.5e-5.
    """
    out = []
    v = complete(values)
    for name in mechanism_conditions(result_id):
        cond = CONDITIONS[name]
        cv = evaluate(name, v, c, k, rho)
        param = cond.fix_param
        fix = None if cv.holds or param is None else fix_value(name, v, param, c, k, rho)
        text = ""
        if fix is not None:
            up = fix > float(v[param])
            strict = cond.kind == "exact" and cond.op in ("<", ">")
            text = f"{param} {'>' if up else '<'}{'' if strict else '='} {fix:.4g}"
        out.append(
            MechanismCheck(
                name,
                cond.ref,
                cond.kind,
                cv.holds,
                cv.ratio,
                cv.miss_factor,
                cv.rule,
                param,
                None if param is None else float(v[param]),
                fix,
                text,
                cond.note,
            )
        )
    return out


def adam_plateau(lam: float, m: float, q: float) -> float:
    """Adam's Stage-II feature plateau z* = ((1/m)·log(1/λ − 1))^{1/q} (Lemma 5.3/C.7).

    Needs 0 < λ < 1/2 (so that log(1/λ − 1) > 0), m > 0, q > 0; ValueError otherwise.
    """
    check_values({"lam": lam, "m": m, "q": q}, ["lam", "m", "q"])
    if not lam < 0.5:
        raise ValueError(f"lam must be < 1/2 for the plateau z* (log(1/λ − 1) > 0), got {lam!r}")
    return float(ADAM_PLATEAU.subs({SYMBOLS["lam"]: lam, SYMBOLS["m"]: m, SYMBOLS["q"]: q}))


def adamw_thresholds(lam: float, eta: float, m: float, q: float) -> dict:
    """AdamW Stage-II thresholds (Lemmas B.8/C.14, B.11/C.18): ``plateau_m`` =
    ((1/m)·log(1/(λη) − 1))^{1/q}, ``plateau_sq`` = (log(1/(λη)² − 1))^{1/q}.  Needs λη < 1/2."""
    check_values({"lam": lam, "eta": eta, "m": m, "q": q}, ["lam", "eta", "m", "q"])
    if not lam * eta < 0.5:
        raise ValueError(f"lam·eta must be < 1/2 for the AdamW thresholds, got {lam * eta!r}")
    subs = {SYMBOLS["lam"]: lam, SYMBOLS["eta"]: eta, SYMBOLS["m"]: m, SYMBOLS["q"]: q}
    return {"plateau_m": float(ADAMW_PLATEAU_M.subs(subs)), "plateau_sq": float(ADAMW_PLATEAU_SQ.subs(subs))}


def time_scales(values: dict, variant: str = "appendix_C") -> dict:
    """Stage-I lengths T0 (every lemma variant, iterations and epochs), T_r and τ̄.

    ``T0`` maps regime -> iterations under ``variant`` ("appendix_C", "appendix_B",
    "section5"); ``T0_variants`` lists every lemma's value.  Variants needing λ are
    skipped when ``values`` has no λ.  Log factors are dropped.  ``T_r`` (Lemma B.7/C.13)
    counts epochs; ``tau_bar`` = log(1/(λη)) counts iterations.
    """
    if variant not in T0_DEFAULTS:
        raise ValueError(f"variant must be one of {tuple(T0_DEFAULTS)}, got {variant!r}")
    v = complete(values)
    check_values(v, ["n", "B", "eta", "s", "sigma_p"])
    nB = v["n"] / v["B"]
    variants = {}
    for lem, (regime, expr, unit) in T0_VARIANTS.items():
        if lam in expr.free_symbols and v.get("lam") is None:
            continue
        x = _num(expr, v)
        it = x if unit == "iterations" else x * nB
        variants[lem] = {"regime": regime, "stated": x, "unit": unit, "iterations": it, "epochs": it / nB}
    out = {
        "T0": {reg: variants[lem]["iterations"] for reg, lem in T0_DEFAULTS[variant].items() if lem in variants},
        "T0_variants": variants,
        "variant": variant,
        "n_over_B": nB,
        "T_r": _num(T_R, v),
    }
    if v.get("lam") is not None:
        out["tau_bar"] = math.log(1 / (v["lam"] * v["eta"]))
    return out


@dataclass(frozen=True)
class StageTime:
    """How long one stage of a result lasts at concrete values (log factors dropped).

    ``expr`` is the length as the source states it, in ``unit`` ("iterations" or
    "epochs"; one epoch = n/B iterations); ``iterations`` and ``epochs`` convert it.
    """

    stage: str
    source: str
    ref: str
    expr: sp.Expr
    unit: str
    iterations: float
    epochs: float
    default: bool


def _regime_key(r: Result) -> str | None:
    if r.optimizer not in ("adam", "adamw") or r.regime not in ("large", "mini"):
        return None
    return f"{r.optimizer}_{r.regime}"


def stage_times(result_id: str, values: dict, variant: str = "appendix_C") -> dict[str, StageTime]:
    """The iteration count each stage of a result needs, so that a run too short to reach
    the stage a claim is about can be called "not converged".

    Keys: ``"stage1"`` — the Stage-I length T0 of the result's regime under ``variant``
    (docs/model.md §1 item 7: "appendix_C" default, "appendix_B", "section5");
    ``"stage1:<lemma>"`` — every stated T0 variant of that regime; ``"plateau"`` (mini-batch
    Adam) — z*/η iterations to reach the Stage-II feature plateau z* at ≈ η per iteration
    (docs/model.md §8 item 4); ``"feature_flip"`` (large-batch AdamW) — T_r of Lemma
    B.7/C.13, after which feature learning decreases (stated in epochs).  Units:
    ``iterations`` counts optimizer steps, ``epochs`` = iterations·B/n.  Results without
    stages (Cor 4.3, Cor 4.6) give an empty dict.
    """
    r = get_result(result_id)
    if variant not in T0_DEFAULTS:
        raise ValueError(f"variant must be one of {tuple(T0_DEFAULTS)}, got {variant!r}")
    regime = _regime_key(r)
    if regime is None:
        return {}
    v = complete(values)
    check_values(v, ["n", "B"])
    nB = float(v["n"]) / float(v["B"])

    def make(stage: str, source: str, ref: str, expr: sp.Expr, unit: str, default: bool) -> StageTime:
        check_values(v, [NAMES[x] for x in expr.free_symbols])
        x = _num(expr, v)
        it = x if unit == "iterations" else x * nB
        return StageTime(stage, source, ref, expr, unit, it, it / nB, default)

    out: dict[str, StageTime] = {}
    default_lem = T0_DEFAULTS[variant][regime]
    for lem, (reg, expr, unit) in T0_VARIANTS.items():
        if reg == regime:
            if lem != default_lem and any(v.get(NAMES[x]) is None for x in expr.free_symbols):
                continue  # a non-default variant needing a value not given (λ for B.6/B.10)
            st = make("stage1", lem, RESULTS[lem].ref, expr, unit, lem == default_lem)
            out[f"stage1:{lem}"] = st
            if lem == default_lem:
                out["stage1"] = st
    if regime == "adam_mini":
        check_values(v, ["lam", "m", "q", "eta"])
        adam_plateau(v["lam"], v["m"], v["q"])  # validates 0 < λ < 1/2
        out["plateau"] = make(
            "plateau", "lem5.3", "Lemma 5.3 (docs/model.md §8 item 4)", ADAM_PLATEAU_TIME, "iterations", True
        )
    if regime == "adamw_large":
        out["feature_flip"] = make("feature_flip", "lemC.13", "Lemma B.7/C.13", T_R, "epochs", True)
    return out


def predicted(
    result_id: str,
    values: dict,
    variant: str = "appendix_C",
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> dict:
    """Numeric predictions of one result at ``values`` (orders times c, logs dropped), with
    its λ window, batch regime, mechanism conditions and the hypotheses it misses."""
    r, v = get_result(result_id), complete(values)
    out = {
        "id": r.id,
        "optimizer": r.optimizer,
        "regime": r.regime,
        "train_error": r.outcome.get("train_error"),
        "test_error": r.outcome.get("test_error"),
        "stuck": bool(r.outcome.get("stuck")),
    }
    if v.get("B") is not None:
        out["lambda_window"] = lambda_window(r.id, v, c, k, rho)
        out["batch"] = batch_regime(r.id, v, c, k, rho)
        if v.get("lam") is not None and r.id != "cor4.6":
            wc = lambda_check(r.id, v, c, k, rho)
            out["lam_in_window"] = wc.holds
            out["lambda_miss_factor"] = wc.miss_factor
    mags = r.outcome.get("magnitudes", {})
    mag = mags.get(variant) or mags.get("appendix_C")
    if mag:
        for key in ("feature", "noise"):
            try:
                x = _num(mag[key], v)
                out[key] = None if x is None else c * x
            except (TypeError, KeyError):
                out[key] = None
    if r.outcome.get("plateau") and v.get("lam") is not None:
        out["plateau"] = adam_plateau(v["lam"], v["m"], v["q"])
    lem = r.outcome.get("T0_lemma")
    if lem and v.get("B") is not None:
        ts = time_scales(v, variant)
        if lem in ts["T0_variants"]:
            out["T0_iterations"] = ts["T0_variants"][lem]["iterations"]
            out["T0_epochs"] = ts["T0_variants"][lem]["epochs"]
    vals = evaluate_all(v, [x for x in r.hypotheses if _has(x, v)], c=c, k=k, rho=rho)
    out["missed"] = {cv.name: cv.miss_factor for cv in vals if not cv.holds}
    out["mechanism_missed"] = {cv.name: cv.miss_factor for cv in vals if not cv.holds and cv.role == "mechanism"}
    # disjunctive groups (Thm 4.4): a miss only if every alternative misses
    alt_vals = [evaluate_all(v, [x for x in alt if _has(x, v)], c=c, k=k, rho=rho) for alt in r.alternatives]
    if alt_vals and not any(all(cv.holds for cv in grp) for grp in alt_vals):
        for grp in alt_vals:
            out["missed"].update({cv.name: cv.miss_factor for cv in grp if not cv.holds})
    return out


def _has(name: str, values: dict) -> bool:
    return all(values.get(key) is not None for key in needs(CONDITIONS[name]))
