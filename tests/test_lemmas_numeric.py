"""Lemmas that had no numeric test, measured on short runs of the simulation (each < 20 s).

* Lemma C.11 (AdamW takes sign-like steps; the twin of Lemma C.2): under the premise of
  Lemma C.2 (the last L stochastic gradients of a coordinate share one sign), the AdamW update
  has the gradient's sign and a step of order 1; plain SGD, the control, agrees in sign (u = g)
  but its step is far from order 1.
* Lemma 5.4 = B.4 = C.8 (one step of Adam decreases the objective by eta ||grad L||_1 up to an
  eta^2 term), and its AdamW twin for large batches, Lemma B.9 = C.15: at a full batch, Adam's first step (torch reading, bias corrected) is the sign
  step that Lemma C.2 reduces it to, and the change of the regularized objective (3.1),
  computed by autograd outside the engine, is -eta ||grad L||_1 plus a remainder whose fitted
  log-log slope along an eta ladder is 2 and which stays below Theta~(eta^2 d) under the
  package's convention. Control: SGD on the same ladder, whose remainder is first order in
  eta (slope 1), fails the slope rule.

The descent test covers the lemma's mechanism at a full batch only: its expectation over
mini-batches needs Lemma C.2's sign alignment, and its exact form is uncertain (docs/model.md
§7.2), so this is a property of the implementation, not a verdict on the paper.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from test_lemmas_dynamics import memory_length, premise_metrics, tiny

from simulations import data as D
from simulations import problem, train
from simulations.model import CLASS_SIGN, dense_logits, dense_loss, margin

RHO, SLOPE_TOL = 4.0, 0.25  # the package's defaults (theorycheck list --tolerances)


# ---- Lemma C.11 --------------------------------------------------------------------------------
def sign_regime(cfg) -> tuple[int, float, float]:
    """(premise coordinates after epoch 1, fraction whose update has the gradient's sign, median
    |u| there) along a run of cfg."""
    r, rows = premise_metrics(cfg)
    assert r.status == "ok", r.detail
    late = [row for row in rows[cfg.iters_per_epoch :] if row is not None and row[0] > 0]
    count = sum(row[0] for row in late)
    agree = sum(row[1] for row in late) / max(count, 1)
    return count, agree, float(np.nanmedian([row[2] for row in late]))


@pytest.mark.paper("lemC.11")
@pytest.mark.parametrize("seed,bb", [(0, (0.5, 0.9)), (1, (0.9, 0.999))])
def test_lemma_C11_adamw_steps_are_sign_like_under_the_premise(seed, bb):
    """AdamW (decoupled decay, lam = 1e-4, eta = 1e-3) at n/B = 1, Lemma C.11's Theta(1) regime,
    where every sample is in every batch: on the coordinates meeting Lemma C.2's premise,
    sgn(u) = sgn(g) for >= 99% and the median |u| is >= 0.05 (order 1, not |g|). The control,
    SGD on the same problem, passes the sign part (u = g) and fails the step part. (At n/B >= 2
    AdamW's stochastic gradient of a noise coordinate is 0 whenever its sample is out of the
    batch, so no coordinate meets the premise: that is the lemma's faded regime, not tested here.)"""
    epochs = memory_length(bb[0]) + 20  # one step per epoch: 20 steps past the memory length
    cfg = tiny(optimizer="adamw", seed=seed, beta1=bb[0], beta2=bb[1], B=20, eta=1e-3, epochs=epochs, record_every=1)
    count, agree, step = sign_regime(cfg)
    assert count >= 20, count
    assert agree >= 0.99, agree
    assert step >= 0.05, step
    ctrl = cfg.replace(optimizer="sgd", eta=0.5)  # same premise window (L from beta1); SGD ignores the betas
    c_count, c_agree, c_step = sign_regime(ctrl)
    assert c_count >= 20 and c_agree >= 0.99  # a sign agreement alone cannot tell the two apart
    assert not step <= 1e-3 and c_step <= 1e-3, (step, c_step)


# ---- Lemma 5.4 = B.4 = C.8 ---------------------------------------------------------------------
ETAS = (1e-4, 2e-4, 4e-4, 8e-4, 1.6e-3)


def objective(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, q: float, lam: float) -> torch.Tensor:
    """The regularized objective (3.1): mean cross-entropy + lam/2 ||W||_F^2 (autograd, dense)."""
    return dense_loss(W, X, y, q) + 0.5 * lam * (W**2).sum()


def descent_remainders(optimizer: str) -> tuple[np.ndarray, float, float]:
    """One full-batch step (B = n) from W0 at each eta of ETAS: the remainders R(eta) of the
    objective's change after its first-order terms, with the L1 norm of its gradient and d.

    Adam and SGD: objective (3.1) (lam/2 ||W||^2 included, lam w in the gradient), and
    R = L(W1) - L(W0) + eta ||grad L(W0)||_1. AdamW: objective (3.2) (no regularizer) and the
    decoupled decay's own first-order term taken out too: R = ... + eta lam <grad L(W0), W0>."""
    cfgs = [
        tiny(optimizer=optimizer, B=20, epochs=1, eta=eta, bias_correction=True, eps=1e-16, lam=1e-3) for eta in ETAS
    ]
    runs = train(cfgs, keep_weights=True)
    p = problem(cfgs[0])
    X, y, W0 = p.X_train().to(torch.float64), p.train.y.to(torch.float64), p.W0.to(torch.float64)
    lam_obj = 0.0 if optimizer == "adamw" else cfgs[0].lam
    W = W0.clone().requires_grad_(True)
    L0 = objective(W, X, y, cfgs[0].q, lam_obj)
    (grad,) = torch.autograd.grad(L0, W)
    L0 = float(L0.detach())
    g1 = float(grad.abs().sum())
    decay = float((grad * W0).sum()) if optimizer == "adamw" else 0.0
    rem = []
    for cfg, r in zip(cfgs, runs):
        assert r.status == "ok", r.detail
        W1 = torch.from_numpy(np.asarray(r.weights["W"])).to(torch.float64).reshape(W0.shape)
        rem.append(float(objective(W1, X, y, cfg.q, lam_obj)) - L0 + cfg.eta * g1 + cfg.eta * cfg.lam * decay)
    return np.array(rem), g1, cfgs[0].d


def slope(rem: np.ndarray) -> float:
    return float(np.polyfit(np.log(ETAS), np.log(np.abs(rem)), 1)[0])


@pytest.mark.parametrize(
    "optimizer",
    [
        pytest.param("adam", marks=pytest.mark.paper("lem5.4")),
        pytest.param("adamw", marks=pytest.mark.paper("lemB.9")),
    ],
)
def test_sign_step_descends_by_eta_l1_norm_up_to_eta_squared(optimizer):
    """Lemma 5.4 = B.4 = C.8 (Adam) and Lemma B.9 = C.15 (AdamW, large batch): the first-order
    change of the objective is exactly -eta ||grad L||_1 (plus, for AdamW, the decay's
    -eta lam <grad L, W>); what is left has fitted slope 2 in eta, is under 5% of the first-order
    term, and is below Theta~(eta^2 d) read as rho eta^2 d log n. Control: SGD, whose first-order
    term is -eta ||grad L||_2^2, leaves a first-order remainder (slope 1)."""
    rem, g1, d = descent_remainders(optimizer)
    n = 20
    assert abs(slope(rem) - 2) <= SLOPE_TOL, (slope(rem), rem)
    assert np.all(np.abs(rem) < 0.05 * np.array(ETAS) * g1), (rem, g1)
    assert np.all(rem <= RHO * np.array(ETAS) ** 2 * d * math.log(n)), rem
    ctrl, _, _ = descent_remainders("sgd")
    assert abs(slope(ctrl) - 2) > SLOPE_TOL, (slope(ctrl), ctrl)


# ---- Lemma A.6 ---------------------------------------------------------------------------------
@pytest.mark.paper("lemA.6")
@pytest.mark.parametrize("scale", [1e-2, 0.1, 0.3])  # 1.0 drives l_{y,i} below float64 (margins ~1e3)
def test_loss_derivatives_case_by_case(scale):
    """The facts Lemma A.6 proves by splitting j = y_i from j != y_i (docs/model.md §3.2-§3.3),
    with l_{j,i} = -dL_i/dF_j taken by autograd from the cross-entropy of the two logits:
    j = y_i: l = 1/(1 + e^{F_y - F_{-y}}) in (0, 1), the engine's sigmoid(-margin);
    j != y_i: l = -l_{y_i,i}; so sgn(l_{j,i}) = j y_i. Control: with the class slots read the other
    way round (slot 0 as class -1) the sign identity fails for every sample."""
    for seed in range(5):
        data = D.sample(12, 40, 5, 0.5, 0.3, seed=seed, stream=0, dtype=torch.float64)
        W = torch.randn(2, 3, 40, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale
        F = dense_logits(W, data.to_dense(), 3.0).detach().requires_grad_(True)  # (N, 2): slots of classes +1, -1
        y = data.y
        L = torch.nn.functional.cross_entropy(F, (y < 0).long(), reduction="sum")
        (dF,) = torch.autograd.grad(L, F)
        ell = -dF  # l_{j,i}, column = class slot
        slot_y = (y < 0).long()
        ell_y = ell.gather(1, slot_y[:, None])[:, 0]
        ell_other = ell.gather(1, (1 - slot_y)[:, None])[:, 0]
        mg = margin(F.detach()[None].transpose(1, 2), y[None])[0]  # F_y - F_{-y}
        torch.testing.assert_close(ell_y, 1 / (1 + torch.exp(mg)), rtol=1e-9, atol=1e-15)
        torch.testing.assert_close(ell_y, torch.sigmoid(-mg), rtol=1e-9, atol=1e-15)
        assert bool(((ell_y > 0) & (ell_y < 1)).all())
        torch.testing.assert_close(ell_other, -ell_y, rtol=1e-9, atol=1e-15)
        sign = torch.tensor(CLASS_SIGN, dtype=torch.float64)
        assert torch.equal(torch.sign(ell), sign[None, :] * y[:, None])
        assert not bool((torch.sign(ell) == -sign[None, :] * y[:, None]).any())  # the swapped reading
