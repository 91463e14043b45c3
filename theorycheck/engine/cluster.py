"""Dask distributed as an executor (optional extra: pip install 'theorycheck[distributed]').

    --executor dask                 a LocalCluster sized to this machine
    --executor dask://HOST:PORT     a running scheduler (or set THEORYCHECK_DASK_SCHEDULER)
    Session(executor=client)        from Python, any dask.distributed.Client

The unit of work is one shape-batched group of runs, as everywhere else. Workers only compute;
results come back to the client, which alone writes the SQLite store as each batch arrives,
so the store keeps a single writer. A task whose worker dies is rescheduled by Dask; since
a batch is written once, when its result arrives, no run is lost or stored twice.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from simulations import Config, ConfigError

from .executors import Done, Progress, cpu_count, die_with_parent, main_module_hidden, train_batch

ENV_SCHEDULER = "THEORYCHECK_DASK_SCHEDULER"
CONNECT_TIMEOUT_S = 3.0  # a scheduler address is reached with this timeout before anything runs


def parse_address(spec: str) -> tuple[str, int]:
    """'dask://HOST:PORT' (or 'tcp://HOST:PORT') -> (host, port); ConfigError('executor') otherwise."""
    address = spec.split("://", 1)[1] if "://" in spec else spec
    host, sep, port = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port:
        raise ConfigError("executor", f"expected dask://HOST:PORT, got {spec!r}")
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise ConfigError("executor", f"the port of {spec!r} must be an integer in [1, 65535]")
    return host, int(port)


def reach(spec: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Open (and close) a TCP connection to the scheduler of `spec`; ConfigError('executor') if it fails."""
    host, port = parse_address(spec)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except (OSError, UnicodeError) as e:
        raise ConfigError(
            "executor",
            f"no Dask scheduler answers at {host}:{port} within {timeout:g} s ({getattr(e, 'strerror', None) or e})",
        ) from None


def _task(cfg_dicts: list[dict], threads: int | None) -> tuple[list, float]:
    """Runs on a Dask worker: one batch, with `threads` torch threads."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    return train_batch(cfg_dicts)


def is_client(obj: Any) -> bool:
    return type(obj).__name__ == "Client" and type(obj).__module__.startswith("distributed")


class DaskExecutor:
    """Run batches on a Dask cluster: a Client, a scheduler address, or a LocalCluster started here."""

    name = "dask"

    def __init__(self, target: Any = None, workers: int | None = None, threads: int | None = 1):
        self.target, self.workers, self.threads = target, workers, threads

    @staticmethod
    def available() -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError(
                "executor", "dask needs the 'distributed' extra: pip install 'theorycheck[distributed]'"
            ) from None

    def _client(self) -> tuple[Any, Any]:
        """(client, cluster or None): the cluster is ours to close when we started it."""
        self.available()
        from distributed import Client, LocalCluster

        if is_client(self.target):
            return self.target, None
        address = self.target or os.environ.get(ENV_SCHEDULER)
        if address:
            reach(address)
            return Client(address, timeout="20s"), None
        threads = self.threads or 1
        n = self.workers if self.workers and self.workers > 1 else max(1, cpu_count() // threads)
        with main_module_hidden():  # a plain script needs no __main__ guard (workers started here)
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        # our workers must not outlive this process (a SIGKILLed client included)
        client.run(die_with_parent)
        return client, cluster

    def run(self, batches: list[list[Config]], done: Done, progress: Progress | None, total: int) -> None:
        from distributed import as_completed

        client, cluster = self._client()
        own_client = client is not self.target
        try:
            futs = {}
            for b in batches:
                f = client.submit(_task, [c.to_dict() for c in b], self.threads, pure=False, retries=2)
                futs[f] = b
            for f in as_completed(list(futs)):
                res, wall = f.result()
                done(res, wall)
                if progress is not None:
                    progress(sum(c.steps for c in futs[f]), total)
        except BaseException:
            for f in futs:
                f.cancel()
            raise
        finally:
            if own_client:
                client.close()
            if cluster is not None:
                cluster.close()


def parse(spec: str, workers: int, threads: int | None) -> DaskExecutor:
    """'dask' or 'dask://HOST:PORT' -> a DaskExecutor, validated: the extra is installed and a
    scheduler address is well formed and answers within CONNECT_TIMEOUT_S (also for
    THEORYCHECK_DASK_SCHEDULER when 'dask' is given)."""
    if spec == "dask":
        env = os.environ.get(ENV_SCHEDULER)
        if env:
            reach(env)
        DaskExecutor.available()
        return DaskExecutor(None, workers, threads)
    reach(spec)
    DaskExecutor.available()
    return DaskExecutor("tcp://" + spec.split("://", 1)[1], workers, threads)
