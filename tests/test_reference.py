"""The batched engine against the executable specification (simulations/reference.py).

The reference trains one run with dense inputs, autograd and each update rule written out
plainly; the engine trains many runs at once with a closed-form sparse gradient and composed
update pieces. In float64, across epoch boundaries, for every optimizer, reading and batch
order, the weights, the optimizer state and every recorded metric (including the step-0
gradient scales) agree to 1e-9.
"""

import numpy as np
import pytest

from simulations import FINAL_ONLY, OPTIMIZERS, Config, train
from simulations.reference import train_reference

# n/B = 4 iterations per epoch, 3 epochs: every batch order crosses two epoch boundaries
BASE = dict(
    d=60, n=12, s=8, sigma_p=0.3, alpha=0.2, sigma_0=0.3, m=3, n_test=40, epochs=3, B=3, dtype="float64", record_every=2
)
ETA = {"adam": 1e-2, "adamw": 1e-2, "signsgd": 1e-2, "signsgdw": 1e-2, "sgd": 0.5}
OPTIONS = {
    "default": {},
    "torch": dict(bias_correction=True, eps=1e-8),
    "lagged": dict(moment_timing="lagged"),
    "l2_factor": dict(l2_factor=2.0),
    "eps_scale": dict(eps_scale=3.0),
    "betas": dict(beta1=0.5, beta2=0.9),  # L = 10 <= 12 steps: Lemma C.2's premise can be met
    "beta1_zero": dict(beta1=0.0, beta2=0.5),  # L = 1: premise metrics at every record point
    "reshuffle": dict(batch_order="reshuffle_each_epoch"),
    "with_replacement": dict(batch_order="with_replacement"),
    "dense_batches": dict(B=6),  # 2*B*s > d: the engine's dense batch gradient
}
CASES = [(o, k) for o in OPTIMIZERS for k in OPTIONS]


def cfg_for(opt, option, seed=3):
    lam = 0.1 if opt.endswith("w") else 1e-2
    return Config(**{**BASE, "optimizer": opt, "eta": ETA[opt], "lam": lam, "seed": seed, **OPTIONS[option]})


def compare(r, ref, tol=1e-9):
    assert r.status == "ok", r.detail
    np.testing.assert_allclose(r.weights["W0"], ref.W0, rtol=0, atol=0)  # the same draw
    np.testing.assert_allclose(r.weights["W"], ref.W, rtol=tol, atol=tol)
    for name in ("m", "v"):
        if name in r.weights:
            np.testing.assert_allclose(r.weights[name], getattr(ref, name), rtol=tol, atol=tol, err_msg=name)
    assert set(ref.trajectory) == set(r.trajectory) - {"epoch"}
    for k, val in ref.trajectory.items():
        np.testing.assert_allclose(r.trajectory[k], val, rtol=tol, atol=tol, err_msg=k)
    assert set(ref.final_only) == set(FINAL_ONLY)
    for k, val in ref.final_only.items():
        np.testing.assert_allclose(r.final[k], val, rtol=tol, atol=0, err_msg=k)


@pytest.mark.parametrize("opt,option", CASES, ids=[f"{o}-{k}" for o, k in CASES])
def test_engine_matches_reference(opt, option):
    cfg = cfg_for(opt, option)
    compare(train(cfg, keep_weights=True), train_reference(cfg))


def test_engine_batch_of_every_case_matches_reference():
    """All cases advanced together in one batch (grouped by composition) match their references too."""
    cfgs = [cfg_for(o, k, seed=i) for i, (o, k) in enumerate(CASES) if k != "dense_batches"]
    for c, r in zip(cfgs, train(cfgs, keep_weights=True)):
        compare(r, train_reference(c))


def test_premise_metrics_are_exercised():
    """The cases above include record points where Lemma C.2's premise holds (not only NaNs)."""
    for opt in OPTIMIZERS:
        for option in ("betas", "beta1_zero"):
            ref = train_reference(cfg_for(opt, option))
            assert np.isfinite(ref.trajectory["sign_agree_premise"]).any(), (opt, option)
            assert np.nanmax(ref.trajectory["sign_premise_frac"]) > 0


def test_reference_differs_when_the_engine_would():
    """The comparison can fail: a different reading gives different weights beyond the tolerance."""
    a = train_reference(cfg_for("adam", "default"))
    b = train_reference(cfg_for("adam", "lagged"))
    assert np.abs(a.W - b.W).max() > 1e-4
