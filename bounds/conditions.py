"""Conditions A.1, A.2, the derived relations used in the proofs, the batch regimes and the
weight-decay windows (docs/model.md §5), as data, and their numeric evaluation.

Each :class:`Condition` states ``lhs  <kind>  rhs`` where ``kind`` is one of

=========  =====================  ========================================================
kind       meaning                numeric reading (see :mod:`bounds.convention`)
=========  =====================  ========================================================
Theta      lhs = Θ(rhs)           1/ρ <= r <= ρ,   r = lhs/(c·rhs)
O          lhs = O(rhs)           r <= ρ
Omega      lhs = Ω(rhs)           r >= 1/ρ
o          lhs = o(rhs)           r <= 1/ρ
omega      lhs = ω(rhs)           r >= ρ
poly       lhs = poly(rhs = n)    lhs = ω(1): r = lhs/c >= ρ  (η = 1/poly(n) is 1/η = poly(n))
polylog    lhs = polylog(n)       lhs = Ω(1) and lhs = O((log n)^k)
exact      a plain inequality     taken literally (q >= 3, β1² < β2, B <= n, n·s <= d − 1)
=========  =====================  ========================================================

Tilde orders (Θ̃, Õ, Ω̃) carry the polylog factor explicitly in ``rhs`` as
``POLYLOG = (log n)^k``, so the rules above apply unchanged and ``k`` (default 1) sets the
log power (docs/model.md §1 item 9).  A condition may be *read* as another kind than the
paper writes (``reads_as``): "n/B = Θ(1)" is read as O(1) because n/B >= 1 always.

:class:`ConditionValue` reports lhs, rhs, r, whether it holds, the *miss factor* (by how
much lhs must move for the condition to hold; 1 if it holds) and the admissible lhs
interval ``[lhs_min, lhs_max]``.  :func:`fix_value` turns a miss into the value of one
parameter that would satisfy the condition.

Each condition has a ``role``: "mechanism" (Adam's sign-like mechanism operates only
inside them; :data:`MECHANISM_CONDITIONS`), "scaling" (asymptotic scalings of A.1/A.2
and their consequences), "regime" (batch-size regimes), "lambda" (weight-decay windows),
"model" (literal constraints of the model: q >= 3, B <= n, ...).

Where the grouping of a fraction has two readings (docs/model.md §1 item 10), both are
carried: the conditions share a ``group`` and differ in ``reading`` ("default" / "alt").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from .convention import DEFAULT_C, DEFAULT_K, DEFAULT_RHO, check_slack, judge, miss
from .symbols import (
    POLYLOG,
    SYMBOLS,
    B,
    T,
    alpha,
    beta1,
    beta2,
    d,
    eps,
    eta,
    k,
    lam,
    m,
    n,
    q,
    s,
    sigma_0,
    sigma_p,
)

KINDS = ("Theta", "O", "o", "Omega", "omega", "poly", "polylog", "exact")
ROLES = ("mechanism", "scaling", "regime", "lambda", "model")
_LATEX_OP = {"Theta": r"\Theta", "O": "O", "o": "o", "Omega": r"\Omega", "omega": r"\omega"}


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One relation ``lhs <kind> rhs`` with its paper reference and role."""

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
    role: str = "scaling"
    reads_as: str | None = None  # numeric reading when it differs from ``kind``
    fix_param: str | None = None  # the parameter a miss is fixed by (mechanism conditions)

    @property
    def numeric_kind(self) -> str:
        return self.reads_as or self.kind


@dataclass(frozen=True, kw_only=True)
class ConditionValue:
    """A condition evaluated at concrete values under the convention of bounds.convention.

    ``ratio`` = lhs/(c·rhs) for order kinds (rhs = 1 for poly, (log n)^k for polylog),
    lhs/rhs for exact ones.  ``[lhs_min, lhs_max]`` is the admissible lhs interval (None:
    unbounded); ``side`` says whether a failing lhs is "above" or "below" it.
    """

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
    lhs_min: float | None = None
    lhs_max: float | None = None
    side: str | None = None
    role: str = "scaling"


def _relation(kind: str, lhs: sp.Expr, rhs: sp.Expr, op: str) -> sp.core.relational.Relational:
    """The SymPy relation behind a condition (unevaluated, so λ > 0 stays visible)."""
    table = {"Theta": sp.Eq, "O": sp.Le, "o": sp.Lt, "Omega": sp.Ge, "omega": sp.Gt, "poly": sp.Gt, "polylog": sp.Le}
    if kind == "exact":
        table = {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}
        return table[op](lhs, rhs, evaluate=False)
    if kind == "poly":
        return sp.Gt(lhs, 1, evaluate=False)
    return table[kind](lhs, rhs, evaluate=False)


def _latex(kind: str, lhs: sp.Expr, rhs: sp.Expr, op: str) -> str:
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


def _c(
    name: str,
    ref: str,
    kind: str,
    lhs: sp.Expr | float,
    rhs: sp.Expr | float = _ONE,
    note: str = "",
    reading: str | None = None,
    group: str | None = None,
    op: str = "<=",
    in_lp: bool = True,
    role: str = "scaling",
    reads_as: str | None = None,
    fix_param: str | None = None,
) -> Condition:
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    return Condition(
        name=name,
        ref=ref,
        kind=kind,
        lhs=lhs,
        rhs=rhs,
        relation=_relation(kind, lhs, rhs, op),
        latex=_latex(kind, lhs, rhs, op),
        reading=reading,
        note=note,
        group=group,
        op=op,
        in_lp=in_lp,
        role=role,
        reads_as=reads_as,
        fix_param=fix_param,
    )


PL = POLYLOG
_taubar = sp.log(1 / (lam * eta))  # τ̄ = Θ(log 1/(λη)), Lemma C.2
_nB = n / B
_DER = "derived from A.1-A.2 (docs/model.md §5.3)"

_LIST = [
    # ---- Condition A.1 (data), docs/model.md §5.1 ----
    _c("d_poly", "Condition A.1(1)", "poly", d, n),
    _c(
        "s_scaling",
        "Condition A.1(2)",
        "Theta",
        s,
        sp.sqrt(d) / n**2,
        reading="default",
        group="s_scaling",
        note="grouping s = Θ(d^{1/2}/n^2) (docs/model.md §1 item 10); it is what makes the "
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
        note="grouping s = Θ((d^{1/2}/n)^2) = Θ(d/n^2) (docs/model.md §1 item 10)",
    ),
    _c("sigma_p_scaling", "Condition A.1(3)", "Theta", sigma_p**2, 1 / (s * PL)),
    _c("alpha_scaling", "Condition A.1(4)", "Theta", alpha, sigma_p * PL),
    _c("alpha_lt_1", "Definition 3.1", "exact", alpha, 1, op="<", role="model"),
    # ---- Condition A.2 (hyper-parameters), docs/model.md §5.2 ----
    _c("sigma0_scaling", "Condition A.2(1)", "Theta", sigma_0, d ** sp.Rational(-1, 4)),
    _c("m_polylog", "Condition A.2(2)", "polylog", m, n),
    _c("eta_invpoly", "Condition A.2(3)", "poly", 1 / eta, n, note="η = 1/poly(n)"),
    _c("eps_scaling", "Condition A.2(4)", "Theta", eps, lam * eta),
    _c("q_ge_3", "Condition A.2(5), Definition 3.2", "exact", q, 3, op=">=", in_lp=False, role="model"),
    _c(
        "betas",
        "Condition A.2(5), Lemma C.1",
        "exact",
        beta1**2,
        beta2,
        op="<",
        in_lp=False,
        role="mechanism",
        fix_param="beta2",
        note="Lemma C.1's moment bound |m|/sqrt(v) = O(1) needs β1² < β2",
    ),
    _c("T_epochs", "Condition A.2(5)", "poly", T * eta, n, note="T = poly(n)/η epochs"),
    _c("lam_pos", "Thms 4.1-4.5", "exact", lam, 0, op=">", in_lp=False, role="lambda"),
    _c("B_le_n", "n/B iterations per epoch (docs/model.md §4.5)", "exact", B, n, op="<=", role="model"),
    # ---- derived relations used in the proofs, docs/model.md §5.3 ----
    _c("ssp_omega1", _DER, "omega", s * sigma_p, 1),
    _c("sqrt_s_sp_O1", _DER, "O", sp.sqrt(s) * sigma_p, PL, note="s^{1/2}σ_p = Õ(1)"),
    _c("alpha_o1", _DER, "o", alpha, 1),
    _c(
        "eta_ssp_o1",
        _DER,
        "o",
        eta * s * sigma_p,
        1,
        role="mechanism",
        fix_param="eta",
        note="the per-iteration noise increment ηsσ_p of a sign-like step is small (Lemmas 5.1/C.3)",
    ),
    _c("eta_s_o_sigma0", _DER, "o", eta * s, sigma_0 ** (q - 1)),
    _c(
        "eta_o_sigma0_q1",
        "Lemma C.5 (docs/model.md §5.3)",
        "o",
        eta,
        sigma_0 ** (q - 1),
        role="mechanism",
        fix_param="eta",
        note="Lemma C.5's induction: a step η is small against the initial gradient scale σ0^{q-1}, "
        "so the loss gradient keeps the sign of the update",
    ),
    _c(
        "eta_o_sigma0",
        _DER,
        "o",
        eta,
        sigma_0,
        role="mechanism",
        fix_param="eta",
        note="steps of size η do not move a weight off its initial scale σ0 in one iteration",
    ),
    _c(
        "lam_eta_o1",
        _DER,
        "o",
        lam * eta,
        1,
        role="mechanism",
        fix_param="eta",
        note="the memory length τ̄ = log(1/(λη)) is positive and the decay factor 1 − λη is close to 1",
    ),
    _c(
        "T0eta_omega_sigma0",
        _DER,
        "omega",
        1 / (s * sigma_p),
        sigma_0,
        note="T0·η = ω(σ0) with the large-batch T0 = 1/(η s σ_p) (Lemma C.3/C.12); "
        "the mini-batch Adam T0 = 1/η gives T0·η = 1, which holds trivially",
    ),
    _c(
        "faded_moments",
        "Lemma C.2 (docs/model.md §4.8)",
        "O",
        beta2 ** (n / (2 * B)),
        lam * eta,
        in_lp=False,
        role="mechanism",
        fix_param="beta2",
        note="Lemma C.2's faded regime at the time between two exposures of a sample, τ0 = n/B: "
        "β2^{τ0/2} <= Θ(λη), so that the second moment has forgotten the sample's noise gradient and "
        "the normalized weight decay erases its memorized noise (Lemma C.4). The paper writes this as "
        "n/B >= Θ(log 1/ε) with β2 inside the constant: n/B >= 2·log(1/(λη))/log(1/β2)",
    ),
    _c("n_s2_sp_O_d", "Lemma C.8 (docs/model.md §5.3)", "O", n * s**2 * sigma_p, d),
    _c("eta_taubar_ssp_o1", "Lemma C.2 (docs/model.md §5.3)", "o", eta * _taubar * s * sigma_p, 1),
    _c(
        "taubar_polylog",
        "Lemma C.2 (docs/model.md §5.3)",
        "polylog",
        _taubar,
        n,
        note="τ̄ = log(1/(λη)) = Θ̃(1)",
    ),
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
        "Lemma A.4 (docs/model.md §1 item 19)",
        "exact",
        n * s,
        d - 1,
        op="<=",
        role="model",
        note="disjoint supports need n·s <= d-1",
    ),
    # ---- batch regimes, docs/model.md §5.6 ----
    _c(
        "nB_theta1",
        "Thms 4.1/4.4, Lemma 5.1",
        "Theta",
        _nB,
        1,
        role="regime",
        reads_as="O",
        note="read as n/B = O(1): n/B >= 1 always",
    ),
    _c(
        "nB_ge_log_eps",
        "Thms 4.2/4.5",
        "Omega",
        _nB,
        sp.log(1 / eps),
        role="regime",
        note="n/B >= Θ(log 1/ε) read as Ω; exponent 0 in the LP, i.e. B <= n",
    ),
    _c("nB_o_ssp", "Thm 4.4", "o", _nB, s * sigma_p, role="regime"),
    _c("nB_omega_ssp", "Thm 4.5", "omega", _nB, s * sigma_p, role="regime"),
    _c("nB_omega_sqrt_n", "Thm 4.5", "omega", _nB, sp.sqrt(n), role="regime"),
    _c(
        "lemC7_nssp_B",
        "Lemma C.7 / 5.3",
        "omega",
        n * s * sigma_p / B,
        sp.sqrt(s) * sigma_p * sigma_0,
        role="regime",
    ),
    # ---- weight-decay windows, docs/model.md §5.5 ----
    _c("lam_adam_upper", "Thms 4.1/4.2", "o", lam, sigma_0 ** (q - 2) * sigma_p / n, role="lambda"),
    _c("lam_adam_stuck", "Cor 4.3", "omega", lam, sigma_0 ** (q - 2), role="lambda"),
    _c(
        "lam_adamw_lower",
        "Thms 4.4/4.5",
        "Omega",
        lam,
        sp.Min(B**2 / n, 1) / PL,
        role="lambda",
        note="λ = Ω̃(B²/n ∧ 1)",
    ),
    _c("lam_adamw_upper", "Thms 4.4/4.5", "O", lam, PL, role="lambda", note="λ = Õ(1)"),
    _c(
        "lam_eta_nB_o1",
        "AdamW lemmas (docs/model.md §5.3)",
        "o",
        lam * eta * _nB,
        1,
        role="mechanism",
        fix_param="eta",
        note="the decoupled decay over one epoch, (1 − λη)^{n/B}, stays close to 1",
    ),
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
        note="α >= Θ̃((B/(n s σ_p))^{1-q}); incompatible with α < 1 (docs/model.md §1 item 10)",
    ),
    _c(
        "lam_eta_T_omega1",
        "Lemma C.20 (docs/model.md §8 item 9)",
        "omega",
        lam * eta * T * _nB,
        1,
        role="lambda",
        in_lp=False,
        fix_param="lam",
        note="ληT = ω(1): the decoupled decay acts over the run, (1 − λη)^{T·n/B} → 0; T read in "
        "iterations (T epochs x n/B), the reading under which the decay has acted [reconstructed]",
    ),
]
CONDITIONS: dict[str, Condition] = {c.name: c for c in _LIST}

#: Condition groups by source (used by results.py to assemble hypotheses).
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
#: Conditions under which Adam's sign-like update operates at all (role "mechanism").
#: A preset outside one of them is outside the regime the results are about.
MECHANISM_CONDITIONS: tuple[str, ...] = tuple(c.name for c in _LIST if c.role == "mechanism")


def get_condition(name: str) -> Condition:
    """Look up a condition; ValueError naming the unknown name otherwise."""
    try:
        return CONDITIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"condition must be one of the names in CONDITIONS, got {name!r}") from None


def resolve(names: Iterable[str], reading: str | dict = "default") -> list[str]:
    """Swap each condition for its variant under ``reading`` (docs/model.md §1 item 10).

    ``reading`` is "default", "alt", or a dict {group: reading} for per-group choices.
    Conditions without alternative readings are returned unchanged.  ValueError for an
    unknown reading or condition name.
    """
    groups = {c.group for c in _LIST if c.group}
    wanted = list(reading.values()) if isinstance(reading, dict) else [reading]
    if any(w not in ("default", "alt") for w in wanted) or (isinstance(reading, dict) and not set(reading) <= groups):
        raise ValueError(
            f"reading must be 'default', 'alt' or {{group: reading}} with groups {sorted(groups)}, got {reading!r}"
        )
    out = []
    for name in names:
        get_condition(name)
        if CONDITIONS[name].reading not in (None, "default"):
            out.append(name)  # an explicitly named non-default reading is kept as is
            continue
        grp = CONDITIONS[name].group
        want = reading.get(grp, "default") if isinstance(reading, dict) else reading
        alts = [c.name for c in _LIST if grp and c.group == grp and c.reading == want]
        out.append(alts[0] if alts else name)
    return out


def complete(values: dict) -> dict:
    """Fill derived defaults: ε = λη (c = 1, docs/model.md §1 item 5) when λ and η are given."""
    v = dict(values)
    if v.get("eps") is None and v.get("lam") is not None and v.get("eta") is not None:
        v["eps"] = v["lam"] * v["eta"]
    return v


def check_values(values: dict, keys: Iterable[str]) -> None:
    """Raise ValueError naming the first of ``keys`` that is missing or not a finite number > 0."""
    for key in keys:
        if key not in values or values[key] is None:
            raise ValueError(f"{key} is needed here and missing from values")
        val = values[key]
        try:
            x = float(val)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a finite number > 0, got {val!r}") from None
        if isinstance(val, bool) or not math.isfinite(x) or x <= 0:
            raise ValueError(f"{key} must be a finite number > 0, got {val!r}")


_ARGS = list(SYMBOLS.values()) + [k]


def needs(cond: Condition, side: str = "both") -> list[str]:
    """Parameter keys a condition needs ("lhs", "rhs" or "both"), in SYMBOLS order."""
    free = set()
    if side in ("lhs", "both"):
        free |= cond.lhs.free_symbols
    if side in ("rhs", "both"):
        free |= cond.rhs.free_symbols
    return [key for key, sym in SYMBOLS.items() if sym in free]


@cache
def _compiled(cond: Condition) -> Callable[..., list]:
    return sp.lambdify(_ARGS, [cond.lhs, cond.rhs], modules="math")


def _sides(cond: Condition, v: dict, k_: float) -> tuple[float, float]:
    lhs, rhs = (float(x) for x in _compiled(cond)(*_args(v, k_)))
    return lhs, rhs


def _scale(cond: Condition, rhs: float, nval: float, c: float, k_: float) -> float:
    """c·x of the convention: the rhs order times c (poly: x = 1; polylog: x = (log n)^k)."""
    if cond.kind == "poly":
        return c
    if cond.kind == "polylog":
        return c * math.log(nval) ** k_
    return c * rhs


def _judge(
    cond: Condition, lhs: float, rhs: float, nval: float, c: float, k_: float, rho: float
) -> tuple[float, bool, str, float, float | None, float | None, str | None]:
    """(ratio, holds, rule, miss, lo, hi, side) under bounds.convention."""
    kind = cond.numeric_kind
    if kind == "exact":
        ok = {"<=": lhs <= rhs, "<": lhs < rhs, ">=": lhs >= rhs, ">": lhs > rhs}[cond.op]
        ratio = lhs / rhs if rhs != 0 else math.inf
        lo, hi = (None, rhs) if cond.op[0] == "<" else (rhs, None)
        side = None if ok else ("above" if cond.op[0] == "<" else "below")
        factor = 1.0 if ok or rhs == 0 or lhs == 0 else (ratio if cond.op[0] == "<" else 1 / ratio)
        return ratio, bool(ok), f"literal lhs {cond.op} rhs", factor, lo, hi, side
    scale = _scale(cond, rhs, nval, c, k_)
    if kind == "poly":
        j = judge("omega", lhs, scale, rho)
        rule = f"poly(n) read as ω(1): {j.rule}; exponent log(lhs)/log(n) = {math.log(lhs) / math.log(nval):.3g}"
        return j.ratio, j.holds, rule, j.miss_factor, j.lo, j.hi, j.side
    if kind == "polylog":
        lo = judge("Omega", lhs, c, rho).lo  # Ω(1)
        hi = judge("O", lhs, scale, rho).hi  # O((log n)^k)
        ok, factor, side = miss(lhs, lo, hi)
        rule = f"polylog(n) read as Ω(1) and O((log n)^k): c/ρ <= lhs <= ρ·c·(log n)^k, ρ = {rho:g}"
        return lhs / scale, ok, rule, factor, lo, hi, side
    j = judge(kind, lhs, scale, rho)
    rule = j.rule if kind == cond.kind else f"{cond.kind} read as {kind}: {j.rule}"
    return j.ratio, j.holds, rule, j.miss_factor, j.lo, j.hi, j.side


def evaluate(
    cond_or_name: str | Condition,
    values: dict,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> ConditionValue:
    """Evaluate one condition at concrete ``values`` (keys as in SYMBOLS).

    ``c`` multiplies every order, ``k`` is the polylog power, ``rho`` the factor between
    "comparable" and "much smaller/larger" (bounds.convention; docs/model.md §1 item 9).
    The rule applied is echoed in ``ConditionValue.rule``.  ε defaults to λη.  Raises
    ValueError if a needed value is missing or not a finite number > 0, or if c, k, rho
    are out of range.
    """
    cond = get_condition(cond_or_name) if isinstance(cond_or_name, str) else cond_or_name
    check_slack(c, k, rho)
    v = complete(values)
    check_values(v, needs(cond) + (["n"] if cond.kind in ("poly", "polylog") else []))
    lhs, rhs = _sides(cond, v, k)
    ratio, holds, rule, factor, lo, hi, side = _judge(cond, lhs, rhs, float(v.get("n", math.e)), c, k, rho)
    return ConditionValue(
        name=cond.name,
        lhs=lhs,
        rhs=rhs,
        ratio=ratio,
        holds=bool(holds),
        kind=cond.kind,
        ref=cond.ref,
        rule=rule,
        miss_factor=factor,
        reading=cond.reading,
        lhs_min=lo,
        lhs_max=hi,
        side=side,
        role=cond.role,
    )


def evaluate_all(
    values: dict,
    names: Iterable[str] | None = None,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> list[ConditionValue]:
    """Evaluate ``names`` (default: every condition); conditions whose parameters are
    missing from ``values`` are skipped silently when ``names`` is None (an explicit name
    with a missing value raises ValueError)."""
    out = []
    v = complete(values)
    for name in names if names is not None else CONDITIONS:
        cond = get_condition(name)
        if names is None and any(v.get(key) is None for key in needs(cond)):
            continue
        out.append(evaluate(cond, v, c=c, k=k, rho=rho))
    return out


def lhs_interval(
    name: str,
    values: dict,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> tuple[float | None, float | None]:
    """Admissible interval of a condition's lhs at ``values`` (only the rhs parameters are
    needed): e.g. ``lhs_interval("lam_adam_upper", v)`` = (None, c·σ0^{q−2}σ_p/(n·ρ))."""
    cond = get_condition(name)
    check_slack(c, k, rho)
    v = complete(values)
    need = needs(cond, "rhs") + (["n"] if cond.kind in ("poly", "polylog") else [])
    check_values(v, need)
    rhs = float(_compiled_rhs(cond)(*_args(v, k)))
    # the interval does not depend on lhs: judge a placeholder lhs (rhs itself)
    _, _, _, _, lo, hi, _ = _judge(cond, rhs, rhs, float(v.get("n", math.e)), c, k, rho)
    return lo, hi


@cache
def _compiled_rhs(cond: Condition) -> Callable[..., float]:
    return sp.lambdify(_ARGS, cond.rhs, modules="math")


def _args(v: dict, k_: float) -> list[float]:
    return [float(v[key]) if v.get(key) is not None else 1.0 for key in SYMBOLS] + [float(k_)]


def fix_value(
    name: str,
    values: dict,
    param: str | None = None,
    c: float = DEFAULT_C,
    k: float = DEFAULT_K,
    rho: float = DEFAULT_RHO,
) -> float | None:
    """The value of ``param`` (default: the condition's ``fix_param``) at which a failing
    condition sits exactly on its boundary, the other values held fixed; None if the
    condition holds already.

    Moving ``param`` from its current value to the returned one (or beyond, in the same
    direction) makes the condition hold, e.g. for ``eta_o_sigma0_q1`` the largest η with
    η <= c·σ0^{q−1}/ρ.  Raises ValueError if ``param`` does not enter the condition or the
    boundary cannot be reached by moving it.
    """
    cond = get_condition(name)
    param = param or cond.fix_param
    if param not in SYMBOLS or SYMBOLS[param] not in cond.lhs.free_symbols | cond.rhs.free_symbols:
        raise ValueError(f"param must be a parameter of condition {name!r} ({needs(cond)}), got {param!r}")
    cv = evaluate(cond, values, c, k, rho)
    if cv.holds:
        return None
    v = complete(values)
    sym = SYMBOLS[param]
    # the quantity the rule compares: lhs/rhs (order and exact kinds), lhs alone (poly, and
    # polylog unless param is n, which also moves the (log n)^k scale)
    if cond.kind == "poly" or (cond.kind == "polylog" and param != "n") or cond.rhs == 0:
        compared = cond.lhs
    elif cond.kind == "polylog":
        compared = None
    else:
        compared = cond.lhs / cond.rhs
    if compared is not None:
        el = sp.simplify(sym * sp.diff(sp.log(compared), sym)).subs(SYMBOLS["q"], v.get("q", 3))
        if not el.free_symbols and el != 0:
            # compared ∝ param^el: it must grow (side "below") or shrink ("above") by the miss factor
            sign = 1.0 if cv.side == "below" else -1.0
            return float(v[param]) * cv.miss_factor ** (sign / float(el))
    assert cv.side is not None  # it fails, so it misses on one side
    return _solve_boundary(cond, v, param, cv.side, c, k, rho)


def _solve_boundary(cond: Condition, v: dict, param: str, side: str, c: float, k_: float, rho: float) -> float:
    """Root of log(lhs/bound) in log(param), for conditions not a power law in ``param``."""
    from scipy.optimize import brentq

    def gap(logx: float) -> float:
        cv = evaluate(cond, dict(v, **{param: math.exp(logx)}), c, k_, rho)
        bound = cv.lhs_max if side == "above" else cv.lhs_min
        assert bound is not None  # the condition bounds lhs on the side it misses
        return math.log(cv.lhs) - math.log(bound)

    a = math.log(float(v[param]))
    for span in (1.0, 5.0, 20.0, 60.0):
        for b in (a - span, a + span):
            try:
                if gap(a) * gap(b) < 0:
                    return math.exp(brentq(gap, min(a, b), max(a, b), xtol=1e-13, rtol=1e-13))
            except (ValueError, OverflowError, ZeroDivisionError):
                continue
    raise ValueError(f"param {param!r} cannot move condition {cond.name!r} to its boundary")
