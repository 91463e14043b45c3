"""The critical batch size B*: where the test error at convergence goes from ≤ δ (generalizes)
to ≥ 1/2 − δ (memorizes) as B grows, located on the divisors of n (B must divide n).

`DivisorBisection` is the bookkeeping, like studies.search.Bisection but on the lattice of
divisors: it never runs anything. It first probes both ends of the lattice, then, each round,
the middle divisor of every stretch of unprobed divisors between the largest B that generalizes
and the smallest B that memorizes (an end of the lattice where neither has been seen). A probe that reads neither ('between', 'mixed', 'stuck', or
not converged) is kept as such, never forced to a side: the stretches on both sides of it are
probed next. The result is the bracket (B_lo, B_hi) of adjacent probed divisors that carries the
transition, its width (B_hi/B_lo, carried into a fit as the scaling fitter does for continuous
brackets), and the in-between divisors inside it:

    s = DivisorBisection(100, lo=2)
    while (probes := s.propose()):      # [B, ...]
        s.observe({B: "G" | "M" | "U"})  # generalizes, memorizes, undecided
    s.result()                           # BStar

`batch_transition` runs the search through one Session (the store: a rerun computes nothing),
each probe being a phase-diagram cell (studies.phase) of one optimizer at one λ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulations import ConfigError

from ..judge.judge import judge_all
from .phase import OPTIMIZERS, cell_outcome, divisors, outcome, phase_plans

if TYPE_CHECKING:
    from ..judge.verdicts import Judgement, Tolerances

READS = ("G", "M", "U")


@dataclass(frozen=True)
class BStar:
    status: str  # 'found', 'above' (every probe generalizes), 'below' (none does), 'noisy', 'open'
    lo: int | None  # the largest probed B that generalizes below the transition
    hi: int | None  # the smallest probed B that memorizes above it
    between: tuple[int, ...] = ()  # probed divisors inside (lo, hi) that read neither
    probes: Mapping[int, str] = field(default_factory=dict)

    @property
    def width(self) -> float:
        """hi / lo: the bracket's width on the lattice (inf when one side is missing)."""
        return self.hi / self.lo if self.lo and self.hi else math.inf

    @property
    def estimate(self) -> float:
        """The geometric middle of the bracket (NaN unless found)."""
        return math.sqrt(self.lo * self.hi) if self.status == "found" and self.lo and self.hi else math.nan


class DivisorBisection:
    def __init__(self, n: int, lo: int = 2, hi: int | None = None, rounds: int = 8):
        self.lattice = [b for b in divisors(n) if lo <= b <= (hi or n)]
        if len(self.lattice) < 2:
            raise ConfigError("n", f"needs at least two divisors of n={n} in [{lo}, {hi or n}]")
        if rounds < 1:
            raise ConfigError("rounds", f"must be >= 1, got {rounds}")
        self.rounds, self.round = rounds, 0
        self.seen: dict[int, str] = {}  # lattice index -> 'G' | 'M' | 'U'

    def _zone(self) -> tuple[int, int] | None:
        """(g, m): the largest index that generalizes and the smallest that memorizes (-1 / len for none)."""
        g = max((i for i, r in self.seen.items() if r == "G"), default=-1)
        m = min((i for i, r in self.seen.items() if r == "M"), default=len(self.lattice))
        return (g, m) if g < m else None

    def propose(self) -> list[int]:
        if self.round == 0:
            return [self.lattice[0], self.lattice[-1]]
        zone = self._zone()
        if zone is None or self.round >= self.rounds:
            return []
        g, m = zone
        # the stretch to search: from the largest B that generalizes (else the lattice's first, read
        # otherwise) to the smallest that memorizes (else the lattice's last): an end that reads
        # neither does not stop the search
        g, m = max(g, 0), min(m, len(self.lattice) - 1)
        out, run = [], []
        for i in range(g + 1, m + 1):
            if i < m and i not in self.seen:
                run.append(i)
            elif run:
                out.append(self.lattice[run[len(run) // 2]])
                run = []
        return out

    def observe(self, reads: Mapping[int, str]) -> None:
        for B, r in reads.items():
            if r not in READS:
                raise ValueError(f"a read must be one of {READS}, got {r!r}")
            self.seen[self.lattice.index(B)] = r
        self.round += 1

    def result(self) -> BStar:
        probes = {self.lattice[i]: r for i, r in sorted(self.seen.items())}
        zone = self._zone()
        if zone is None:
            g = max(i for i, r in self.seen.items() if r == "G")
            m = min(i for i, r in self.seen.items() if r == "M")
            return BStar("noisy", self.lattice[m], self.lattice[g], (), probes)
        g, m = zone
        lo = self.lattice[g] if g >= 0 else None
        hi = self.lattice[m] if m < len(self.lattice) else None
        if lo is None:
            return BStar("below", None, hi, (), probes)
        if hi is None:
            return BStar("above", lo, None, (), probes)
        between = tuple(self.lattice[i] for i in range(g + 1, m) if i in self.seen)
        done = all(i in self.seen for i in range(g + 1, m))
        return BStar("found" if done else "open", lo, hi, between, probes)


def read(j: Judgement, tol: Tolerances) -> str:
    """A phase cell's read for the search: 'G'/'M' when it converged and every seed agrees, else 'U'."""
    runs = j.evidence["point"]
    conv = [h.holds for h in j.hypotheses if h.name == "[point] converged"]
    if not conv or not all(conv):
        return "U"
    base = runs[0].config
    o = cell_outcome([outcome(r, base, tol) for r in runs])
    return {"generalizes": "G", "memorizes": "M"}.get(o, "U")


def batch_transition(
    session: Any,
    optimizer: str,
    lam: float,
    preset_name: str = "smoke",
    overrides: dict | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    tol: Tolerances | None = None,
    lo: int = 2,
    rounds: int = 8,
) -> tuple[BStar, list[Judgement]]:
    """B* of one optimizer at one λ, by DivisorBisection over the divisors of n, each probe a
    phase-diagram cell (the same configs as `theorycheck phase`, so the store shares them)."""
    if optimizer not in OPTIMIZERS:
        raise ConfigError("optimizer", f"must be one of {OPTIMIZERS}, got {optimizer!r}")
    first = phase_plans(preset_name, overrides, seeds, [lo], [lam], tol)  # validates the request
    base, tol = first[0].context.base, first[0].context.tol
    s = DivisorBisection(base.n, lo=lo, rounds=rounds)
    judged: list[Judgement] = []
    while probes := s.propose():
        plans = [
            p
            for p in phase_plans(preset_name, overrides, seeds, probes, [lam], tol)
            if p.meta["optimizer"] == optimizer
        ]
        js = judge_all(plans, session.run(plans))
        judged += js
        s.observe({j.meta["B"]: read(j, tol) for j in js})
    return s.result(), judged
