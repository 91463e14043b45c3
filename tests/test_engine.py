"""The engine under concurrency and faults: executors agree bit for bit, Dask distributed runs and
survives a killed worker, an interrupted or killed client resumes without losing or duplicating a
run, workers die with their parent, two sweeps share one store, and a store that is not ours is
refused untouched."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from simulations import preset
from theorycheck import Session, Store
from theorycheck.cli import main

distributed = pytest.importorskip("distributed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def same(a, b) -> None:
    """Two RunResults are bit-identical (finals and every trajectory)."""
    assert a.status == b.status and a.final.keys() == b.final.keys()
    for k in a.final:
        assert np.array_equal(a.final[k], b.final[k], equal_nan=True), k
    for k in a.trajectory:
        assert np.array_equal(a.trajectory[k], b.trajectory[k], equal_nan=True), k


def configs(n: int, epochs: int = 3):
    """n configs with distinct shapes (one batch each)."""
    return [preset("tiny", epochs=epochs + i, seed=i % 2, B=2 if i % 3 else 20) for i in range(n)]


def cli(args):
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.Popen(
        [sys.executable, "-m", "theorycheck", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # a shell that starts a job with `&` (CI under nohup) has SIGINT ignored, and a child
        # inherits that: give the CLI the SIGINT a user's terminal would deliver
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def children(pid: int) -> set[int]:
    """Every live descendant of pid (read from /proc)."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parent[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, frontier = set(), {pid}
    while frontier:
        frontier = {c for c, p in parent.items() if p in frontier} - out
        out |= frontier
    return out


def alive(pids: set[int]) -> set[int]:
    out = set()
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    out.add(p)
        except OSError:
            pass
    return out


def wait_for(cond, timeout: float, step: float = 0.2) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def stored(path) -> int:
    if not os.path.exists(path):
        return 0
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


# ---- Dask distributed ------------------------------------------------------------------------------
def test_dask_in_process_cluster_is_bit_identical_to_inline(tmp_path):
    cfgs = configs(4)
    inline = Session(None, executor="inline").run(cfgs)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as lc:
        with distributed.Client(lc) as client:
            store = Store(str(tmp_path / "s.sqlite"))
            runs = Session(store, executor=client).run(cfgs)
    assert runs.stats.computed == 4 and store.count() == 4
    for c in cfgs:
        same(inline[c], runs[c])


def test_dask_worker_processes_survive_a_killed_worker(tmp_path):
    """Two worker processes; one is SIGKILLed mid-sweep. Dask reschedules its batch: every run
    arrives once, equal bit for bit to the inline result, and the store holds each run once."""
    cfgs = configs(6, epochs=40)
    inline = Session(None, executor="inline").run(cfgs)
    path = str(tmp_path / "s.sqlite")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        with distributed.Client(lc) as client:
            out = {}
            t = threading.Thread(target=lambda: out.update(runs=Session(Store(path), executor=client).run(cfgs)))
            t.start()
            assert wait_for(lambda: stored(path) >= 1, 120)
            pids = client.run(os.getpid)
            os.kill(next(iter(pids.values())), signal.SIGKILL)
            t.join(300)
            assert not t.is_alive()
    runs = out["runs"]
    assert runs.stats.computed == 6 and stored(path) == 6
    for c in cfgs:
        same(inline[c], runs[c])


SWEEP = [
    "sweep",
    "--preset",
    "tiny",
    # one batch per value: a shape field other than the length (runs that differ only in epochs
    # share one trajectory and one batch)
    "--grid",
    "n_test=" + ",".join(str(e) for e in range(200, 208)),
    "--set",
    "epochs=64",
    "--seeds",
    "0",
    "--quiet",
]


@pytest.mark.parametrize(
    "executor",
    [["--executor", "dask", "--workers", "2"], ["--executor", "process", "--workers", "2"]],
    ids=["dask", "process"],
)
def test_killed_client_leaves_no_orphans_and_resumes(executor, tmp_path):
    """SIGKILL the client mid-sweep: its workers die with it; rerunning stores the rest, each run once."""
    path = str(tmp_path / "s.sqlite")
    p = cli(SWEEP + executor + ["--store", path])
    assert wait_for(lambda: stored(path) >= 1, 180), p.stderr.read() if p.poll() is not None else "no batch stored"
    kids = children(p.pid)
    assert kids, "the sweep should have worker processes"
    os.kill(p.pid, signal.SIGKILL)
    p.wait(30)
    assert wait_for(lambda: not alive(kids), 15), f"orphans: {alive(kids)}"
    done = stored(path)
    assert 1 <= done < 8
    q = cli(SWEEP + ["--inline", "--store", path, "--json"])
    out, err = q.communicate(timeout=300)
    assert q.returncode == 0, err
    import json

    doc = json.loads(out)
    assert doc["cached"] == done and doc["computed"] == 8 - done and stored(path) == 8


def test_sigterm_is_an_interrupt(tmp_path):
    path = str(tmp_path / "s.sqlite")
    p = cli(SWEEP + ["--executor", "process", "--workers", "2", "--store", path])
    assert wait_for(lambda: stored(path) >= 1, 180)
    kids = children(p.pid)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "interrupted" in err and "stored" in err
    assert wait_for(lambda: not alive(kids), 15), f"orphans: {alive(kids)}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupt_counts_the_runs_kept(sig, tmp_path):
    """Killed after some batches were stored, the message's count is the store's count."""
    path = str(tmp_path / "s.sqlite")
    grid = "n_test=" + ",".join(str(e) for e in range(200, 240))  # one batch per value
    args = ["sweep", "--preset", "tiny", "--grid", grid, "--set", "epochs=420", "--seeds", "0", "--inline", "--quiet"]
    p = cli(args + ["--store", path])
    assert wait_for(lambda: stored(path) >= 2, 240)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    match = re.search(r"interrupted: (\d+) of the 40 runs to compute finished and are stored", err)
    assert match, err
    assert int(match.group(1)) == stored(path) >= 2
    assert "Traceback" not in err and "nothing was stored" not in err


def test_a_store_locked_past_the_timeout_is_exit_4(tmp_path, capsys, monkeypatch):
    """Reading takes no write lock (a held write lock does not block it); a write that waits past
    the busy timeout is a clear error with exit 4, the batches before it kept."""
    from theorycheck.engine import store as store_mod

    path = str(tmp_path / "s.sqlite")
    c = preset("tiny", epochs=1)
    Session(Store(path), executor="inline").run([c])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        t0 = time.perf_counter()
        assert Store(path, timeout=0.2).get(c) is not None  # reads do not wait for it
        assert time.perf_counter() - t0 < 5
        monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.2)
        with pytest.raises(SystemExit) as e:
            main(["sweep", "--preset", "tiny", "--grid", "epochs=2", "--seeds", "0", "--inline", "--store", path])
        err = capsys.readouterr().err
        assert e.value.code == 4 and "locked" in err and "Traceback" not in err, err
    finally:
        holder.rollback()
        holder.close()
    assert stored(path) == 1


def test_reading_a_store_writes_nothing(tmp_path):
    """Opening and reading a closed WAL store leaves the file byte for byte and no -wal or -shm."""
    path = str(tmp_path / "s.sqlite")
    c = preset("tiny", epochs=1)
    s = Store(path)
    Session(s, executor="inline").run([c])
    s.close()
    before = digest(path)
    r = Store(path)
    r.validate()
    assert r.get(c) is not None and r.count() == 1 and len(r.records()) == 1
    Session(r, executor="inline").run([c])  # all cached: nothing to write
    r.close()
    assert digest(path) == before and sorted(os.listdir(tmp_path)) == ["s.sqlite"]


def _torch_free_simulations() -> bool:
    code = "import sys, simulations; sys.exit('torch' in sys.modules)"
    return (
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}).returncode == 0
    )


@pytest.mark.parametrize(
    "args,code",
    [(["--version"], 0), (["--help"], 0), (["check", "--help"], 0), (["check", "thm4.2", "--seeds", "x"], 2)],
    ids=["version", "help", "check-help", "bad-input"],
)
def test_arguments_are_parsed_before_torch_is_imported(args, code, tmp_path):
    if not _torch_free_simulations():
        pytest.skip("`import simulations` still imports torch")
    prog = (
        "import sys\nfrom theorycheck.cli import main\nrc = 0\n"
        f"try:\n    main({args!r})\nexcept SystemExit as e:\n    rc = e.code or 0\n"
        "sys.exit(100 + rc if 'torch' in sys.modules else rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", prog], cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT}, capture_output=True
    )
    assert out.returncode == code, (out.returncode, out.stderr[-2000:])


def test_two_concurrent_sweeps_share_one_store(tmp_path):
    """Both finish; overlapping runs are stored once; no 'database is locked'."""
    path = str(tmp_path / "s.sqlite")
    a = cli(
        [
            "sweep",
            "--preset",
            "tiny",
            "--grid",
            "epochs=" + ",".join(map(str, range(5, 25))),
            "--seeds",
            "0",
            "--quiet",
            "--store",
            path,
        ]
    )
    b = cli(
        [
            "sweep",
            "--preset",
            "tiny",
            "--grid",
            "epochs=" + ",".join(map(str, range(15, 35))),
            "--seeds",
            "0",
            "--quiet",
            "--store",
            path,
        ]
    )
    outs = [x.communicate(timeout=300) for x in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    assert not any("locked" in e for _, e in outs)
    assert stored(path) == 30


# ---- stores that are not ours --------------------------------------------------------------------
def digest(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def foreign(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    con.commit()
    con.close()


def garbage(path):
    with open(path, "wb") as fh:
        fh.write(b"\x00garbage, not a database\xff" * 100)


def corrupt(path):
    s = Store(path)
    Session(s, executor="inline").run([preset("tiny", epochs=1)])
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    for ext in ("-wal", "-shm"):
        if os.path.exists(path + ext):
            os.remove(path + ext)
    with open(path, "r+b") as fh:  # keep the SQLite magic, wreck the schema page
        fh.seek(100)
        fh.write(b"\xff" * 2000)


@pytest.mark.parametrize("make", [foreign, garbage, corrupt], ids=["foreign-schema", "garbage", "corrupt"])
def test_a_store_that_is_not_ours_is_refused_untouched(make, tmp_path, capsys):
    path = str(tmp_path / "x.db")
    make(path)
    before = digest(path)
    with pytest.raises(SystemExit) as e:
        main(["sweep", "--preset", "tiny", "--grid", "B=2", "--seeds", "0", "--set", "epochs=1", "--store", path])
    assert e.value.code == 2 and "'store'" in capsys.readouterr().err
    assert digest(path) == before


def test_a_first_release_store_is_migrated(tmp_path):
    """Schema 1 (the same runs table, no meta table) is stamped and read as is."""
    path = str(tmp_path / "old.sqlite")
    c = preset("tiny", epochs=2)
    Session(Store(path), executor="inline").run([c])
    con = sqlite3.connect(path)
    con.execute("DROP TABLE meta")
    con.commit()
    con.close()
    s = Store(path)
    assert s.get(c) is not None and s.count() == 1
    Session(s, executor="inline").run([preset("tiny", epochs=1)])  # the first write stamps it
    assert (
        dict(sqlite3.connect(path).execute("SELECT name, value FROM meta").fetchall())["schema"] == "theorycheck-runs"
    )


def test_each_row_records_its_split_and_a_schema_2_store_gains_the_column(tmp_path):
    """A run's float32 bits can depend on the runs trained beside it and on the thread count, so each
    row keeps threads, max_batch and its batch's size. A store written before the column reads as is
    (split None) and gains the column on its first write."""
    path = str(tmp_path / "s.sqlite")
    c = preset("tiny", epochs=2)
    Session(Store(path), executor="inline", threads=1, max_batch=7).run([c, c.replace(seed=1)])
    assert [r.split for r in Store(path).records()] == [{"threads": 1, "max_batch": 7, "batch_runs": 2}] * 2
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE runs DROP COLUMN split")
    con.execute("UPDATE meta SET value = '2' WHERE name = 'version'")
    con.commit()
    con.close()
    old = Store(path)
    assert [r.split for r in old.records()] == [None, None] and old.get(c) is not None
    Session(old, executor="inline", threads=1).run([c.replace(seed=2)])
    splits = {r.seed: r.split for r in Store(path).records()}
    assert splits == {0: None, 1: None, 2: {"threads": 1, "max_batch": 32, "batch_runs": 1}}


@pytest.mark.parametrize("executor", ["process"])
def test_a_plain_script_needs_no_main_guard(executor, tmp_path):
    """Local worker processes do not re-run the calling script: no `if __name__ == '__main__':` needed."""
    script = tmp_path / "plain.py"
    script.write_text(
        "from simulations import preset\n"
        "from theorycheck import Session\n"
        "print('script body')\n"
        "cfgs = [preset('smoke', epochs=2, seed=s, B=b) for s in (0, 1) for b in (2, 20)]\n"
        f"print('computed', Session(None, executor={executor!r}, workers=2).run(cfgs).stats.computed)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("script body") == 1 and "computed 4" in out.stdout


def test_memory_is_checked_before_anything_runs():
    """A batch whose estimated peak exceeds the available memory is refused up front, naming the
    size field that matters most; a batch that fits passes."""
    from simulations import ConfigError, estimate_bytes, preset
    from theorycheck.engine.session import check_memory

    big = [preset("tiny", n_test=10**7, seed=s, optimizer="adam", lam=1e-4, B=2) for s in range(2)]
    need = estimate_bytes(big)
    check_memory([big], 1, available=need + 1)
    with pytest.raises(ConfigError) as e:
        check_memory([big], 1, available=need - 1)
    assert e.value.param == "n_test" and "GiB" in str(e.value)
    with pytest.raises(ConfigError):  # two batches in flight at once need twice the memory
        check_memory([big, big], 2, available=need + 1)


def test_the_compiled_gradient_path_matches_the_eager_one_and_has_its_own_key():
    """compile=True gathers by embedding_bag and compiles only the per-sample head
    (model.grad_parts_bag): the same gradient as `grad_parts` to rounding in float64. Its runs are
    stored under their own numerics version; eager runs keep the key they had."""
    import torch

    import simulations
    from simulations import model as Mo
    from simulations import preset
    from theorycheck.engine.store import config_key

    torch.manual_seed(0)
    K, m, d, b, s = 3, 4, 50, 2, 6
    W = torch.randn(K, d, 2, m, dtype=torch.float64).permute(0, 2, 3, 1) * 0.3
    y = torch.tensor([[1.0, -1.0]] * K, dtype=torch.float64)
    idx = torch.stack([torch.randperm(d - 1)[: b * s].view(b, s) + 1 for _ in range(K)])
    val = torch.randn(K, b, s, dtype=torch.float64)
    want, got = Mo.grad_parts(W, y, idx, val, 0.2, 3.0), Mo.grad_parts_bag(W, y, idx, val, 0.2, 3.0)
    for a, c in zip(want, got):
        torch.testing.assert_close(c, a, rtol=1e-12, atol=1e-15)
    # large batches: the forward from embedding_bag, the backward the dense matmul
    from simulations.data import dense_noise

    xi = dense_noise(y, idx, val, 0.2, d)
    inner = Mo.inner_products_bag(W, y, idx, val, 0.2)
    for a, c in zip(Mo.loss_and_grad_dense(W, y, xi, 3.0), Mo.loss_and_grad_dense(W, y, xi, 3.0, inner=inner)):
        torch.testing.assert_close(c, a, rtol=1e-12, atol=1e-15)
    eager = preset("tiny")
    assert eager.numerics_version == f"sim.{simulations.NUMERICS_VERSION}"
    compiled = eager.replace(compile=True)
    assert compiled.numerics_version == f"sim.{simulations.NUMERICS_VERSION}+compiled.{simulations.COMPILED_VERSION}"
    assert config_key(eager) == config_key(eager, version=f"sim.{simulations.NUMERICS_VERSION}")
    assert config_key(compiled) != config_key(compiled, version=f"sim.{simulations.NUMERICS_VERSION}")
