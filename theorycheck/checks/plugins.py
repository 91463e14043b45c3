"""Checks from other distributions: the `theorycheck.checks` entry-point group.

A plugin distribution declares, in its pyproject.toml,

    [project.entry-points."theorycheck.checks"]
    mycheck = "my_package.my_check"          # a module that calls theorycheck.register(...)

and `theorycheck list` / `theorycheck check` find it once it is installed. Loading the module
registers its checks, as the package's own check modules do; an entry point may also name a
`Check` object directly. A plugin that fails to import is reported by name, never ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from importlib.metadata import entry_points
from typing import Any

from simulations import ConfigError

GROUP = "theorycheck.checks"


def load_plugins(register: Callable[[Any], Any], known: Container[str]) -> list[str]:
    """Import every installed plugin's checks (an entry point naming a check object is passed to
    `register` unless its id is `known` already); return the entry-point names loaded."""
    names = []
    for ep in entry_points(group=GROUP):
        try:
            obj = ep.load()
        except Exception as e:  # a broken plugin must say so by name, not vanish
            raise ConfigError(
                "plugin", f"entry point {ep.name!r} ({ep.value}) of group {GROUP} failed to load: {e}"
            ) from e
        if hasattr(obj, "plan") and hasattr(obj, "id") and obj.id not in known:
            register(obj)
        names.append(ep.name)
    return names
