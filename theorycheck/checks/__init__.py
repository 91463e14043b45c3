"""One module per checkable result of the paper (thm*, cor*, lem*); each registers a `Check`."""

from .registry import DEFAULT_SEEDS, REGISTRY, ArmSpec, Check, get_check, load_all, register

__all__ = ["DEFAULT_SEEDS", "REGISTRY", "ArmSpec", "Check", "get_check", "load_all", "register"]
