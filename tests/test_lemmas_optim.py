"""Property tests of the optimizer update rules against the paper's lemmas.

Guards Lemma C.1 (moment bound, docs/model.md §4.7), the sign limit of Adam and the
SignSGD/SignSGDW surrogates (eqs. (5.1), (B.2), §4.6), and decoupled vs coupled weight
decay (eqs. (3.5)/(3.6), Cor 4.3's mechanism, §8 item 6), by driving the pieces of
`simulations.optim` directly with Hypothesis-drawn gradient sequences.

Every property is a plain `check_*` function that raises AssertionError; the @given tests
call it with the library's `adam_direction` piece, and `test_mutants_are_caught` calls the
same checks with deliberately broken direction pieces and expects them to fail.
The per-step bound along a real trajectory, and its mutant, live in
tests/test_lemmas_dynamics.py.
"""

import dataclasses
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations import optim as O
from simulations.optim import Hyper

F64 = torch.float64


def drive(direction, W, g, m, v, h, t, lagged=False, l2=False):
    """One step of (l2 →) direction → descend at step t, in place on W, m, v; returns u_t."""
    pieces = ((O.l2,) if l2 else ()) + (direction, O.descend)
    opt = O.Optimizer("test", pieces)
    return O.step(opt, W, g, {"m": m, "v": v}, h, t, moment_timing="lagged" if lagged else "current").u


def hyper(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, lam_l2=0.0, decay=1.0, bc=False) -> Hyper:
    """One run's hyper-parameters as (1,1,1,1) tensors, like Hyper.from_configs builds them."""
    c = lambda x: torch.tensor(float(x), dtype=F64).view(1, 1, 1, 1)
    return Hyper(c(lr), c(b1), c(b2), c(eps), c(lam_l2), c(decay), torch.tensor(bool(bc)).view(1, 1, 1, 1))


# ---- closed-form constants ----------------------------------------------------------------
def moment_bound_paper(b1, b2, t=None):
    """Lemma C.1: |m_t|/(sqrt(v_t)+eps) <= (1-b1)/sqrt((1-b2)(1-b1^2/b2)).

    Cauchy-Schwarz on m_t = (1-b1) sum_{tau<t} b1^tau g_{t-tau} with weights b2^{tau/2}:
    |m_t| <= (1-b1) sqrt(sum_{tau<t} rho^tau) sqrt(v_t/(1-b2)), rho = b1^2/b2, so at step t
    the bound is (1-b1)/sqrt(1-b2) * sqrt((1-rho^t)/(1-rho)), increasing to the lemma's
    constant as t -> inf (t=None)."""
    rho = b1 * b1 / b2
    geo = 1 / (1 - rho) if t is None else (1 - rho**t) / (1 - rho) if rho < 1 else float(t)
    return (1 - b1) / math.sqrt(1 - b2) * math.sqrt(geo)


def moment_bound_torch(b1, b2, t):
    """Bias-corrected analogue (torch reading): with m^ = m/(1-b1^t), v^ = v/(1-b2^t),

        |m^_t|/(sqrt(v^_t)+eps) <= (1-b1)/(1-b1^t) * sqrt((1-b2^t)/(1-b2)) * sqrt((1-rho^t)/(1-rho)),

    i.e. the finite-t paper bound times sqrt(1-b2^t)/(1-b1^t). It equals 1 at t=1 (the first
    bias-corrected step is g/(|g|+eps)) and tends to Lemma C.1's constant as t -> inf.
    Weaker forms (dropping the (1-rho^t) factor) are also valid; this is the sharp one."""
    return moment_bound_paper(b1, b2, t) * math.sqrt(1 - b2**t) / (1 - b1**t)


# ---- strategies -----------------------------------------------------------------------------
# Gradient entries: exact zeros, and +-mantissa*10^e over 24 decades (huge/small, sign flips).
entry = st.one_of(
    st.just(0.0),
    st.builds(
        lambda s, mnt, e: s * mnt * 10.0**e, st.sampled_from([-1.0, 1.0]), st.floats(1.0, 9.99), st.integers(-12, 12)
    ),
)
grad_seqs = st.lists(st.lists(entry, min_size=4, max_size=4), min_size=1, max_size=40)


@st.composite
def betas(draw, b1_max=0.99):
    """(b1, b2) with b1^2 < b2 < 1 (Lemma C.1's hypothesis)."""
    b1 = draw(st.floats(0.0, b1_max))
    f = draw(st.floats(0.01, 0.999))
    return b1, b1 * b1 + (1 - b1 * b1) * f


# ---- Lemma C.1 --------------------------------------------------------------------------------
def check_moment_bound(grads, b1, b2, eps, bc=False, lagged=False, update=None, rtol=1e-9):
    """Drive the direction piece `update` (default: adam_direction) with the gradient sequence
    `grads` (T x X) from m=v=0; assert at every step |u_t| <= bound_t, where u_t is the
    normalized direction the piece produces.

    Paper reading (bc=False): bound_t = Lemma C.1's constant at step t (lagged: at t-1, u_1=0).
    Torch reading (bc=True): `moment_bound_torch`. Also re-derive u from the in-place m, v."""
    update = update or O.adam_direction
    h = hyper(lr=1e-3, b1=b1, b2=b2, eps=eps, bc=bc)
    G = torch.tensor(grads, dtype=F64)
    W = torch.zeros(1, 1, 1, G.shape[1], dtype=F64)
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    for t in range(1, G.shape[0] + 1):
        u = drive(update, W, G[t - 1].view_as(W), m, v, h, t, lagged)
        if bc:
            bound = moment_bound_torch(b1, b2, t)
        elif lagged:
            bound = moment_bound_paper(b1, b2, t - 1) if t > 1 else 0.0
        else:
            bound = moment_bound_paper(b1, b2, t)
        worst = float(u.abs().max())
        assert worst <= bound * (1 + rtol) + 1e-300, f"t={t}: |u|={worst!r} > bound {bound!r}"
        if not bc and not lagged:  # u is exactly m/(sqrt v + eps) in the paper reading
            ratio = float((m.abs() / (v.sqrt() + eps)).max())
            assert ratio <= bound * (1 + rtol), f"t={t}: |m|/(sqrt v+eps)={ratio!r} > {bound!r}"
    assert moment_bound_paper(b1, b2, G.shape[0]) <= moment_bound_paper(b1, b2) * (1 + 1e-12)


@given(grads=grad_seqs, bb=betas(), eps=st.sampled_from([1e-30, 1e-12, 1e-8, 1e-3]), lagged=st.booleans())
@pytest.mark.paper("lemC.1")
def test_lemma_C1_moment_bound_paper_reading(grads, bb, eps, lagged):
    """Lemma C.1 (§4.7): |m_t|/(sqrt(v_t)+eps) <= (1-b1)/sqrt((1-b2)(1-b1^2/b2)) elementwise, for
    any gradient sequence (zeros, 1e-12..1e13 magnitudes, sign flips), both moment timings."""
    check_moment_bound(grads, *bb, eps, bc=False, lagged=lagged)


@given(grads=grad_seqs, bb=betas(), eps=st.sampled_from([1e-30, 1e-12, 1e-8, 1e-3]))
@pytest.mark.paper("lemC.1")
def test_lemma_C1_moment_bound_torch_reading(grads, bb, eps):
    """Lemma C.1, bias-corrected analogue (§1 item 1, §4.10): |m^_t|/(sqrt(v^_t)+eps) <=
    (1-b1)/(1-b1^t) * sqrt((1-b2^t)/(1-b2)) * sqrt((1-rho^t)/(1-rho)), rho = b1^2/b2."""
    check_moment_bound(grads, *bb, eps, bc=True)


def test_lemma_C1_constants_match_paper_md():
    """§4.7 quotes the constant: ~7.27 for (0.9, 0.999) and ~2.35 for (0.9, 0.99); the torch-reading
    bound is 1 at t=1 and converges to the same constant."""
    assert moment_bound_paper(0.9, 0.999) == pytest.approx(7.27, abs=5e-3)
    assert moment_bound_paper(0.9, 0.99) == pytest.approx(2.35, abs=5e-3)
    assert moment_bound_torch(0.9, 0.999, 1) == pytest.approx(1.0)
    assert moment_bound_torch(0.9, 0.999, 10**6) == pytest.approx(moment_bound_paper(0.9, 0.999), rel=1e-9)


@pytest.mark.paper("lemC.1")
def test_lemma_C1_bound_is_nearly_attained():
    """Lemma C.1 is sharp: the Cauchy-Schwarz equality sequence g_{t-tau} ~ (b1/b2)^tau attains it,
    so the check above is tight rather than vacuous (t = 200, (0.9, 0.99))."""
    b1, b2, T = 0.9, 0.99, 200
    g = [[(b1 / b2) ** (T - 1 - i)] for i in range(T)]  # oldest first: g_{T-tau} = (b1/b2)^tau
    h = hyper(b1=b1, b2=b2, eps=1e-300)
    W = torch.zeros(1, 1, 1, 1, dtype=F64)
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    for t in range(1, T + 1):
        u = drive(O.adam_direction, W, torch.tensor(g[t - 1], dtype=F64).view_as(W), m, v, h, t)
    assert float(u) == pytest.approx(moment_bound_paper(b1, b2, T), rel=1e-9)


# ---- sign limit, SignSGD / SignSGDW (eqs. (5.1), (B.2), §4.6) -----------------------------------
def check_sign_limit(grads, lr, update=None):
    """beta1 = beta2 = 0, eps = 1e-30 (float64): every Adam step is exactly -lr*sgn(g), with
    sgn(0) = 0 (the step is then 0). Holds bit-for-bit for |g| >= 1e-12: sqrt(g^2) = |g|."""
    update = update or O.adam_direction
    h = hyper(lr=lr, b1=0.0, b2=0.0, eps=1e-30)
    G = torch.tensor(grads, dtype=F64)
    W = torch.zeros(1, 1, 1, G.shape[1], dtype=F64)
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    for t in range(1, G.shape[0] + 1):
        g = G[t - 1].view_as(W)
        before = W.clone()
        u = drive(update, W, g, m, v, h, t)
        assert torch.equal(u, torch.sign(g)), f"t={t}: u={u.flatten().tolist()} g={g.flatten().tolist()}"
        assert torch.equal(W, before - lr * torch.sign(g)), f"t={t}: step is not -lr*sgn(g)"


@given(grads=grad_seqs, lr=st.floats(1e-6, 1.0))
def test_adam_with_zero_betas_is_signsgd(grads, lr):
    """§4.6 motivation ("Adam behaves like SignGD when beta1, beta2 -> 0"): with beta1=beta2=0 and
    eps -> 0 the Adam step is exactly -eta*sgn(g), for any gradient sequence."""
    check_sign_limit(grads, lr)


@given(
    opt=st.sampled_from(["signsgd", "signsgdw"]),
    lam=st.floats(0.0, 5.0),
    eta=st.floats(1e-5, 0.1),
    grads=grad_seqs,
    w0=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
)
def test_signsgd_and_signsgdw_follow_their_definitions(opt, lam, eta, grads, w0):
    """Eq. (5.1): SignSGD w <- w - eta*sgn(grad + lam*w) (L2 inside the sign); eq. (B.2):
    SignSGDW w <- (1-eta*lam) w - eta*sgn(grad) (decay outside the sign). Hyper.from_configs and
    the registered compositions (l2 → sign_direction → descend, sign_direction → decoupled_decay →
    descend) must implement exactly these."""
    from simulations import Config

    cfg = Config(d=20, n=4, s=2, m=1, B=2, n_test=4, optimizer=opt, lam=lam, eta=eta)
    h = Hyper.from_configs([cfg], F64, "cpu")
    W = torch.tensor(w0, dtype=F64).view(1, 1, 1, 4)
    for row in grads:
        grad = torch.tensor(row, dtype=F64).view_as(W)
        if opt == "signsgd":
            expect = W - eta * torch.sign(grad + lam * W)
        else:
            expect = (1.0 - eta * lam) * W - eta * torch.sign(grad)
        u = O.step(opt, W, grad, {}, h, 1).u
        torch.testing.assert_close(W, expect, rtol=0, atol=1e-15)
        assert set(u.unique().tolist()) <= {-1.0, 0.0, 1.0}


def check_constant_gradient(g, b1, b2, eps, bc, T, update=None, rtol=1e-10):
    """Full-batch Adam on a fixed gradient g (paper: no bias correction) has the closed form

        u_t = (1-b1^t) g / (sqrt(1-b2^t) |g| + eps)         (paper reading)
        u_t = g / (|g| + eps)                               (torch reading, every t)

    so u_t -> g/(|g|+eps) ~ sgn(g) as t grows. Assert the formula at every step."""
    update = update or O.adam_direction
    h = hyper(b1=b1, b2=b2, eps=eps, bc=bc)
    gt = torch.tensor(g, dtype=F64).view(1, 1, 1, -1)
    W = torch.zeros_like(gt)
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    us, expects = [], []
    for t in range(1, T + 1):
        u = drive(update, W, gt, m, v, h, t)
        us.append(u.clone())
        if bc:
            expects.append(gt / (gt.abs() + eps))
        else:
            expects.append((1 - b1**t) * gt / (math.sqrt(1 - b2**t) * gt.abs() + eps))
    np.testing.assert_allclose(torch.stack(us).numpy(), torch.stack(expects).numpy(), rtol=rtol, atol=0)
    return u


@given(
    g=st.lists(entry.filter(lambda x: abs(x) >= 1e-6), min_size=1, max_size=4),
    b1=st.floats(0.0, 0.95),
    b2=st.floats(0.0, 0.98),
    bc=st.booleans(),
    eps=st.sampled_from([1e-30, 1e-10, 1e-8]),
)
def test_full_batch_adam_on_fixed_gradient_tends_to_sign(g, b1, b2, eps, bc):
    """§4.6 / §8 item 1 (sign regime): on a fixed gradient the Adam direction follows the closed
    form above; after T = 2500 steps (b2^T < 1e-21) it is within 1e-9 of its limit g/(|g|+eps),
    which is within eps/|g| of sgn(g)."""
    u = check_constant_gradient(g, b1, b2, eps, bc, T=2500).flatten().numpy()
    ga = np.asarray(g)
    np.testing.assert_allclose(u, ga / (np.abs(ga) + eps), rtol=0, atol=1e-9)
    assert np.all(np.abs(u - np.sign(ga)) <= eps / np.abs(ga) + 1e-9)


# ---- decoupled vs coupled decay (eqs. (3.5)/(3.6), Cor 4.3, §8 items 4 and 6) -----------------
@given(
    lam=st.floats(1e-4, 10.0),
    eta=st.floats(1e-5, 0.05),
    T=st.integers(1, 300),
    w0=st.lists(st.floats(-10, 10, allow_subnormal=False), min_size=1, max_size=5),
    bb=betas(),
    bc=st.booleans(),
    eps=st.sampled_from([1e-30, 1e-8, 1e-3]),
)
def test_adamw_zero_gradient_is_pure_multiplicative_decay(lam, eta, T, w0, bb, bc, eps):
    """Eq. (3.6) with g = 0 from a zero optimizer state: m = v = 0, u = 0, and every AdamW step is
    exactly w <- (1-eta*lam) w (bit-for-bit); after T steps w = (1-eta*lam)^T w0."""
    from simulations import Config

    cfg = Config(
        d=20,
        n=4,
        s=2,
        m=1,
        B=2,
        n_test=4,
        optimizer="adamw",
        lam=lam,
        eta=eta,
        beta1=bb[0],
        beta2=bb[1],
        eps=eps,
        bias_correction=bc,
    )
    h = Hyper.from_configs([cfg], F64, "cpu")
    W = torch.tensor(w0, dtype=F64).view(1, 1, 1, -1)
    W0 = W.clone()
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    for t in range(1, T + 1):
        before = W.clone()
        u = O.step("adamw", W, torch.zeros_like(W), {"m": m, "v": v}, h, t).u
        assert not u.any() and not m.any() and not v.any()
        assert torch.equal(W, before * (1.0 - eta * lam))
    np.testing.assert_allclose(W.numpy(), W0.numpy() * (1 - eta * lam) ** T, rtol=1e-9, atol=1e-300)


def check_l2_decay_moves_towards_zero(w0, lam, eta, b1, b2, eps, T, update=None):
    """Adam with L2 (eq. 3.3) and zero loss gradient: g = lam*w. Until w first changes sign, |w| is
    non-increasing (the update has the sign of m, an average of lam*w of one sign); after a crossing
    |w| stays below eta*C/(1-b1/sqrt(b2)), C = Lemma C.1's constant (a step of <= C*eta, whose
    momentum fades at rate b1/sqrt(b2)). Heuristic bound; measured worst case 0.25x-1x of it."""
    update = update or O.adam_direction
    h = hyper(lr=eta, b1=b1, b2=b2, eps=eps, lam_l2=lam)
    W = torch.tensor(w0, dtype=F64).view(1, 1, 1, -1)
    W0 = W.clone()
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    crossed = torch.zeros_like(W, dtype=torch.bool)
    cap = eta * moment_bound_paper(b1, b2) / (1 - b1 / math.sqrt(b2)) * (1 + 1e-9)
    for t in range(1, T + 1):
        before = W.clone()
        drive(update, W, torch.zeros_like(W), m, v, h, t, l2=True)
        crossed |= (torch.sign(W) != torch.sign(W0)) & (W0 != 0)
        grew = (W.abs() > before.abs() * (1 + 1e-12)) & ~crossed
        assert not grew.any(), f"t={t}: |w| grew before any sign change"
        over = W.abs()[crossed]
        assert over.numel() == 0 or float(over.max()) <= cap, f"t={t}: overshoot {float(over.max())!r} > {cap!r}"


@given(
    w0=st.lists(st.floats(-5, 5), min_size=1, max_size=5),
    lam=st.floats(1e-3, 100.0),
    eta=st.floats(1e-4, 1e-2),
    bb=betas(b1_max=0.95),
    eps=st.sampled_from([1e-30, 1e-8, 1e-4]),
)
@settings(max_examples=8)
def test_adam_l2_with_zero_loss_gradient_shrinks_without_big_overshoot(w0, lam, eta, bb, eps):
    """Cor 4.3 / §8 item 4 ("the L2 term produces a full-size step towards 0"): with only lam*w in
    the gradient every coordinate moves towards 0 and never ends more than O(eta) past it."""
    check_l2_decay_moves_towards_zero(w0, lam, eta, *bb, eps, T=2500)


# ---- mutation test -------------------------------------------------------------------------------
def mutant(fn):
    """A broken copy of adam_direction: same declarations, body `fn`."""
    return dataclasses.replace(O.adam_direction, name=fn.__name__, fn=fn)


@mutant
def mutant_eps_in_sqrt(s, h, moment_timing):
    """Bug: eps inside the square root, u = m^/sqrt(v^ + eps)."""
    s.m.lerp_(s.g, 1 - h.b1)
    s.v.mul_(h.b2).addcmul_(s.g, s.g * (1 - h.b2))
    s.u = (s.m / s.c1) / (s.v / s.c2s**2 + h.eps).sqrt()


@mutant
def mutant_no_bias_correction(s, h, moment_timing):
    """Bug: the torch reading silently drops bias correction."""
    s.c1 = s.c2s = torch.ones_like(h.b1)
    O.adam_direction.fn(s, h, moment_timing)


@mutant
def mutant_swapped_lerp(s, h, moment_timing):
    """Bug: m = (1-b1) m + b1 g (lerp weight swapped), the fresh gradient gets weight b1."""
    s.v.mul_(h.b2).addcmul_(s.g, s.g * (1 - h.b2))
    s.m.lerp_(s.g, h.b1)
    s.u = (s.m / s.c1) / (s.v.sqrt() / s.c2s + h.eps)


SMALL_G = [[1e-12, -3e-12, 0.0, 5.0], [2e-12, 1e-12, -1.0, 0.0]]
CASES = [
    ("eps_in_sqrt", mutant_eps_in_sqrt, lambda f: check_sign_limit(SMALL_G, 1e-3, update=f)),
    (
        "eps_in_sqrt",
        mutant_eps_in_sqrt,
        lambda f: check_constant_gradient([1e-4, -2e-3], 0.9, 0.999, 1e-8, False, 50, update=f),
    ),
    (
        "no_bias_correction",
        mutant_no_bias_correction,
        lambda f: check_constant_gradient([0.3, -2.0], 0.9, 0.999, 1e-8, True, 5, update=f),
    ),
    ("swapped_lerp", mutant_swapped_lerp, lambda f: check_moment_bound([[1.0, -2.0]] * 3, 0.9, 0.999, 1e-8, update=f)),
    (
        "swapped_lerp",
        mutant_swapped_lerp,
        lambda f: check_moment_bound([[1.0, -2.0]] * 3, 0.9, 0.999, 1e-8, bc=True, update=f),
    ),
    (
        "swapped_lerp",
        mutant_swapped_lerp,
        lambda f: check_constant_gradient([0.3, -2.0], 0.9, 0.999, 1e-8, False, 5, update=f),
    ),
]


@pytest.mark.parametrize("name,mutant,check", CASES, ids=[c[0] + f"-{i}" for i, c in enumerate(CASES)])
def test_mutants_are_caught(name, mutant, check):
    """Each check passes with the library's adam_direction and FAILS with the mutant."""
    check(O.adam_direction)
    with pytest.raises(AssertionError):
        check(mutant)
