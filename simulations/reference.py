"""The executable specification: one training run, written out plainly. Read this file first.

Everything else in `simulations` is an optimization of what this file does, and the tests
(tests/test_reference.py) hold the batched engine to it, optimizer by optimizer and option
by option. It shares nothing with the engine's model or optimizer code: the gradient comes
from autograd, and each update rule is written out in a few lines exactly as in the paper.
Only the problem is shared (`problem(cfg)`: the seeded draws of the data, W_0 and the batch
order), so that both solve the same one.

The model (Definitions 3.1, 3.2; docs/model.md §2-§3)
------------------------------------------------------
A sample is x = [x_1, x_2] in R^{2d} with a label y in {-1, +1}. One patch is the signal
y*v with v = e_1 (coordinate 0 in the code); the other is the noise patch

    xi = Gaussian N(0, sigma_p^2) on s random coordinates of [d] minus {1}  -  alpha * y * v.

The network has m filters per class, w_{j,r} in R^d for j in {+1, -1}, shared by both patches:

    F_j(W, x) = sum_r  sigma(<w_{j,r}, x_1>) + sigma(<w_{j,r}, x_2>),   sigma(z) = max(z, 0)^q.

W is stored as a (2, m, d) tensor: W[0] holds the filters of class +1, W[1] those of class -1.
The loss is the two-logit cross-entropy L_i = -log softmax(F(W, x_i))_{y_i}.

The updates (eqs. 3.3-3.6, 5.1, B.2; docs/model.md §4)
-------------------------------------------------------
At iteration t the batch I_t (B samples) gives the stochastic gradient

    g_t = (1/B) sum_{i in I_t} grad L_i(W_t)  [+ l2_factor * lambda * W_t for adam, signsgd, sgd]   (3.3)

and the optimizers step as follows (no bias correction, 'current' moment timing: the defaults)

    adam     m_t = b1 m_{t-1} + (1-b1) g_t,  v_t = b2 v_{t-1} + (1-b2) g_t^2             (3.4)
             W_{t+1} = W_t - eta * m_t / (sqrt(v_t) + eps)                                  (3.5)
    adamw    W_{t+1} = (1 - eta*lambda) W_t - eta * m_t / (sqrt(v_t) + eps)                 (3.6)
    signsgd  W_{t+1} = W_t - eta * sgn(g_t)                                                 (5.1)
    signsgdw W_{t+1} = (1 - eta*lambda) W_t - eta * sgn(g_t)                                (B.2)
    sgd      W_{t+1} = W_t - eta * g_t

The options each answer a question the paper leaves open (docs/model.md §1): bias correction
divides m_t by 1-b1^t and v_t by 1-b2^t (torch's Adam does, the theory does not);
'lagged' timing steps with m_{t-1}, v_{t-1} as eq. (3.5) is typeset; eps = eps_scale*lambda*eta
unless given; the batch order is one fixed permutation (the proofs' reading), a fresh
permutation every epoch, or n draws with replacement every epoch.

What is recorded
----------------
At step 0 and every `record_interval` steps (and the last), `record` below computes each
metric of `simulations.train.METRICS` from its definition, and `initial_gradient_scale` the
step-0 quantities of `FINAL_ONLY`. The status checks (divergence, collapse, underflow,
saturation) are the engine's alone: the runs compared here are healthy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .config import Config, ConfigError
from .data import Problem, problem

L2_IN_GRADIENT = ("adam", "signsgd", "sgd")  # eq. (3.3) adds lambda*w; adamw, signsgdw decay the weights
DECOUPLED = ("adamw", "signsgdw")


def network(W: torch.Tensor, X: torch.Tensor, q: float) -> torch.Tensor:
    """F(W, x) for every row of X (N, 2d): (N, 2), column 0 is F_{+1}, column 1 is F_{-1}."""
    d = W.shape[-1]
    sigma = lambda z: torch.clamp(z, min=0) ** q
    z1 = torch.einsum("jrk,nk->njr", W, X[:, :d])  # <w_{j,r}, x_1>
    z2 = torch.einsum("jrk,nk->njr", W, X[:, d:])  # <w_{j,r}, x_2>
    return (sigma(z1) + sigma(z2)).sum(-1)


def loss(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, q: float) -> torch.Tensor:
    """Mean two-logit cross-entropy; label +1 is logit column 0, label -1 column 1."""
    return torch.nn.functional.cross_entropy(network(W, X, q), (y < 0).long())


def errors(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, q: float) -> float:
    """Fraction of samples with F_y <= F_{-y}: ties count as errors (docs/model.md §1 item 13)."""
    F = network(W, X, q)
    F_y, F_other = torch.where(y > 0, F[:, 0], F[:, 1]), torch.where(y > 0, F[:, 1], F[:, 0])
    return float((F_y <= F_other).double().mean())


def ties(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, q: float) -> float:
    """Fraction of samples with F_y == F_{-y} exactly (e.g. every unit dead: both logits 0)."""
    F = network(W, X, q)
    return float((F[:, 0] == F[:, 1]).double().mean())


@dataclass
class ReferenceRun:
    trajectory: dict[str, np.ndarray]  # metric -> values at the record points; plus 'step'
    final_only: dict[str, float]  # the step-0 gradient scales (simulations.train.FINAL_ONLY)
    W: np.ndarray  # (2, m, d) final weights
    W0: np.ndarray
    m: np.ndarray  # Adam's moments (zeros for the other optimizers)
    v: np.ndarray


def memory_length(beta1: float) -> int:
    """Lemma C.2 asks the last L gradients to agree in sign, L the first moment's memory: beta1^L <= 1e-3."""
    return 1 if beta1 == 0 else max(1, math.ceil(math.log(1e-3) / math.log(beta1)))


def initial_gradient_scale(cfg: Config, p: Problem, eps: float) -> dict[str, float]:
    """How large the per-sample stochastic gradient is at W_0, with the run's batch size B.

    Noise entries: for sample i, own-class filter (j = y_i, r) with <w_{j,r}, xi_i> > 0 and
    k in B_i, the entry |d L_i / d w_{j,r}[k]| / B = (1/B) |l_{j,i}| sigma'(<w_{j,r},xi_i>) |xi_i[k]|
    (here by autograd). Feature entries: (1/B) |l_{j,i}| sigma'(y_i w_{j,r}[1]) for own-class
    filters with y_i w_{j,r}[1] > 0. If eps exceeds every noise entry, Adam's step is eps-damped
    SGD rather than sign-like."""
    X, y, xi, W0 = p.X_train(), p.train.y, p.xi_train(), p.W0
    noise_entries, feat_entries = [], []
    for i in range(cfg.n):
        j = 0 if y[i] > 0 else 1  # own class slot
        Wr = W0.clone().requires_grad_()
        (g_i,) = torch.autograd.grad(loss(Wr, X[i : i + 1], y[i : i + 1], cfg.q) / cfg.B, Wr)
        ell = 1 - torch.softmax(network(W0, X[i : i + 1], cfg.q), dim=1)[0, j]  # l_{y_i,i}
        for r in range(cfg.m):
            if W0[j, r] @ xi[i] > 0:
                noise_entries += g_i[j, r, p.train.idx[i]].abs().tolist()
            z = y[i] * W0[j, r, 0]
            if z > 0:
                feat_entries.append(float(ell * cfg.q * z ** (cfg.q - 1) / cfg.B))
    lower_median = lambda xs: sorted(xs)[(len(xs) - 1) // 2] if xs else math.nan
    return {
        "g0_noise": lower_median(noise_entries),
        "g0_feature": lower_median(feat_entries),
        "g0_below_eps": float(np.mean([x < eps for x in noise_entries])) if noise_entries else math.nan,
    }


def train_reference(cfg: Config) -> ReferenceRun:
    """Train the run `cfg` (one of the five built-in optimizers) on the CPU in cfg's dtype."""
    if not isinstance(cfg, Config):
        raise ConfigError("cfg", f"must be a simulations.Config, got {type(cfg).__name__}")
    if cfg.optimizer not in L2_IN_GRADIENT + DECOUPLED:
        raise ValueError(f"the reference covers adam, adamw, signsgd, signsgdw, sgd, not {cfg.optimizer!r}")
    dt = getattr(torch, cfg.dtype)
    p = problem(cfg)  # the data, W_0 and batch order, drawn in float64 from the run's seed
    X, y, X_test, y_test, xi = (a.to(dt) for a in (p.X_train(), p.train.y, p.X_test(), p.test.y, p.xi_train()))
    W = p.W0.to(dt)
    W0 = W.clone()
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    eta, lam, b1, b2, eps = cfg.eta, cfg.lam, cfg.beta1, cfg.beta2, cfg.eps_value
    adam = cfg.optimizer in ("adam", "adamw")
    eps_run = eps if adam else 0.0  # the sign and gradient directions have no eps
    L = memory_length(b1)
    signs: list[torch.Tensor] = []  # sgn(g_t) of every step so far, for Lemma C.2's premise

    traj: dict[str, list] = {}

    def record(
        t: int, g: torch.Tensor | None = None, u: torch.Tensor | None = None, batch: torch.Tensor | None = None
    ) -> None:
        """The engine's metrics (simulations.train.METRICS), written out."""
        Wr = W.detach().requires_grad_()
        full = loss(Wr, X, y, cfg.q)
        (grad_full,) = torch.autograd.grad(full, Wr)
        own = torch.where(y > 0, 0, 1)  # class slot of y_i
        mem = torch.einsum("irk,ik->ir", W[own], xi).amax(1)  # max_r <w_{y_i,r}, xi_i>
        vals = {
            "step": t,
            "train_loss": float(full.detach()),
            "train_err": errors(W, X, y, cfg.q),
            "test_err": errors(W, X_test, y_test, cfg.q),
            "train_ties": ties(W, X, y, cfg.q),
            "test_ties": ties(W, X_test, y_test, cfg.q),
            "feat_pos": float(W[0, :, 0].max()),  # max_r <w_{+1,r}, +v>
            "feat_neg": float((-W[1, :, 0]).max()),  # max_r <w_{-1,r}, -v>
            "noise_max": float(mem.max()),
            "noise_min": float(mem.min()),
            "noise_max_pos": float(mem[y > 0].max()),  # per class j: over the samples with y_i = j
            "noise_max_neg": float(mem[y < 0].max()),
            "noise_min_pos": float(mem[y > 0].min()),
            "noise_min_neg": float(mem[y < 0].min()),
            "sign_agree": math.nan,
            "sign_agree_premise": math.nan,
            "step_premise": math.nan,
            "sign_premise_frac": math.nan,
            "step_max": math.nan,
            "noise_resp": cfg.sigma_p * math.sqrt(cfg.s / (cfg.d - 1)) * float(W[:, :, 1:].norm(dim=-1).max()),
            "dist_init": float((W - W0).norm()),
            "grad_norm": float(grad_full.abs().max()),  # the largest entry of the full-batch loss gradient
        }
        if g is not None and u is not None and batch is not None:  # after a step
            # active coordinates: the feature coordinate and the batch's noise supports, every filter
            active = torch.zeros(cfg.d, dtype=torch.bool)
            active[0] = True
            active[p.train.idx[batch].flatten()] = True
            agree = torch.sign(u) == torch.sign(g)
            vals["sign_agree"] = float(agree[:, :, active].double().mean())
            vals["step_max"] = float(u.abs().max())
            # Lemma C.2's premise: the last L stochastic gradients share one nonzero sign, |g_t| > eps
            if len(signs) >= L:
                same = torch.stack(signs[-L:]) == torch.sign(g)
                premise = same.all(0) & (g != 0) & (g.abs() > eps_run) & active
                if premise.any():
                    vals["sign_agree_premise"] = float(agree[premise].double().mean())
                    vals["step_premise"] = float(u.abs()[premise].median())  # lower median
                    vals["sign_premise_frac"] = int(premise.sum()) / (int(active.sum()) * 2 * cfg.m)
        for k, val in vals.items():
            traj.setdefault(k, []).append(val)

    record(0)
    every = cfg.record_interval
    for t, batch in enumerate(p.batches(), start=1):
        Wr = W.detach().requires_grad_()
        (grad,) = torch.autograd.grad(loss(Wr, X[batch], y[batch], cfg.q), Wr)
        g = grad + cfg.l2_factor * lam * W if cfg.optimizer in L2_IN_GRADIENT else grad  # eq. (3.3)
        if adam:
            if cfg.moment_timing == "lagged":
                u = m / (torch.sqrt(v) + eps)  # eq. (3.5) as typeset: the moments before g_t
            m = b1 * m + (1 - b1) * g  # eq. (3.4)
            v = b2 * v + (1 - b2) * g**2
            if cfg.moment_timing == "current":
                m_hat = m / (1 - b1**t) if cfg.bias_correction else m
                v_hat = v / (1 - b2**t) if cfg.bias_correction else v
                u = m_hat / (torch.sqrt(v_hat) + eps)
        elif cfg.optimizer in ("signsgd", "signsgdw"):
            u = torch.sign(g)  # eqs. (5.1), (B.2)
        else:
            u = g
        decay = 1 - eta * lam if cfg.optimizer in DECOUPLED else 1.0  # eqs. (3.6), (B.2)
        W = decay * W - eta * u
        signs.append(torch.sign(g))
        if t % every == 0 or t == cfg.steps:
            record(t, g, u, batch)
    as_np = lambda a: a.numpy().copy()
    return ReferenceRun(
        trajectory={k: np.asarray(val, dtype=float) for k, val in traj.items()},
        final_only=initial_gradient_scale(cfg, p, eps_run),
        W=as_np(W),
        W0=as_np(W0),
        m=as_np(m),
        v=as_np(v),
    )
