"""The metrics a run records: what `simulations.train` computes at step 0 and at each record point.

Each function reads the state of a block of K runs (a `trainer.Trainer`) and returns one value per
run; the names are `result.METRICS` and `result.FINAL_ONLY`, and `simulations/reference.py`
writes each of them out for a single run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from .model import act_grad, inner_products_bag, inner_products_dense, logits, loss_and_grad_dense, margin
from .result import FINAL_ONLY

if TYPE_CHECKING:
    from .trainer import Trainer

MEMORY_TOL = 1e-3  # Lemma C.2's premise looks back L = ceil(log(MEMORY_TOL) / log(beta1)) steps


def memory_length(beta1: float) -> int:
    """L: the number of recent gradients Lemma C.2's premise asks to agree in sign (beta1^L <= 1e-3)."""
    return 1 if beta1 == 0 else max(1, math.ceil(math.log(MEMORY_TOL) / math.log(beta1)))


@torch.no_grad()
def initial_gradient_scale(tr: Trainer) -> dict[str, Tensor]:
    """FINAL_ONLY: the scale of the per-sample stochastic gradient at W_0, with the run's B.

    Per training sample i and own-class filter (j = y_i, r) with <w_{j,r}, xi_i> > 0, the noise
    entries are (1/B) |l_{j,i}| sigma'(<w_{j,r}, xi_i>) |xi_i[k]|, k in B_i; per own-class filter
    with y_i w_{j,r}[1] > 0 the feature entry is (1/B) |l_{j,i}| sigma'(y_i w_{j,r}[1]).
    Medians are lower medians; NaN when there is no such entry.
    """
    c0, K, W = tr.c0, tr.K, tr.W
    feat, noise = inner_products_dense(W, tr.y, tr.xi)
    ell = torch.sigmoid(-margin(logits(feat, noise, c0.q), tr.y))  # |l_{y_i,i}|, (K, n)
    own = (tr.y < 0).long()[:, None, None, :].expand(K, 1, c0.m, c0.n)  # class slot of y_i
    nz, ft = noise.gather(1, own).squeeze(1), feat.gather(1, own).squeeze(1)  # (K, m, n)
    c_noise = ell[:, None, :] * act_grad(nz, c0.q) / c0.B
    c_feat = ell[:, None, :] * act_grad(ft, c0.q) / c0.B
    out = {k: torch.full((K,), math.nan, dtype=torch.float64) for k in FINAL_ONLY}
    for k in range(K):
        entries = (c_noise[k][..., None] * tr.val[k].abs()[None])[nz[k] > 0].flatten()  # (#, s) -> flat
        feats = c_feat[k][ft[k] > 0]
        if entries.numel():
            out["g0_noise"][k] = float(entries.median())
            out["g0_below_eps"][k] = float((entries < tr.h.eps[k, 0, 0, 0]).double().mean())
        if feats.numel():
            out["g0_feature"][k] = float(feats.median())
    return out


@torch.no_grad()
def at_record_point(
    tr: Trainer, g: Tensor | None, u: Tensor | None, idxb: Tensor | None, nan: Tensor
) -> tuple[dict[str, Tensor], Tensor, Tensor]:
    """Every METRIC at the current weights (the error metrics before a divergence masks them),
    plus the training loss and the gradient's max entry, which status detection reads.
    g, u: the last step's g_t and u_t (None at step 0); idxb: its batch's noise supports."""
    c0, K, W = tr.c0, tr.K, tr.W
    out: dict[str, Tensor] = {}
    loss, mg, grad, noise = loss_and_grad_dense(W, tr.y, tr.xi, c0.q, with_noise=True)
    own = (tr.y < 0).long()  # class slot of y_i
    mem = noise.gather(1, own[:, None, None, :].expand(K, 1, c0.m, c0.n)).squeeze(1).amax(1)  # (K, n)
    pos = tr.y > 0

    def masked(x: Tensor, mask: Tensor, fn: str) -> Tensor:  # max/min over the masked points, NaN if none
        fill = -math.inf if fn == "amax" else math.inf
        return torch.where(mask.any(1), getattr(torch.where(mask, x, fill), fn)(1), nan)

    out["train_loss"] = loss
    err, ties = error_and_ties(mg)
    test_err, test_ties = held_out_errors(tr)
    out.update(train_err=err, train_ties=ties, test_err=test_err, test_ties=test_ties)
    out["feat_pos"] = W[:, 0, :, 0].amax(1)  # max_r <w_{+1,r}, +v>
    out["feat_neg"] = (-W[:, 1, :, 0]).amax(1)  # max_r <w_{-1,r}, -v>
    out["noise_max"] = mem.amax(1)
    out["noise_min"] = mem.amin(1)
    for cls, mask in (("pos", pos), ("neg", ~pos)):
        out[f"noise_max_{cls}"] = masked(mem, mask, "amax")
        out[f"noise_min_{cls}"] = masked(mem, mask, "amin")
    # a fresh point's noise response sum_{k in B} w[k] xi[k] has standard deviation
    # sigma_p ||w_B||, and E||w_B||^2 = s/(d-1) ||w[2:]||^2 over its random support B (Lemma C.20)
    scale = c0.sigma_p * math.sqrt(c0.s / (c0.d - 1))
    out["noise_resp"] = scale * W[..., 1:].norm(dim=-1).flatten(1).amax(1)
    out["dist_init"] = (W - tr.W0).flatten(1).norm(dim=1)
    gnorm = grad.flatten(1).abs().amax(1)
    out["grad_norm"] = gnorm
    out.update(sign_metrics(tr, g, u, idxb, nan))
    return out, loss, gnorm


def sign_metrics(tr: Trainer, g: Tensor | None, u: Tensor | None, idxb: Tensor | None, nan: Tensor) -> dict:
    """sign_agree on the active coordinates (the feature coordinate and the batch's noise supports,
    all 2m filters) and, on those of them meeting Lemma C.2's premise (the last L stochastic
    gradients share one nonzero sign, and |g_t| > eps), the agreement, the median |u_t| and
    their share. NaN at step 0 and where no coordinate meets the premise. step_max: the largest
    |u_t| over every coordinate of every filter (Lemma C.1 bounds it for Adam), NaN at step 0."""
    names = ("sign_agree", "sign_agree_premise", "step_premise", "sign_premise_frac", "step_max")
    if g is None or u is None or idxb is None:
        return dict.fromkeys(names, nan)
    c0, K, dt = tr.c0, tr.K, tr.dt
    active = torch.zeros(K, c0.d, dtype=torch.bool, device=g.device)
    active.scatter_(1, idxb.reshape(K, -1), True)
    active[:, 0] = True
    active = active[:, None, None, :]
    n_active = (active.flatten(1).sum(1) * 2 * c0.m).to(dt)
    agree = torch.sign(u) == torch.sign(g)
    premise = active & (tr.run_len >= tr.L) & (g.abs() > tr.h.eps)
    n_premise = premise.flatten(1).sum(1).to(dt)
    step = torch.where(premise, u.abs(), math.nan).flatten(1).nanmedian(1).values
    return {
        "sign_agree": (agree & active).flatten(1).sum(1).to(dt) / n_active,
        "sign_agree_premise": torch.where(n_premise > 0, (agree & premise).flatten(1).sum(1).to(dt) / n_premise, nan),
        "step_premise": torch.where(n_premise > 0, step, nan),
        "sign_premise_frac": torch.where(n_premise > 0, n_premise / n_active, nan),
        "step_max": u.abs().flatten(1).amax(1),
    }


def held_out_errors(tr: Trainer) -> tuple[Tensor, Tensor]:
    """Test error and tie fraction per run, from the sparse test patches (weighted row sums:
    O(s) per point instead of O(d), the dense (K, N, d) patches are never built). At the paper's
    test set this was most of a mini-batch run's time before `inner_products_bag`."""
    c0, K = tr.c0, tr.K
    nt = tr.test["y"].shape[1]
    chunk = max(1, min(nt, 4_000_000 // (c0.s * K)))  # bounds the (K, chunk, s) row numbers (int64)
    wrong = torch.zeros(K, dtype=tr.dt, device=tr.dev)
    tied = torch.zeros_like(wrong)
    for a in range(0, nt, chunk):
        y = tr.test["y"][tr.slot, a : a + chunk]
        feat, noise = inner_products_bag(
            tr.W,
            y,
            tr.test["idx"][tr.slot, a : a + chunk],
            tr.test["val"][tr.slot, a : a + chunk],
            c0.alpha,
        )
        mg = margin(logits(feat, noise, c0.q), y)
        wrong += torch.where(mg.isnan().any(1), math.nan, (mg <= 0).to(tr.dt).sum(1))
        tied += (mg == 0).to(tr.dt).sum(1)
    return wrong / nt, torch.where(wrong.isnan(), math.nan, tied / nt)


def error_and_ties(mg: Tensor) -> tuple[Tensor, Tensor]:
    """Per run: the fraction of margins <= 0 (ties count as errors) and == 0; NaN if a margin is NaN."""
    bad = mg.isnan().any(1)
    err = (mg <= 0).to(mg.dtype).mean(1)
    ties = (mg == 0).to(mg.dtype).mean(1)
    return torch.where(bad, math.nan, err), torch.where(bad, math.nan, ties)
