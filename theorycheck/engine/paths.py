"""Output paths probed for real before anything runs (standard library only, so the CLI can
check its arguments before torch is imported). `os.access` says yes to root for /proc and
/dev/full; these probes create, or open, and remove, and leave nothing behind."""

from __future__ import annotations

import os
import tempfile

from simulations import ConfigError

DEFAULT_PATH = "results/theorycheck.sqlite"


def default_store_path() -> str:
    """THEORYCHECK_STORE if set (read at call time), else results/theorycheck.sqlite; set but
    empty is an error, not the default."""
    env = os.environ.get("THEORYCHECK_STORE")
    if env is None:
        return DEFAULT_PATH
    if not env.strip():
        raise ConfigError("THEORYCHECK_STORE", "is set but empty; unset it or give a file path")
    return env


def probe_dir(path: str, param: str) -> None:
    """Raise ConfigError(param) unless a file can really be created under `path` (the nearest
    existing ancestor is tried with a temporary file, removed at once: nothing is left behind)."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise ConfigError(param, f"cannot write under {path!r}: {probe!r} is not a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".theorycheck-probe-", dir=probe)
    except OSError as e:
        raise ConfigError(param, f"cannot write under {path!r}: {probe!r}: {e.strerror or e}") from None
    os.close(fd)
    os.remove(tmp)


def probe_file(path: str, param: str) -> None:
    """Raise ConfigError(param) unless `path` can be created or overwritten as a regular file.
    An existing file is opened for appending and closed unchanged; a new one is probed in its
    directory; devices, pipes and other non-regular files (e.g. /dev/full) are refused."""
    if not path or not path.strip():
        raise ConfigError(param, "is empty; give a file path")
    if os.path.isdir(path):
        raise ConfigError(param, f"{path!r} is a directory; give a file path")
    if os.path.exists(path):
        if not os.path.isfile(path):
            raise ConfigError(param, f"{path!r} is not a regular file")
        try:
            with open(path, "ab"):
                pass
        except OSError as e:
            raise ConfigError(param, f"{path!r} is not writable: {e.strerror or e}") from None
        return
    probe_dir(os.path.dirname(os.path.abspath(path)), param)
