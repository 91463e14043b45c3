"""Model and data invariants.

Guards Definition 3.2 (F_j sums sigma over both patches with shared filters: symmetric in
the patches, invariant under permuting a class's filters, class swap = label swap),
Lemma A.5 (closed-form gradient = autograd, over W scales and q; sparse path = dense-xi
path), and Definition 3.1 / Lemma A.4 (disjoint noise supports). Complements
tests/test_simulations.py, which checks the gradient at one W scale and the generic data
invariants.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations import data as D
from simulations.model import dense_logits, dense_loss, inner_products, inner_products_bag, logits, loss_and_grad

F64 = torch.float64


def draw(seed, N=6, d=30, s=5, m=3, scale=0.5, disjoint=False):
    g = torch.Generator().manual_seed(seed)
    ds = D.sample(N, d, s, 0.5, 0.3, seed=seed, stream=0, dtype=F64, disjoint=disjoint)
    W = torch.randn(2, m, d, generator=g, dtype=F64) * scale
    return ds, W


@given(seed=st.integers(0, 10_000), q=st.sampled_from([3.0, 4.0, 3.5]), m=st.integers(1, 5))
@pytest.mark.paper("def3.2")
def test_F_symmetric_in_the_two_patches(seed, q, m):
    """Def. 3.2: F_j(W, [x1, x2]) = F_j(W, [x2, x1]) (the same filters act on both patches)."""
    ds, W = draw(seed, m=m)
    X = ds.to_dense()
    d = ds.d
    Xs = torch.cat([X[:, d:], X[:, :d]], dim=1)
    torch.testing.assert_close(dense_logits(W, Xs, q), dense_logits(W, X, q), rtol=1e-13, atol=0)


@given(seed=st.integers(0, 10_000), q=st.sampled_from([3.0, 4.0]), m=st.integers(2, 6), data=st.data())
@pytest.mark.paper("def3.2")
def test_F_invariant_under_filter_permutation_and_class_swap(seed, q, m, data):
    """Def. 3.2: F_j = sum_r sigma(...) is invariant under permuting the filters w_{j,1..m} of a class;
    swapping the two classes' filter banks swaps F_{+1} and F_{-1}."""
    ds, W = draw(seed, m=m)
    X = ds.to_dense()
    F = dense_logits(W, X, q)
    p0 = data.draw(st.permutations(range(m)))
    p1 = data.draw(st.permutations(range(m)))
    Wp = torch.stack([W[0, list(p0)], W[1, list(p1)]])
    torch.testing.assert_close(dense_logits(Wp, X, q), F, rtol=1e-12, atol=1e-300)
    torch.testing.assert_close(dense_logits(W.flip(0), X, q), F.flip(1), rtol=1e-12, atol=1e-300)


@given(
    seed=st.integers(0, 10_000),
    q=st.sampled_from([3.0, 4.0, 3.25, 5.0]),
    scale=st.sampled_from([1e-3, 1e-2, 0.1, 1.0, 3.0]),
    b=st.integers(1, 5),
    disjoint=st.booleans(),
)
@pytest.mark.paper("lemA.5", "lemA.7", "lemA.8")
def test_lemma_A5_gradient_matches_autograd_over_scales(seed, q, scale, b, disjoint):
    """Lemma A.5: the closed-form gradient equals autograd of the dense model for W scales from
    1e-3 (Stage I, tiny activations) to 3 (saturated loss), non-integer q, overlapping or
    disjoint supports; the sparse batch path agrees with the dense patch reconstruction."""
    ds, W = draw(seed, N=b, scale=scale, disjoint=disjoint)
    Wr = W.clone().requires_grad_()
    dense_loss(Wr, ds.to_dense(), ds.y, q).backward()
    _, _, grad = loss_and_grad(W[None], ds.y[None], ds.idx[None], ds.val[None], ds.alpha, q)
    ref = Wr.grad.numpy()
    np.testing.assert_allclose(grad[0].numpy(), ref, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(ref).max()))
    feat, noise = inner_products(W[None], ds.y[None], ds.idx[None], ds.val[None], ds.alpha)
    np.testing.assert_allclose(
        logits(feat, noise, q)[0].T.numpy(), dense_logits(W, ds.to_dense(), q).numpy(), rtol=1e-11, atol=1e-300
    )


@given(seed=st.integers(0, 10_000), N=st.integers(1, 5), disjoint=st.booleans())  # disjoint: N s <= d - 1
@pytest.mark.paper("lemA.5")
def test_scoring_path_matches_the_gather_and_the_dense_model(seed, N, disjoint):
    """The test-set scorer (`inner_products_bag`, weighted row sums) gives the inner products of
    `inner_products` and the dense model's logits; several runs at once keep their own weights."""
    ds, W = draw(seed, N=N, scale=0.3, disjoint=disjoint)
    W2 = torch.stack([W, -0.5 * W])  # two runs: the bag's flat rows must not mix them
    args = (ds.y[None].expand(2, -1), ds.idx[None].expand(2, -1, -1), ds.val[None].expand(2, -1, -1), ds.alpha)
    (f1, n1), (f2, n2) = inner_products(W2, *args), inner_products_bag(W2, *args)
    torch.testing.assert_close(f2, f1, rtol=0, atol=0)
    torch.testing.assert_close(n2, n1, rtol=1e-12, atol=1e-15)
    for k in range(2):
        np.testing.assert_allclose(
            logits(f2, n2, 3.0)[k].T.numpy(), dense_logits(W2[k], ds.to_dense(), 3.0).numpy(), rtol=1e-11, atol=1e-300
        )


@given(seed=st.integers(0, 10_000), q=st.sampled_from([3.0, 4.0]), N=st.integers(1, 8))
@pytest.mark.paper("lemA.5", "lemA.7", "lemA.8")
def test_sparse_and_dense_noise_gradient_paths_agree(seed, q, N):
    """Lemma A.5, implementation contract: the trainer's batch gradient (sparse supports) and its
    metric gradient (dense xi, `loss_and_grad_dense`) are the same function."""
    from simulations.model import loss_and_grad_dense

    ds, W = draw(seed, N=N, scale=0.3)
    xi = D.dense_noise(ds.y, ds.idx, ds.val, ds.alpha, ds.d)
    l1, m1, g1 = loss_and_grad(W[None], ds.y[None], ds.idx[None], ds.val[None], ds.alpha, q)
    l2, m2, g2 = loss_and_grad_dense(W[None], ds.y[None], xi[None], q)
    torch.testing.assert_close(l1, l2, rtol=1e-12, atol=0)
    torch.testing.assert_close(m1, m2, rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(g1, g2, rtol=1e-10, atol=1e-14)


@given(seed=st.integers(0, 10_000), N=st.integers(1, 20), s=st.integers(1, 12), extra=st.integers(0, 30))
@settings(max_examples=20)
@pytest.mark.paper("def3.1", "lemA.4")
def test_disjoint_supports_invariants(seed, N, s, extra):
    """Lemma A.4's event (forced with disjoint=True, needs N*s <= d-1): the supports B_i are pairwise
    disjoint, avoid the feature coordinate, have exactly s entries each, and xi[1] = -alpha*y."""
    d = N * s + 1 + extra
    ds = D.sample(N, d, s, 0.7, 0.25, seed=seed, stream=0, disjoint=True, dtype=F64)
    flat = ds.idx.flatten().tolist()
    assert len(flat) == N * s == len(set(flat))
    assert min(flat) >= 1 and max(flat) <= d - 1
    xi = ds.xi_dense()
    assert ((xi[:, 1:] != 0).sum(1) == s).all()
    assert torch.equal(xi[:, 0], -0.25 * ds.y)
    assert ((xi[:, 1:] != 0).sum(0) <= 1).all()  # no coordinate shared by two samples
