"""Simulation core: data model, CNN, optimizers, batched trainer.

Guards Definitions 3.1-3.2, Lemma A.5, eqs (3.3)-(3.6), (5.1), (B.2) and the
batching contract. References are in paper_refs.md.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations import Config, ConfigError, preset, train
from simulations import data as D
from simulations.model import dense_loss, loss_and_grad

SMALL = dict(d=60, n=12, s=8, sigma_p=0.3, alpha=0.2, sigma_0=0.05, m=3, n_test=50, epochs=8, B=3, lam=1e-3)


def small(**kw):
    return Config(**{**SMALL, **kw})


# ---- torch reading == torch.optim.Adam / AdamW (float64) ------------------------------------
def _reference_torch(cfg):
    """The same run written the way a user would: autograd + torch.optim, dense inputs."""
    torch.manual_seed(0)
    train_set, _ = D.train_test(cfg, "cpu", torch.float64)
    X, y = train_set.to_dense(), train_set.y
    W = torch.randn(2, cfg.m, cfg.d, generator=D.generator(cfg.seed, D.STREAM_INIT, "cpu"), dtype=torch.float64)
    W = torch.nn.Parameter(W * cfg.sigma_0)
    cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    opt = cls([W], lr=cfg.eta, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, weight_decay=cfg.lam, foreach=False)
    order = torch.randperm(cfg.n, generator=D.generator(cfg.seed, D.STREAM_ORDER, "cpu"))
    for t in range(cfg.steps):
        it = t % cfg.iters_per_epoch
        bi = order[it * cfg.B : (it + 1) * cfg.B]
        opt.zero_grad()
        dense_loss(W, X[bi], y[bi], cfg.q).backward()
        opt.step()
    st_ = opt.state[W]
    return W.detach().numpy(), st_["exp_avg"].numpy(), st_["exp_avg_sq"].numpy()


@given(
    opt=st.sampled_from(["adam", "adamw"]),
    m=st.integers(1, 4),
    d=st.integers(12, 40),
    lam=st.floats(0.0, 0.2),
    eta=st.floats(1e-4, 5e-2),
    b1=st.floats(0.0, 0.95),
    b2=st.floats(0.5, 0.999),
    eps=st.floats(1e-10, 1e-4),
    seed=st.integers(0, 10_000),
)
@settings(max_examples=8)
def test_torch_reading_matches_torch_optim(opt, m, d, lam, eta, b1, b2, eps, seed):
    cfg = preset(
        "tiny",
        reading="torch",
        optimizer=opt,
        m=m,
        d=d,
        s=5,
        n=10,
        B=2,
        epochs=11,
        lam=lam,
        eta=eta,
        beta1=b1,
        beta2=b2,
        eps=eps,
        seed=seed,
        dtype="float64",
        n_test=20,
        sigma_0=0.3,
        disjoint_supports=False,
    )
    assert cfg.steps >= 50
    r = train(cfg, keep_weights=True)
    W, m_, v_ = _reference_torch(cfg)
    np.testing.assert_allclose(r.weights["W"], W, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r.weights["m"], m_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r.weights["v"], v_, rtol=0, atol=1e-10)


# ---- closed-form gradient == autograd (Lemma A.5) ----------------------------------------------
@given(seed=st.integers(0, 10_000), q=st.sampled_from([3.0, 4.0, 3.5]), b=st.integers(1, 6))
@pytest.mark.paper("lemA.5")
def test_closed_form_gradient_equals_autograd(seed, q, b):
    g = torch.Generator().manual_seed(seed)
    ds = D.sample(b, 30, 6, 0.5, 0.3, seed=seed, stream=0, dtype=torch.float64)
    W = (torch.randn(2, 4, 30, generator=g, dtype=torch.float64) * 0.5).requires_grad_()
    dense_loss(W, ds.to_dense(), ds.y, q).backward()
    loss, _, grad = loss_and_grad(W.detach()[None], ds.y[None], ds.idx[None], ds.val[None], ds.alpha, q)
    np.testing.assert_allclose(grad[0].numpy(), W.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(float(loss[0]), float(dense_loss(W.detach(), ds.to_dense(), ds.y, q)), rtol=1e-12)


# ---- K batched runs == K single runs -----------------------------------------------------------
def test_batched_runs_equal_single_runs():
    base = dict(dtype="float64", record_every=4)
    cfgs = [
        small(optimizer="adam", lam=1e-3, seed=1, **base),
        small(optimizer="adamw", lam=0.1, eta=1e-2, seed=2, beta1=0.5, **base),
        small(optimizer="signsgd", lam=1e-3, seed=1, batch_order="reshuffle_each_epoch", **base),
        small(optimizer="signsgdw", lam=0.3, seed=3, batch_order="with_replacement", **base),
        small(optimizer="sgd", lam=0.01, eta=0.1, seed=4, **base),
        small(optimizer="adam", lam=1e-3, seed=5, eps=1e-7, bias_correction=True, **base),
        small(optimizer="adam", lam=1e-2, seed=6, moment_timing="lagged", beta2=0.99, **base),
    ]
    together = train(cfgs, keep_weights=True)
    for c, r in zip(cfgs, together):
        alone = train(c, keep_weights=True)
        assert r.config == c
        np.testing.assert_allclose(r.weights["W"], alone.weights["W"], rtol=1e-12, atol=1e-14)
        for k, v in alone.trajectory.items():
            np.testing.assert_allclose(r.trajectory[k], v, rtol=1e-10, atol=1e-12, err_msg=k)


def test_same_seed_is_bit_identical_on_cpu():
    c = small(optimizer="adam", lam=1e-3, seed=7)
    a, b = train(c, keep_weights=True), train(c, keep_weights=True)
    assert np.array_equal(a.weights["W"], b.weights["W"])
    for k in a.trajectory:
        assert np.array_equal(a.trajectory[k], b.trajectory[k], equal_nan=True), k
    other = train(c.replace(seed=8), keep_weights=True)
    assert not np.array_equal(a.weights["W"], other.weights["W"])


# ---- data invariants (Def. 3.1) ----------------------------------------------------------------
@given(seed=st.integers(0, 10_000), N=st.integers(1, 30), s=st.integers(1, 20), balanced=st.booleans())
@pytest.mark.paper("def3.1")
def test_data_invariants(seed, N, s, balanced):
    d, alpha = 50, 0.25
    N = N * 2 if balanced else N
    ds = D.sample(N, d, s, 0.7, alpha, seed=seed, stream=0, balanced=balanced, dtype=torch.float64)
    X = ds.to_dense()
    xi = ds.xi_dense()
    assert set(ds.y.tolist()) <= {-1.0, 1.0}
    if balanced:
        assert float(ds.y.sum()) == 0
    assert ((xi[:, 1:] != 0).sum(1) == s).all()  # exactly s noise coordinates
    assert (ds.idx >= 1).all() and (ds.idx < d).all()  # never the feature coordinate
    assert torch.equal(xi[:, 0], -alpha * ds.y)  # xi[1] = -alpha*y
    sig = torch.where(ds.signal_first[:, None], X[:, :d], X[:, d:])
    noi = torch.where(ds.signal_first[:, None], X[:, d:], X[:, :d])
    assert torch.equal(sig[:, 0], ds.y) and (sig[:, 1:] == 0).all()  # one signal patch y*e_1
    assert torch.equal(noi, xi)


def test_disjoint_supports_and_their_limit():
    ds = D.sample(10, 101, 10, 1.0, 0.2, seed=3, stream=0, disjoint=True)
    assert len(set(ds.idx.flatten().tolist())) == 100
    with pytest.raises(ConfigError, match=r"disjoint_supports.*n\*s <= d-1"):
        preset("paper", disjoint_supports=True)


def test_test_set_is_independent_of_training_set_and_seeded():
    c = small(n_test=40)
    tr, te = D.train_test(c, "cpu", torch.float64)
    tr2, _ = D.train_test(c.replace(n_test=80), "cpu", torch.float64)
    assert torch.equal(tr.val, tr2.val)  # changing n_test leaves training data alone
    assert not torch.equal(te.val[:12], tr.val)


# ---- divergence and underflow are reported, not scored ------------------------------------------
def test_divergence_is_reported():
    r = train(small(optimizer="sgd", eta=1e6, sigma_0=1.0))
    assert r.status == "diverged" and "non-finite" in r.detail


def test_underflow_is_reported():
    r = train(small(optimizer="signsgd", sigma_0=1e-30))
    assert r.status == "underflow" and r.status_step == 0


def test_weights_collapsing_to_zero_is_not_underflow():
    """Cor 4.3's regime: Adam with a huge L2 term drives W to ~0, a genuine stationary point; it is
    reported as 'collapsed' (the physics the corollary predicts), never as an underflow artifact."""
    r = train(preset("tiny", B=40, optimizer="adam", lam=0.5, epochs=1000), keep_weights=True)  # float32
    assert r.status == "collapsed" and "sigma_0" in r.detail and r.status_step < 1000
    assert np.abs(r.weights["W"]).max() <= 1e-20  # measured 4e-25: it keeps shrinking
    # in float32 both logits are exactly 0: every point is a tie, and ties count as errors
    assert r.final["train_err"] == 1.0 and r.final["train_ties"] == 1.0
    assert r.final["train_loss"] == pytest.approx(np.log(2), rel=1e-6)


def test_adamw_with_huge_decay_collapses():
    """Decoupled decay with eta*lam = 0.5 halves the weights every step; the gradient cannot keep up."""
    r = train(preset("tiny", optimizer="adamw", lam=250.0, epochs=5))
    assert r.status == "collapsed" and r.status_step is not None
    before = r.trajectory["step"] < r.status_step
    assert np.abs(r.trajectory["feat_pos"][before]).max() > 1e-6 * r.config.sigma_0  # it was not collapsed before


def test_saturated_is_reported():
    """eta = 1000 fits most points with margins so large that their loss gradient is exactly 0 and kills
    every unit on the rest (both logits 0: ties). Nothing moves, in float64 too, yet the loss is ~0.12."""
    cfg = preset("tiny", m=1, optimizer="signsgd", lam=0.0, eta=1000.0, sigma_0=1.0, B=40, seed=7, epochs=10)
    for dtype in ("float32", "float64"):
        r = train(cfg.replace(dtype=dtype, record_every=5))
        assert r.status == "saturated" and r.status_step == 5, (dtype, r.status, r.detail)
        i = list(r.trajectory["step"]).index(r.status_step)
        assert r.trajectory["grad_norm"][i] == 0 and r.trajectory["train_loss"][i] > 1e-3
        assert r.trajectory["train_ties"][i] > 0  # the dead points are ties, counted as errors


def test_diverged_run_has_nan_errors_from_the_divergence_on():
    """NaN <= 0 is False, so a NaN network would score 0 errors: the errors are NaN instead."""
    r = train(small(optimizer="sgd", eta=3e3, sigma_0=0.3, record_every=1))
    assert r.status == "diverged"
    at = r.trajectory["step"] >= r.status_step
    assert at.any() and (~at).any()
    for k in ("train_err", "test_err", "train_ties", "test_ties"):
        assert np.isnan(r.trajectory[k][at]).all() and np.isnan(r.final[k]), k
        assert np.isfinite(r.trajectory[k][~at]).all(), k


# ---- bad input ----------------------------------------------------------------------------------
BAD = [
    (dict(B=7), "B", "divide n"),
    (dict(q=2.0), "q", ">= 3"),
    (dict(s=60), "s", "< d"),
    (dict(sigma_p=-0.1), "sigma_p", "> 0"),
    (dict(sigma_0=0.0), "sigma_0", "> 0"),
    (dict(beta1=1.0), "beta1", r"\[0, 1\)"),
    (dict(beta2=-0.1), "beta2", r"\[0, 1\)"),
    (dict(alpha=1.5), "alpha", r"\[0, 1\)"),
    (dict(lam=-1.0), "lam", ">= 0"),
    (dict(eta=float("nan")), "eta", "finite"),
    (dict(optimizer="adamax"), "optimizer", "one of"),
    (dict(batch_order="random"), "batch_order", "one of"),
    (dict(moment_timing="late"), "moment_timing", "one of"),
    (dict(dtype="float16"), "dtype", "one of"),
    (dict(device="tpu"), "device", "auto"),
    (dict(optimizer="adam", lam=0.0), "eps", "pass eps explicitly"),
    (dict(moment_timing="lagged", bias_correction=True, lam=0.1), "bias_correction", "lagged"),
    (dict(n=0), "n", "positive integer"),
    (dict(record_every=0), "record_every", "positive"),
    (dict(optimizer="adamw", lam=1e5, eta=1e-3), "lam", "lam\\*eta < 1"),
]


@pytest.mark.parametrize("kw,param,rule", BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)])
def test_bad_input_raises_named_error(kw, param, rule):
    base = SMALL
    with pytest.raises(ConfigError, match=rule) as e:
        Config(**{**base, **kw})
    assert e.value.param == param and f"'{param}'" in str(e.value)


def test_unknown_override_and_mixed_shapes_are_rejected():
    with pytest.raises(ConfigError, match=r"'foo'.*unknown"):
        preset("tiny", foo=1)
    with pytest.raises(ConfigError, match=r"'B'.*share"):
        train([small(lam=1e-3), small(lam=1e-3, B=4)])


def test_batch_orders():
    """§1 item 6: fixed permutation repeats, reshuffling draws a new permutation, with_replacement repeats samples."""
    from simulations import problem

    fixed, reshuffled, replaced = (
        problem(small(batch_order=o, seed=3)).batches().view(8, 12)
        for o in ("fixed_permutation", "reshuffle_each_epoch", "with_replacement")
    )
    for e in range(8):  # every epoch a permutation of the 12 samples
        assert sorted(fixed[e].tolist()) == list(range(12)) == sorted(reshuffled[e].tolist())
    assert all(torch.equal(fixed[e], fixed[0]) for e in range(8))
    assert torch.equal(reshuffled[0], fixed[0])  # one stream: epoch 0 is the same draw
    assert not any(torch.equal(reshuffled[e], reshuffled[0]) for e in range(1, 8))
    assert any(len(set(replaced[e].tolist())) < 12 for e in range(8))  # some sample drawn twice in an epoch


def test_eps_scale_and_l2_factor():
    """§1 items 3 and 5: eps = eps_scale*lam*eta when eps is None; Adam's L2 term is l2_factor*lam*w."""
    from simulations.optim import Hyper

    c = small(lam=0.01, eta=0.1, eps_scale=3.0, l2_factor=2.0)
    assert c.eps_value == pytest.approx(3e-3)
    h = Hyper.from_configs([c, c.replace(optimizer="adamw")], torch.float64, "cpu")
    assert h.lam_l2.flatten().tolist() == [0.02, 0.0]
    assert h.decay.flatten().tolist() == [1.0, 1 - 0.1 * 0.01]
