"""Main results (Theorems 4.1-4.5, Corollaries 4.3/4.6; docs/model.md §6) and stage lemmas
(docs/model.md §7) as data.

A :class:`Result` lists its hypotheses by condition name (see conditions.py) and its
predicted outcome as SymPy expressions.  Orders are stored *without* their hidden
constants and log factors; :mod:`bounds.queries` reads them at concrete values under the
single convention of :mod:`bounds.convention` (λ windows, batch regimes, mechanism
conditions, stage times, predictions).

Where Appendix B and Appendix C disagree (docs/model.md §1 items 7-8) both versions are
kept: ``outcome["magnitudes"]`` has keys "appendix_B"/"appendix_C", and every Stage-I
length T0 is tagged by its lemma in :data:`T0_VARIANTS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .conditions import (
    A1,
    A2,
    DERIVED,
)
from .symbols import B, alpha, eta, lam, m, n, q, s, sigma_0, sigma_p

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
