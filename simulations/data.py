"""The patch data of Definition 3.1, stored sparsely.

A sample is x = [x_1, x_2] in R^{2d}. One patch is the signal y*v with v = e_1
(coordinate 0 here), the other is the noise patch

    xi = N(0, sigma_p^2) on s coordinates drawn from [d] \\ {1}   (support B_i)
         - alpha * y * v                                          (feature noise)

so xi[0] = -alpha*y. We keep only (y, support, values, patch order): the network
applies the same filters to both patches and sums them (Def. 3.2), so the
gradient needs just the s+1 nonzeros of xi. `to_dense` rebuilds x.

Every random draw of a run (training set, test set, W_0, batch order) comes from its own
stream of the run's seed, in float64 on the CPU; `problem(cfg)` returns all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from .config import Config, ConfigError

# Independent random streams per seed, so that e.g. changing n_test never
# changes the training data, the initialization or the batch order.
STREAM_TRAIN, STREAM_TEST, STREAM_INIT, STREAM_ORDER = 0, 1, 2, 3


def generator(seed: int, stream: int, device: torch.device | str) -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed((int(seed) * 1_000_003 + stream * 7919) % (2**63 - 1))
    return g


@dataclass
class PatchData:
    y: Tensor  # (N,) labels in {-1, +1}, in the float dtype
    idx: Tensor  # (N, s) int64 noise support B_i, values in 1..d-1
    val: Tensor  # (N, s) Gaussian noise values on B_i
    signal_first: Tensor  # (N,) bool: is x_1 the signal patch?
    alpha: float
    d: int

    def __len__(self) -> int:
        return self.y.shape[0]

    def to(self, device: torch.device | str, dtype: torch.dtype) -> PatchData:
        """The same samples with values in `dtype` on `device` (indices stay int64)."""
        return PatchData(
            self.y.to(device, dtype),
            self.idx.to(device),
            self.val.to(device, dtype),
            self.signal_first.to(device),
            self.alpha,
            self.d,
        )

    def xi_dense(self) -> Tensor:
        """The noise patches as an (N, d) tensor, including xi[0] = -alpha*y."""
        return dense_noise(self.y, self.idx, self.val, self.alpha, self.d)

    def to_dense(self) -> Tensor:
        """x = [x_1, x_2] as an (N, 2d) tensor, in the drawn patch order."""
        xi = self.xi_dense()
        sig = torch.zeros_like(xi)
        sig[:, 0] = self.y
        first = self.signal_first[:, None]
        return torch.cat([torch.where(first, sig, xi), torch.where(first, xi, sig)], dim=1)


def dense_noise(y: Tensor, idx: Tensor, val: Tensor, alpha: float, d: int) -> Tensor:
    """Scatter sparse noise patches (..., N, s) into dense (..., N, d), with xi[0] = -alpha*y."""
    xi = torch.zeros(*idx.shape[:-1], d, dtype=val.dtype, device=val.device)
    xi.scatter_(-1, idx, val)
    xi[..., 0] = -alpha * y
    return xi


def _supports(N: int, d: int, s: int, disjoint: bool, gen: torch.Generator) -> Tensor:
    if disjoint:
        # One permutation of [d]\{1}, cut into consecutive blocks of s (Lemma A.4's event).
        perm = torch.randperm(d - 1, generator=gen)[: N * s] + 1
        return perm.view(N, s)
    # s distinct coordinates per sample, uniformly: the top-s of i.i.d. uniforms.
    keys = torch.rand(N, d - 1, generator=gen)
    return keys.topk(s, dim=1).indices + 1


def sample(
    N: int,
    d: int,
    s: int,
    sigma_p: float,
    alpha: float,
    *,
    seed: int,
    stream: int,
    balanced: bool = False,
    disjoint: bool = False,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> PatchData:
    """Draw N i.i.d. samples of Definition 3.1 from one seeded stream.

    Always drawn in float64 on the CPU, then cast to `dtype` and moved to `device`: one seed
    is one problem on every dtype and device."""
    gen = generator(seed, stream, "cpu")
    if balanced:  # exactly N/2 of each label, in random order (App. D.2: 100 positive, 100 negative)
        y = torch.ones(N, dtype=torch.float64)
        y[N // 2 :] = -1
        y = y[torch.randperm(N, generator=gen)]
    else:  # Rademacher
        y = torch.randint(0, 2, (N,), generator=gen).to(torch.float64) * 2 - 1
    idx = _supports(N, d, s, disjoint, gen)
    val = torch.randn(N, s, generator=gen, dtype=torch.float64) * sigma_p
    signal_first = torch.rand(N, generator=gen) < 0.5
    return PatchData(y=y, idx=idx, val=val, signal_first=signal_first, alpha=float(alpha), d=d).to(device, dtype)


def train_test(
    cfg: Any, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float64
) -> tuple[PatchData, PatchData]:
    """The training set (n, optionally balanced/disjoint) and an independent test set (n_test)."""
    common = dict(d=cfg.d, s=cfg.s, sigma_p=cfg.sigma_p, alpha=cfg.alpha, seed=cfg.seed, dtype=dtype, device=device)
    train = sample(cfg.n, stream=STREAM_TRAIN, balanced=cfg.balanced_train, disjoint=cfg.disjoint_supports, **common)
    test = sample(cfg.n_test, stream=STREAM_TEST, **common)
    return train, test


def initial_weights(cfg: Any) -> Tensor:
    """W_0 ~ N(0, sigma_0^2) of shape (2, m, d), float64 on the CPU (W_0[0]: class +1)."""
    gen = generator(cfg.seed, STREAM_INIT, "cpu")
    return torch.randn(2, cfg.m, cfg.d, generator=gen, dtype=torch.float64) * cfg.sigma_0


def epoch_orders(cfg: Any) -> Iterator[Tensor]:
    """The sample order of epoch 0, 1, 2, ... (n int64 indices each, on the CPU), from the run's order
    stream (docs/model.md §1 item 6): 'fixed_permutation' repeats one random permutation, as the
    proofs' index set T_k assumes; 'reshuffle_each_epoch' draws a fresh permutation every epoch;
    'with_replacement' draws n indices uniformly with replacement every epoch."""
    gen = generator(cfg.seed, STREAM_ORDER, "cpu")
    if cfg.batch_order == "with_replacement":
        draw = lambda: torch.randint(0, cfg.n, (cfg.n,), generator=gen)
    else:
        draw = lambda: torch.randperm(cfg.n, generator=gen)
    first = draw()
    yield first
    while True:
        yield first if cfg.batch_order == "fixed_permutation" else draw()


@dataclass
class Problem:
    """Everything random about one run, drawn in float64 on the CPU from its seed.

    train, test: the data sets (sparse `PatchData`; `X_train()`, `X_test()` give the dense
    inputs x = [x_1, x_2] of shape (N, 2d), `xi_train()` the dense noise patches (n, d));
    W0: the initial weights (2, m, d), W0[0] the filters of class +1, W0[1] those of class -1;
    `batches()`: the sample indices of every iteration. The engine (`simulations.train`) casts
    these to the run's dtype and device, so this is exactly the problem it solves. Independent
    code can be checked against it. Example (tests/test_sim_problem.py runs it):

        import torch
        from simulations import preset, problem, train

        cfg = preset("smoke", reading="torch", optimizer="adam", lam=1e-3, epochs=3, dtype="float64")
        p = problem(cfg)
        X, y = p.X_train(), p.train.y  # dense inputs (n, 2d), labels +-1
        W = torch.nn.Parameter(p.W0.clone())  # (2, m, d): W[0] class +1, W[1] class -1
        opt = torch.optim.Adam([W], lr=cfg.eta, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, weight_decay=cfg.lam)
        for batch in p.batches():  # the sample indices of each iteration, in order
            x1, x2 = X[batch, : cfg.d], X[batch, cfg.d :]
            z1, z2 = torch.einsum("jrk,bk->bjr", W, x1), torch.einsum("jrk,bk->bjr", W, x2)
            F = (z1.clamp(min=0) ** cfg.q + z2.clamp(min=0) ** cfg.q).sum(-1)  # (B, 2): F_{+1}, F_{-1}
            loss = torch.nn.functional.cross_entropy(F, (y[batch] < 0).long())
            opt.zero_grad()
            loss.backward()
            opt.step()
        r = train(cfg, keep_weights=True)
        assert torch.allclose(W.detach(), torch.from_numpy(r.weights["W"]), rtol=0, atol=1e-10)
    """

    config: Any
    train: PatchData
    test: PatchData
    W0: Tensor

    def X_train(self) -> Tensor:
        return self.train.to_dense()

    def X_test(self) -> Tensor:
        return self.test.to_dense()

    def xi_train(self) -> Tensor:
        return self.train.xi_dense()

    def batches(self, start: int = 0, stop: int | None = None) -> Tensor:
        """Sample indices of every iteration of epochs start..stop-1 (default: all): ((stop-start)*n/B, B)."""
        c = self.config
        stop = c.epochs if stop is None else stop
        orders = epoch_orders(c)
        per_epoch = [next(orders) for _ in range(stop)][start:]
        return torch.cat(per_epoch).view(-1, c.B) if per_epoch else torch.zeros(0, c.B, dtype=torch.long)


def problem(cfg: Any) -> Problem:
    """The training set, test set, initial weights and batch order of the run `cfg` (see `Problem`)."""
    if not isinstance(cfg, Config):
        raise ConfigError("cfg", f"must be a simulations.Config, got {type(cfg).__name__}")
    train, test = train_test(cfg)
    return Problem(cfg, train, test, initial_weights(cfg))
