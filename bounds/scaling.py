"""Scaling exponents: how a threshold, rate, time or plateau of the paper moves when one
parameter moves, with every other parameter held fixed.

The paper's statements are asymptotic with unknown constants, so a single number such
as "λ must be below σ0^{q−2}σ_p/n" cannot be checked exactly.  What the statements do
predict without constants is the log-log slope of each quantity f in a parameter x,

    e = ∂ log f / ∂ log x = x·(∂f/∂x)/f,

e.g. Adam's stuck threshold σ0^{q−2} has slope q − 2 in σ0, whatever its hidden constant.
This module holds the quantities as SymPy expressions (:data:`QUANTITIES`, taken from
conditions.py and results.py, never retyped) and derives their slopes symbolically:

* :func:`exponent` (quantity, param) -> :class:`Exponent`: one :class:`Branch` per active
  argument of a Min/Max (B²/n ∧ 1, sσ_p ∨ √n), each with the condition under which it is
  active; :meth:`Exponent.at` evaluates it at a point, picking the active branch and
  flagging a kink; ``constant`` says whether the slope is a number at fixed q or varies
  with the point (e.g. the plateau in λ); ``held_fixed`` lists what must not move for the
  prediction to apply (every other free symbol of f, including the polylog power k).
* ``param`` may be a product such as ``"s*sigma_p"``: the slope in that product, moving
  its first factor and holding the others (``composite_only`` says whether f depends on
  the factors only through the product, in which case the choice does not matter).
* :func:`exponents` (quantity) -> every parameter's slope; :func:`quantities_for`
  (result id) -> the quantities a result involves.

Log factors: tilde orders carry (log n)^k explicitly, so slopes in n include the
−k/log n (or +k/log n) of the polylog; they are exact for the expression as written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp

from .conditions import CONDITIONS, complete
from .convention import DEFAULT_K
from .results import (
    ADAM_PLATEAU,
    ADAM_PLATEAU_TIME,
    ADAMW_PLATEAU_M,
    ADAMW_PLATEAU_SQ,
    RESULTS,
    SSP,
    T0_VARIANTS,
    T_R,
    TAU_BAR,
    get_result,
)
from .symbols import CONSTANTS, NAMES, SYMBOLS, B, eta, k, n

KINDS = ("threshold", "rate", "time", "plateau")
#: relative distance (in log) below which a point counts as sitting on a Min/Max kink
KINK_TOL = 1e-9


@dataclass(frozen=True)
class Quantity:
    """A scaling quantity: a SymPy expression with its paper reference and role."""

    name: str
    ref: str
    expr: sp.Expr
    kind: str  # threshold | rate | time | plateau
    optimizer: str  # adam | adamw | both
    regime: str  # large | mini | any
    description: str
    results: tuple[str, ...]
    unit: str = ""

    @property
    def params(self) -> tuple[str, ...]:
        """Parameter keys the expression involves (SYMBOLS order, then k)."""
        free = self.expr.free_symbols
        return tuple(key for key, sym in SYMBOLS.items() if sym in free) + (("k",) if k in free else ())

    @property
    def latex(self) -> str:
        return sp.latex(self.expr)

    def __str__(self) -> str:
        return f"{self.name} = {sp.sstr(self.expr)}"


def _with(cond_name: str) -> tuple[str, ...]:
    """Ids of the results that list a condition among their hypotheses."""
    return tuple(r.id for r in RESULTS.values() if cond_name in r.hypotheses)


def _per_step(key: str, expr: sp.Expr, unit: str) -> tuple[str, ...]:
    out = []
    for r in RESULTS.values():
        ps = r.outcome.get("per_step") or {}
        if ps.get(key) is not None and sp.simplify(ps[key] - expr) == 0 and ps.get("unit") == unit:
            out.append(r.id)
    return tuple(out)


def _t0_results(lem: str) -> tuple[str, ...]:
    return (lem,) + tuple(r.id for r in RESULTS.values() if r.outcome.get("T0_lemma") == lem and r.id != lem)


def _build() -> dict[str, Quantity]:
    Q: list[Quantity] = []
    add = lambda *a, **kw: Q.append(Quantity(*a, **kw))
    cor = RESULTS["cor4.6"].outcome
    # ---- weight-decay thresholds (docs/model.md §5.5) ----
    add(
        "adam_success_cap",
        "Thms 4.1/4.2",
        CONDITIONS["lam_adam_upper"].rhs,
        "threshold",
        "adam",
        "any",
        "Adam learns only for λ = o(σ0^{q−2}σ_p/n)",
        _with("lam_adam_upper"),
    )
    add(
        "adam_stuck_threshold",
        "Cor 4.3",
        CONDITIONS["lam_adam_stuck"].rhs,
        "threshold",
        "adam",
        "any",
        "Adam stays at initialization for λ = ω(σ0^{q−2})",
        _with("lam_adam_stuck"),
    )
    add(
        "adamw_lambda_floor",
        "Thms 4.4/4.5",
        CONDITIONS["lam_adamw_lower"].rhs,
        "threshold",
        "adamw",
        "any",
        "lower end of AdamW's window λ = Ω̃(B²/n ∧ 1)",
        _with("lam_adamw_lower"),
    )
    add(
        "adamw_lambda_cap",
        "Thms 4.4/4.5",
        CONDITIONS["lam_adamw_upper"].rhs,
        "threshold",
        "adamw",
        "any",
        "upper end of AdamW's window λ = Õ(1)",
        _with("lam_adamw_upper"),
    )
    add(
        "cor46_adam_cap",
        "Cor 4.6",
        cor["adam_cap"],
        "threshold",
        "both",
        "mini",
        "Adam's λ scale σ0^{q−2} in Cor 4.6",
        ("cor4.6",),
    )
    add(
        "cor46_adamw_floor",
        "Cor 4.6",
        cor["adamw_floor"],
        "threshold",
        "both",
        "mini",
        "AdamW's λ scale B²/n ∧ 1 in Cor 4.6",
        ("cor4.6",),
    )
    add(
        "cor46_separation",
        "Cor 4.6",
        cor["adam_cap"] / cor["adamw_floor"],
        "threshold",
        "both",
        "mini",
        "Adam's λ scale over AdamW's; Cor 4.6 says it is ≪ 1",
        ("cor4.6",),
    )
    # ---- Stage-I lengths (docs/model.md §1 item 7) ----
    for lem, (regime, expr, unit) in T0_VARIANTS.items():
        opt, reg = regime.split("_")
        ref = RESULTS[lem].ref
        add(
            f"T0[{lem}]",
            ref,
            expr,
            "time",
            opt,
            reg,
            f"Stage-I length T0 as stated in {ref}, in {unit}",
            _t0_results(lem),
            unit,
        )
        if unit == "epochs":
            add(
                f"T0_it[{lem}]",
                ref,
                expr * n / B,
                "time",
                opt,
                reg,
                f"Stage-I length T0 of {ref} converted to iterations (× n/B)",
                _t0_results(lem),
                "iterations",
            )
    add(
        "stage1_length",
        "Lemmas 5.1/C.3, C.12",
        1 / (eta * SSP),
        "time",
        "both",
        "large",
        "large-batch Stage I: noise memorization reaches Θ̃(1) at ηsσ_p per step (iterations for Adam, "
        "epochs for AdamW)",
        ("thm4.1", "lem5.1", "thm4.4", "lemC.12"),
    )
    add(
        "T_r",
        "Lemma B.7/C.13",
        T_R,
        "time",
        "adamw",
        "large",
        "large-batch AdamW: feature learning reverses after T_r (epochs)",
        ("lemB.7", "lemC.13"),
        "epochs",
    )
    add(
        "tau_bar",
        "Lemma C.2",
        TAU_BAR,
        "time",
        "both",
        "any",
        "memory length of the moments: a sample's gradient steers the update for ≈ τ̄ iterations",
        _with("taubar_polylog"),
        "iterations",
    )
    # ---- per-step rates (docs/model.md §8 items 1, 3-5) ----
    ps51, ps17 = RESULTS["lem5.1"].outcome["per_step"], RESULTS["lemC.17"].outcome["per_step"]
    add(
        "adam_feature_rate",
        "Lemmas 5.1/5.2, C.5",
        ps51["feature"],
        "rate",
        "adam",
        "any",
        "feature learning per iteration of a sign-like step",
        _per_step("feature", ps51["feature"], "iteration"),
        "per iteration",
    )
    add(
        "adam_noise_rate",
        "Lemma 5.1",
        ps51["noise"],
        "rate",
        "adam",
        "large",
        "noise memorization per iteration of a sign-like step",
        _per_step("noise", ps51["noise"], "iteration"),
        "per iteration",
    )
    add(
        "adamw_feature_rate",
        "Lemma C.17",
        ps17["feature"],
        "rate",
        "adamw",
        "mini",
        "feature learning per epoch (n/B sign-like steps)",
        _per_step("feature", ps17["feature"], "epoch"),
        "per epoch",
    )
    add(
        "adamw_noise_rate",
        "Lemmas C.12/C.17",
        ps17["noise"],
        "rate",
        "adamw",
        "any",
        "noise memorization per epoch (one exposure of each sample)",
        _per_step("noise", ps17["noise"], "epoch"),
        "per epoch",
    )
    # ---- Stage-II plateaus (docs/model.md §7, §8 item 4) ----
    plateau_ids = tuple(r.id for r in RESULTS.values() if r.outcome.get("plateau") == "adam_plateau")
    add(
        "adam_plateau",
        "Lemma 5.3",
        ADAM_PLATEAU,
        "plateau",
        "adam",
        "mini",
        "Adam's feature plateau z*: the loss factor has fallen to λ",
        plateau_ids,
    )
    add(
        "adam_plateau_time",
        "Lemma 5.3, docs/model.md §8 item 4",
        ADAM_PLATEAU_TIME,
        "time",
        "adam",
        "mini",
        "iterations to reach z* at ≈ η per iteration",
        plateau_ids,
        "iterations",
    )
    add(
        "adamw_plateau_m",
        "Lemmas B.8/C.14",
        ADAMW_PLATEAU_M,
        "plateau",
        "adamw",
        "large",
        "large-batch AdamW Stage-II noise threshold ((1/m)·log(1/(λη) − 1))^{1/q}",
        ("lemB.8", "lemC.14"),
    )
    add(
        "adamw_plateau_sq",
        "Lemmas B.8/C.14, B.11/C.18",
        ADAMW_PLATEAU_SQ,
        "plateau",
        "adamw",
        "any",
        "AdamW Stage-II threshold (log(1/(λη)² − 1))^{1/q} (loss factor <= (λη)²)",
        ("lemB.8", "lemC.14", "lemB.11", "lemC.18"),
    )
    # ---- AdamW Stage-II magnitudes, each lemma as stated (docs/model.md §1 item 8, §7.3) ----
    for lem in ("lemB.8", "lemC.14", "lemB.11", "lemC.18"):
        r = RESULTS[lem]
        for part, what in (("feature", "feature learning"), ("noise", "noise memorization")):
            e = r.outcome["magnitudes"]["appendix_C"][part]
            add(
                f"stage2_{part}[{lem}]",
                r.ref,
                -e if e.could_extract_minus_sign() else e,  # the size; B.8/C.14's feature is negative
                "plateau",
                "adamw",
                r.regime,
                f"{'large' if r.regime == 'large' else 'mini'}-batch AdamW, Stage II: the size of {what} "
                f"as {r.ref} states it",
                (lem,),
            )
    # ---- batch thresholds on n/B (docs/model.md §5.6) ----
    add(
        "adam_batch_threshold",
        "Thm 4.2",
        CONDITIONS["nB_ge_log_eps"].rhs,
        "threshold",
        "adam",
        "mini",
        "mini-batch Adam needs n/B >= Θ(log 1/ε)",
        tuple(x for x in _with("nB_ge_log_eps") if get_result(x).optimizer == "adam"),
    )
    add(
        "adamw_mini_batch_threshold",
        "Thm 4.5",
        sp.Max(CONDITIONS["nB_omega_ssp"].rhs, CONDITIONS["nB_omega_sqrt_n"].rhs),
        "threshold",
        "adamw",
        "mini",
        "mini-batch AdamW needs n/B = ω(sσ_p ∨ √n)",
        _with("nB_omega_sqrt_n"),
    )
    add(
        "adamw_large_batch_threshold",
        "Thm 4.4",
        CONDITIONS["nB_o_ssp"].rhs,
        "threshold",
        "adamw",
        "large",
        "large-batch AdamW: n/B = o(sσ_p) (or Θ(1))",
        tuple(r.id for r in RESULTS.values() if ("nB_o_ssp",) in r.alternatives),
    )
    # ---- critical batch sizes B*: each batch relation solved for B at its edge (docs/model.md §5.6) ----
    for name, ref, cond, opt, desc, results in (
        (
            "adam_critical_batch",
            "Thm 4.2",
            "nB_ge_log_eps",
            "adam",
            "mini-batch Adam's largest B: n/B = log(1/ε) solved for B",
            ("thm4.1", "thm4.2"),
        ),
        (
            "faded_critical_batch",
            "Lemma C.2",
            "faded_moments",
            "both",
            "largest B with faded moments: β2^{n/2B} = λη solved for B (n/B = 2 log(1/(λη))/log(1/β2))",
            ("thm4.2", "thm4.5"),
        ),
        (
            "adamw_race_batch",
            "Thms 4.4/4.5",
            "nB_omega_ssp",
            "adamw",
            "AdamW's per-epoch race alone: n/B = sσ_p solved for B",
            ("thm4.4", "thm4.5"),
        ),
    ):
        cv = CONDITIONS[cond]
        (edge,) = [x for x in sp.solve(sp.Eq(cv.lhs, cv.rhs), B) if x.is_positive is not False]
        add(name, ref, sp.simplify(edge), "threshold", opt, "mini", desc, results)
    floor = CONDITIONS["lam_adamw_lower"]
    mini = floor.rhs.replace(sp.Min, lambda *a: next(x for x in a if x.has(B)))  # the B²/n < 1 branch
    (edge,) = [x for x in sp.solve(sp.Eq(floor.lhs, mini), B) if x.is_positive is not False]
    add(
        "adamw_floor_batch",
        "Thms 4.4/4.5",
        edge,
        "threshold",
        "adamw",
        "mini",
        "largest B whose λ floor Ω̃(B²/n) a given λ meets: λ = B²/n (log n)^{-k} solved for B",
        ("thm4.4", "thm4.5"),
    )
    add(
        "adamw_critical_batch",
        "Thm 4.5",
        sp.Min(
            *[sp.solve(sp.Eq(CONDITIONS[c].lhs, CONDITIONS[c].rhs), B)[0] for c in ("nB_omega_ssp", "nB_omega_sqrt_n")]
        ),
        "threshold",
        "adamw",
        "mini",
        "mini-batch AdamW's largest B as Thm 4.5 states it: n/B = sσ_p ∨ √n solved for B",
        ("thm4.4", "thm4.5"),
    )
    out = {}
    for q_ in Q:
        if q_.kind not in KINDS:
            raise AssertionError(f"kind of {q_.name} must be one of {KINDS}")
        # a lemma's quantity also belongs to the theorem of the same optimizer and regime
        thms = {_THEOREM_OF.get((RESULTS[r].optimizer, RESULTS[r].regime)) for r in q_.results}
        extra = tuple(sorted(t for t in thms if t and t not in q_.results))
        out[q_.name] = Quantity(**{**q_.__dict__, "results": q_.results + extra})
    return out


_THEOREM_OF = {
    ("adam", "large"): "thm4.1",
    ("adam", "mini"): "thm4.2",
    ("adamw", "large"): "thm4.4",
    ("adamw", "mini"): "thm4.5",
}


QUANTITIES: dict[str, Quantity] = _build()


def get_quantity(name: str | Quantity) -> Quantity:
    """Look up a quantity; ValueError naming an unknown one."""
    if isinstance(name, Quantity):
        return name
    if name not in QUANTITIES:
        raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}, got {name!r}")
    return QUANTITIES[name]


def quantities_for(result_id: str) -> list[Quantity]:
    """Quantities that belong to a result (case-insensitive id; ValueError if unknown)."""
    rid = get_result(result_id).id
    return [x for x in QUANTITIES.values() if rid in x.results]


# ---------------------------------------------------------------- exponents
@dataclass(frozen=True)
class Branch:
    """One piece of a piecewise exponent: ``exponent`` where every relation in
    ``conditions`` holds (empty: everywhere)."""

    exponent: sp.Expr
    conditions: tuple = ()

    @property
    def constant(self) -> bool:
        """True if the exponent is a number once q is fixed (no other symbol in it)."""
        return self.exponent.free_symbols <= {SYMBOLS["q"]}

    @property
    def latex(self) -> str:
        e = sp.latex(self.exponent)
        return (
            e if not self.conditions else e + r" \text{ if } " + r" \wedge ".join(sp.latex(c) for c in self.conditions)
        )

    def __str__(self) -> str:
        e = sp.sstr(self.exponent)
        return e if not self.conditions else f"{e} if " + " and ".join(sp.sstr(c) for c in self.conditions)


@dataclass(frozen=True)
class ExponentValue:
    """An exponent evaluated at a point.

    ``value``: the slope there (None on a kink where the branches disagree);
    ``branch``: index of the active branch (None on a kink); ``on_kink``: whether two
    Min/Max arguments are equal there; ``branch_values``: the slope of every branch
    whose conditions hold at the point (non-strictly), i.e. both one-sided slopes on a kink.
    """

    value: float | None
    branch: int | None
    on_kink: bool
    branch_values: tuple[float, ...]


@dataclass(frozen=True)
class Exponent:
    """∂ log f / ∂ log x of a quantity f in a parameter x, possibly piecewise."""

    quantity: str
    param: str
    branches: tuple[Branch, ...]
    held_fixed: tuple[str, ...]
    moves: str
    composite_only: bool

    @property
    def constant(self) -> bool:
        """True if every branch's exponent is a number at fixed q."""
        return all(b.constant for b in self.branches)

    @property
    def piecewise(self) -> bool:
        return len(self.branches) > 1

    @property
    def expr(self) -> sp.Expr:
        """The exponent as one expression (a Piecewise when there are several branches)."""
        if not self.piecewise:
            return self.branches[0].exponent
        return sp.Piecewise(*[(b.exponent, sp.And(*b.conditions)) for b in self.branches])

    @property
    def latex(self) -> str:
        if not self.piecewise:
            return sp.latex(self.branches[0].exponent)
        return (
            r"\begin{cases} "
            + r" \\ ".join(
                sp.latex(b.exponent) + r" & " + r" \wedge ".join(sp.latex(c) for c in b.conditions)
                for b in self.branches
            )
            + r" \end{cases}"
        )

    def __str__(self) -> str:
        return "; ".join(str(b) for b in self.branches)

    def at(self, values: dict) -> ExponentValue:
        """Evaluate at ``values`` (keys as in SYMBOLS, plus optional k, default DEFAULT_K).

        Raises ValueError naming a needed parameter that is missing or not a number > 0.
        """
        v = complete(values)
        v.setdefault("k", DEFAULT_K)
        subs = {}
        needed = set()
        for b in self.branches:
            needed |= b.exponent.free_symbols
            for c in b.conditions:
                needed |= c.free_symbols
        for sym in needed:
            key = NAMES[sym]
            val = v.get(key)
            if val is None:
                raise ValueError(f"{key} is needed to evaluate the exponent of {self.quantity} in {self.param}")
            x = float(val)
            if not math.isfinite(x) or (x <= 0 and key != "k") or x < 0:
                raise ValueError(f"{key} must be a finite number > 0, got {val!r}")
            subs[sym] = x
        on_kink = False
        active = []
        for i, b in enumerate(self.branches):
            ok = True
            for c in b.conditions:
                lhs, rhs = float(c.lhs.subs(subs)), float(c.rhs.subs(subs))
                gap = math.log(lhs / rhs) if lhs > 0 and rhs > 0 else lhs - rhs
                if abs(gap) <= KINK_TOL:
                    on_kink = True
                    continue  # on the boundary: both sides are candidates
                strict_ok = gap < 0 if isinstance(c, (sp.StrictLessThan, sp.LessThan)) else gap > 0
                ok = ok and strict_ok
            if ok:
                active.append(i)
        vals = tuple(float(self.branches[i].exponent.subs(subs)) for i in active)
        if not on_kink and len(active) == 1:
            return ExponentValue(vals[0], active[0], False, vals)
        same = len(vals) > 0 and all(abs(x - vals[0]) <= 1e-12 * max(1.0, abs(vals[0])) for x in vals)
        return ExponentValue(vals[0] if same else None, active[0] if len(active) == 1 else None, on_kink, vals)


def _minmax_branches(expr: sp.Expr) -> list[tuple[sp.Expr, tuple]]:
    """Split ``expr`` at every Min/Max into (branch expression, conditions) pairs."""
    nodes = [a for a in expr.atoms(sp.Min, sp.Max) if not any(arg.has(sp.Min, sp.Max) for arg in a.args)]
    if not nodes:
        return [(expr, ())]
    node = sorted(nodes, key=sp.default_sort_key)[0]
    out = []
    for i, arg in enumerate(node.args):
        conds = []
        feasible = True
        for j, other in enumerate(node.args):
            if j == i:
                continue
            rel = sp.StrictLessThan(arg, other) if isinstance(node, sp.Min) else sp.StrictGreaterThan(arg, other)
            if rel is sp.false:
                feasible = False
            elif rel is not sp.true:
                conds.append(rel)
        if not feasible:
            continue
        for sub, more in _minmax_branches(expr.xreplace({node: arg})):
            out.append((sub, tuple(conds) + more))
    return out


def _param_symbol(param: str, f: sp.Expr, quantity: str) -> tuple[sp.Expr, sp.Symbol, sp.Symbol | None]:
    """(param expression, the symbol that moves, the placeholder P for a composite or None)."""
    if not isinstance(param, str):
        raise ValueError(f"param must be a parameter name or a product such as 's*sigma_p', got {param!r}")
    local = dict(SYMBOLS, k=k)
    if param in local:
        sym = local[param]
        if sym not in f.free_symbols:
            raise _NotInvolved(f"param {param!r} does not enter quantity {quantity!r} (its parameters: {_keys(f)})")
        return sym, sym, None
    try:
        pexpr = sp.sympify(param, locals=local)
    except (sp.SympifyError, SyntaxError, TypeError):
        raise ValueError(f"param must be a parameter name or a product of parameters, got {param!r}") from None
    unknown = pexpr.free_symbols - set(local.values())
    if unknown or not pexpr.free_symbols:
        raise ValueError(f"param {param!r} must be built from the parameters {sorted(local)}")
    inside = [s_ for s_ in local.values() if s_ in pexpr.free_symbols and s_ in f.free_symbols]
    if not inside:
        raise _NotInvolved(f"param {param!r} does not enter quantity {quantity!r} (its parameters: {_keys(f)})")
    return pexpr, inside[0], sp.Symbol("P_", positive=True)


class _NotInvolved(ValueError):
    """The parameter does not enter the quantity."""


def _keys(f: sp.Expr) -> list[str]:
    return [NAMES[x] for x in sorted(f.free_symbols, key=sp.default_sort_key)]


@cache
def _exponent(quantity: str, param: str) -> Exponent:
    Q = get_quantity(quantity)
    pexpr, moving, P = _param_symbol(param, Q.expr, quantity)
    f = Q.expr
    if P is not None:
        sols = [x for x in sp.solve(sp.Eq(pexpr, P), moving) if x.is_positive is not False]
        if len(sols) != 1:
            raise ValueError(f"param {param!r}: cannot solve for {NAMES[moving]} uniquely")
        f = f.xreplace({moving: sols[0]})
        x = P
    else:
        x = moving
    branches = []
    for sub, conds in _minmax_branches(f):
        e = sp.simplify(x * sp.diff(sub, x) / sub)
        if P is not None:
            e = sp.simplify(e.xreplace({P: pexpr}))
            conds = tuple(c.xreplace({P: pexpr}) for c in conds)
        branches.append(Branch(e, conds))
    if len(branches) > 1 and all(sp.simplify(b.exponent - branches[0].exponent) == 0 for b in branches):
        branches = [Branch(branches[0].exponent)]  # the Min/Max does not change the slope
    others = pexpr.free_symbols - {moving} if P is not None else set()
    composite_only = P is None or not (f.free_symbols & others)
    held = tuple(k_ for k_ in _keys(Q.expr) if SYMBOLS.get(k_, k) != moving and (k_ != "k" or k in Q.expr.free_symbols))
    return Exponent(Q.name, param, tuple(branches), held, NAMES[moving], composite_only)


def exponent(quantity: str | Quantity, param: str, strict: bool = True) -> Exponent:
    """The log-log slope ∂ log f/∂ log x of ``quantity`` in ``param``, symbolically.

    ``param``: a key of SYMBOLS (or "k"), or a product of them such as ``"s*sigma_p"``
    (then the first factor that enters f moves and the other factors are held).  Raises
    ValueError naming ``param`` if the quantity does not involve it, unless
    ``strict=False``: then the slope is 0 (useful to compare two quantities' slopes, e.g.
    Cor 4.6's Adam cap against AdamW's floor in σ0).
    """
    Q = get_quantity(quantity)
    if not strict:
        try:
            return _exponent(Q.name, param)
        except _NotInvolved:
            return Exponent(Q.name, param, (Branch(sp.Integer(0)),), Q.params, param, True)
    return _exponent(Q.name, param)


def exponents(quantity: str | Quantity) -> dict[str, Exponent]:
    """The slope in every parameter the quantity involves (the constants q, β1, β2 and the
    polylog power k are left out: they are held fixed, not scaled)."""
    Q = get_quantity(quantity)
    return {p: _exponent(Q.name, p) for p in Q.params if p not in CONSTANTS and p != "k"}
