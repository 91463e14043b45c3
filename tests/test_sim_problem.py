"""A run's problem (simulations.problem): the same seed gives the same problem on every dtype and
device, the engine solves exactly that problem, and independent code can be checked against it."""

import textwrap

import numpy as np
import torch

from simulations import Config, Problem, problem, train
from simulations import data as D

SMALL = dict(d=60, n=12, s=8, sigma_p=0.3, alpha=0.2, sigma_0=0.05, m=3, n_test=50, epochs=4, B=3, lam=1e-3)


def small(**kw):
    return Config(**{**SMALL, **kw})


def example() -> str:
    """The code example in Problem's docstring (the README quotes it)."""
    lines = Problem.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if "Example (" in line) + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith(" " * 8):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_docstring_example_matches_the_engine():
    """The comparison a user would write: problem(cfg), a plain autograd model and torch.optim.Adam
    reproduce train(cfg, keep_weights=True) to 1e-10 (the example asserts it itself)."""
    src = example()
    assert "torch.optim.Adam" in src and "assert torch.allclose" in src and "p.batches()" in src
    scope: dict = {}
    exec(compile(src, "Problem.__doc__", "exec"), scope)
    W, r = scope["W"], scope["r"]
    assert np.abs(r.weights["W"] - r.weights["W0"]).max() > 1e-3  # it trained
    np.testing.assert_allclose(W.detach().numpy(), r.weights["W"], rtol=0, atol=1e-10)


def test_one_seed_is_one_problem_on_every_dtype():
    c64 = small(dtype="float64")
    c32 = c64.replace(dtype="float32")
    p64, p32 = problem(c64), problem(c32)
    for a, b in ((p64.train, p32.train), (p64.test, p32.test)):
        for f in ("y", "idx", "val", "signal_first"):
            assert torch.equal(getattr(a, f), getattr(b, f)), f
    assert torch.equal(p64.W0, p32.W0) and p64.W0.dtype == torch.float64
    assert torch.equal(p64.batches(), p32.batches())
    # the engine casts that problem: W_0 and the data agree up to float32 rounding
    tr32, te32 = D.train_test(c32, "cpu", torch.float32)
    assert torch.equal(tr32.val, p64.train.val.float()) and torch.equal(te32.val, p64.test.val.float())
    r64, r32 = train(c64, keep_weights=True), train(c32, keep_weights=True)
    np.testing.assert_array_equal(r32.weights["W0"], r64.weights["W0"].astype(np.float32))
    np.testing.assert_array_equal(r64.weights["W0"], p64.W0.numpy())
    for k in ("train_loss", "feat_pos", "feat_neg", "noise_max", "noise_min", "grad_norm"):  # step 0: same data
        np.testing.assert_allclose(r32.trajectory[k][0], r64.trajectory[k][0], rtol=1e-5, err_msg=k)
    for k in ("train_err", "test_err"):  # the same points are misclassified (the fraction is rounded to float32)
        np.testing.assert_allclose(r32.trajectory[k][0], r64.trajectory[k][0], rtol=1e-7, err_msg=k)


def test_batches_cover_every_epoch_in_order():
    for order in ("fixed_permutation", "reshuffle_each_epoch", "with_replacement"):
        c = small(batch_order=order, seed=2)
        p = problem(c)
        all_ = p.batches()
        assert all_.shape == (c.steps, c.B) and all_.dtype == torch.long
        ipe = c.iters_per_epoch
        assert torch.equal(p.batches(1, 3), all_[ipe : 3 * ipe])
        assert p.batches(2, 2).shape == (0, c.B)


def test_problem_depends_only_on_what_defines_it():
    """Changing n_test, eta or the optimizer leaves the training set, W_0 and the order alone."""
    p = problem(small(seed=4))
    q = problem(small(seed=4, n_test=80, eta=1e-2, optimizer="sgd", dtype="float64"))
    assert torch.equal(p.train.val, q.train.val) and torch.equal(p.W0, q.W0)
    assert torch.equal(p.batches(), q.batches())
    assert not torch.equal(p.W0, problem(small(seed=5)).W0)
    X = p.X_train()
    assert X.shape == (12, 120) and X.dtype == torch.float64
    assert torch.equal(p.xi_train()[:, 0], -0.2 * p.train.y)
