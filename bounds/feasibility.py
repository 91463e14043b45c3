"""Asymptotic feasibility engine: do a result's hypotheses fit together?

Model.  Every parameter is written x = n^{e_x}·polylog(n); log factors are dropped, so
each monomial condition becomes a *linear* statement about the exponents e_x (e_n = 1):

* Θ → equality, O → ≤, Ω → ≥, polylog → e = 0 (also log(1/(λη)) has exponent 0,
  and every log X in a condition adds e_X >= t: X grows polynomially, the log is positive);
* o → e_lhs − e_rhs ≤ −t and ω → e_lhs − e_rhs ≥ t, where t is a common *margin*
  variable that the LP maximizes; "poly(n)" → e ≥ t, "1/poly(n)" (η) → e_{1/η} ≥ t;
* q, β1, β2 are absolute constants (exponent 0); q is a fixed number so that σ0^{q−2}
  stays linear in e_{σ0};
* min/max (B²/n ∧ 1, sσ_p ∨ n^{1/2}) are split into branches "argument i is the active
  one" (plus the linear side constraints saying so); a set is feasible iff some branch is;
* sums (only d − 1 occurs) take the exponent of their dominant non-constant term.

A hypothesis set is *feasible* iff the LP is feasible with margin t > 0 (strict o/ω/poly
relations need a positive gap of exponents).  Physical bounds: counts n, d, s, m, B have
e >= 0, batch 1 <= B <= n gives 0 <= e_B <= 1, and all exponents lie in [−E, E], E = 40.
Known limitation: log factors are invisible, so "n/B >= Θ(log 1/ε)" reduces to B <= n and
Θ̃(1)-type conditions cannot fail in the LP.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy.optimize import linprog

from .conditions import CONDITIONS, Condition, resolve
from .symbols import CONSTANTS, NAMES, SYMBOLS

VARS = [key for key in SYMBOLS if key not in CONSTANTS] + ["t"]
_IDX = {v: i for i, v in enumerate(VARS)}
E_MAX = 40.0
TOL = 1e-7
WITNESS_MARGIN = 0.25
# secondary objective (maximized) for the witness: small d, s, m, T and B, not-too-small η, λ, ε
_PLAIN = {"d": -1.0, "s": -1.0, "m": -1.0, "T": -1.0, "B": -0.1, "eta": 1.0, "lam": 1.0, "eps": 1.0}
_COUNTS = ("d", "s", "m")


@dataclass
class Feasibility:
    """Outcome of the exponent LP: a witness (exponents vs n, margin ``t``) and the binding
    conditions when feasible, an irreducible infeasible core otherwise."""

    feasible: bool
    witness: dict = field(default_factory=dict)  # exponents vs n, incl. margin "t"
    binding: list = field(default_factory=list)
    infeasible_core: list | None = None
    margin: float = 0.0
    hypotheses: list = field(default_factory=list)


# ---------------------------------------------------------------- exponent extraction
def _add(a: dict, b: dict, sgn: float = 1.0) -> dict:
    out = dict(a)
    for key, val in b.items():
        out[key] = out.get(key, 0.0) + sgn * val
    return out


def exponent_branches(expr: sp.Expr | float, q: float = 3) -> list[tuple[dict, list[dict]]]:
    """Exponent (vs n) of a positive expression as branches ``(lin, sides)``.

    ``lin`` maps variable -> coefficient; each side constraint ``side`` means side·e <= 0
    and records which argument of a min/max is active in that branch.
    """
    expr = sp.sympify(expr).subs(SYMBOLS["q"], q)
    if expr.is_Number or isinstance(expr, sp.log):
        return [({}, [])]  # constants and logs: exponent 0 (polylog dropped)
    if isinstance(expr, sp.Symbol):
        name = NAMES[expr]
        return [({}, [])] if name in CONSTANTS or name == "k" else [({name: 1.0}, [])]
    if expr.is_Pow:
        base, ex = expr.args
        if not ex.is_Number:  # (log n)^k and friends
            if base.is_Number or isinstance(base, sp.log):
                return [({}, [])]
            raise ValueError(f"non-numeric power in {expr}; pass q as a number")
        return [
            ({key: float(ex) * val for key, val in lin.items()}, sides) for lin, sides in exponent_branches(base, q)
        ]
    if expr.is_Add:  # positive sum ~ its largest non-constant term (d − 1 ~ d): a max
        terms = [a for a in expr.args if not a.is_Number]
        return exponent_branches(terms[0] if len(terms) == 1 else sp.Max(*terms), q)
    if expr.is_Mul:
        parts = [exponent_branches(a, q) for a in expr.args]
        out = []
        for combo in itertools.product(*parts):
            lin: dict = {}
            sides: list[dict] = []
            for l_, s_ in combo:
                lin, sides = _add(lin, l_), sides + s_
            out.append((lin, sides))
        return out
    if isinstance(expr, (sp.Min, sp.Max)):
        args = [exponent_branches(a, q) for a in expr.args]
        if any(len(a) != 1 for a in args):
            raise ValueError(
                "exponent_branches: a Min/Max whose arguments branch again (nested Min/Max) "
                "is outside the exponent model; flatten it first"
            )
        sgn = 1.0 if isinstance(expr, sp.Min) else -1.0  # active <= others (min)
        out = []
        for i, ((lin_i, sides_i),) in enumerate(args):
            sides = list(sides_i)
            for j, ((lin_j, _),) in enumerate(args):
                if j != i:
                    sides.append({key: sgn * v for key, v in _add(lin_i, lin_j, -1).items()})
            out.append((lin_i, sides))
        return out
    raise ValueError(f"cannot take the exponent of {expr!r}")


def condition_rows(cond: Condition, q: float = 3) -> list[tuple[list, list]]:
    """LP rows of one condition, one ``(ub_rows, eq_rows)`` block per branch.

    Each row is a dict over VARS ("t" = margin); ub rows mean row·x <= 0, eq rows = 0.
    """
    if not cond.in_lp:
        return [([], [])]
    out = []
    for (L, sl), (R, sr) in itertools.product(exponent_branches(cond.lhs, q), exponent_branches(cond.rhs, q)):
        diff = _add(L, R, -1)
        ub, eq = list(sl) + list(sr), []
        kind = cond.kind
        if kind == "Theta":
            eq.append(diff)
        elif kind == "polylog":
            eq.append(L)
        elif kind == "O" or (kind == "exact" and cond.op[0] == "<"):
            ub.append(diff)
        elif kind == "Omega" or kind == "exact":
            ub.append({key: -v for key, v in diff.items()})
        elif kind == "o":
            ub.append(_add(diff, {"t": 1.0}))
        elif kind == "omega":
            ub.append(_add({key: -v for key, v in diff.items()}, {"t": 1.0}))
        elif kind == "poly":
            ub.append(_add({key: -v for key, v in L.items()}, {"t": 1.0}))
        # every log X in a condition (log 1/(λη), log 1/ε, log n) is read as a positive
        # polylog: X grows polynomially, e(X) >= t (η = 1/poly(n), λ = Õ(1) imply it)
        for lg in cond.lhs.atoms(sp.log) | cond.rhs.atoms(sp.log):
            for X, sx in exponent_branches(lg.args[0], q):
                ub += sx + [_add({key: -v for key, v in X.items()}, {"t": 1.0})]
        out.append((ub, eq))
    return out


# ---------------------------------------------------------------- LP core
def _lookup(item: str | Condition) -> list[Condition]:
    """A hypothesis item: a Condition, a name, or "a|b" (a disjunction, e.g. Thm 4.4)."""
    if isinstance(item, Condition):
        return [item]
    return [CONDITIONS[x] for x in item.split("|")]


def _branches(items: Iterable[str | Condition], q: float) -> Iterator[tuple[tuple[str, tuple[list, list]], ...]]:
    per_item = []
    for item in items:
        blocks = []
        for cond in _lookup(item):
            blocks += [(cond.name, b) for b in condition_rows(cond, q)]
        per_item.append(blocks)
    return itertools.product(*per_item)


def _bounds(fixed: dict | None = None) -> list[tuple[float, float]]:
    b = []
    for v in VARS:
        lo, hi = -E_MAX, E_MAX
        if v == "n":
            lo = hi = 1.0
        elif v == "B":
            lo, hi = 0.0, 1.0
        elif v in _COUNTS:
            lo = 0.0
        elif v == "t":
            lo, hi = 0.0, 1.0
        if fixed and v in fixed:
            lo = hi = fixed[v]
        b.append((lo, hi))
    return b


def _vec(row: dict) -> np.ndarray:
    x = np.zeros(len(VARS))
    for key, val in row.items():
        x[_IDX[key]] += val
    return x


def _solve(
    branch: Sequence[tuple[str, tuple[list, list]]], objective: dict, fixed: dict | None = None
) -> tuple[float, np.ndarray] | None:
    """Maximize ``objective`` (a linear dict) over one branch; returns (value, x) or None."""
    ub = [(name, r) for name, (u, _) in branch for r in u if r]
    eq = [r for _, (_, e) in branch for r in e if r]
    res = linprog(
        -_vec(objective),
        A_ub=np.array([_vec(r) for _, r in ub]) if ub else None,
        b_ub=np.zeros(len(ub)) if ub else None,
        A_eq=np.array([_vec(r) for r in eq]) if eq else None,
        b_eq=np.zeros(len(eq)) if eq else None,
        bounds=_bounds(fixed),
        method="highs",
    )
    if res.status != 0:
        return None
    return -res.fun, res.x


def _best(
    items: Iterable[str | Condition], q: float, objective: dict | None = None, fixed: dict | None = None
) -> tuple[float, np.ndarray, Sequence[tuple[str, tuple[list, list]]]] | None:
    best = None
    for branch in _branches(items, q):
        sol = _solve(branch, objective or {"t": 1.0}, fixed)
        if sol and (best is None or sol[0] > best[0] + 1e-12):
            best = (sol[0], sol[1], branch)
    return best


def _is_feasible(items: Iterable[str | Condition], q: float, fixed: dict | None = None) -> bool:
    best = _best(items, q, fixed=fixed)
    return best is not None and best[1][_IDX["t"]] > TOL


def _binding(branch: Sequence[tuple[str, tuple[list, list]]], x: np.ndarray) -> list[str]:
    """Inequality conditions tight at the witness (zero slack; strict ones: slack equal
    to the margin t).  Θ/polylog equalities are always tight and are not listed."""
    out = []
    for name, (ub, _) in branch:
        if any(abs(_vec(r) @ x) < 1e-7 for r in ub if r):
            out.append(name)
    return sorted(set(out))


def feasible(
    hypotheses: Iterable[str | Condition],
    q: float = 3,
    reading: str | dict = "default",
    extra: Iterable[str | Condition] | None = None,
    core: bool = True,
) -> Feasibility:
    """Decide whether ``hypotheses`` (condition names, "a|b" disjunctions, or Condition
    objects; plus ``extra``) can hold at once as n → ∞.

    ``reading`` selects the grouping of docs/model.md §1 item 10 ("default", "alt" or {group: reading}).
    Feasible: ``witness`` = exponents at the max-margin point, ``binding`` = conditions tight
    there.  Infeasible: ``infeasible_core`` = an irreducible infeasible subset found by the
    deletion filter (dropping any member makes the rest feasible).
    """
    if q < 3:
        raise ValueError("the paper requires q >= 3")
    items: list[str | Condition] = []
    for h in list(hypotheses) + list(extra or []):
        if isinstance(h, Condition):
            items.append(h)
        else:
            items.append("|".join(resolve(h.split("|"), reading)))
    best = _best(items, q)
    names = [h.name if isinstance(h, Condition) else h for h in items]
    if best is not None and best[1][_IDX["t"]] > TOL:
        # Witness: a "least extreme" regime at margin min(t*, WITNESS_MARGIN) on the best
        # branch (counts and T small, η/λ/ε not tiny), so binding constraints are telling.
        t_star = float(best[1][_IDX["t"]])
        sol = _solve(best[2], _PLAIN, {"t": min(t_star, WITNESS_MARGIN)})
        x = sol[1] if sol else best[1]
        return Feasibility(
            True, {v: float(round(x[i], 9)) for i, v in enumerate(VARS)}, _binding(best[2], x), None, t_star, names
        )
    kernel = None
    if core:  # deletion filter: drop every item whose removal keeps the set infeasible
        left = list(items)
        for item in list(left):
            trial = [x for x in left if x is not item]
            if not _is_feasible(trial, q):
                left = trial
        kernel = [h.name if isinstance(h, Condition) else h for h in left]
    return Feasibility(False, {}, [], kernel, 0.0, names)


def theorem_feasibility(result_id: str, q: float = 3, reading: str | dict = "default") -> Feasibility:
    """Feasibility of a Result's hypotheses (its ``alternatives`` become a disjunction)."""
    from .results import get_result

    res = get_result(result_id)
    hyps = list(res.hypotheses)
    if res.alternatives:
        hyps.append("|".join(a for alt in res.alternatives for a in alt))
    return feasible(hyps, q=q, reading=reading)


# ---------------------------------------------------------------- Cor 4.6
def _lambda_free(names: Iterable[str]) -> list[str]:
    """Drop conditions that mention λ or ε: Adam and AdamW use different λ (Cor 4.6)."""
    lam_syms = {SYMBOLS["lam"], SYMBOLS["eps"]}
    return [x for x in names if not ((CONDITIONS[x].lhs.free_symbols | CONDITIONS[x].rhs.free_symbols) & lam_syms)]


def cor46_gap(
    q: float = 3,
    reading: str | dict = "default",
    regime: str = "any",
    adam_bound: str = "stuck",
    delta: float = 1e-3,
    grid: int = 11,
) -> dict:
    """Cor 4.6 as an LP: sup over feasible regimes of exp(Adam cap) − exp(B²/n ∧ 1).

    ``adam_bound``: "stuck" uses σ0^{q−2} (Cor 4.3 threshold, as in the Cor 4.6 display);
    "success" uses σ0^{q−2}σ_p/n (Thms 4.1/4.2).  ``regime``: "any" keeps only the λ-free
    parts of Conditions A.1–A.2 and the derived relations (docs/model.md §5.3) with 0 <= e_B <= 1 free; "mini" also imposes the
    mini-batch conditions of Thms 4.2 and 4.5.  ``sup_gap`` is over the closure (strict
    relations with margin 0); ``max_gap_at_margin`` requires every strict relation to hold
    with exponent margin ``delta``.  Negative values mean Adam's cap is polynomially below
    AdamW's lower end; ``eB_holds`` lists the grid of B exponents where that is so.
    """
    from .results import get_result

    if regime not in ("any", "mini"):
        raise ValueError(f"regime must be 'any' or 'mini', got {regime!r}")
    if adam_bound not in ("stuck", "success"):
        raise ValueError(f"adam_bound must be 'stuck' or 'success', got {adam_bound!r}")
    names = set(get_result("cor4.6").hypotheses)
    if regime == "any":
        names -= {"nB_omega_ssp", "nB_omega_sqrt_n", "nB_ge_log_eps", "lemC7_nssp_B"}
    items = resolve(_lambda_free(sorted(names)), reading)
    s0, sp_, n_ = SYMBOLS["sigma_0"], SYMBOLS["sigma_p"], SYMBOLS["n"]
    cap = s0 ** (q - 2) if adam_bound == "stuck" else s0 ** (q - 2) * sp_ / n_
    gap_cond = Condition(
        name="cor46_gap",
        ref="Cor 4.6",
        kind="exact",
        lhs=cap,
        rhs=sp.Min(SYMBOLS["B"] ** 2 / n_, 1),
        relation=None,
        latex="",
        in_lp=True,
    )
    gap_blocks = []  # objective = e(cap) − e(active min argument), per min-branch
    for (L, _), (R, sides) in itertools.product(exponent_branches(gap_cond.lhs, q), exponent_branches(gap_cond.rhs, q)):
        gap_blocks.append((_add(L, R, -1), sides))

    def sup(t_fixed: float, fixed: dict | None = None) -> tuple[float, np.ndarray] | None:
        best = None
        for obj, sides in gap_blocks:
            for branch in _branches(items, q):
                br = list(branch) + [("cor46_gap", (sides, []))]
                sol = _solve(br, obj, {"t": t_fixed, **(fixed or {})})
                if sol and (best is None or sol[0] > best[0]):
                    best = sol
        return best

    closure, strict = sup(0.0), sup(delta)
    eB_lo = _best(items, q, {"B": -1.0}, {"t": delta})
    eB_hi = _best(items, q, {"B": 1.0}, {"t": delta})
    table = {}
    for eB in np.linspace(0, 1, grid):
        r = sup(delta, {"B": float(eB)})
        table[round(float(eB), 4)] = None if r is None else float(r[0])
    return {
        "q": q,
        "reading": reading,
        "regime": regime,
        "adam_bound": adam_bound,
        "sup_gap": None if closure is None else float(closure[0]),
        "max_gap_at_margin": None if strict is None else float(strict[0]),
        "delta": delta,
        "holds": strict is not None and strict[0] < 0,
        "witness": None if strict is None else {v: float(round(strict[1][i], 6)) for i, v in enumerate(VARS)},
        "eB_feasible_range": None
        if eB_lo is None or eB_hi is None
        else (float(eB_lo[1][_IDX["B"]]), float(eB_hi[1][_IDX["B"]])),
        "gap_by_eB": table,
        "eB_holds": [eB for eB, g in table.items() if g is not None and g < 0],
    }
