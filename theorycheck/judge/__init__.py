"""Judging: tolerances and the verdict vocabulary, shared claim builders, gating, the judge."""

from .claims import at_least, at_most, feature, final, generalization_claims, memorization_claims, slope, within
from .gating import bounds_values, gating_hypotheses
from .judge import judge, judge_all
from .verdicts import (
    EXIT_CODES,
    SEVERITY,
    VERDICTS,
    Claim,
    Hypothesis,
    Judgement,
    Tolerances,
    decide,
    jsonable,
    worst,
)

__all__ = [
    "EXIT_CODES",
    "SEVERITY",
    "VERDICTS",
    "Claim",
    "Hypothesis",
    "Judgement",
    "Tolerances",
    "at_least",
    "at_most",
    "bounds_values",
    "decide",
    "feature",
    "final",
    "gating_hypotheses",
    "generalization_claims",
    "jsonable",
    "judge",
    "judge_all",
    "memorization_claims",
    "slope",
    "within",
    "worst",
]
