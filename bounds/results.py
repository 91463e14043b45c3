"""Main results (PAPER.md §6) and stage lemmas (§7) as queryable data, plus numbers.

A :class:`Result` lists its hypotheses by condition name (see conditions.py) and its
predicted outcome as SymPy expressions.  Orders are stored *without* their hidden
constants and log factors; numeric helpers multiply by ``c`` and, where the paper writes
a tilde, by ``(log n)^k`` as documented per function (PAPER.md §1 item 9).

Where Appendix B and Appendix C disagree (§1 items 7-8) both versions are kept:
``outcome["magnitudes"]`` has keys "appendix_B"/"appendix_C", and every Stage-I length
T0 is tagged by its lemma in :data:`T0_VARIANTS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .conditions import A1, A2, DERIVED, complete
from .symbols import B, alpha, eta, lam, n, q, s, sigma_0, sigma_p

BASE = A1 + A2 + ("lam_pos",) + DERIVED + ("supports_disjoint_whp",)
ADAMW_LAM = ("lam_adamw_lower", "lam_adamw_upper", "lam_eta_nB_o1")
H_ADAM_LARGE = BASE + ("nB_theta1", "lam_adam_upper")
H_ADAM_MINI = BASE + ("nB_ge_log_eps", "lam_adam_upper", "lemC7_nssp_B")
H_ADAM_STUCK = BASE + ("lam_adam_stuck",)
H_ADAMW_LARGE = BASE + ADAMW_LAM + ("alpha_fnoise",)
H_ADAMW_MINI = BASE + ADAMW_LAM + ("nB_ge_log_eps", "nB_omega_ssp", "nB_omega_sqrt_n")
LARGE_ALTS = (("nB_theta1",), ("nB_o_ssp",))  # Thm 4.4: n/B = Θ(1) OR n/B = o(sσ_p)

# conditions mentioning λ or ε: Adam and AdamW run with different λ, so Cor 4.6 (which
# compares the two windows) keeps only the λ-free regime conditions.
_LAM_DEP = {
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
}
SSP = s * sigma_p
TAU_BAR = sp.log(1 / (lam * eta))  # Lemma C.2 memory length


@dataclass
class Result:
    id: str
    ref: str
    kind: str  # "theorem" | "corollary" | "lemma"
    optimizer: str  # "adam" | "adamw" | "both"
    regime: str  # "large" | "mini" | "any"
    hypotheses: tuple
    outcome: dict
    alternatives: tuple = ()  # disjunctive hypothesis groups: at least one must hold
    note: str = ""


def _mag(C=None, B_=None, **shared):
    """Feature/noise magnitudes per appendix; ``C``/``B_`` are (feature, noise) pairs."""
    mags = {}
    for key, pair in (("appendix_C", C), ("appendix_B", B_ or C)):
        if pair:
            mags[key] = {"feature": pair[0], "noise": pair[1]}
    return {"magnitudes": mags, **shared}


_R = [
    # ---------------- main results, PAPER.md §0.2 / §6 ----------------
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

# ---------------- stage lemmas, PAPER.md §7 ----------------
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

#: Stage-I length T0 per lemma (§1 item 7): (regime, expression, unit as read).
#: Units are [reconstructed]: per-iteration growth → iterations, per-epoch → epochs.
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
#: Which lemma supplies T0 per regime under each reading (§1 items 7-8).
T0_DEFAULTS = {
    "appendix_C": {"adam_large": "lem5.1", "adam_mini": "lemC.4", "adamw_large": "lemC.12", "adamw_mini": "lemC.17"},
    "appendix_B": {"adam_large": "lem5.1", "adam_mini": "lemB.2", "adamw_large": "lemB.6", "adamw_mini": "lemB.10"},
    "section5": {"adam_large": "lem5.1", "adam_mini": "lem5.2", "adamw_large": "lemC.12", "adamw_mini": "lemC.17"},
}


def get_result(result_id: str) -> Result:
    """Case-insensitive lookup ("lemC.7" == "lemc.7")."""
    return RESULTS[_LOWER[result_id.lower()]]


def _num(expr, values) -> float | None:
    if expr is None:
        return None
    from .symbols import SYMBOLS

    subs = {SYMBOLS[key]: val for key, val in complete(values).items() if key in SYMBOLS}
    return float(sp.sympify(expr).subs(subs))


def lambda_window(result_id: str, values: dict, c: float = 1.0, k: float = 1) -> tuple[float | None, float | None]:
    """Numeric λ window (lower, upper), None = unbounded (§5.5).

    Adam success (Thms 4.1/4.2 and their lemmas): (0, c·σ0^{q−2}σ_p/n) — the raw order;
    the o(·) slack ρ is applied by ``evaluate("lam_adam_upper")``, not here.
    Adam stuck (Cor 4.3, Lemma B.5): (c·σ0^{q−2}, None).
    AdamW (Thms 4.4/4.5 and lemmas): ((B²/n ∧ 1)/(c·(log n)^k), c·(log n)^k) — the tilde
    hides one polylog factor each way.
    Cor 4.6: (Adam cap σ0^{q−2}, AdamW floor (B²/n ∧ 1)/(c·(log n)^k)); the corollary
    claims first < second.
    """
    r, v = get_result(result_id), values
    pl = c * math.log(v["n"]) ** k
    cap = v["sigma_0"] ** (v["q"] - 2)
    floor = min(v["B"] ** 2 / v["n"], 1.0) / pl
    if r.id == "cor4.6":
        return cap, floor
    if r.optimizer == "adam":
        return (c * cap, None) if r.outcome.get("stuck") else (0.0, c * cap * v["sigma_p"] / v["n"])
    return floor, pl


def batch_regime(result_id: str, values: dict, c: float = 1.0, k: float = 1, rho: float = 10.0) -> dict:
    """Numeric batch-size thresholds on n/B (§5.6).

    n/B = Θ(1) holds iff n/B <= c·ρ; "n/B >= Θ(log 1/ε)" iff n/B >= c·log(1/ε);
    mini-batch AdamW: ``must_exceed`` = sσ_p ∨ n^{1/2} (literal order, used for ``holds``)
    and ``omega_threshold`` = ρ·must_exceed (used for ``holds_with_slack``);
    large-batch AdamW: Θ(1) or n/B <= sσ_p/ρ.  ``k`` is accepted for signature symmetry.
    """
    r, v = get_result(result_id), complete(values)
    nB = v["n"] / v["B"]
    out = {"n_over_B": nB, "regime": r.regime}
    log_eps = c * math.log(1 / v["eps"]) if "eps" in v else None
    ssp = v["s"] * v["sigma_p"]
    if r.regime == "any":
        out["holds"] = True
    elif r.optimizer == "adam" and r.regime == "large":
        out.update(max_n_over_B=c * rho, holds=nB <= c * rho)
    elif r.regime == "mini" and r.optimizer == "adam":
        out.update(min_n_over_B=log_eps, holds=nB >= log_eps)
    elif r.regime == "large":
        out.update(max_n_over_B=c * rho, o_threshold=ssp / rho, holds=nB <= c * rho or nB <= ssp / rho)
    else:
        must = max(ssp, math.sqrt(v["n"]))
        out.update(
            min_n_over_B=log_eps,
            must_exceed=must,
            omega_threshold=rho * must,
            holds=nB >= log_eps and nB > must,
            holds_with_slack=nB >= log_eps and nB >= rho * must,
        )
    out["holds"] = bool(out["holds"])
    return out


def adam_plateau(lam: float, m: float, q: float) -> float:
    """Adam's Stage-II feature plateau z* = ((1/m)·log(1/λ − 1))^{1/q} (Lemma 5.3/C.7)."""
    return (math.log(1 / lam - 1) / m) ** (1 / q)


def adamw_thresholds(lam: float, eta: float, m: float, q: float) -> dict:
    """AdamW Stage-II thresholds (Lemmas B.8/C.14, B.11/C.18)."""
    le = lam * eta
    return {"plateau_m": (math.log(1 / le - 1) / m) ** (1 / q), "plateau_sq": math.log(1 / le**2 - 1) ** (1 / q)}


def time_scales(values: dict, variant: str = "appendix_C") -> dict:
    """Stage-I lengths T0 (every lemma variant, iterations and epochs), T_r and τ̄.

    ``T0`` maps regime -> iterations under ``variant`` ("appendix_C", "appendix_B",
    "section5"); ``T0_variants`` lists every lemma's value.  Variants needing λ are
    skipped when ``values`` has no λ.  Log factors are dropped.
    """
    v = complete(values)
    nB = v["n"] / v["B"]
    variants = {}
    for lem, (regime, expr, unit) in T0_VARIANTS.items():
        if lam in expr.free_symbols and "lam" not in v:
            continue
        x = _num(expr, v)
        it = x if unit == "iterations" else x * nB
        variants[lem] = {"regime": regime, "stated": x, "unit": unit, "iterations": it, "epochs": it / nB}
    out = {
        "T0": {reg: variants[lem]["iterations"] for reg, lem in T0_DEFAULTS[variant].items() if lem in variants},
        "T0_variants": variants,
        "variant": variant,
        "n_over_B": nB,
        "T_r": _num(sigma_0 / (eta * SSP * alpha ** (1 / (q - 1))), v),
    }
    if "lam" in v:
        out["tau_bar"] = math.log(1 / (v["lam"] * v["eta"]))
    return out


def predicted(
    result_id: str, values: dict, variant: str = "appendix_C", c: float = 1.0, k: float = 1, rho: float = 10.0
) -> dict:
    """Numeric predictions of one result at ``values`` (orders times c, logs dropped)."""
    from .conditions import evaluate_all

    r, v = get_result(result_id), complete(values)
    out = {
        "id": r.id,
        "optimizer": r.optimizer,
        "regime": r.regime,
        "train_error": r.outcome.get("train_error"),
        "test_error": r.outcome.get("test_error"),
        "stuck": bool(r.outcome.get("stuck")),
    }
    if "B" in v:
        out["lambda_window"] = lambda_window(r.id, v, c, k)
        out["batch"] = batch_regime(r.id, v, c, k, rho)
        if "lam" in v and r.id != "cor4.6":
            lo, hi = out["lambda_window"]
            out["lam_in_window"] = (lo is None or v["lam"] >= lo) and (hi is None or v["lam"] <= hi)
    mags = r.outcome.get("magnitudes", {})
    mag = mags.get(variant) or mags.get("appendix_C")
    if mag:
        for key in ("feature", "noise"):
            try:
                x = _num(mag[key], v)
                out[key] = None if x is None else c * x
            except (TypeError, KeyError):
                out[key] = None
    if r.outcome.get("plateau") and "lam" in v:
        out["plateau"] = adam_plateau(v["lam"], v["m"], v["q"])
    lem = r.outcome.get("T0_lemma")
    if lem and "B" in v:
        ts = time_scales(v, variant)
        if lem in ts["T0_variants"]:
            out["T0_iterations"] = ts["T0_variants"][lem]["iterations"]
            out["T0_epochs"] = ts["T0_variants"][lem]["epochs"]
    vals = evaluate_all(v, [x for x in r.hypotheses if _has(x, v)], c=c, k=k, rho=rho)
    out["missed"] = {cv.name: cv.miss_factor for cv in vals if not cv.holds}
    # disjunctive groups (Thm 4.4): a miss only if every alternative misses
    alt_vals = [evaluate_all(v, [x for x in alt if _has(x, v)], c=c, k=k, rho=rho) for alt in r.alternatives]
    if alt_vals and not any(all(cv.holds for cv in grp) for grp in alt_vals):
        for grp in alt_vals:
            out["missed"].update({cv.name: cv.miss_factor for cv in grp if not cv.holds})
    return out


def _has(name: str, values: dict) -> bool:
    from .conditions import CONDITIONS
    from .symbols import NAMES

    cond = CONDITIONS[name]
    need = {NAMES[x] for x in cond.lhs.free_symbols | cond.rhs.free_symbols} - {"k"}
    return need <= set(values)
