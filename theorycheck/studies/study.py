"""A study: named groups of plans that run together and come back grouped, with the command
line that reproduces it.

Commands that run more than one kind of plan (reproduce: the cells, one audit per preset and
reading, one comparison per preset; mechanism; figures: the grid and the cells) build a `Study`.
The session runs every plan of every group at once (so shared configs run once and batch
together); `Study.regroup` hands the judgements back by group name, by position, never by plan
id, so two groups may hold plans with equal ids without one standing in for the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine.plan import Plan

if TYPE_CHECKING:
    from ..judge.verdicts import Judgement


@dataclass(frozen=True)
class Study:
    name: str
    groups: Mapping[str, tuple[Plan, ...]]
    command: str

    def __post_init__(self) -> None:
        for g, plans in self.groups.items():
            ids = [p.id for p in plans]
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:  # a group's plans are told apart by id in reports and JSON
                raise ValueError(f"study {self.name!r}, group {g!r}: plan ids repeat: {dup[:3]}")

    @property
    def plans(self) -> list[Plan]:
        return [p for ps in self.groups.values() for p in ps]

    def regroup(self, judgements: Sequence[Judgement]) -> dict[str, list[Judgement]]:
        """The judgements of `plans` (in that order) split back into the study's groups."""
        if len(judgements) != len(self.plans):
            raise ValueError(f"study {self.name!r}: {len(judgements)} judgements for {len(self.plans)} plans")
        out, i = {}, 0
        for g, ps in self.groups.items():
            out[g] = list(judgements[i : i + len(ps)])
            i += len(ps)
        return out


def flag(name: str, value: object, default: object) -> str:
    """' --name value' for a command line, or '' when the value is the default."""
    if value == default or value is None:
        return ""
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return f" --{name} {text!r}" if any(ch in text for ch in " ,'\"") else f" --{name} {text}"
