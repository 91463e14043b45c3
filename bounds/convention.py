"""How an asymptotic relation is read at one concrete point: the single numeric convention.

Every statement of the paper is asymptotic (Θ, O, Ω, o, ω, with tilde variants that hide
log factors) and none of its constants is stated.  To decide at a concrete parameter point
whether a relation ``lhs = K(x)`` holds, this package uses one rule everywhere
(:func:`bounds.evaluate`, :func:`bounds.batch_regime`, :func:`bounds.lambda_window`,
:func:`bounds.lambda_check`, :func:`bounds.mechanism_check`):

1. The order's formula x is multiplied by the hidden constant ``c`` (default
   :data:`DEFAULT_C` = 1).  A tilde order carries the polylog factor (log n)^k explicitly in
   x (default power :data:`DEFAULT_K` = 1): Õ(y) and Θ̃(y) use x = y·(log n)^k, Ω̃(y) uses
   x = y/(log n)^k.  The scale is ``c·x``.
2. Let r = lhs / (c·x).  One factor ``rho`` (default :data:`DEFAULT_RHO` = 4) separates
   "comparable" from "much smaller / much larger":

   ======================  ===================  =============================================
   relation                holds iff            miss factor when it fails
   ======================  ===================  =============================================
   lhs = Θ(x)              1/ρ <= r <= ρ        r/ρ above, 1/(ρ·r) below
   lhs = O(x)              r <= ρ               r/ρ
   lhs = Ω(x)              r >= 1/ρ             1/(ρ·r)
   lhs = o(x)              r <= 1/ρ             ρ·r
   lhs = ω(x)              r >= ρ               ρ/r
   ======================  ===================  =============================================

   The boundary itself counts as holding.  The *miss factor* is the factor by which lhs
   would have to move (down if it is above its window, up if below) for the relation to
   hold; it is 1 when the relation holds.

3. Derived readings, all instances of the table above:

   * a one-sided "lhs >= Θ(x)" (e.g. n/B >= Θ(log 1/ε) in Thms 4.2/4.5) is read as Ω(x);
   * "n/B = Θ(1)" (Thms 4.1/4.4) is read as O(1), i.e. n/B <= c·ρ, because n/B >= 1
     always holds for a batch size B <= n;
   * "x = poly(n)" is read as x = ω(1), i.e. x/c >= ρ (a positive power of n grows
     without bound); η = 1/poly(n) is written 1/η = poly(n);
   * "x = polylog(n)" is read as x = Ω(1) and x = O((log n)^k);
   * plain inequalities (q >= 3, β1² < β2, B <= n, n·s <= d − 1) are taken literally.

Why ρ = 4.  The paper's own experiment (Appendix D.2) splits batch sizes into n/B = 2
("large") and n/B = 100 ("mini"); for AdamW the mini-batch condition is
n/B = ω(sσ_p ∨ √n) with sσ_p ∨ √n = √200 ≈ 14.1.  That split reads correctly (every one
of the eight (optimizer, B) pairs lands on the side the paper assigns it) exactly for
2 <= ρ <= √200/2 ≈ 7.07: n/B = 2 must be Θ(1) (ρ >= 2) and n/B = 100 must be ω(14.1)
(ρ <= 7.07).  ρ = 4 is the largest power of two in that interval.  With ρ = 10 the
paper's mini-batch AdamW would sit outside ω(√n) (100/14.1 = 7.07 < 10).  The same ρ
then says the paper's Adam λ = 1e-5 misses λ = o(σ0^{q−2}σ_p/n) by ×8 (ratio 2) and
its η = 5e-5 misses η = o(σ0^{q−1}) by ×2 (ratio 0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: hidden constant multiplying every order's formula
DEFAULT_C: float = 1.0
#: polylog(n) := (log n)^k for tilde orders
DEFAULT_K: float = 1.0
#: factor separating "comparable" from "much smaller/larger" (see module docstring)
DEFAULT_RHO: float = 4.0

ORDER_KINDS = ("Theta", "O", "Omega", "o", "omega")
#: rule text per kind, in terms of r = lhs/(c·x)
RULE_TEXT = {
    "Theta": "1/ρ <= r <= ρ",
    "O": "r <= ρ",
    "Omega": "r >= 1/ρ",
    "o": "r <= 1/ρ",
    "omega": "r >= ρ",
}


def check_slack(c: float, k: float, rho: float) -> None:
    """Raise ValueError naming the parameter if ``c``, ``k`` or ``rho`` is out of range.

    Rules: c > 0 and finite; k >= 0 and finite; rho >= 1 and finite (ρ < 1 would make
    o(x) stricter than ω(x) is loose, i.e. the two would overlap).
    """
    for name, val, ok, rule in (
        ("c", c, lambda x: x > 0, "c > 0"),
        ("k", k, lambda x: x >= 0, "k >= 0"),
        ("rho", rho, lambda x: x >= 1, "rho >= 1"),
    ):
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val) or not ok(val):
            raise ValueError(f"{name} must be a finite number with {rule}, got {val!r}")


def interval(kind: str, scale: float, rho: float = DEFAULT_RHO) -> tuple[float | None, float | None]:
    """Admissible lhs interval (lo, hi) for ``lhs = kind(x)`` with ``scale`` = c·x.

    ``None`` means unbounded on that side.  Raises ValueError for an unknown kind or a
    non-positive scale.
    """
    if kind not in ORDER_KINDS:
        raise ValueError(f"kind must be one of {ORDER_KINDS}, got {kind!r}")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale c·x must be a finite number > 0, got {scale!r}")
    return {
        "Theta": (scale / rho, scale * rho),
        "O": (None, scale * rho),
        "Omega": (scale / rho, None),
        "o": (None, scale / rho),
        "omega": (scale * rho, None),
    }[kind]


@dataclass(frozen=True)
class Judgement:
    """Outcome of one relation under the convention.

    ``ratio`` = r = lhs/(c·x); ``lo``/``hi`` = the admissible lhs interval (None: open);
    ``side`` = "above" / "below" when it fails (lhs above hi / below lo), else None;
    ``miss_factor`` = max(lhs/hi, lo/lhs, 1).
    """

    ratio: float
    holds: bool
    miss_factor: float
    side: str | None
    lo: float | None
    hi: float | None
    rule: str


def miss(lhs: float, lo: float | None, hi: float | None) -> tuple[bool, float, str | None]:
    """(holds, miss factor, side) of ``lhs`` against the closed interval [lo, hi]."""
    if hi is not None and lhs > hi:
        return False, (lhs / hi if hi > 0 else math.inf), "above"
    if lo is not None and lhs < lo:
        return False, (lo / lhs if lhs > 0 else math.inf), "below"
    return True, 1.0, None


def judge(kind: str, lhs: float, scale: float, rho: float = DEFAULT_RHO) -> Judgement:
    """Apply the convention to ``lhs = kind(x)`` with ``scale`` = c·x (polylog included).

    An order that is not positive at the given values (e.g. log(1/ε) with ε >= 1, far
    outside the asymptotic regime) is read literally: a lower bound (Ω, ω) below a
    positive lhs holds, an upper bound (O, o, Θ) fails with an infinite miss factor.
    """
    if kind in ORDER_KINDS and math.isfinite(scale) and scale <= 0:
        lower = kind in ("Omega", "omega")
        bound = scale / rho if kind == "Omega" else scale * rho if kind == "omega" else scale
        holds = lower and lhs >= bound
        rule = f"order c·x = {scale:g} <= 0 here: read literally ({'lower' if lower else 'upper'} bound)"
        return Judgement(
            lhs / scale if scale else math.inf,
            holds,
            1.0 if holds else math.inf,
            None if holds else ("below" if lower else "above"),
            bound if lower else None,
            None if lower else bound,
            rule,
        )
    lo, hi = interval(kind, scale, rho)
    holds, factor, side = miss(lhs, lo, hi)
    return Judgement(lhs / scale, holds, factor, side, lo, hi, f"{RULE_TEXT[kind]} with r = lhs/(c·x), ρ = {rho:g}")
