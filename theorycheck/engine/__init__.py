"""The engine: plans of runs, the session that executes them, the results store, executors."""

from .build import arm_configs, base_config, make_context
from .plan import Arm, Context, Plan, all_configs
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
    "arm_configs",
    "base_config",
    "config_key",
    "default_store_path",
    "make_context",
    "make_executor",
    "plan_batches",
]
