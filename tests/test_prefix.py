"""Runs that differ only in length share one trajectory (simulations.train, Session batching):
the longest is trained once, and each shorter run read off it has the numbers, record points and
status it gets trained alone."""

import numpy as np
import pytest

from simulations import Config, preset, train
from theorycheck.engine.session import Session, plan_batches, trained_steps
from theorycheck.engine.store import Store

BASE = preset("tiny", dtype="float64", device="cpu")
FAMILY = [BASE.replace(epochs=e, record_every=r) for e, r in ((12, None), (8, 7), (3, 3), (12, 5))]


def _same(a, b, rel=1e-12):
    assert a.config == b.config
    assert (a.status, a.status_step, a.detail) == (b.status, b.status_step, b.detail)
    assert a.trajectory.keys() == b.trajectory.keys() and a.final.keys() == b.final.keys()
    for k, v in a.trajectory.items():
        np.testing.assert_allclose(b.trajectory[k], v, rtol=rel, atol=1e-300, err_msg=k)
    for k, v in a.final.items():
        np.testing.assert_allclose(b.final[k], v, rtol=rel, atol=1e-300, err_msg=k)


def test_a_family_read_off_one_trajectory_matches_each_run_alone():
    cfgs = FAMILY + [c.replace(seed=1) for c in FAMILY] + [BASE.replace(epochs=12, lam=3 * BASE.lam)]
    shared = train(cfgs)
    for c, r in zip(cfgs, shared):
        assert list(r.trajectory["step"]) == c.record_steps()
        _same(train(c), r)


def test_each_length_keeps_its_own_status():
    """A run that diverges: each length reports the first of its own record points that sees it."""
    boom = Config(d=40, n=8, s=5, sigma_p=0.3, alpha=0.2, sigma_0=1.0, m=2, n_test=30, B=2, optimizer="sgd")
    boom = boom.replace(eta=1e6, dtype="float64", device="cpu")
    fam = [boom.replace(epochs=6, record_every=r) for r in (1, 5, 7)] + [boom.replace(epochs=2, record_every=3)]
    shared = train(fam)
    assert {r.status for r in shared} == {"diverged"}
    assert len({r.status_step for r in shared}) > 1  # the lengths see it at different points
    for c, r in zip(fam, shared):
        _same(train(c), r)


def test_keep_weights_trains_every_run_to_its_own_end():
    a, b = FAMILY[0], FAMILY[2]
    ra, rb = train([a, b], keep_weights=True)
    np.testing.assert_array_equal(rb.weights["W"], train(b, keep_weights=True).weights["W"])
    assert not np.array_equal(ra.weights["W"], rb.weights["W"])


def test_session_batches_a_family_once_and_stores_every_member(tmp_path):
    other = BASE.replace(n_test=BASE.n_test + 1, epochs=3)  # another shape: its own batch
    batches = plan_batches(FAMILY + [other])
    assert sorted(len(b) for b in batches) == [1, len(FAMILY)]
    fam = next(b for b in batches if len(b) == len(FAMILY))
    assert trained_steps(fam) == max(c.steps for c in FAMILY)  # one trajectory, at its longest
    store = Store(str(tmp_path / "s.sqlite"))
    runs = Session(store, executor="inline").run(FAMILY)
    assert runs.stats.computed == len(FAMILY)
    again = Session(store, executor="inline").run(FAMILY)
    assert again.stats.computed == 0 and again.stats.cached == len(FAMILY)
    for c in FAMILY:
        _same(train(c), runs[c])


@pytest.mark.parametrize("lengths", [(3, 3), (5, 2)])
def test_equal_or_nested_lengths_are_one_batch(lengths):
    cfgs = [BASE.replace(epochs=e) for e in lengths]
    assert len(plan_batches(cfgs)) == 1
