"""Status detection: whether a run diverged, collapsed, underflowed or saturated (`result.STATUSES`).

Checked at every record point; the first status that applies wins, and it sticks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from .model import loss_and_grad_dense
from .optim import REGISTRY

if TYPE_CHECKING:
    from .trainer import Trainer

COLLAPSE = 1e-6  # collapsed: max|W| <= COLLAPSE * sigma_0
SATURATION_LOSS = 1e-3  # saturated: zero loss gradient while the training loss is above this


def detect_status(tr: Trainer, t: int, W: Tensor, loss: Tensor, gnorm: Tensor, ks: list[int]) -> dict[int, tuple]:
    """{k: (status, detail)} for each run k of `ks` (runs still 'ok') that meets a status at iteration t.

    The trainer applies it to each reading of run k that records at t (a run read at several
    lengths keeps one status per length, each judged at its own record points)."""
    if not ks:
        return {}
    c0 = tr.c0
    finite = (torch.isfinite(W).flatten(1).all(1) & torch.isfinite(loss)).tolist()
    collapsed = (W.flatten(1).abs().amax(1) <= COLLAPSE * c0.sigma_0).tolist()
    zero = (gnorm == 0).tolist()
    frozen = [k for k in ks if finite[k] and not collapsed[k] and zero[k]]
    visible = visible_in_float64(tr, frozen) if frozen else {}
    losses = loss.tolist()
    out: dict[int, tuple] = {}
    for k in ks:
        if not finite[k]:
            new, why = "diverged", f"non-finite weights or loss at iteration {t}"
        elif collapsed[k]:
            new, why = "collapsed", f"every weight is below {COLLAPSE:g} sigma_0 at iteration {t}"
        elif visible.get(k):
            new, why = (
                "underflow",
                (
                    f"the {c0.dtype} loss gradient is exactly zero at iteration {t}, but in float64 "
                    f"it would still move the weights: training froze by underflow"
                ),
            )
        elif k in visible and losses[k] > SATURATION_LOSS:
            new, why = (
                "saturated",
                (
                    f"the loss gradient is exactly zero at iteration {t} (also in float64) while the "
                    f"training loss is {losses[k]:.3g} > {SATURATION_LOSS:g}: every unit that could learn is dead"
                ),
            )
        else:
            continue
        out[k] = (new, why)
    return out


def visible_in_float64(tr: Trainer, ks: list[int]) -> dict[int, bool]:
    """For runs whose loss gradient is exactly zero in their dtype: would float64 still move them?

    A zero gradient is physics, not an artifact, when the exact gradient is too small
    to produce a visible step anyway (e.g. Adam's weights decayed to ~0 with
    eps = lam*eta, Cor. 4.3). It is an underflow when the float64 gradient exceeds the
    optimizer's floor (`Optimizer.floor`): eps for Adam, any nonzero value for sign
    methods, a step eta*|g| > 1e-30 for SGD.
    """
    c0, sel = tr.c0, torch.tensor(ks, device=tr.dev)
    _, _, g64 = loss_and_grad_dense(tr.W[sel].double(), tr.y[sel].double(), tr.xi[sel].double(), c0.q)
    out = {}
    for j, k in enumerate(ks):
        c = tr.cfgs[k]
        out[k] = float(g64[j].abs().max()) > REGISTRY[c.optimizer].floor(c)
    return out
