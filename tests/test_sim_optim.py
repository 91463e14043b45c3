"""Optimizers as compositions of pieces (simulations/optim.py).

Guards: what config validation and the trainer know about an optimizer comes from its
pieces; a new rule is one piece plus one `register` line (RMSProp, checked against
torch.optim.RMSprop); the readable Adam step is what the engine runs.
"""

import numpy as np
import pytest
import torch

from simulations import Config, ConfigError, train
from simulations import data as D
from simulations import optim as O
from simulations.model import dense_loss

SMALL = dict(d=40, n=10, s=5, sigma_p=0.3, alpha=0.2, sigma_0=0.3, m=2, n_test=20, B=2, dtype="float64")


def test_builtin_compositions_and_what_is_derived_from_them():
    """The paper's rules (eqs. 3.3-3.6, 5.1, B.2) as compositions; eps/decoupling/state are read off the pieces."""
    names = {k: tuple(p.name for p in o.pieces) for k, o in O.REGISTRY.items() if k in O.BUILTIN}
    assert names == {
        "adam": ("l2", "adam_direction", "descend"),
        "adamw": ("adam_direction", "decoupled_decay", "descend"),
        "signsgd": ("l2", "sign_direction", "descend"),
        "signsgdw": ("sign_direction", "decoupled_decay", "descend"),
        "sgd": ("l2", "gradient_direction", "descend"),
    }
    derived = {k: (O.REGISTRY[k].uses_eps, O.REGISTRY[k].decoupled, O.REGISTRY[k].state) for k in names}
    assert derived == {
        "adam": (True, False, ("m", "v")),
        "adamw": (True, True, ("m", "v")),
        "signsgd": (False, False, ()),
        "signsgdw": (False, True, ()),
        "sgd": (False, False, ()),
    }
    # every piece's docstring writes out its update and maps each symbol to an argument
    for p in {p for o in O.REGISTRY.values() for p in o.pieces}:
        doc = p.fn.__doc__ or ""
        assert "->" in doc and ("=" in doc or "<-" in doc), p.name


def test_adam_step_is_the_four_readable_lines():
    """The Adam direction the engine runs is the short function in optim.py (eqs. 3.4-3.5)."""
    import inspect

    src = inspect.getsource(O.adam_direction.fn)
    for line in (
        "m.lerp_(g, 1 - h.b1)",
        "v.mul_(h.b2).addcmul_(g, g * (1 - h.b2))",
        "(m / s.c1) / (v.sqrt() / s.c2s + h.eps)",
    ):
        assert line in src
    assert "s.W.sub_(h.lr * s.u)" in inspect.getsource(O.descend.fn)


# ---- a new optimizer: one piece plus one line ---------------------------------------------------
@O.piece(hyper=("b2", "eps"), state=("v",), floor=lambda c: c.eps_value)
def rmsprop_direction(s, h):
    """RMSProp's direction:   v_t = a v_{t-1} + (1 - a) g_t^2,   u_t = g_t / (sqrt(v_t) + eps)

    g_t -> s.g, v -> s.v (in place), a -> h.b2 (Config.beta2), eps -> h.eps, u_t -> s.u."""
    s.v.mul_(h.b2).addcmul_(s.g, s.g * (1 - h.b2))
    s.u = s.g / (s.v.sqrt() + h.eps)


@pytest.fixture
def rmsprop():
    O.register("rmsprop", O.l2, rmsprop_direction, O.descend)  # the one line
    O.register("rmspropw", rmsprop_direction, O.decoupled_decay, O.descend)
    yield
    O.unregister("rmsprop")
    O.unregister("rmspropw")


def torch_rmsprop(cfg):
    """The same run with autograd and torch.optim.RMSprop on dense inputs (float64)."""
    train_set, _ = D.train_test(cfg, "cpu", torch.float64)
    X, y = train_set.to_dense(), train_set.y
    W = torch.randn(2, cfg.m, cfg.d, generator=D.generator(cfg.seed, D.STREAM_INIT, "cpu"), dtype=torch.float64)
    W = torch.nn.Parameter(W * cfg.sigma_0)
    opt = torch.optim.RMSprop([W], lr=cfg.eta, alpha=cfg.beta2, eps=cfg.eps, weight_decay=cfg.lam, foreach=False)
    order = torch.randperm(cfg.n, generator=D.generator(cfg.seed, D.STREAM_ORDER, "cpu"))
    for t in range(cfg.steps):
        it = t % cfg.iters_per_epoch
        bi = order[it * cfg.B : (it + 1) * cfg.B]
        opt.zero_grad()
        dense_loss(W, X[bi], y[bi], cfg.q).backward()
        opt.step()
    return W.detach().numpy(), opt.state[W]["square_avg"].numpy()


@pytest.mark.parametrize("seed,lam,alpha", [(0, 0.0, 0.99), (1, 0.05, 0.9), (2, 1e-3, 0.5)])
def test_registered_rmsprop_trains_and_matches_torch(rmsprop, seed, lam, alpha):
    cfg = Config(**SMALL, optimizer="rmsprop", eta=1e-2, lam=lam, beta2=alpha, eps=1e-8, epochs=6, seed=seed)
    r = train(cfg, keep_weights=True)
    W, v = torch_rmsprop(cfg)
    assert set(r.weights) == {"W", "W0", "v"}  # the state the pieces declare, nothing else
    np.testing.assert_allclose(r.weights["W"], W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.weights["v"], v, rtol=0, atol=1e-12)
    assert np.abs(r.weights["W"] - r.weights["W0"]).max() > 10 * cfg.eta  # it did train


def test_new_optimizer_inherits_validation_and_batching(rmsprop):
    """eps rules come from the piece reading eps, the lam*eta rule from decoupled_decay; runs of
    different compositions in one batch equal their single runs, to the last bits: on some CPUs
    (seen on an AMD EPYC with AVX2) torch's kernels pick their vectorized or scalar loops by the
    block's shape, and the batch of four moves one weight of an adam run by 1 ulp (2.8e-17)."""
    with pytest.raises(ConfigError, match="pass eps explicitly") as e:
        Config(**SMALL, optimizer="rmsprop", lam=0.0)
    assert e.value.param == "eps"
    with pytest.raises(ConfigError, match=r"lam\*eta < 1"):
        Config(**SMALL, optimizer="rmspropw", lam=1e4, eta=1e-3, eps=1e-8)
    cfgs = [
        Config(**SMALL, optimizer=o, eta=1e-2, lam=0.01, eps=1e-8, epochs=3, seed=i)
        for i, o in enumerate(["rmsprop", "adam", "rmspropw", "sgd"])
    ]
    together = train(cfgs, keep_weights=True)
    for c, r in zip(cfgs, together):
        assert r.config == c
        np.testing.assert_allclose(r.weights["W"], train(c, keep_weights=True).weights["W"], rtol=1e-13, atol=1e-300)


def test_unknown_optimizer_names_the_registry():
    with pytest.raises(ConfigError, match="one of") as e:
        Config(**SMALL, optimizer="rmsprop")
    assert e.value.param == "optimizer"
    with pytest.raises(ValueError, match="built in"):
        O.unregister("adam")
    with pytest.raises(ValueError, match="already registered"):
        O.register("adam", O.l2, O.adam_direction, O.descend)


def test_fusion_of_compositions_that_differ_in_optional_pieces(rmsprop):
    """Optional pieces (l2, decoupled_decay) are the identity at their neutral values, so adam and
    adamw (or signsgd and signsgdw) advance as one fused slice, as torch's Adam and AdamW differ only
    in where weight_decay acts; different cores never fuse."""
    R = O.REGISTRY
    names = lambda ps: tuple(p.name for p in ps)
    assert names(O.fuse([R["adam"], R["adamw"]])) == ("l2", "adam_direction", "decoupled_decay", "descend")
    assert names(O.fuse([R["signsgdw"], R["signsgd"]])) == ("l2", "sign_direction", "decoupled_decay", "descend")
    assert names(O.fuse([R["rmsprop"], R["rmspropw"]])) == ("l2", "rmsprop_direction", "decoupled_decay", "descend")
    assert O.fuse([R["adam"], R["sgd"]]) is None and O.fuse([R["signsgd"], R["rmsprop"]]) is None
    assert O.fuse([R["sgd"]]) == R["sgd"].pieces
    from simulations.trainer import _groups

    cfgs = [Config(**SMALL, optimizer=o, lam=0.01, eps=1e-8, epochs=1) for o in ("adam", "adamw", "adamw", "sgd")]
    groups = _groups(cfgs, O.Hyper.from_configs(cfgs, torch.float64, "cpu"))
    assert [(g.a, g.b) for g in groups] == [(0, 3), (3, 4)]
    lagged = [c.replace(moment_timing="lagged") for c in cfgs[:2]]  # a static option splits the slice
    assert len(_groups([cfgs[0], *lagged], O.Hyper.from_configs([cfgs[0], *lagged], torch.float64, "cpu"))) == 2


def test_without_bias_correction_the_update_skips_its_unit_divisions_bit_for_bit():
    """A group with no bias-corrected run computes m / (sqrt(v) + eps) instead of (m / 1) /
    (sqrt(v) / 1 + eps): the same bits (x / 1 == x in IEEE arithmetic), two divisions fewer."""
    torch.manual_seed(0)
    K = 3
    W, grad = torch.randn(K, 2, 2, 40), torch.randn(K, 2, 2, 40) * 1e-3
    state = {"m": torch.randn(K, 2, 2, 40) * 1e-3, "v": torch.rand(K, 2, 2, 40) * 1e-6}
    cfgs = [Config(**{**SMALL, "dtype": "float32"}, optimizer="adam", lam=0.01, eps=1e-8, seed=i) for i in range(K)]
    h = O.Hyper.from_configs(cfgs, torch.float32, "cpu")
    assert not h.bc_any
    s = O.step("adam", W.clone(), grad, {k: v.clone() for k, v in state.items()}, h, t=7)
    m = state["m"].lerp(grad + h.lam_l2 * W, 1 - h.b1)
    v = state["v"].mul(h.b2).addcmul(grad + h.lam_l2 * W, (grad + h.lam_l2 * W) * (1 - h.b2))
    one = torch.ones(K, 1, 1, 1)
    assert torch.equal(s.u, (m / one) / (v.sqrt() / one + h.eps))
    # a bias-corrected run in the group brings the divisions back, and only its own c1, c2 differ from 1
    hb = O.Hyper.from_configs([cfgs[0].replace(bias_correction=True), *cfgs[1:]], torch.float32, "cpu")
    sb = O.step("adam", W.clone(), grad, {k: v.clone() for k, v in state.items()}, hb, t=7)
    assert torch.equal(sb.u[1:], s.u[1:]) and not torch.equal(sb.u[0], s.u[0])


def test_bias_correction_splits_a_fused_group():
    from simulations.trainer import _groups

    cfgs = [Config(**SMALL, optimizer=o, lam=0.01, eps=1e-8, epochs=1) for o in ("adam", "adamw")]
    cfgs.append(cfgs[0].replace(bias_correction=True))
    groups = _groups(cfgs, O.Hyper.from_configs(cfgs, torch.float64, "cpu"))
    assert [(g.a, g.b, g.h.bc_any) for g in groups] == [(0, 2, False), (2, 3, True)]
