"""Explicit update rules for K runs at once, each with its own hyperparameters.

Every hyperparameter is a tensor of shape (K, 1, 1, 1), so one call advances K
runs that differ in eta, lambda, beta, eps or bias correction. Symbols map to
`Hyper` fields as follows:

    eta    -> lr          beta1, beta2 -> b1, b2        eps -> eps
    lambda (in the gradient, Adam/SignSGD/SGD, eq. 3.3) -> lam_l2 (= l2_factor*lam, else 0)
    (1 - eta*lambda) (decoupled, AdamW/SignSGDW, eqs. 3.6, B.2) -> decay (else 1)

Adam family, 'current' timing (PAPER.md §1 item 2; torch's convention):

    g_t = grad + lam_l2 * w
    m_t = b1 m_{t-1} + (1-b1) g_t            v_t = b2 v_{t-1} + (1-b2) g_t^2      (3.4)
    u_t = (m_t / c1) / (sqrt(v_t / c2) + eps)    c1 = 1-b1^t, c2 = 1-b2^t if bias correction else 1
    w  <- decay * w - lr * u_t                                                     (3.5)/(3.6)

'lagged' timing steps with (m_{t-1}, v_{t-1}) as eq. (3.5) is typeset, then updates
the moments. Sign family: u_t = sgn(g_t) (5.1)/(B.2). SGD: u_t = g_t.
The arithmetic order follows torch.optim.Adam's single-tensor path, so the
'torch' reading matches it to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

FAMILY = {"adam": "adam", "adamw": "adam", "signsgd": "sign", "signsgdw": "sign", "sgd": "sgd"}
DECOUPLED = {"adamw", "signsgdw"}


@dataclass
class Hyper:
    lr: torch.Tensor
    b1: torch.Tensor
    b2: torch.Tensor
    eps: torch.Tensor
    lam_l2: torch.Tensor
    decay: torch.Tensor
    bc: torch.Tensor  # bool: bias correction on

    @staticmethod
    def from_configs(cfgs, dtype, device) -> Hyper:
        def col(vals, dt=dtype):
            return torch.tensor(vals, dtype=dt, device=device).view(-1, 1, 1, 1)

        dec = [c.optimizer in DECOUPLED for c in cfgs]
        return Hyper(
            lr=col([c.eta for c in cfgs]),
            b1=col([c.beta1 for c in cfgs]),
            b2=col([c.beta2 for c in cfgs]),
            eps=col([c.eps_value if FAMILY[c.optimizer] == "adam" else 0.0 for c in cfgs]),
            lam_l2=col([0.0 if dx else c.l2_factor * c.lam for c, dx in zip(cfgs, dec)]),
            # computed in Python double like torch's `1 - lr * weight_decay`
            decay=col([1.0 - c.eta * c.lam if dx else 1.0 for c, dx in zip(cfgs, dec)]),
            bc=col([c.bias_correction for c in cfgs], dt=torch.bool),
        )

    def slice(self, a: int, b: int) -> Hyper:
        return Hyper(**{k: getattr(self, k)[a:b] for k in self.__dataclass_fields__})


def bias_terms(h: Hyper, t: int):
    """(c1, sqrt(c2)) per run at step t >= 1, or ones where bias correction is off."""
    one = torch.ones_like(h.b1)
    c1 = torch.where(h.bc, 1 - h.b1**t, one)
    c2s = torch.where(h.bc, (1 - h.b2**t).sqrt(), one)
    return c1, c2s


def stochastic_gradient(W, grad, h: Hyper):
    """g_t of eq. (3.3): the loss gradient plus Adam's L2 term (zero for decoupled runs)."""
    return grad + h.lam_l2 * W


def adam_update(W, g, m, v, h: Hyper, c1, c2s, lagged: bool):
    """One Adam/AdamW step, in place on W, m, v. Returns u_t (the normalized direction)."""
    if lagged:
        u = m / (v.sqrt() + h.eps)
    m.lerp_(g, 1 - h.b1)
    v.mul_(h.b2).addcmul_(g, g * (1 - h.b2))
    if not lagged:
        u = (m / c1) / (v.sqrt() / c2s + h.eps)
    W.mul_(h.decay).sub_(h.lr * u)
    return u


def sign_update(W, g, h: Hyper):
    u = torch.sign(g)
    W.mul_(h.decay).sub_(h.lr * u)
    return u


def sgd_update(W, g, h: Hyper):
    W.mul_(h.decay).sub_(h.lr * g)
    return g


def family_step(fam: str, lagged: bool, aux: bool, W, grad, m, v, h: Hyper, c1, c2s, clear_grad: bool = False):
    """One update of a contiguous slice of runs of one family, in place. Returns (g_t, u_t) if aux.

    This is the whole per-step cost on the dense (K, 2, m, d) tensors, so it is the
    function `compile=True` fuses into one loop. clear_grad zeroes `grad` afterwards
    (inside the same loop when compiled).
    """
    g = stochastic_gradient(W, grad, h)
    if fam == "adam":
        u = adam_update(W, g, m, v, h, c1, c2s, lagged)
    elif fam == "sign":
        u = sign_update(W, g, h)
    else:
        u = sgd_update(W, g, h)
    if clear_grad:
        if aux:
            g = g.clone()
        grad.zero_()
    return (g, u) if aux else None
