"""Property tests along real training trajectories.

Guards Lemma C.1's consequence (every coordinate moves by <= C*eta per step), Lemma C.2 /
Lemma 5.1's sign approximation (docs/model.md §4.8, §8 item 2), decoupling (eqs. (3.5)/(3.6)),
the Adam -> SignSGD limit on whole trajectories, and Cor 4.3 (effective weight decay, §6,
§8 item 6). Small problems only; each train() call takes well under a second.

Per-step quantities are observed through the optimizer registry: `recording` registers a copy
of each run's optimizer with two extra pieces (taps) around its composition, optionally with
its direction piece swapped for a mutant, and trains that. The batches' supports come from
`simulations.problem(cfg)`, the problem the engine solves.
"""

import contextlib
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lemmas_optim import moment_bound_paper, moment_bound_torch, mutant_swapped_lerp

from simulations import Config, preset, problem, train
from simulations import optim as O


@contextlib.contextmanager
def recording(cfg, direction=None, keep=("g", "u", "dW")):
    """Yield (cfg', steps): cfg (a Config or a list) retargeted to tapped copies of its optimizers,
    whose every step appends the stochastic gradient g, direction u and the weight change
    dW = W_after - W_before with its decoupled part (1-decay)|W_before| (per run, shape
    (K,2,m,d)) to `steps`. direction: a piece (a mutant) that replaces adam_direction."""
    steps, cur = [], {}

    @O.piece()
    def tap_before(s, h):
        cur["W"] = s.W.clone() if "dW" in keep else None

    @O.piece()
    def tap_after(s, h):
        rec = {"g": s.g.clone(), "u": s.u.clone(), "h": h}
        if cur["W"] is not None:
            rec["dW"] = s.W - cur["W"]  # includes the decoupled decay term
            rec["decay_part"] = (1 - h.decay) * cur["W"].abs()
        steps.append(rec)

    cfgs = cfg if isinstance(cfg, list) else [cfg]
    names = {}
    for c in cfgs:
        pieces = O.REGISTRY[c.optimizer].pieces
        if direction is not None:
            pieces = tuple(direction if p is O.adam_direction else p for p in pieces)
        names[c.optimizer] = c.optimizer + "+tap"
        O.register(names[c.optimizer], tap_before, *pieces, tap_after, replace=True)
    tapped = [c.replace(optimizer=names[c.optimizer]) for c in cfgs]
    try:
        yield (tapped if isinstance(cfg, list) else tapped[0]), steps
    finally:
        for name in names.values():
            O.unregister(name)


def tiny(**kw):
    base = dict(
        d=400,
        n=20,
        s=16,
        sigma_p=0.25,
        alpha=0.2,
        sigma_0=0.05,
        m=4,
        n_test=50,
        B=2,
        lam=1e-4,
        dtype="float64",
        record_every=1000,
        epochs=6,
        disjoint_supports=True,
    )
    return Config(**{**base, **kw})


# ---- Lemma C.1 consequence: per-step movement <= C*eta (+ decoupled decay) ---------------------
def check_step_bound_on_trajectory(cfg, update=None):
    """Lemma C.1 => |w_{t+1}[k] - w_t[k]| <= eta*C_t + (1-decay)|w_t[k]| for every coordinate and
    step of a real run (C_t: the finite-t moment bound of the run's reading)."""
    with recording(cfg, update) as (tapped, steps):
        r = train(tapped)
    assert r.status == "ok", r.detail
    assert len(steps) == cfg.steps
    for t, rec in enumerate(steps, start=1):
        bnd = (moment_bound_torch if cfg.bias_correction else moment_bound_paper)(cfg.beta1, cfg.beta2, t)
        excess = rec["dW"].abs() - cfg.eta * bnd * (1 + 1e-9) - rec["decay_part"] * (1 + 1e-9) - 1e-15
        assert float(excess.max()) <= 0, f"t={t}: a coordinate moved {float(excess.max())!r} beyond C*eta"


@given(
    opt=st.sampled_from(["adam", "adamw"]),
    reading=st.sampled_from(["paper", "torch"]),
    b1=st.sampled_from([0.0, 0.5, 0.9]),
    b2=st.sampled_from([0.9, 0.99, 0.999]),
    eta=st.sampled_from([1e-3, 1e-2, 0.1]),
    seed=st.integers(0, 1000),
)
@settings(max_examples=6)
@pytest.mark.paper("lemC.1")
def test_lemma_C1_no_coordinate_moves_more_than_C_eta(opt, reading, b1, b2, eta, seed):
    """Lemma C.1 (§4.7, §8 item 1): along real stochastic Adam/AdamW runs (both readings), each
    step moves each coordinate by at most C*eta plus the decoupled-decay part eta*lam*|w|."""
    lam = 0.5 if opt == "adamw" else 1e-3
    cfg = preset(
        "tiny",
        reading=reading,
        optimizer=opt,
        lam=lam,
        eta=eta,
        beta1=b1,
        beta2=b2,
        seed=seed,
        d=80,
        n=8,
        s=6,
        m=3,
        B=2,
        epochs=8,
        n_test=20,
        dtype="float64",
        record_every=1000,
    )
    check_step_bound_on_trajectory(cfg)


def test_step_bound_catches_mutant_through_train():
    """The mutation test through train(): the swapped-lerp mutant registered as a direction piece
    (fresh gradient weighted b1 = 0.9 instead of 1-b1) breaks the per-step bound."""
    cfg = preset(
        "tiny",
        optimizer="adam",
        lam=1e-3,
        d=80,
        n=8,
        s=6,
        m=3,
        B=2,
        epochs=3,
        n_test=20,
        dtype="float64",
        record_every=1000,
    )
    check_step_bound_on_trajectory(cfg)
    with pytest.raises(AssertionError):
        check_step_bound_on_trajectory(cfg, update=mutant_swapped_lerp)


# ---- Lemma C.2 / Lemma 5.1: sign agreement ----------------------------------------------------
def memory_length(b1, tol=1e-3):
    """Steps after which the first moment forgets a gradient up to `tol` (b1^L <= tol): the
    tau_bar of Lemma C.2 with lambda*eta replaced by a fixed tolerance."""
    return 1 if b1 == 0 else math.ceil(math.log(tol) / math.log(b1))


def premise_metrics(cfg):
    """Train `cfg` (record_every=1) through a tapped optimizer and recompute, from every step's g and
    u and the batch supports of problem(cfg), Lemma C.2's premise at each step t: the active
    coordinates (feature + batch supports, all 2m filters) whose last L = memory_length(beta1)
    stochastic gradients share one nonzero sign and with |g_t| > eps. Returns the trainer's result
    and, per step, (premise count, agreements, median |u|, active count)."""
    with recording(cfg, keep=("g", "u")) as (tapped, steps):
        r = train(tapped)
    p = problem(cfg)
    batches = p.batches()
    S = torch.stack([torch.sign(x["g"][0]) for x in steps])  # (T, 2, m, d)
    L, eps = memory_length(cfg.beta1), cfg.eps_value
    rows = [None]  # step 0 has none
    for t in range(1, len(steps) + 1):
        g, u = steps[t - 1]["g"][0], steps[t - 1]["u"][0]
        act = torch.zeros(cfg.d, dtype=torch.bool)
        act[p.train.idx[batches[t - 1]].flatten()] = True
        act[0] = True
        prem = torch.zeros_like(g, dtype=torch.bool)
        if t >= L:
            prem = (S[t - L : t] == S[t - 1]).all(0) & (S[t - 1] != 0) & (g.abs() > eps) & act
        agree = (torch.sign(u) == torch.sign(g)) & prem
        med = float(u.abs()[prem].median()) if prem.any() else math.nan
        rows.append((int(prem.sum()), int(agree.sum()), med, int(act.sum()) * 2 * cfg.m))
    return r, rows


@given(
    seed=st.integers(0, 10_000),
    bb=st.sampled_from([(0.9, 0.999), (0.5, 0.9), (0.8, 0.99)]),
    B=st.sampled_from([1, 2]),
    eta=st.sampled_from([1e-4, 1e-3]),
)
@settings(max_examples=6)
@pytest.mark.paper("lemC.2")
def test_lemma_C2_sign_agreement_under_its_premise(seed, bb, B, eta):
    """Lemma C.2 (§4.8, "the signs of g^{(t-tau)} agree for tau in [0, tau_bar]"): on mini-batch
    runs with disjoint supports and small eta, every active coordinate whose last L stochastic
    gradients share one sign (b1^L <= 1e-3) and exceed eps has sgn(Adam update) = sgn(g): fraction
    >= 0.99 after the first epoch (measured 1.0 in every setting tried, eta 1e-4..5e-2, B 1..4,
    betas (0.9,.999), (0.5,.9)), with steps |u| = Theta(1) there (median measured 0.09-1.96). The trainer records this as `sign_agree_premise`, `step_premise`
    and `sign_premise_frac`; they must equal the independent computation here, step by step."""
    ipe = 20 // B
    epochs = -(-memory_length(bb[0]) // ipe) + 4  # >= 4 epochs of steps past the memory length
    cfg = tiny(seed=seed, beta1=bb[0], beta2=bb[1], B=B, eta=eta, epochs=epochs, record_every=1)
    r, rows = premise_metrics(cfg)
    T = r.trajectory
    assert r.status == "ok" and len(rows) == len(T["step"])
    for t, row in enumerate(rows):
        if row is None or row[0] == 0:  # step 0, or no coordinate meets the premise
            assert np.isnan(T["sign_agree_premise"][t]) and np.isnan(T["step_premise"][t]), t
            continue
        n_prem, n_agree, med, n_act = row
        assert T["sign_agree_premise"][t] == pytest.approx(n_agree / n_prem, rel=1e-12), t
        assert T["step_premise"][t] == pytest.approx(med, rel=1e-12), t
        assert T["sign_premise_frac"][t] == pytest.approx(n_prem / n_act, rel=1e-12), t
    late = [row for row in rows[cfg.iters_per_epoch :] if row is not None]
    count = sum(row[0] for row in late)
    assert count >= 20  # measured 126-14000 premise coordinates
    assert sum(row[1] for row in late) / count >= 0.99
    assert np.nanmedian(T["step_premise"][cfg.iters_per_epoch :]) >= 0.05  # sign-like: |u| = Theta(1), not |g|


def test_premise_metrics_separate_adam_from_sgd():
    """The negative control: SGD also agrees in sign with its own gradient (u = g), but its step on the
    premise coordinates is |g| << 1, while Adam's is Theta(1). step_premise is what tells them apart."""
    cfgs = [tiny(optimizer=o, eta=1e-3 if o == "adam" else 0.5, record_every=2, epochs=12) for o in ("adam", "sgd")]
    adam, sgd = train(cfgs)
    ipe = cfgs[0].iters_per_epoch
    assert np.nanmin(adam.trajectory["sign_agree_premise"][ipe // 10 :]) >= 0.99
    assert np.nanmin(sgd.trajectory["sign_agree_premise"][ipe // 10 :]) == 1.0
    # measured (seeds 0-5): Adam 0.09-0.20, SGD 4e-6-7e-6
    assert np.nanmedian(adam.trajectory["step_premise"]) >= 0.05
    assert np.nanmedian(sgd.trajectory["step_premise"]) <= 1e-3


def test_premise_needs_no_history_before_its_window():
    """The sign history is kept only over the L steps before each record point: sparse records give
    the same premise metrics as recording (and tracking) every step."""
    dense = tiny(beta1=0.5, beta2=0.9, eta=1e-3, epochs=4, record_every=1)
    sparse = dense.replace(record_every=17)  # 17 > L = 10: tracking starts fresh before each record
    a, b = train([dense]), train([sparse])
    a, b = a[0], b[0]
    at = np.searchsorted(a.trajectory["step"], b.trajectory["step"])
    for k in ("sign_agree_premise", "step_premise", "sign_premise_frac"):
        np.testing.assert_array_equal(a.trajectory[k][at], b.trajectory[k], err_msg=k)
    assert np.isfinite(b.trajectory["sign_agree_premise"][1:]).all()


@given(seed=st.integers(0, 10_000), bb=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]))
@settings(max_examples=4)
@pytest.mark.paper("lemC.2")
def test_sign_agreement_is_lower_at_large_eta(seed, bb):
    """Lemma C.2 needs eta small (eta*tau_bar*s*sigma_p = o(1), §5.3): the trainer's sign_agree
    metric (mean after epoch 1) at eta = 5e-2 is measurably below eta = 1e-4 (measured 0.58-0.65
    vs 0.88-0.91 for (0.9,0.999); 0.85-0.86 vs 0.96-0.98 for (0.5,0.9)); so is the number of
    coordinates meeting the premise."""
    cfgs = [tiny(seed=seed, beta1=bb[0], beta2=bb[1], eta=eta, record_every=1, epochs=8) for eta in (1e-4, 5e-2)]
    rs = train(cfgs)
    m_small, m_large = (np.nanmean(r.trajectory["sign_agree"][cfgs[0].iters_per_epoch :]) for r in rs)
    assert m_small >= m_large + 0.05, (m_small, m_large)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="measured: the unconditional sign_agree metric (all active coords: "
    "feature + batch supports, all 2m filters) stays at 0.88-0.98 with small eta; the "
    "feature coordinate agrees only 0.52-0.72 of the time at B=1..2 because its gradient "
    "changes sign with the sampled label (Lemma C.2's |g[1]| <= Theta~(eta) branch). "
    "Lemma C.2 speaks of the premise coordinates only: sign_agree_premise",
)
def test_trainer_sign_agree_metric_reaches_099_at_small_eta():
    """The unconditional metric (kept as a diagnostic) does not reach 0.99 at small eta, although the
    premise-restricted one does (test above). A strict xfail, so that a change of the metric or the
    dynamics that makes it pass is noticed."""
    cfgs = [tiny(seed=s, beta1=0.9, beta2=0.999, eta=1e-4, record_every=1, epochs=6) for s in (0, 1)]
    for r, c in zip(train(cfgs), cfgs):
        assert np.nanmean(r.trajectory["sign_agree"][c.iters_per_epoch :]) >= 0.99


# ---- decoupling and the sign limit on whole trajectories ---------------------------------------
@given(
    seed=st.integers(0, 10_000),
    eps=st.sampled_from([1e-8, 1e-6]),
    reading=st.booleans(),
    bb=st.sampled_from([(0.9, 0.999), (0.5, 0.9), (0.0, 0.5)]),
)
@settings(max_examples=5)
def test_adamw_with_zero_lambda_equals_adam(seed, eps, reading, bb):
    """Eqs. (3.5)/(3.6): with lambda = 0 Adam and AdamW are the same algorithm; whole float64
    trajectories (weights and every recorded metric) agree bit-for-bit."""
    kw = dict(
        lam=0.0,
        eps=eps,
        seed=seed,
        bias_correction=reading,
        beta1=bb[0],
        beta2=bb[1],
        record_every=5,
        disjoint_supports=False,
        epochs=4,
    )
    a, w = train([tiny(optimizer="adam", **kw), tiny(optimizer="adamw", **kw)], keep_weights=True)
    assert np.array_equal(a.weights["W"], w.weights["W"])
    for k in a.trajectory:
        assert np.array_equal(a.trajectory[k], w.trajectory[k], equal_nan=True), k


@given(seed=st.integers(0, 10_000), lam=st.sampled_from([1e-3, 0.1]), decoupled=st.booleans())
@settings(max_examples=4)
def test_adam_zero_betas_trajectory_equals_signsgd(seed, lam, decoupled):
    """§4.6: with beta1 = beta2 = 0 and eps = 1e-30 (float64), Adam's whole trajectory equals
    SignSGD's (eq. 5.1, L2 inside the sign) and AdamW's equals SignSGDW's (eq. B.2)."""
    kw = dict(lam=lam, seed=seed, beta1=0.0, beta2=0.0, eta=1e-2, record_every=5, epochs=4)
    a_opt, s_opt = ("adamw", "signsgdw") if decoupled else ("adam", "signsgd")
    a, s = train([tiny(optimizer=a_opt, eps=1e-30, **kw), tiny(optimizer=s_opt, **kw)], keep_weights=True)
    np.testing.assert_allclose(a.weights["W"], s.weights["W"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.trajectory["feat_pos"], s.trajectory["feat_pos"], rtol=0, atol=1e-12)


# ---- Cor 4.3: effective weight decay ------------------------------------------------------------
def cor43_run(lam, seed, B):
    """tiny preset (sigma_0 = 0.01, q = 3, so sigma_0^{q-2} = 0.01), float64."""
    epochs = 60 if B == 2 else 600
    return preset(
        "tiny", optimizer="adam", lam=lam, seed=seed, B=B, epochs=epochs, n_test=100, dtype="float64", record_every=20
    )


def feature_max(r):
    return np.maximum(r.trajectory["feat_pos"], r.trajectory["feat_neg"])


def check_stuck_at_init(r):
    """Cor 4.3 / Lemma B.5 (presumed form, §7.2): max_r <w_{j,r}, jv> never exceeds its initial
    value by more than sigma_0, and ||W - W0||_F <= 2 sigma_0 sqrt(#params) over the whole run
    (measured: feature max = initial value exactly; distance <= 1.55 sigma_0 sqrt(#params), i.e.
    the weights decay from ||W0|| ~ sigma_0 sqrt(#params) to O(eta) and oscillate there)."""
    c = r.config
    f = feature_max(r)
    assert r.status in ("ok", "collapsed"), r.detail  # collapsing to ~0 is the predicted way of being stuck
    assert f.max() <= max(f[0], 0.0) + c.sigma_0, (f.max(), f[0])
    npar = 2 * c.m * c.d
    assert r.trajectory["dist_init"].max() <= 2 * c.sigma_0 * math.sqrt(npar), r.trajectory["dist_init"].max()


@given(factor=st.floats(10.0, 100.0), seed=st.integers(0, 10_000), B=st.sampled_from([2, 40]))
@settings(max_examples=5)
@pytest.mark.paper("cor4.3", "lemB.5")
def test_cor43_large_lambda_stays_at_initialization(factor, seed, B):
    """Cor 4.3 (§6): lambda = 10-100 x sigma_0^{q-2} (lambda*sigma_0 beats the loss gradient
    ~sigma_0^{q-1}): Adam never learns the feature and stays within O(sigma_0) of the init scale,
    in the mini-batch (B=2) and full-batch (B=n=40) regimes."""
    cfg = cor43_run(factor * 0.01 ** (3 - 2), seed, B)
    check_stuck_at_init(train(cfg))


@pytest.mark.paper("cor4.3", "lemB.5")
def test_cor43_stuck_adam_collapses_to_zero():
    """Cor 4.3's physics, as the engine reports it: with lambda = 100 sigma_0^{q-2} the L2 term wins
    every sign, the weights shrink by ~eta per step to below eta, where eps = lam*eta turns Adam into a
    damped gradient step on lam*w that drives them geometrically to 0: status 'collapsed'."""
    r = train(cor43_run(1.0, 0, 2), keep_weights=True)
    check_stuck_at_init(r)
    assert r.status == "collapsed" and r.status_step <= r.config.steps
    assert np.abs(r.weights["W"]).max() <= 1e-6 * r.config.sigma_0


@given(seed=st.integers(0, 10_000))
@settings(max_examples=2)
def test_cor43_contrast_small_lambda_learns_the_feature(seed):
    """Cor 4.3's contrast (Thm 4.2 regime, lambda = 1e-4 << sigma_0^{q-2} = 0.01): the feature grows
    far beyond sigma_0 (measured 79-169 sigma_0), so check_stuck_at_init fails, i.e. it can fail."""
    r = train(cor43_run(1e-4, seed, 2))
    assert feature_max(r).max() >= 30 * r.config.sigma_0
    with pytest.raises(AssertionError):
        check_stuck_at_init(r)
