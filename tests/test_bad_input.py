"""Every bad input gets exit 2, a message naming the parameter, and nothing written.

One table of cases, run through the CLI in a scratch folder: the folder (the store included) is
snapshotted before and after, byte for byte. Python-API bad inputs raise ConfigError naming the
parameter.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import sqlite3
import time

import pytest

from simulations import ConfigError
from theorycheck import Session, Store, Tolerances
from theorycheck.api import check, sweep
from theorycheck.cli import main

FILE = "afile.txt"  # a regular file: a path "under" it can never be created


def _foreign(d: pathlib.Path) -> None:
    con = sqlite3.connect(d / "foreign.db")
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.commit()
    con.close()


def _garbage(d: pathlib.Path) -> None:
    (d / "garbage.db").write_bytes(b"not a database at all" * 50)


def _dir(d: pathlib.Path) -> None:
    (d / "adir").mkdir()


_REAL: dict[str, bytes] = {}


def _real_store(d: pathlib.Path) -> None:
    """A real store at THEORYCHECK_STORE (one tiny run, WAL mode, closed): reading it must leave no -wal/-shm."""
    if "bytes" not in _REAL:
        from simulations import preset
        from theorycheck.engine.session import Session
        from theorycheck.engine.store import Store

        path = d.parent / "made.sqlite"
        s = Store(str(path))
        Session(s, executor="inline").run([preset("tiny", epochs=1)])
        s.close()
        _REAL["bytes"] = path.read_bytes()
        path.unlink()
    (d / "results").mkdir()
    (d / "results" / "s.sqlite").write_bytes(_REAL["bytes"])


def _truncated_store(d: pathlib.Path) -> None:
    _real_store(d)
    (d / "results" / "s.sqlite").write_bytes(_REAL["bytes"][:100])


MANY = ",".join(str(1e-6 * (i + 1)) for i in range(257))  # one value over MAX_VALUES


CASES = [
    # --set values: the Config's own rules, and coercion to the field's declared type
    (["check", "thm4.2", "--set", "B=3"], "B", None),
    (["check", "thm4.2", "--set", "q=2"], "q", None),
    (["check", "thm4.2", "--set", "q=abc"], "q", None),
    (["check", "thm4.2", "--set", "sigma_0=abc"], "sigma_0", None),
    (["check", "thm4.2", "--set", "n=abc"], "n", None),
    (["check", "thm4.2", "--set", "n=0"], "n", None),
    (["check", "thm4.2", "--set", "n=2.5"], "n", None),
    (["check", "thm4.2", "--set", "sigma_p=-1"], "sigma_p", None),
    (["check", "thm4.2", "--set", "beta1=1.5"], "beta1", None),
    (["check", "thm4.2", "--set", "nosuch=1"], "nosuch", None),
    (["check", "thm4.2", "--set", "balanced_train=maybe"], "balanced_train", None),
    (["check", "thm4.2", "--set", "compile=yesplease"], "compile", None),
    (["check", "thm4.2", "--set", "disjoint_supports=true", "--set", "s=100"], "disjoint_supports", None),
    (["check", "thm4.2", "--set", "lam=1", "--set", "lam=2"], "lam", None),
    # an override may not change what a check is about, nor set the seed
    (["check", "thm4.2", "--set", "optimizer=sgd"], "optimizer", None),
    (["check", "thm4.1", "--set", "B=2"], "B", None),
    (["check", "thm4.2", "--set", "seed=7"], "seed", None),
    # seeds, tolerances, result ids, execution
    (["check", "thm9.9"], "result", None),
    (["check"], "result_id", None),
    (["check", "thm4.2", "--seeds", "a,b"], "seeds", None),
    (["check", "thm4.2", "--seeds", "2**70"], "seeds", None),
    (["check", "thm4.2", "--seeds", str(2**70)], "seeds", None),
    (["check", "thm4.2", "--seeds", "-1"], "seeds", None),
    (["check", "thm4.2", "--seeds", "5-2"], "seeds", None),
    (["check", "thm4.2", "--tol", "delta=-1"], "delta", None),
    (["check", "thm4.2", "--tol", "rho=0"], "rho", None),
    (["check", "thm4.2", "--tol", "rho=0.5"], "rho", None),
    (["check", "thm4.2", "--tol", "theta=0"], "theta", None),
    (["check", "thm4.2", "--tol", "sign_good=2"], "sign_good", None),
    (["check", "thm4.2", "--tol", "nope=1"], "nope", None),
    (["check", "thm4.2", "--tol", "delta=abc"], "delta", None),
    (["check", "thm4.2", "--workers", "0"], "workers", None),
    (["check", "thm4.2", "--threads", "0"], "threads", None),
    (["check", "thm4.2", "--workers", "64", "--threads", "64"], "threads", None),
    (["check", "thm4.2", "--max-batch", "0"], "max-batch", None),
    (["check", "thm4.2", "--executor", "nope"], "executor", None),
    (["check", "thm4.2", "--executor", "dask://nohost"], "executor", None),
    # stores that cannot be ours, and outputs that cannot be written
    (["check", "thm4.2", "--store", "adir"], "store", _dir),
    (["check", "thm4.2", "--store", "garbage.db"], "store", _garbage),
    (["check", "thm4.2", "--store", "foreign.db"], "store", _foreign),
    (["check", "thm4.2", "--store", f"{FILE}/s.sqlite"], "store", None),
    (["check", "thm4.2", "--md", f"{FILE}/r.md"], "md", None),
    (["check", "thm4.2", "--md", "adir"], "md", _dir),
    (["table", "--out", f"{FILE}/t.md"], "out", None),
    (["table", "--batch-sizes", "3"], "batch_sizes", None),
    (["table", "--batch-sizes", "a"], "batch_sizes", None),
    (["table", "--lambdas", "-1"], "lambdas", None),
    (["figures", "--out", f"{FILE}/figs"], "out", None),
    (["bounds", "--out", f"{FILE}/b.md"], "out", None),
    (["reproduce", "--out", f"{FILE}/r.md"], "out", None),
    (["reproduce", "--audit-preset", "nope"], "audit-preset", None),
    (["reproduce", "--arms", "nope"], "arms", None),
    # sweeps
    (["sweep", "--grid", "B=2,3"], "B", None),
    (["sweep", "--grid", "B="], "B", None),
    (["sweep", "--grid", "B=2", "--grid", "B=4"], "B", None),
    (["sweep", "--grid", "seed=1,2"], "seed", None),
    # scaling ladders: unknown parameter, short ladder, LO >= HI, non-positive log values,
    # a parameter the prediction does not involve, a parameter the check has no ladder in, bad ids
    (["images", "figs7-10", "--scale", "tiny", "--cell-seeds", "x"], "cell-seeds", None),
    (["scaling", "cor4.3", "--vary", "nosuch=1:2:3"], "nosuch", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0.01:0.1:2"], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0.1:0.01:3"], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0:0.1:3"], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=-1,0.1,0.2"], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0.01,0.02"], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "m=2:16:4"], "m", None),
    (["scaling", "lem5.1", "--vary", "s=10:40:3"], "s", None),
    (["scaling", "lem5.3", "--vary", "m=2,2.2,2.4"], "m", None),
    (["scaling", "cor4.3", "--vary", "sigma_0"], "vary", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0.02:0.1:3", "--vary", "sigma_0=0.02:0.1:3"], "sigma_0", None),
    (["scaling", "nosuch"], "check_id", None),
    (["scaling"], "check_id", None),
    (["scaling", "--all", "--vary", "sigma_0=0.02:0.1:3"], "vary", None),
    (["scaling", "cor4.3", "--set", "seed=3"], "seed", None),
    (["scaling", "cor4.3", "--set", "sigma_0=0.1"], "sigma_0", None),
    (["scaling", "cor4.3", "--md", FILE + "/x.md"], "md", None),
    (["scaling", "cor4.3", "--figures", FILE + "/figs"], "figures", None),
    (["scaling", "cor4.3", "--tol", "slope=0"], "slope", None),
    # a memory estimate against what the machine has, before anything runs
    (["check", "thm4.2", "--set", "d=1000000000"], "d", None),
    (["sweep", "--grid", "n_test=1000000000"], "n_test", None),
    (["sweep", "--grid", "nosuch=1"], "nosuch", None),
    (["sweep", "--grid", "compile=perhaps"], "compile", None),
    # outputs and stores are probed for real (os.access says yes to root for these)
    (["check", "thm4.2", "--md", "/dev/full"], "md", None),
    (["check", "thm4.2", "--md", "/proc/r.md"], "md", None),
    (["bounds", "--out", "/dev/full"], "out", None),
    (["table", "--out", "/proc/t.md"], "out", None),
    (["check", "thm4.2", "--store", "/proc/s.sqlite"], "store", None),
    (["check", "thm4.2", "--store", "/dev/full"], "store", None),
    # Dask addresses are parsed and reached (within 3 s) before anything runs; ignored inputs are refused
    (["check", "thm4.2", "--executor", "dask://127.0.0.1:1"], "executor", None),
    (["check", "thm4.2", "--executor", "dask://127.0.0.1:notaport"], "executor", None),
    (["check", "thm4.2", "--executor", "dask://:"], "executor", None),
    (["check", "thm4.2", "--executor", "dask://127.0.0.1:99999"], "executor", None),
    (["check", "thm4.2", "--executor", "inline", "--workers", "2"], "workers", None),
    (["check", "thm4.2", "--inline", "--workers", "2"], "workers", None),
    (["check", "thm4.2", "--inline", "--executor", "process"], "executor", None),
    (["bounds", "--json", "--out", "x.md"], "out", None),
    # a real store beside a rejected input is left byte for byte (no -wal, no -shm)
    (["check", "thm9.9"], "result", _real_store),
    (["check", "thm4.2", "--set", "d=1000000000"], "d", _real_store),
    (["sweep", "--grid", "B="], "B", _real_store),
    (["sweep", "--grid", "n_test=1000000000"], "n_test", _real_store),
    (["check", "thm4.2"], "store", _truncated_store),
    # empty names and values are errors, not defaults
    (["check", "thm4.2", "--set", "=1"], "set", None),
    (["check", "thm4.2", "--set", "optimizer="], "optimizer", None),
    (["check", "thm4.2", "--md", ""], "md", None),
    (["check", "thm4.2", "--store", ""], "store", None),
    (["check", "thm4.2", "--store", " "], "store", None),
    (["table", "--lambdas", ""], "lambdas", None),
    (["table", "--batch-sizes", ""], "batch_sizes", None),
    (["table", "--out", ""], "out", None),
    (["figures", "--out", ""], "out", None),
    (["reproduce", "--out", ""], "out", None),
    (["reproduce", "--fig-dir", ""], "fig-dir", None),
    (["bounds", "--out", ""], "out", None),
    (["sweep", "--grid", "=1,2"], "grid", None),
    # zero and unbounded sizes, non-ASCII digits, tolerances whose claim could never fail
    (["table", "--batch-sizes", "0"], "batch_sizes", None),
    (["figures", "--batch-sizes", "0"], "batch_sizes", None),
    (["table", "--batch-sizes", "-4"], "batch_sizes", None),
    (["table", "--lambdas", MANY], "lambdas", None),
    (["sweep", "--grid", "lam=" + MANY], "lam", None),
    (["sweep", "--grid", "lam=" + ",".join(MANY.split(",")[:200]), "--seeds", "0-999"], "grid", None),
    (["check", "thm4.2", "--seeds", "0-100000000"], "seeds", None),
    (["check", "thm4.2", "--seeds", "0-6000,7000-13000"], "seeds", None),
    (["check", "thm4.2", "--seeds", "\u0663"], "seeds", None),
    (["check", "thm4.2", "--seeds", "1_0"], "seeds", None),
    (["check", "thm4.2", "--set", "n=\u0663"], "n", None),
    (["check", "thm4.2", "--tol", "train_delta=2"], "train_delta", None),
    (["check", "thm4.2", "--tol", "train_delta=0.5"], "train_delta", None),
    (["check", "thm4.2", "--tol", "delta=0.5"], "delta", None),
    (["check", "thm4.2", "--tol", "theta=0.5"], "theta", None),
]


def snapshot(root: pathlib.Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


@pytest.mark.parametrize("args,param,setup", CASES, ids=[" ".join(a) for a, _, _ in CASES])
def test_bad_input_exits_2_names_the_parameter_and_writes_nothing(args, param, setup, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / FILE).write_text("a file, not a folder")
    if setup:
        setup(work)
    monkeypatch.chdir(work)
    monkeypatch.setenv("THEORYCHECK_STORE", str(work / "results" / "s.sqlite"))
    before = snapshot(tmp_path)
    with pytest.raises(SystemExit) as e:
        extra = (
            [] if args[0] not in ("check", "table", "sweep") else (["--set", "epochs=1"] if "--set" not in args else [])
        )
        main(
            args + extra + ([] if "--seeds" in args or args[0] not in ("check", "table", "sweep") else ["--seeds", "0"])
        )
    err = capsys.readouterr().err.replace("\n", " ")
    assert e.value.code == 2, err
    assert f"'{param}'" in err or f"--{param}" in err, err
    assert snapshot(tmp_path) == before


API_CASES = [
    (lambda: check("thm4.2", seeds="0-2"), "seeds"),
    (lambda: check("thm4.2", seeds=(-1,)), "seeds"),
    (lambda: check("thm4.2", seeds=(1.5,)), "seeds"),
    (lambda: check("thm4.2", seeds=()), "seeds"),
    (lambda: check("thm4.2", optimizer="sgd"), "optimizer"),
    (lambda: check("thm4.2", seed=3), "seed"),
    (lambda: Tolerances(rho=0), "rho"),
    (lambda: Tolerances(delta=float("nan")), "delta"),
    (lambda: Tolerances(theta=-1), "theta"),
    (lambda: Tolerances(train_delta=2), "train_delta"),
    (lambda: Tolerances(delta=0.5), "delta"),
    (lambda: check("thm4.2", tol="x"), "tol"),
    (lambda: check("thm4.2", seeds=0.0), "seeds"),
    (lambda: check("thm4.2", session="inline"), "session"),
    (lambda: sweep({"lam": 1e-3}), "lam"),
    (lambda: sweep({"lam": []}), "lam"),
    (lambda: sweep({"optimizer": "adam"}), "optimizer"),
    (lambda: sweep([("lam", [1e-3])]), "grid"),
    (lambda: sweep({"lam": [1e-3] * 300}), "lam"),
    (lambda: Session(workers=0), "workers"),
    (lambda: Session(workers=2.0), "workers"),
    (lambda: Session(threads=0), "threads"),
    (lambda: Session(executor="inline", workers=2), "workers"),
    (lambda: Session(executor="nope"), "executor"),
    (lambda: Session(executor="dask://127.0.0.1:1"), "executor"),
    (lambda: Session(executor="dask://127.0.0.1:notaport"), "executor"),
    (lambda: Session(store="s.sqlite"), "store"),
    (lambda: Store(""), "store"),
]


@pytest.mark.parametrize("call,param", API_CASES, ids=[p + str(i) for i, (_, p) in enumerate(API_CASES)])
def test_api_bad_input_raises_config_error(call, param, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEORYCHECK_STORE", os.path.join(tmp_path, "s.sqlite"))
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as e:
        call()
    assert e.value.param == param
    assert time.perf_counter() - t0 < 30  # a Dask address is reached within 3 s, not a 20 s timeout
    assert sorted(os.listdir(tmp_path)) == []


def test_an_empty_store_variable_is_an_error_not_the_default(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEORYCHECK_STORE", "")
    with pytest.raises(SystemExit) as e:
        main(["check", "thm4.2", "--seeds", "0", "--set", "epochs=1"])
    assert e.value.code == 2 and "'THEORYCHECK_STORE'" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_error_messages_are_printed_as_plain_text(tmp_path, capsys, monkeypatch):
    """Square brackets in a message are not rich markup: '[d]' is printed, not swallowed."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["check", "thm4.2", "--set", "d=[d] minus [bold]x[/bold]"])
    err = capsys.readouterr().err
    assert "[d] minus [bold]x[/bold]" in err.replace("\n", "")


def test_a_failed_report_write_is_a_clear_error_and_leaves_no_file(tmp_path):
    from theorycheck.cli import write

    target = tmp_path / "r.md"
    target.write_text("the old report")
    with pytest.raises(ConfigError) as e:
        write("/proc/no/r.md", "text", "md")
    assert e.value.param == "md"
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(tmp_path, os.W_OK):  # root: the mode is not enforced; make the rename fail instead
            (tmp_path / "r.md.dir").mkdir()
            with pytest.raises(ConfigError) as e:
                write(str(tmp_path / "r.md.dir"), "text")
            assert e.value.param == "out"
        else:
            with pytest.raises(ConfigError):
                write(str(target), "new text", "md")
    finally:
        os.chmod(tmp_path, 0o700)
    assert target.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) in (["r.md"], ["r.md", "r.md.dir"])


# ---- scaling checks: empty names and values, unbounded ladders, ids of the other kind ----------------
# (its own block: each case exits 2, names its parameter, and leaves the folder as it was)
SCALING_CASES = [
    (["scaling", "cor4.3", "--vary", "=1,2,3"], "vary", None),
    (["scaling", "cor4.3", "--vary", " =1,2,3"], "vary", None),
    (["scaling", "cor4.3", "--vary", "sigma_0="], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0= "], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0.02:0.1:1000000"], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=" + ",".join(f"{0.01 * (i + 1):g}" for i in range(33))], "sigma_0", None),
    (["scaling", "cor4.3", "--vary", "sigma_0=0.02:inf:3"], "sigma_0", None),
    (["scaling", "cor4.3@sigma_0", "--vary", "lam=1e-4:1e-3:3"], "lam", None),
    (["scaling", "lem5.1@eta", "--set", "lam=1e-3"], "lam", None),  # tied to the point by the check
    (["scaling", "lem5.1@eta", "--set", "optimizer=sgd"], "optimizer", None),
    (["scaling", "thm4.1-4.2@n", "--set", "B=4"], "B", None),  # the probe of a B* check
    (["scaling", "thm4.2"], "check_id", None),  # a check, not a scaling check
    (["check", "lem5.1@eta"], "result", None),  # a scaling check, not a check
]


@pytest.mark.parametrize("args,param,setup", SCALING_CASES, ids=[" ".join(a) for a, _, _ in SCALING_CASES])
def test_scaling_bad_input_exits_2_and_writes_nothing(args, param, setup, tmp_path, capsys, monkeypatch):
    test_bad_input_exits_2_names_the_parameter_and_writes_nothing(args, param, setup, tmp_path, capsys, monkeypatch)


def _check_scaling(*a, **k):
    from theorycheck.api import check_scaling

    return check_scaling(*a, **k)


SCALING_API_CASES = [
    (lambda: _check_scaling("lem5.1", ""), "param"),
    (lambda: _check_scaling("lem5.1", "  "), "param"),
    (lambda: _check_scaling("", "eta"), "check_id"),
    (lambda: _check_scaling("lem5.1", "eta", ""), "eta"),
    (lambda: _check_scaling("lem5.1@eta", ladder="1e-4:1e-3:100000"), "eta"),
    (lambda: _check_scaling("lem5.1@eta", ladder=[1e-4] * 2 + [2e-4]), "eta"),
    (lambda: _check_scaling("lem5.1@eta", "sigma_p"), "sigma_p"),
    (lambda: _check_scaling("lem5.1@eta", seeds=()), "seeds"),
    (lambda: _check_scaling("lem5.1@eta", eta=1e-3), "eta"),
]


@pytest.mark.parametrize(
    "call,param", SCALING_API_CASES, ids=[p + str(i) for i, (_, p) in enumerate(SCALING_API_CASES)]
)
def test_scaling_api_bad_input_raises_config_error(call, param, tmp_path, monkeypatch):
    test_api_bad_input_raises_config_error(call, param, tmp_path, monkeypatch)
