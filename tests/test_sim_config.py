"""Config field roles (simulations/config.py): table-driven over the fields' metadata.

A "run" field may differ inside one batch: two runs that differ only there train together
as they train alone (identical weights; metrics to rounding). A "shape" field may not: such a batch raises ConfigError
naming the field.
"""

import dataclasses

import numpy as np
import pytest

from simulations import RUN_FIELDS, SHAPE_FIELDS, Config, ConfigError, train

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


@pytest.mark.parametrize("field", SHAPE_FIELDS)
def test_shape_field_must_agree_inside_a_batch(field):
    a = Config(**BASE)
    b = a.replace(**{field: SHAPE_ALT[field]})
    with pytest.raises(ConfigError, match="share") as e:
        train([a, b])
    assert e.value.param == field
