"""Per-claim separation: does each claim tell the result's regime from its negative control?

A check's rule is applied twice, to the regime arms and to the control arms (the same rule, so
the i-th control claim is the i-th regime claim read on the control runs). A claim *separates*
when it passes on every seed of the regime arms and fails on every seed of the control. A claim
the control cannot make fail carries the check's stated reason (`Claim.not_separated`, e.g.
"train error is 0 in both regimes by design"); the judge then reads it as exempt, never as
separated. One separating claim no longer hides the others: a plan whose regime claims all
pass reads 'consistent' only when every claim separates or states why it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..vocab import Claim

NOT_SEPARATED = "not separated by the control: "


@dataclass(frozen=True)
class Separation:
    """The per-claim outcome: separating, exempt (with the check's reason) and unseparated claims."""

    separated: tuple[str, ...]
    exempt: tuple[tuple[str, str], ...]  # (claim, reason)
    unseparated: tuple[str, ...]  # claims that neither separate nor state a reason

    @property
    def ok(self) -> bool:
        """Every claim separates or states why not, and at least one separates."""
        return not self.unseparated and bool(self.separated)


def claim_separates(regime: Claim, control: Claim) -> bool:
    """Passes on every regime seed and fails on every control seed."""
    return bool(regime.passes) and all(regime.passes) and bool(control.passes) and not any(control.passes)


def separate(claims: list[Claim], controls: list[Claim]) -> Separation:
    """Mark each regime claim (and its control twin) with `separated`, and sum up.

    The rule returns the same claims in the same order on both sets of runs; a control claim
    that is missing counts as not separating."""
    sep: list[str] = []
    exempt: list[tuple[str, str]] = []
    unsep: list[str] = []
    for i, c in enumerate(claims):
        twin = controls[i] if i < len(controls) else None
        c.separated = twin is not None and claim_separates(c, twin)
        if twin is not None:
            twin.separated = c.separated
        if c.separated:
            sep.append(c.name)
        elif c.not_separated:
            exempt.append((c.name, c.not_separated))
        else:
            unsep.append(c.name)
    return Separation(tuple(sep), tuple(exempt), tuple(unsep))


def reason(s: Separation) -> str:
    """One line for a verdict's reason."""
    if s.unseparated:
        return "not separated by its negative control: " + ", ".join(s.unseparated) + " (it cannot fail here)"
    if not s.separated:
        return "no claim is separated by its negative control"
    n, total = len(s.separated), len(s.separated) + len(s.exempt)
    out = (
        "every claim fails on the negative control on every seed"
        if not s.exempt
        else f"{n} of {total} claims fail on the negative control on every seed"
    )
    if s.exempt:
        out += "; " + "; ".join(f"{name}: {NOT_SEPARATED}{why}" for name, why in s.exempt)
    return out
