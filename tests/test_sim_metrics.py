"""Recorded metrics beyond the reference comparison (tests/test_reference.py holds every metric to
the plain specification): what each one says on runs built to make it say something."""

import numpy as np
import pytest

from simulations import FINAL_ONLY, METRICS, Config, problem, train

SMALL = dict(d=60, n=12, s=8, sigma_p=0.3, alpha=0.2, sigma_0=0.3, m=3, n_test=50, epochs=3, B=3, lam=1e-3)


def small(**kw):
    return Config(**{**SMALL, "dtype": "float64", **kw})


def test_every_metric_is_recorded():
    r = train(small(record_every=4))
    assert set(r.trajectory) == {"step", "epoch", *METRICS}
    assert set(r.final) == set(METRICS) | set(FINAL_ONLY)
    assert all(len(v) == len(r.trajectory["step"]) for v in r.trajectory.values())


def test_noise_memorization_per_class():
    """noise_max_j / noise_min_j: max_i / min_i over the samples of class j of max_r <w_{j,r}, xi_i>; the
    pooled ones are their max / min. A class without training samples gives NaN."""
    r = train(small(eta=1e-2, record_every=3), keep_weights=True)
    T = r.trajectory
    np.testing.assert_array_equal(T["noise_max"], np.maximum(T["noise_max_pos"], T["noise_max_neg"]))
    np.testing.assert_array_equal(T["noise_min"], np.minimum(T["noise_min_pos"], T["noise_min_neg"]))
    p = problem(r.config)
    W, xi, y = r.weights["W"], p.xi_train().numpy(), p.train.y.numpy()
    mem = np.array([(W[0 if y[i] > 0 else 1] @ xi[i]).max() for i in range(len(y))])
    assert r.final["noise_max_pos"] == pytest.approx(mem[y > 0].max(), rel=1e-12)
    assert r.final["noise_min_neg"] == pytest.approx(mem[y < 0].min(), rel=1e-12)
    # two unbalanced samples of one label: the other class has no samples
    cfg = next(
        c
        for c in (Config(**{**SMALL, "n": 2, "B": 2, "balanced_train": False, "seed": s}) for s in range(50))
        if abs(float(problem(c).train.y.sum())) == 2
    )
    one = train(cfg)
    missing = "neg" if problem(cfg).train.y[0] > 0 else "pos"
    assert np.isnan(one.final[f"noise_max_{missing}"]) and np.isfinite(one.final["noise_max"])


def test_initial_gradient_scale_against_eps():
    """g0_below_eps: the share of step-0 noise-gradient entries below the run's eps. An eps above all
    of them (Adam then takes damped gradient steps, not sign steps) gives 1; sign methods have no
    eps (0); the scales themselves do not depend on the optimizer, only on W_0, the data and B."""
    base = small()
    runs = train([base.replace(eps=10.0), base.replace(eps=1e-30), base.replace(optimizer="signsgd")])
    huge, tiny, sign = (r.final for r in runs)
    assert huge["g0_below_eps"] == 1.0 and tiny["g0_below_eps"] == 0.0 and sign["g0_below_eps"] == 0.0
    for k in ("g0_noise", "g0_feature"):
        assert huge[k] == tiny[k] == sign[k] > 0
    assert 0 < huge["g0_noise"] < 10.0
    half = train(base.replace(B=6)).final  # the entries carry 1/B
    assert half["g0_noise"] == pytest.approx(huge["g0_noise"] / 2, rel=1e-12)
