"""Config (simulations/config.py): field roles, input hardening, the memory estimate.

Roles are table-driven over the fields' metadata.
A "run" field may differ inside one batch: two runs that differ only there train together
as they train alone (identical weights; metrics to rounding). A "shape" field may not: such a batch raises ConfigError
naming the field.
"""

import concurrent.futures
import dataclasses
import os
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

from simulations import RUN_FIELDS, SHAPE_FIELDS, Config, ConfigError, estimate_bytes, train
from simulations.config import LENGTH_FIELDS

BASE = dict(d=120, n=12, s=8, sigma_p=0.3, alpha=0.2, sigma_0=0.2, m=3, n_test=30, epochs=3, B=3, lam=1e-2)
BASE.update(eta=1e-2, dtype="float64", record_every=2)

# field -> a value different from BASE's (or the default) that is valid with BASE
RUN_ALT = dict(
    optimizer="adamw",
    lam=2e-2,
    eta=2e-2,
    beta1=0.5,
    beta2=0.99,
    eps=1e-7,
    eps_scale=3.0,
    bias_correction=True,
    moment_timing="lagged",
    l2_factor=2.0,
    batch_order="reshuffle_each_epoch",
    seed=1,
)
SHAPE_ALT = dict(
    d=121,
    n=18,
    s=7,
    sigma_p=0.4,
    alpha=0.3,
    n_test=31,
    balanced_train=False,
    disjoint_supports=True,
    m=4,
    q=4.0,
    sigma_0=0.1,
    B=4,
    epochs=4,
    dtype="float32",
    device="cpu",
    record_every=3,
    compile=True,
    flush_denormal=False,
)


def test_every_field_has_a_role_and_a_doc():
    for f in dataclasses.fields(Config):
        assert f.metadata.get("role") in ("shape", "run"), f.name
        assert len(f.metadata.get("doc", "")) > 10, f.name
    assert set(RUN_FIELDS) | set(SHAPE_FIELDS) == {f.name for f in dataclasses.fields(Config)}
    assert set(RUN_ALT) == set(RUN_FIELDS) and set(SHAPE_ALT) == set(SHAPE_FIELDS)  # the tables cover them all


@pytest.mark.parametrize("field", RUN_FIELDS)
def test_run_field_may_differ_inside_a_batch(field):
    a = Config(**BASE)
    b = a.replace(**{field: RUN_ALT[field]})
    assert getattr(a, field) != getattr(b, field)
    together = train([a, b], keep_weights=True)
    for c, r in zip((a, b), together):
        alone = train(c, keep_weights=True)
        assert r.config == c
        np.testing.assert_array_equal(r.weights["W"], alone.weights["W"])
        for k, v in alone.trajectory.items():  # means over a (K, n) batch may round differently for K = 1, 2
            np.testing.assert_allclose(r.trajectory[k], v, rtol=1e-12, atol=1e-14, err_msg=k)
    assert not np.array_equal(together[0].weights["W"], together[1].weights["W"])  # the field mattered


@pytest.mark.parametrize("field", [f for f in SHAPE_FIELDS if f not in LENGTH_FIELDS])
def test_shape_field_must_agree_inside_a_batch(field):
    a = Config(**BASE)
    b = a.replace(**{field: SHAPE_ALT[field]})
    with pytest.raises(ConfigError, match="share") as e:
        train([a, b])
    assert e.value.param == field


# ---- input hardening --------------------------------------------------------------------------
@pytest.mark.parametrize("field", LENGTH_FIELDS)
def test_length_fields_may_differ_inside_a_batch(field):
    """Runs that differ only in length train together (one trajectory; tests/test_prefix.py)."""
    a = Config(**BASE)
    b = a.replace(**{field: SHAPE_ALT[field]})
    ra, rb = train([a, b])
    assert ra.config == a and rb.config == b
    assert list(ra.trajectory["step"]) == a.record_steps() and list(rb.trajectory["step"]) == b.record_steps()


def _raise_config_error():
    Config(q=2.0)


def test_config_error_survives_pickling_and_processes():
    e = pickle.loads(pickle.dumps(ConfigError("q", "must be >= 3")))
    assert isinstance(e, ConfigError) and (e.param, e.rule) == ("q", "must be >= 3")
    assert str(e) == "parameter 'q': must be >= 3"
    with concurrent.futures.ProcessPoolExecutor(1) as ex:
        err = ex.submit(_raise_config_error).exception()
    assert isinstance(err, ConfigError) and err.param == "q"


BAD_TYPES = [
    ("balanced_train", "no", "boolean"),
    ("compile", "yes", "boolean"),
    ("bias_correction", 1, "boolean"),
    ("disjoint_supports", None, "boolean"),
    ("seed", True, "integer"),
    ("seed", -1, "0 <= seed < 2\\*\\*63"),
    ("seed", 2**63, "0 <= seed < 2\\*\\*63"),
    ("seed", 1.5, "integer"),
    ("m", 3.5, "integer"),
    ("m", False, "integer"),
    ("n", "12", "integer"),
    ("q", "3", "number"),
    ("lam", True, "number"),
    ("eps", "1e-8", "number"),
    ("record_every", 2.5, "integer"),
    ("optimizer", 3, "string"),
]


@pytest.mark.parametrize("field,value,rule", BAD_TYPES, ids=[f"{f}-{v!r}" for f, v, _ in BAD_TYPES])
def test_wrong_types_are_rejected_by_name(field, value, rule):
    with pytest.raises(ConfigError, match=rule) as e:
        Config(**{**BASE, field: value})
    assert e.value.param == field


def test_numbers_are_normalized_to_the_declared_type():
    a, b = (
        Config(**{**BASE, "q": 3, "eta": 1, "lam": 0, "eps": 1}),
        Config(**{**BASE, "q": 3.0, "eta": 1.0, "lam": 0.0, "eps": 1.0}),
    )
    assert a == b and a.to_dict() == b.to_dict() and hash(a) == hash(b)
    assert all(type(getattr(a, f)) is float for f in ("q", "eta", "lam", "eps"))
    c = Config(**{**BASE, "m": 3.0, "seed": 7.0, "record_every": 2.0, "d": np.int64(120)})
    assert (c.m, c.seed, c.record_every, c.d) == (3, 7, 2, 120)
    assert all(type(getattr(c, f)) is int for f in ("m", "seed", "record_every", "d"))
    assert c == Config(**{**BASE, "m": 3, "seed": 7, "record_every": 2})
    assert Config(**{**BASE, "seed": 2**63 - 1}).seed == 2**63 - 1


# ---- memory estimate --------------------------------------------------------------------------
def test_estimate_bytes_grows_linearly_and_covers_the_main_tensors():
    c = Config(**BASE)
    est = [estimate_bytes([c.replace(seed=i) for i in range(k)]) for k in (1, 2, 3, 4)]
    assert est[1] - est[0] == est[2] - est[1] == est[3] - est[2] > 0  # linear in the number of runs
    e = 8  # float64
    P = 2 * c.m * c.d
    main = 5 * P * e + c.n * c.d * e + c.n_test * c.s * (8 + e)  # W, W0, G, m, v; dense noise; test set
    assert est[0] > main
    big = Config(**{**BASE, "d": 10**9, "s": 100, "n": 200, "B": 2, "m": 20})
    assert estimate_bytes(big) > 10**12  # the kind of run that must be refused before it starts
    assert estimate_bytes(c.replace(d=2 * c.d)) > estimate_bytes(c)


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc peak-RSS reset")
def test_estimate_bytes_bounds_the_measured_peak():
    """In a fresh process, the peak resident memory train() adds stays below the estimate."""
    code = (
        "import torch\n"
        "torch.set_num_threads(1)\n"
        "from simulations import Config, estimate_bytes, train\n"
        "def kb(key):\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith(key)) * 1024\n"
        "cs = [Config(d=1000, n=200, s=100, m=20, n_test=10000, B=2, epochs=1, record_every=50, seed=i) for i in range(8)]\n"
        # Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS, so imports do not mask it.
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "before = kb('VmRSS')\n"
        "train(cs, keep_weights=True)\n"
        "print(kb('VmHWM') - before, estimate_bytes(cs, keep_weights=True))\n"
    )
    root = pathlib.Path(__file__).resolve().parents[1]
    # A fixed mmap threshold makes glibc return freed blocks, so that peak RSS tracks allocations
    # (otherwise heap fragmentation can hold several times the live memory).
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072", "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True, env=env)
    used, est = map(int, out.stdout.split())
    assert 0 < used <= est, (used, est)
    assert est <= 6 * used, (used, est)  # an upper bound, not a wild one
