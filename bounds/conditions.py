"""Conditions A.1, A.2 and the derived relations of PAPER.md §5.3, as data.

Each :class:`Condition` states ``lhs  <kind>  rhs`` where ``kind`` is one of

=========  =====================  ==========================================================
kind       meaning                numeric rule in :func:`evaluate` (ratio = lhs/rhs)
=========  =====================  ==========================================================
Theta      lhs = Θ(rhs)           1/(c·ρ) <= ratio <= c·ρ   (constants hidden both ways)
O          lhs = O(rhs)           ratio <= c
o          lhs = o(rhs)           ratio <= 1/ρ
Omega      lhs = Ω(rhs)           ratio >= 1/c
omega      lhs = ω(rhs)           ratio >= ρ
poly       lhs = poly(rhs = n)    lhs > 1, i.e. exponent log(lhs)/log(n) > 0; ``ratio`` holds
                                  that exponent.  η = 1/poly(n) is encoded as 1/η = poly(n).
polylog    lhs = polylog(n)       1/c <= lhs <= c·ρ·(log n)^k; ``ratio`` = lhs/(log n)^k
exact      a plain inequality     evaluated literally (e.g. q >= 3, β1² < β2, n·s <= d−1)
=========  =====================  ==========================================================

Tilde orders (Θ̃, Õ, Ω̃) are written with the polylog factor explicit in ``rhs`` as
``POLYLOG = (log n)^k``, so the numeric rules above apply unchanged and ``k`` (default 1)
controls the log power (PAPER.md §1 item 9).  ``miss_factor`` in :class:`ConditionValue`
is the multiplicative factor by which a failing condition misses its rule (1 if it holds).

Where PAPER.md §1 item 10 allows two groupings of a fraction, both readings are carried:
the conditions share a ``group`` and differ in ``reading`` ("default" / "alt").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp

from .symbols import POLYLOG, SYMBOLS, B, T, alpha, beta1, beta2, d, eps, eta, k, lam, m, n, q, s, sigma_0, sigma_p

KINDS = ("Theta", "O", "o", "Omega", "omega", "poly", "polylog", "exact")
_LATEX_OP = {"Theta": r"\Theta", "O": "O", "o": "o", "Omega": r"\Omega", "omega": r"\omega"}


@dataclass(frozen=True)
class Condition:
    name: str
    ref: str
    kind: str
    lhs: sp.Expr
    rhs: sp.Expr
    relation: object  # sympy Relational (Eq/Le/Lt/Ge/Gt), unevaluated
    latex: str
    reading: str | None = None
    note: str = ""
    group: str | None = None  # conditions sharing a group are alternative readings
    op: str = "<="  # only for kind "exact": one of <=, <, >=, >
    in_lp: bool = True  # False: no asymptotic content (constants only, or λ > 0)


@dataclass(frozen=True)
class ConditionValue:
    name: str
    lhs: float
    rhs: float
    ratio: float
    holds: bool
    kind: str
    ref: str
    rule: str
    miss_factor: float = 1.0
    reading: str | None = None


def _relation(kind: str, lhs, rhs, op: str):
    """The SymPy relation behind a condition (unevaluated, so λ > 0 stays visible)."""
    table = {"Theta": sp.Eq, "O": sp.Le, "o": sp.Lt, "Omega": sp.Ge, "omega": sp.Gt, "poly": sp.Gt, "polylog": sp.Le}
    if kind == "exact":
        table = {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}
        return table[op](lhs, rhs, evaluate=False)
    if kind == "poly":
        return sp.Gt(lhs, 1, evaluate=False)
    return table[kind](lhs, rhs, evaluate=False)


def _latex(kind: str, lhs, rhs, op: str) -> str:
    L, R = sp.latex(lhs), sp.latex(rhs)
    if kind in _LATEX_OP:
        return rf"{L} = {_LATEX_OP[kind]}\left({R}\right)"
    if kind == "poly":
        return rf"{L} = \mathrm{{poly}}({R})"
    if kind == "polylog":
        return rf"{L} = \mathrm{{polylog}}(n)"
    sym = {"<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}[op]
    return rf"{L} {sym} {R}"


_ONE = sp.Integer(1)


def _c(name, ref, kind, lhs, rhs=_ONE, note="", reading=None, group=None, op="<=", in_lp=True) -> Condition:
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    return Condition(
        name,
        ref,
        kind,
        lhs,
        rhs,
        _relation(kind, lhs, rhs, op),
        _latex(kind, lhs, rhs, op),
        reading,
        note,
        group,
        op,
        in_lp,
    )


PL = POLYLOG
_taubar = sp.log(1 / (lam * eta))  # τ̄ = Θ(log 1/(λη)), Lemma C.2
_nB = n / B

_LIST = [
    # ---- Condition A.1 (data), PAPER.md §5.1 ----
    _c("d_poly", "Condition A.1(1)", "poly", d, n),
    _c(
        "s_scaling",
        "Condition A.1(2)",
        "Theta",
        s,
        sp.sqrt(d) / n**2,
        reading="default",
        group="s_scaling",
        note="grouping s = Θ(d^{1/2}/n^2) (§1 item 10); it is what makes the "
        "noise supports disjoint w.h.p. (n^4 s^2 <= d, Lemma A.4)",
    ),
    _c(
        "s_scaling_alt",
        "Condition A.1(2), alternative grouping",
        "Theta",
        s,
        (sp.sqrt(d) / n) ** 2,
        reading="alt",
        group="s_scaling",
        note="grouping s = Θ((d^{1/2}/n)^2) = Θ(d/n^2) (§1 item 10)",
    ),
    _c("sigma_p_scaling", "Condition A.1(3)", "Theta", sigma_p**2, 1 / (s * PL)),
    _c("alpha_scaling", "Condition A.1(4)", "Theta", alpha, sigma_p * PL),
    _c("alpha_lt_1", "Definition 3.1", "exact", alpha, 1, op="<"),
    # ---- Condition A.2 (hyper-parameters), PAPER.md §5.2 ----
    _c("sigma0_scaling", "Condition A.2(1)", "Theta", sigma_0, d ** sp.Rational(-1, 4)),
    _c("m_polylog", "Condition A.2(2)", "polylog", m, n),
    _c("eta_invpoly", "Condition A.2(3)", "poly", 1 / eta, n, note="η = 1/poly(n)"),
    _c("eps_scaling", "Condition A.2(4)", "Theta", eps, lam * eta),
    _c("q_ge_3", "Condition A.2(5), Definition 3.2", "exact", q, 3, op=">=", in_lp=False),
    _c("betas", "Condition A.2(5), Lemma C.1", "exact", beta1**2, beta2, op="<", in_lp=False),
    _c("T_epochs", "Condition A.2(5)", "poly", T * eta, n, note="T = poly(n)/η epochs"),
    _c("lam_pos", "Thms 4.1-4.5", "exact", lam, 0, op=">", in_lp=False),
    _c("B_le_n", "§4.5 (n/B iterations per epoch)", "exact", B, n, op="<="),
    # ---- derived relations used in the proofs, PAPER.md §5.3 ----
    _c("ssp_omega1", "§5.3", "omega", s * sigma_p, 1),
    _c("sqrt_s_sp_O1", "§5.3", "O", sp.sqrt(s) * sigma_p, PL, note="s^{1/2}σ_p = Õ(1)"),
    _c("alpha_o1", "§5.3", "o", alpha, 1),
    _c("eta_ssp_o1", "§5.3", "o", eta * s * sigma_p, 1),
    _c("eta_s_o_sigma0", "§5.3", "o", eta * s, sigma_0 ** (q - 1)),
    _c("eta_o_sigma0_q1", "§5.3, Lemma C.5", "o", eta, sigma_0 ** (q - 1)),
    _c("eta_o_sigma0", "§5.3", "o", eta, sigma_0),
    _c("lam_eta_o1", "§5.3", "o", lam * eta, 1),
    _c(
        "T0eta_omega_sigma0",
        "§5.3",
        "omega",
        1 / (s * sigma_p),
        sigma_0,
        note="T0·η = ω(σ0) with the large-batch T0 = 1/(η s σ_p) (Lemma C.3/C.12); "
        "the mini-batch Adam T0 = 1/η gives T0·η = 1, which holds trivially",
    ),
    _c("n_s2_sp_O_d", "§5.3, Lemma C.8", "O", n * s**2 * sigma_p, d),
    _c("eta_taubar_ssp_o1", "§5.3, Lemma C.2", "o", eta * _taubar * s * sigma_p, 1),
    _c("taubar_polylog", "§5.3, Lemma C.2", "polylog", _taubar, n, note="τ̄ = log(1/(λη)) = Θ̃(1)"),
    _c("eta_O_d_half", "Lemmas 5.4/C.8, C.15, C.19", "O", eta, d ** sp.Rational(-1, 2)),
    _c(
        "supports_disjoint_whp",
        "Lemma A.4 [reconstructed: birthday bound]",
        "O",
        n**4 * s**2,
        d,
        note="P(some overlap) ≈ n²s²/d <= n^{-2}",
    ),
    _c(
        "supports_disjoint_possible",
        "Lemma A.4, §1 item 19",
        "exact",
        n * s,
        d - 1,
        op="<=",
        note="disjoint supports need n·s <= d-1",
    ),
    # ---- batch regimes, PAPER.md §5.6 ----
    _c("nB_theta1", "Thms 4.1/4.4, Lemma 5.1", "Theta", _nB, 1),
    _c(
        "nB_ge_log_eps",
        "Thms 4.2/4.5",
        "Omega",
        _nB,
        sp.log(1 / eps),
        note="n/B >= Θ(log 1/ε); exponent 0 in the LP, i.e. B <= n",
    ),
    _c("nB_o_ssp", "Thm 4.4", "o", _nB, s * sigma_p),
    _c("nB_omega_ssp", "Thm 4.5", "omega", _nB, s * sigma_p),
    _c("nB_omega_sqrt_n", "Thm 4.5", "omega", _nB, sp.sqrt(n)),
    _c("lemC7_nssp_B", "Lemma C.7 / 5.3", "omega", n * s * sigma_p / B, sp.sqrt(s) * sigma_p * sigma_0),
    # ---- weight-decay windows, PAPER.md §5.5 ----
    _c("lam_adam_upper", "Thms 4.1/4.2", "o", lam, sigma_0 ** (q - 2) * sigma_p / n),
    _c("lam_adam_stuck", "Cor 4.3", "omega", lam, sigma_0 ** (q - 2)),
    _c("lam_adamw_lower", "Thms 4.4/4.5", "Omega", lam, sp.Min(B**2 / n, 1) / PL, note="λ = Ω̃(B²/n ∧ 1)"),
    _c("lam_adamw_upper", "Thms 4.4/4.5", "O", lam, PL, note="λ = Õ(1)"),
    _c("lam_eta_nB_o1", "§5.3 (AdamW)", "o", lam * eta * _nB, 1),
    _c(
        "alpha_fnoise",
        "Lemma B.7/C.13",
        "Omega",
        alpha,
        (B * s * sigma_p / n) ** (1 - q) / PL,
        reading="default",
        group="alpha_fnoise",
        note="α >= Θ̃(((B/n)·sσ_p)^{1-q})",
    ),
    _c(
        "alpha_fnoise_alt",
        "Lemma B.7/C.13, alternative grouping",
        "Omega",
        alpha,
        (B / (n * s * sigma_p)) ** (1 - q) / PL,
        reading="alt",
        group="alpha_fnoise",
        note="α >= Θ̃((B/(n s σ_p))^{1-q}); incompatible with α < 1 (§1 item 10)",
    ),
]
CONDITIONS: dict[str, Condition] = {c.name: c for c in _LIST}

#: Condition groups by role (used by results.py to assemble hypotheses).
A1 = ("d_poly", "s_scaling", "sigma_p_scaling", "alpha_scaling", "alpha_lt_1")
A2 = ("sigma0_scaling", "m_polylog", "eta_invpoly", "eps_scaling", "q_ge_3", "betas", "T_epochs", "B_le_n")
DERIVED = (
    "ssp_omega1",
    "sqrt_s_sp_O1",
    "alpha_o1",
    "eta_ssp_o1",
    "eta_s_o_sigma0",
    "eta_o_sigma0_q1",
    "eta_o_sigma0",
    "lam_eta_o1",
    "T0eta_omega_sigma0",
    "n_s2_sp_O_d",
    "eta_taubar_ssp_o1",
    "taubar_polylog",
    "eta_O_d_half",
)


def resolve(names, reading="default") -> list[str]:
    """Swap each condition for its variant under ``reading`` (§1 item 10).

    ``reading`` is "default", "alt", or a dict {group: reading} for per-group choices.
    Conditions without alternative readings are returned unchanged.
    """
    out = []
    for name in names:
        if CONDITIONS[name].reading not in (None, "default"):
            out.append(name)  # an explicitly named non-default reading is kept as is
            continue
        grp = CONDITIONS[name].group
        want = reading.get(grp, "default") if isinstance(reading, dict) else reading
        alts = [c.name for c in _LIST if grp and c.group == grp and c.reading == want]
        out.append(alts[0] if alts else name)
    return out


def complete(values: dict) -> dict:
    """Fill derived defaults: ε = λη (c=1, §1 item 5) when λ and η are given."""
    v = dict(values)
    if "eps" not in v and "lam" in v and "eta" in v:
        v["eps"] = v["lam"] * v["eta"]
    return v


_ARGS = list(SYMBOLS.values()) + [k]


@cache
def _compiled(cond: Condition):
    f = sp.lambdify(_ARGS, [cond.lhs, cond.rhs], modules="math")
    free = cond.lhs.free_symbols | cond.rhs.free_symbols
    need = [key for key, sym in SYMBOLS.items() if sym in free]
    return f, need


def _judge(cond: Condition, lhs: float, rhs: float, nval: float, c: float, k_: float, rho: float):
    """Apply the documented numeric rule; returns (ratio, holds, rule, miss_factor)."""
    kind = cond.kind
    ratio = lhs / rhs if rhs != 0 else math.inf
    if kind == "Theta":
        lo, hi = 1 / (c * rho), c * rho
        return ratio, lo <= ratio <= hi, f"1/(c·ρ)={lo:g} <= lhs/rhs <= c·ρ={hi:g}", max(ratio / hi, lo / ratio, 1.0)
    if kind == "O":
        return ratio, ratio <= c, f"lhs/rhs <= c={c:g}", max(ratio / c, 1.0)
    if kind == "o":
        return ratio, ratio <= 1 / rho, f"lhs/rhs <= 1/ρ={1 / rho:g}", max(ratio * rho, 1.0)
    if kind == "Omega":
        return ratio, ratio >= 1 / c, f"lhs/rhs >= 1/c={1 / c:g}", max(1 / (c * ratio), 1.0)
    if kind == "omega":
        return ratio, ratio >= rho, f"lhs/rhs >= ρ={rho:g}", max(rho / ratio, 1.0)
    if kind == "poly":
        e = math.log(lhs) / math.log(nval)
        return e, lhs > 1, "exponent log(lhs)/log(n) > 0", max(1 / lhs, 1.0)
    if kind == "polylog":
        pl = math.log(nval) ** k_
        lo, hi = 1 / c, c * rho * pl
        return lhs / pl, lo <= lhs <= hi, f"1/c <= lhs <= c·ρ·(log n)^k={hi:g}", max(lhs / hi, lo / lhs, 1.0)
    ok = {"<=": lhs <= rhs, "<": lhs < rhs, ">=": lhs >= rhs, ">": lhs > rhs}[cond.op]
    miss = 1.0 if ok or rhs == 0 or lhs == 0 else (ratio if cond.op[0] == "<" else 1 / ratio)
    return ratio, bool(ok), f"literal lhs {cond.op} rhs", miss


def evaluate(cond_or_name, values: dict, c: float = 1.0, k: float = 1, rho: float = 10.0) -> ConditionValue:
    """Evaluate one condition at concrete ``values`` (keys as in SYMBOLS).

    ``c`` hides Θ/O/Ω constants, ``k`` is the polylog power, ``rho`` the o/ω slack
    (PAPER.md §1 item 9); the exact rule per kind is in the module docstring and is
    echoed in ``ConditionValue.rule``.  Raises KeyError if a needed value is missing.
    """
    cond = CONDITIONS[cond_or_name] if isinstance(cond_or_name, str) else cond_or_name
    v = complete(values)
    f, need = _compiled(cond)
    missing = [key for key in need if key not in v]
    if missing:
        raise KeyError(f"{cond.name} needs {missing}")
    args = [float(v.get(key, 1.0)) for key in SYMBOLS] + [float(k)]
    lhs, rhs = (float(x) for x in f(*args))
    ratio, holds, rule, miss = _judge(cond, lhs, rhs, float(v.get("n", math.e)), c, k, rho)
    return ConditionValue(cond.name, lhs, rhs, ratio, bool(holds), cond.kind, cond.ref, rule, miss, cond.reading)


def evaluate_all(values: dict, names=None, c: float = 1.0, k: float = 1, rho: float = 10.0) -> list[ConditionValue]:
    """Evaluate ``names`` (default: every condition); conditions whose parameters are
    missing from ``values`` are skipped silently when ``names`` is None."""
    out = []
    for name in names if names is not None else CONDITIONS:
        try:
            out.append(evaluate(name, values, c=c, k=k, rho=rho))
        except KeyError:
            if names is not None:
                raise
    return out
