"""Locating a transition in log space: a coarse grid, then bisection, for many series at once.

A *series* is one (ladder point, seed). Along a probe axis (e.g. λ) each series has an outcome
that is True below its transition and False above it (or the reverse, `rising=True`). The
search proposes probes for every unresolved series at once, so that one round is one batched
simulation; it is pure bookkeeping and never runs anything itself:

    s = Bisection(centers, span=100, grid=7, rounds=3)
    while (probes := s.propose()):          # {series: [probe values]}
        s.observe({(series, value): outcome ...})
    s.result(series)                       # (transition, lo, hi, status)

Status: 'found' (bracketed to within the last bisection), 'above' (no flip: every probe on the
low side, the transition lies above the grid), 'below' (likewise below), 'noisy' (the outcomes
flip more than once along the grid; the first flip is bisected and the count is reported).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Bracket:
    lo: float
    hi: float
    status: str = "open"  # 'open' | 'found' | 'above' | 'below'
    flips: int = 0

    @property
    def value(self) -> float:
        return math.sqrt(self.lo * self.hi)


class Bisection:
    def __init__(
        self,
        centers: Mapping[Any, float],
        span: float = 100.0,
        grid: int = 7,
        rounds: int = 3,
        rising: bool = False,
    ):
        """centers: a first guess per series; the grid spans [center/√span, center·√span] in log space."""
        if grid < 2 or span <= 1 or rounds < 0:
            raise ValueError("need grid >= 2, span > 1, rounds >= 0")
        self.centers, self.span, self.grid, self.rounds, self.rising = dict(centers), span, grid, rounds, rising
        self.round = 0
        self.brackets: dict[Hashable, Bracket] = {}
        self.outcomes: dict[Hashable, dict[float, bool]] = {k: {} for k in self.centers}

    def grid_for(self, key: Hashable) -> list[float]:
        c, h = self.centers[key], math.sqrt(self.span)
        return [c / h * (self.span ** (i / (self.grid - 1))) for i in range(self.grid)]

    def propose(self) -> dict[Any, list[float]]:
        """The probes of the next round (empty when the search is done)."""
        if self.round == 0:
            return {k: self.grid_for(k) for k in self.centers}
        if self.round > self.rounds:
            return {}
        return {k: [b.value] for k, b in self.brackets.items() if b.status == "open"}

    def observe(self, outcomes: Mapping[tuple[Hashable, float], bool]) -> None:
        """Outcomes of the proposed probes: {(series, probe value): below-the-transition?}."""
        for (k, v), o in outcomes.items():
            self.outcomes[k][v] = bool(o) != self.rising
        if self.round == 0:
            for k in self.centers:
                self.brackets[k] = self._initial(k)
        else:
            for k, b in self.brackets.items():
                if b.status == "open" and b.value in self.outcomes[k]:
                    mid = b.value
                    if self.outcomes[k][mid]:
                        b.lo = mid
                    else:
                        b.hi = mid
        self.round += 1
        if self.round > self.rounds:
            for b in self.brackets.values():
                if b.status == "open":
                    b.status = "found"

    def _initial(self, k: Hashable) -> Bracket:
        g = self.grid_for(k)
        obs = [self.outcomes[k][v] for v in g]
        flips = sum(1 for a, b in itertools.pairwise(obs) if a != b)
        if all(obs):
            return Bracket(g[-1], math.inf, "above", 0)
        if not any(obs):
            return Bracket(0.0, g[0], "below", 0)
        i = next((j for j in range(len(obs) - 1) if obs[j] and not obs[j + 1]), None)
        if i is None:  # the only flips go the wrong way (False -> True): treat as noise, bracket the last True
            j = max(j for j in range(len(obs)) if obs[j])
            i = j if j + 1 < len(obs) else j - 1
        return Bracket(g[i], g[i + 1], "open" if self.rounds else "found", flips)

    def result(self, k: Hashable) -> tuple[float, float, float, str]:
        """(transition estimate, bracket low, bracket high, status); NaN estimate unless found."""
        b = self.brackets[k]
        status = "noisy" if b.status == "found" and b.flips > 1 else b.status
        est = b.value if b.status == "found" else float("nan")
        return est, b.lo, b.hi, status

    def results(self) -> dict[Hashable, tuple[float, float, float, str]]:
        return {k: self.result(k) for k in self.centers}


def ladder(lo: float, hi: float, n: int, log: bool = True) -> list[float]:
    """n values from lo to hi, evenly spaced in log (default) or linear space."""
    if n < 2:
        return [lo]
    if log:
        return [lo * (hi / lo) ** (i / (n - 1)) for i in range(n)]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


MAX_LADDER = 32  # the most points a scaling ladder may have (a documented limit: `theorycheck scaling --help`)


def parse_ladder(name: str, text: str, log: bool = True, max_points: int = MAX_LADDER) -> list[float]:
    """'LO:HI:N' or 'v1,v2,...' -> ladder values, validated: at least 3 and at most `max_points`
    (default 32) distinct values, positive on a log ladder; a ConfigError names `name`."""
    from simulations import ConfigError

    t = text.strip()
    if not t:
        raise ConfigError(name, "an empty ladder: give LO:HI:N or V1,V2,...")
    try:
        if ":" in t:
            parts = t.split(":")
            if len(parts) != 3:
                raise ConfigError(name, f"expected LO:HI:N or v1,v2,..., got {text!r}")
            lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 3:
                raise ConfigError(name, f"a ladder needs at least 3 points, got N={n}")
            if n > max_points:
                raise ConfigError(name, f"a ladder has at most {max_points} points, got N={n}")
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ConfigError(name, f"LO and HI must be finite, got {text!r}")
            if not lo < hi:
                raise ConfigError(name, f"needs LO < HI, got {lo:g} >= {hi:g}")
            if log and lo <= 0:
                raise ConfigError(name, f"a log ladder needs positive values, got LO={lo:g}")
            vals = ladder(lo, hi, n, log)
        else:
            vals = [float(v) for v in t.split(",") if v.strip()]
            if len(vals) < 3:
                raise ConfigError(name, f"a ladder needs at least 3 points, got {len(vals)}")
            if len(vals) > max_points:
                raise ConfigError(name, f"a ladder has at most {max_points} points, got {len(vals)}")
            if not all(math.isfinite(v) for v in vals):
                raise ConfigError(name, "ladder values must be finite")
            if log and any(v <= 0 for v in vals):
                raise ConfigError(name, "a log ladder needs positive values")
            if len(set(vals)) != len(vals):
                raise ConfigError(name, "ladder values must be distinct")
    except ValueError as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(name, f"expected LO:HI:N or v1,v2,... of numbers, got {text!r}") from None
    return sorted(vals)
