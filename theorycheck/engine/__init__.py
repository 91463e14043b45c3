"""The engine: plans of runs, the session that executes them, the results store, executors."""

from .plan import Arm, Context, Plan, all_configs, seeded
from .session import EXECUTORS, Runs, Session, Stats, make_executor, plan_batches
from .store import DEFAULT_PATH, Record, Store, config_key, default_store_path

__all__ = [
    "DEFAULT_PATH",
    "EXECUTORS",
    "Arm",
    "Context",
    "Plan",
    "Record",
    "Runs",
    "Session",
    "Stats",
    "Store",
    "all_configs",
    "config_key",
    "default_store_path",
    "make_executor",
    "plan_batches",
    "seeded",
]
