"""The patch data of Definition 3.1, stored sparsely.

A sample is x = [x_1, x_2] in R^{2d}. One patch is the signal y*v with v = e_1
(coordinate 0 here), the other is the noise patch

    xi = N(0, sigma_p^2) on s coordinates drawn from [d] \\ {1}   (support B_i)
         - alpha * y * v                                          (feature noise)

so xi[0] = -alpha*y. We keep only (y, support, values, patch order): the network
applies the same filters to both patches and sums them (Def. 3.2), so the
gradient needs just the s+1 nonzeros of xi. `to_dense` rebuilds x for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

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


def _supports(N: int, d: int, s: int, disjoint: bool, gen: torch.Generator, device: torch.device | str) -> Tensor:
    if disjoint:
        # One permutation of [d]\{1}, cut into consecutive blocks of s (Lemma A.4's event).
        perm = torch.randperm(d - 1, generator=gen, device=device)[: N * s] + 1
        return perm.view(N, s)
    # s distinct coordinates per sample, uniformly: the top-s of i.i.d. uniforms.
    keys = torch.rand(N, d - 1, generator=gen, device=device)
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
    """Draw N i.i.d. samples of Definition 3.1 from one seeded stream."""
    gen = generator(seed, stream, device)
    if balanced:  # exactly N/2 of each label, in random order (App. D.2: 100 positive, 100 negative)
        y = torch.ones(N, dtype=dtype, device=device)
        y[N // 2 :] = -1
        y = y[torch.randperm(N, generator=gen, device=device)]
    else:  # Rademacher
        y = torch.randint(0, 2, (N,), generator=gen, device=device).to(dtype) * 2 - 1
    idx = _supports(N, d, s, disjoint, gen, device)
    val = torch.randn(N, s, generator=gen, device=device, dtype=dtype) * sigma_p
    signal_first = torch.rand(N, generator=gen, device=device) < 0.5
    return PatchData(y=y, idx=idx, val=val, signal_first=signal_first, alpha=float(alpha), d=d)


def train_test(cfg: Any, device: torch.device | str, dtype: torch.dtype) -> tuple[PatchData, PatchData]:
    """The training set (n, optionally balanced/disjoint) and an independent test set (n_test)."""
    common = dict(d=cfg.d, s=cfg.s, sigma_p=cfg.sigma_p, alpha=cfg.alpha, seed=cfg.seed, dtype=dtype, device=device)
    train = sample(cfg.n, stream=STREAM_TRAIN, balanced=cfg.balanced_train, disjoint=cfg.disjoint_supports, **common)
    test = sample(cfg.n_test, stream=STREAM_TEST, **common)
    return train, test
