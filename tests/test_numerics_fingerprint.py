"""The numbers' fingerprint: a digest of what train() produces for a fixed set of runs.

Stored results are keyed by `simulations.NUMERICS_VERSION`, not by the source code, so a
refactor that keeps the numbers keeps the stored results. This test is what makes that safe:
it trains a fixed small set of float64 runs (every optimizer and reading, every batch order,
both gradient paths), rounds every output to 9 significant digits, hashes them and compares
the digest with the one recorded for the current version in tests/numerics_golden.json.

When the numbers change on purpose: bump NUMERICS_VERSION and record the new digest, which
the failing test prints (as does `PYTHONPATH=. python tests/test_numerics_fingerprint.py`).
"""

import hashlib
import json
import pathlib
import sys

import numpy as np
import torch

from simulations import NUMERICS_VERSION, OPTIMIZERS, Config, train

GOLDEN = pathlib.Path(__file__).with_name("numerics_golden.json")
BASE = dict(d=40, n=8, s=5, sigma_p=0.3, alpha=0.2, sigma_0=0.3, m=2, n_test=30, B=2, epochs=3, record_every=3)
BASE.update(dtype="float64", device="cpu")
READINGS = [
    {},
    dict(bias_correction=True, eps=1e-8),
    dict(moment_timing="lagged"),
    dict(l2_factor=2.0, eps_scale=3.0),
    dict(batch_order="reshuffle_each_epoch", beta1=0.5, beta2=0.9),
    dict(batch_order="with_replacement"),
]


def runs() -> list[list[Config]]:
    """Batches of runs: every optimizer x reading, the dense batch path, and the non-ok statuses."""
    mixed = [
        Config(**BASE, optimizer=o, eta=0.3 if o == "sgd" else 2e-2, lam=0.1 if o.endswith("w") else 1e-2, seed=i, **r)
        for i, (o, r) in enumerate((o, r) for o in OPTIMIZERS for r in READINGS)
    ]
    dense = [c.replace(B=8, record_every=1) for c in mixed[:: len(READINGS) - 1]]
    diverges = Config(**{**BASE, "optimizer": "sgd", "eta": 1e6, "sigma_0": 1.0})
    underflows = Config(**{**BASE, "optimizer": "signsgd", "sigma_0": 1e-30})
    decays = Config(**BASE, optimizer="adam", lam=50.0, eta=0.05, seed=4)
    return [mixed, dense, [diverges], [underflows], [decays]]


def _round(x: float) -> str:
    x = float(x)
    return "0" if x == 0 else f"{x:.9g}"  # also folds -0.0 into 0


NEW_IN_4 = ("step_max", "noise_resp")  # metrics version 3 did not record


def fingerprint(flush_denormal: bool = True) -> str:
    """flush_denormal=False: IEEE arithmetic, hashed without what version 4 added (that field and NEW_IN_4)."""
    torch.set_num_threads(min(2, torch.get_num_threads()))
    rows = []
    for batch in runs():
        batch = [c.replace(flush_denormal=flush_denormal) for c in batch]
        for r in train(batch, keep_weights=True):
            cfg = r.config.to_dict()
            if not flush_denormal:
                del cfg["flush_denormal"]
            rows.append([cfg, r.status, r.status_step])
            keep = lambda k: flush_denormal or k not in NEW_IN_4
            rows.append({k: [_round(x) for x in np.ravel(v)] for k, v in sorted(r.trajectory.items()) if keep(k)})
            rows.append({k: _round(v) for k, v in sorted(r.final.items()) if keep(k)})
            rows.append({k: [_round(x) for x in np.ravel(v)] for k, v in sorted(r.weights.items())})
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def test_numbers_match_the_digest_of_this_version():
    digest = fingerprint()
    golden = json.loads(GOLDEN.read_text())
    assert NUMERICS_VERSION in golden, (
        f'no digest recorded for NUMERICS_VERSION={NUMERICS_VERSION!r}: add "{NUMERICS_VERSION}": "{digest}" '
        f"to {GOLDEN.name}"
    )
    assert golden[NUMERICS_VERSION] == digest, (
        f"numbers changed (digest {digest}, recorded {golden[NUMERICS_VERSION]} for version "
        f"{NUMERICS_VERSION!r}) — bump NUMERICS_VERSION in simulations/__init__.py and record the new "
        f"digest in {GOLDEN.name}"
    )


def test_ieee_mode_gives_the_numbers_of_version_3():
    """flush_denormal=False reproduces the numbers recorded before denormals were flushed."""
    assert fingerprint(flush_denormal=False) == json.loads(GOLDEN.read_text())["3"]


def test_fingerprint_is_stable_and_sensitive(monkeypatch):
    """Two computations agree; a relative change of 1e-7 in one run's learning rate changes the digest."""
    a = fingerprint()
    assert fingerprint() == a
    orig = runs

    def nudged():
        batches = orig()
        batches[0][0] = batches[0][0].replace(eta=batches[0][0].eta * (1 + 1e-7))
        return batches

    monkeypatch.setattr(sys.modules[__name__], "runs", nudged)
    assert fingerprint() != a


if __name__ == "__main__":
    print(json.dumps({NUMERICS_VERSION: fingerprint()}))
