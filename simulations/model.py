"""The two-layer CNN of Definition 3.2 and its closed-form gradient (Lemma A.5).

Weights of K independent runs live in one tensor W of shape (K, 2, m, d):
W[k, 0] are the filters of class j=+1 and W[k, 1] those of class j=-1.

    F_j(W, x) = sum_r sigma(<w_{j,r}, x_1>) + sigma(<w_{j,r}, x_2>),  sigma(z) = max(z,0)^q

Because the two patches are y*e_1 and xi, and the sum over patches is
symmetric, the two inner products a sample needs are

    feat  = <w_{j,r}, y v>  = y * w_{j,r}[0]
    noise = <w_{j,r}, xi>   = sum_{k in B_i} w_{j,r}[k] xi[k] - alpha * y * w_{j,r}[0]

and cost O(s) each instead of O(d).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

CLASS_SIGN = (1.0, -1.0)  # class slot 0 <-> j=+1, slot 1 <-> j=-1


def act(z: Tensor, q: float) -> Tensor:
    return torch.clamp(z, min=0) ** q


def act_grad(z: Tensor, q: float) -> Tensor:
    return q * torch.clamp(z, min=0) ** (q - 1)


def _rows(idx: Tensor, d: int) -> Tensor:
    """Flat row numbers k*d + idx into a coordinate-major (K*d, 2m) view of the weights."""
    K = idx.shape[0]
    return (idx + d * torch.arange(K, device=idx.device).view(K, *([1] * (idx.dim() - 1)))).reshape(-1)


def inner_products(W: Tensor, y: Tensor, idx: Tensor, val: Tensor, alpha: float) -> tuple[Tensor, Tensor]:
    """feat, noise: (K, 2, m, b) inner products of every filter with the batch's two patches.

    W: (K, 2, m, d), any strides; the trainer passes a view of coordinate-major storage
    (K, d, 2, m), so that the s rows a sample touches are contiguous blocks of 2m numbers
    (index_select/index_add_ on rows beat gather/scatter on columns several times over).
    y: (K, b); idx: (K, b, s) int64; val: (K, b, s).
    """
    K, _, m, d = W.shape
    b, s = idx.shape[1], idx.shape[2]
    Wc = W.permute(0, 3, 1, 2).reshape(K * d, 2 * m)  # a view when W is coordinate-major
    feat = Wc.view(K, d, 2 * m)[:, 0, :, None] * y[:, None, :]  # y * w[0]: (K, 2m, b)
    Wg = Wc.index_select(0, _rows(idx, d)).view(K, b, s, 2 * m)
    noise = (Wg * val[..., None]).sum(2).transpose(1, 2) - alpha * feat  # (an einsum here is 3x slower)
    return feat.view(K, 2, m, b), noise.view(K, 2, m, b)


def inner_products_bag(W: Tensor, y: Tensor, idx: Tensor, val: Tensor, alpha: float) -> tuple[Tensor, Tensor]:
    """As `inner_products`, for scoring many points without a gradient: `embedding_bag` sums the
    s weighted rows of each point in one pass instead of materializing the (K, b, s, 2m) gather
    (benchmarks/bench_scoring.py times the two at the paper's test set). Only the order of the
    s-term sums differs from `inner_products`."""
    K, _, m, d = W.shape
    b, s = idx.shape[1], idx.shape[2]
    Wc = W.permute(0, 3, 1, 2).reshape(K * d, 2 * m)
    feat = y[:, None, :] * Wc.view(K, d, 2 * m)[:, 0, :, None]  # y * w[0], as inner_products
    rows = _rows(idx, d).view(K * b, s)
    bag = F.embedding_bag(rows, Wc, per_sample_weights=val.reshape(K * b, s), mode="sum")
    noise = bag.view(K, b, 2 * m).transpose(1, 2) - alpha * feat
    return feat.view(K, 2, m, b), noise.reshape(K, 2, m, b)


def inner_products_dense(W: Tensor, y: Tensor, xi: Tensor) -> tuple[Tensor, Tensor]:
    """As `inner_products` from dense noise patches xi: (K, N, d) with xi[..., 0] = -alpha*y.

    A batched matmul beats the row gather when whole data sets or large batches are scored.
    """
    K, _, m, d = W.shape
    Wc = W.permute(0, 3, 1, 2).reshape(K, d, 2 * m)  # a view when W is coordinate-major
    feat = Wc[:, 0, :, None] * y[:, None, :]
    noise = torch.bmm(xi, Wc).transpose(1, 2)
    return feat.reshape(K, 2, m, -1), noise.reshape(K, 2, m, -1)


def logits(feat: Tensor, noise: Tensor, q: float) -> Tensor:
    """F: (K, 2, b), the two class scores of each sample."""
    return (act(feat, q) + act(noise, q)).sum(2)


def margin(F: Tensor, y: Tensor) -> Tensor:
    """F_y - F_{-y}: (K, b)."""
    return (F[:, 0] - F[:, 1]) * y


def _head(feat: Tensor, noise: Tensor, y: Tensor, q: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Loss, margin and the per-(filter, sample) gradient factors shared by both gradient paths.

    With l_{j,i} = 1[y_i=j] - logit_j and sgn(l_{j,i}) = j*y_i (§3.3), Lemma A.5 reads
        grad_{w_{j,r}} L_i = -l_{j,i} [ sigma'(feat) y_i e_1 + sigma'(noise) xi_i ],
    so everything reduces to a(j,r,i) = -l_{j,i} sigma'(noise)/b on xi_i and the
    feature-coordinate sum g0 (which also carries xi_i[0] = -alpha*y_i).
    """
    b = y.shape[1]
    mg = margin(logits(feat, noise, q), y)
    loss = torch.nn.functional.softplus(-mg).mean(1)  # -log softmax_y
    ell_y = torch.sigmoid(-mg)  # l_{y_i,i} = 1/(1+e^{margin}) in (0,1)
    sign = torch.tensor(CLASS_SIGN, dtype=feat.dtype, device=feat.device)
    c = (-sign[None, :, None] * y[:, None, :] * ell_y[:, None, :] / b)[:, :, None, :]  # -l_{j,i}/b: (K,2,1,b)
    a = c * act_grad(noise, q)  # (K, 2, m, b)
    g0_feat = (c * y[:, None, None, :] * act_grad(feat, q)).sum(-1)  # sigma'(feat) y_i e_1 part
    return loss, mg, a, g0_feat


def head_parts(feat: Tensor, noise: Tensor, y: Tensor, alpha: float, q: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """`_head` on the inner products, laid out for the scatter: loss (K,), margin (K, b), a_r
    (K, b, 2m) contiguous (the product with val reads it 3x faster than the transposed view) and
    g0 (K, 2, m), which also carries xi[0] = -alpha*y of coordinate 1. The trainer compiles it."""
    K, _, m, b = feat.shape
    loss, mg, a, g0 = _head(feat, noise, y, q)
    a_r = a.reshape(K, 2 * m, b).transpose(1, 2).contiguous()
    return loss, mg, a_r, g0 - alpha * (a * y[:, None, None, :]).sum(-1)


def grad_parts(
    W: Tensor,
    y: Tensor,
    idx: Tensor,
    val: Tensor,
    alpha: float,
    q: float,
    inner: Callable = inner_products,
    head: Callable = head_parts,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Loss, margin and the gradient's nonzero rows for a batch with sparse noise (Lemma A.5).

    Returns (loss (K,), margin (K, b), src (K*b*s, 2m), g0 (K, 2, m)): row idx[k,i,l] of the
    gradient gets src (for every sample whose support holds it), coordinate 1 gets g0.

    compile=True passes inner=`inner_products_bag` and a torch.compile'd `head_parts`
    (`grad_parts_bag`). Compiling this whole function instead (compiled version 1) fused the row
    gather into the sum over the s support entries, one strided load per lane, and inlined the
    head into the (K*b*s, 2m) product: 3-4x slower than eager on a 2-core EPYC
    (benchmarks/bench_step.py). The bag sums in another order than `inner_products`, so compiled
    runs carry their own numerics version (`simulations.COMPILED_VERSION`).
    """
    K, _, m, _ = W.shape
    b, s = idx.shape[1], idx.shape[2]
    feat, noise = inner(W, y, idx, val, alpha)
    loss, mg, a_r, g0 = head(feat, noise, y, alpha, q)
    src = (a_r[:, :, None, :] * val[..., None]).reshape(K * b * s, 2 * m)
    return loss, mg, src, g0


def grad_parts_bag(
    W: Tensor, y: Tensor, idx: Tensor, val: Tensor, alpha: float, q: float, head: Callable = head_parts
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """`grad_parts` with the gather by `embedding_bag` (contiguous rows, no (K, b, s, 2m) temporary)."""
    return grad_parts(W, y, idx, val, alpha, q, inner=inner_products_bag, head=head)


def scatter_grad(G: Tensor, idx: Tensor, src: Tensor, g0: Tensor, rows: Tensor | None = None) -> Tensor:
    """Accumulate `grad_parts` into a coordinate-major buffer G (K, d, 2, m); supports may overlap.

    rows: `_rows(idx, d)` if the caller has it already."""
    K, d = G.shape[0], G.shape[1]
    G.view(K * d, -1).index_add_(0, _rows(idx, d) if rows is None else rows, src)
    G[:, 0] += g0
    return G


def loss_and_grad(
    W: Tensor,
    y: Tensor,
    idx: Tensor,
    val: Tensor,
    alpha: float,
    q: float,
    need_grad: bool = True,
    out: Tensor | None = None,
    parts: Callable | None = None,
    rows: Tensor | None = None,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Mean cross-entropy over a batch (sparse noise) and its closed-form gradient (Lemma A.5).

    Returns (loss (K,), margin (K, b), grad (K, 2, m, d) or None). With `out` (a zeroed
    coordinate-major buffer (K, d, 2, m)) the gradient is accumulated there and returned as
    the (K, 2, m, d) view `out.permute(0, 2, 3, 1)`. `parts` replaces `grad_parts` (the
    trainer passes a torch.compile'd copy).
    """
    if not need_grad:
        feat, noise = inner_products(W, y, idx, val, alpha)
        mg = margin(logits(feat, noise, q), y)
        return torch.nn.functional.softplus(-mg).mean(1), mg, None
    K, _, m, d = W.shape
    loss, mg, src, g0 = (parts or grad_parts)(W, y, idx, val, alpha, q)
    G = out if out is not None else torch.zeros(K, d, 2, m, dtype=W.dtype, device=W.device)
    return loss, mg, scatter_grad(G, idx, src, g0, rows).permute(0, 2, 3, 1)


def loss_and_grad_dense(
    W: Tensor,
    y: Tensor,
    xi: Tensor,
    q: float,
    out: Tensor | None = None,
    with_noise: bool = False,
    inner: tuple[Tensor, Tensor] | None = None,
) -> tuple[Tensor, ...]:
    """As `loss_and_grad` from dense noise patches xi (K, N, d): whole-set metrics, and batches
    whose supports cover most coordinates (large B), where index_add_ would be far slower.
    `out`: a coordinate-major buffer (K, d, 2, m) to write the gradient into (overwritten).
    with_noise: also return the noise inner products (K, 2, m, N) it computed on the way.
    inner: (feat, noise) computed already (compile=True takes them from `inner_products_bag`,
    half the forward matmul's time at B = 100; the backward stays a matmul)."""
    K, _, m, d = W.shape
    feat, noise = inner if inner is not None else inner_products_dense(W, y, xi)
    loss, mg, a, g0 = _head(feat, noise, y, q)
    G = out if out is not None else torch.empty(K, d, 2, m, dtype=W.dtype, device=W.device)
    a_r = a.reshape(K, 2 * m, -1).transpose(1, 2)  # (K, N, 2m)
    torch.bmm(xi.transpose(1, 2), a_r, out=G.view(K, d, 2 * m))  # includes xi[0] = -alpha*y
    G[:, 0] += g0
    return (loss, mg, G.permute(0, 2, 3, 1), noise) if with_noise else (loss, mg, G.permute(0, 2, 3, 1))


# ---- dense reference (tests, autograd, the naive benchmark) ----------------------------
def dense_logits(W: Tensor, X: Tensor, q: float) -> Tensor:
    """F for one run from dense inputs: W (2, m, d), X (N, 2d) -> (N, 2)."""
    d = W.shape[-1]
    z1 = torch.einsum("jrd,nd->njr", W, X[:, :d])
    z2 = torch.einsum("jrd,nd->njr", W, X[:, d:])
    return (act(z1, q) + act(z2, q)).sum(-1)


def dense_loss(W: Tensor, X: Tensor, y: Tensor, q: float) -> Tensor:
    """Mean two-logit cross-entropy, labels y in {-1,+1}."""
    target = (y < 0).long()  # class slot of y
    return torch.nn.functional.cross_entropy(dense_logits(W, X, q), target)
