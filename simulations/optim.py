"""Update rules as named compositions of small pieces, in the manner of optax.

One step of any optimizer here passes a step context `s` through its pieces in order:

    s.grad     the loss gradient (1/B) sum_{i in I_t} grad L_i(W_t), from the model
    s.g        the stochastic gradient g_t the direction sees (starts as s.grad)
    s.u        the direction u_t, before the learning rate
    s.W        the weights, updated in place
    s.m, s.v   the pieces' state (zero before step 1), updated in place

Each piece reads its per-run hyperparameters from `h` (a `Hyper`): tensors of shape
(K, 1, 1, 1), so one call advances K runs that differ in eta, lambda, betas, eps or bias
correction. The built-in optimizers:

    adam     = l2 → adam_direction → descend                eqs. (3.3), (3.4), (3.5)
    adamw    = adam_direction → decoupled_decay → descend   eq. (3.6)
    signsgd  = l2 → sign_direction → descend                eq. (5.1)
    signsgdw = sign_direction → decoupled_decay → descend   eq. (B.2)
    sgd      = l2 → gradient_direction → descend            (GD when B = n)

A new rule is one new piece plus one `register` line (tests/test_sim_optim.py adds RMSProp
this way). Whatever the rest of the package needs to know about an optimizer (does it use
eps? is its decay decoupled? which state does it keep?) is read off its pieces.

The arithmetic order follows torch.optim.Adam/AdamW's single-tensor path, so the 'torch'
reading (bias correction, eps = 1e-8) matches them to rounding.

Importing this module does not import torch: the pieces act on tensors through their methods
(``x.sign()``, ``x.where(c, y)``), so `simulations.Config`, whose validation reads the registry,
stays torch-free. Only `Hyper.from_configs` imports torch, when a run starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import Tensor

# ---- per-run hyperparameters ----------------------------------------------------------------
# name -> its value for one run (cfg is a simulations.Config); NEUTRAL: the value used where
# a run's optimizer has no piece that reads it, so that a stray read changes nothing.
HYPERS: dict[str, Callable[[Any], float]] = {
    "lr": lambda c: c.eta,
    "b1": lambda c: c.beta1,
    "b2": lambda c: c.beta2,
    "eps": lambda c: c.eps_value,
    "lam_l2": lambda c: c.l2_factor * c.lam,
    "decay": lambda c: 1.0 - c.eta * c.lam,  # in Python double, like torch's `1 - lr * weight_decay`
    "bc": lambda c: c.bias_correction,
}
NEUTRAL = {"eps": 0.0, "lam_l2": 0.0, "decay": 1.0}


@dataclass
class Hyper:
    """Per-run hyperparameters, each a (K, 1, 1, 1) tensor (bc: bool). Symbols:

    eta -> lr    beta1, beta2 -> b1, b2    eps -> eps    l2_factor*lambda (eq. 3.3) -> lam_l2
    (1 - eta*lambda) (eqs. 3.6, B.2) -> decay    bias correction on -> bc
    """

    lr: Tensor
    b1: Tensor
    b2: Tensor
    eps: Tensor
    lam_l2: Tensor
    decay: Tensor
    bc: Tensor
    bc_any: bool = True  # False when no run has bias correction: c1 = sqrt(c2) = 1 at every step
    one: Tensor | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.one is None:
            self.one = self.b1.new_ones(self.b1.shape)

    @staticmethod
    def from_configs(cfgs: Sequence[Any], dtype: torch.dtype, device: torch.device | str) -> Hyper:
        """Stack the runs' hyperparameters; each run gets NEUTRAL values for those its optimizer never reads."""
        import torch  # here, not at the top: importing this module (and so validating a Config) needs no torch

        def col(name: str) -> Tensor:
            used = lambda c: name not in NEUTRAL or name in REGISTRY[c.optimizer].hyper
            vals = [HYPERS[name](c) if used(c) else NEUTRAL[name] for c in cfgs]
            dt = torch.bool if name == "bc" else dtype
            return torch.tensor(vals, dtype=dt, device=device).view(-1, 1, 1, 1)

        return Hyper(
            **{f: col(f) for f in HYPERS},
            bc_any=any(c.bias_correction for c in cfgs),
        )

    def slice(self, a: int, b: int) -> Hyper:
        """Runs a..b-1."""
        ts = {f.name: getattr(self, f.name)[a:b] for f in fields(self) if f.name not in ("bc_any", "one")}
        return Hyper(**ts, bc_any=bool(ts["bc"].any()))


def bias_terms(h: Hyper, t: int) -> tuple[Tensor, Tensor]:
    """(c1, sqrt(c2)) = (1 - b1^t, sqrt(1 - b2^t)) per run at step t >= 1, or ones where bias correction is off."""
    one = h.one
    assert one is not None  # set by Hyper.__post_init__
    if not h.bc_any:
        return one, one
    c1 = (1 - h.b1**t).where(h.bc, one)  # x.where(c, y) is torch.where(c, x, y)
    c2s = (1 - h.b2**t).sqrt().where(h.bc, one)
    return c1, c2s


# ---- pieces -----------------------------------------------------------------------------------
class Step:
    """The context one update passes through its pieces (see the module docstring)."""

    W: Tensor
    grad: Tensor
    g: Tensor
    u: Tensor  # set by the direction piece

    if TYPE_CHECKING:  # the pieces' state (m, v, ...) and per-step tensors (c1, c2s, ...) are attributes too

        def __getattr__(self, name: str) -> Tensor: ...

    def __init__(self, W: Tensor, grad: Tensor, state: dict[str, Tensor], extra: dict[str, Tensor]) -> None:
        self.W, self.grad, self.g, self.u = W, grad, grad, None  # type: ignore[assignment]
        for k, v in state.items():
            setattr(self, k, v)
        for k, v in extra.items():
            setattr(self, k, v)


Rules = Callable[[Any], Iterator[tuple[bool, str, str]]]


@dataclass(frozen=True)
class Piece:
    """One named step of an update rule.

    fn(s, h, *static) updates the step context s in place. The declarations say what it needs:
    hyper: the `Hyper` fields it reads; state: per-run tensors it keeps between steps (zero at
    the start); static: Config fields that pick its code path (runs are grouped by their values);
    per_step(h, t): tensors it needs at step t, put on s before the pieces run; rules(cfg):
    (ok, param, rule) triples that Config validation enforces; floor(cfg): the gradient magnitude
    below which this direction makes no visible step (used to tell underflow from physics);
    optional: the piece changes nothing at the NEUTRAL values of its hyperparameters (l2 at
    lam_l2 = 0, decoupled_decay at decay = 1), so runs whose compositions differ only in optional
    pieces can share one fused update (`fuse`): adam and adamw advance as one slice.
    """

    name: str
    fn: Callable[..., None]
    hyper: tuple[str, ...] = ()
    state: tuple[str, ...] = ()
    static: tuple[str, ...] = ()
    per_step: Callable[[Hyper, int], dict[str, Tensor]] | None = None
    rules: Rules | None = None
    floor: Callable[[Any], float] | None = None
    optional: bool = False


def piece(**decl: Any) -> Callable[[Callable[..., None]], Piece]:
    """Decorator: turn fn(s, h, *static) into a `Piece` named after it, with the declarations `decl`."""
    return lambda fn: Piece(fn.__name__, fn, **decl)


@piece(hyper=("lam_l2",), optional=True)
def l2(s: Step, h: Hyper) -> None:
    """L2 weight decay inside the gradient, eq. (3.3):   g_t = grad + lam_l2 * w

    grad -> s.grad, w -> s.W, lam_l2 -> h.lam_l2 (= l2_factor * lambda), g_t -> s.g."""
    s.g = s.grad + h.lam_l2 * s.W


def _bias_step(h: Hyper, t: int) -> dict[str, Tensor]:
    c1, c2s = bias_terms(h, t)
    return {"c1": c1, "c2s": c2s}


def _adam_rules(c: Any) -> Iterator[tuple[bool, str, str]]:
    yield (
        not (c.bias_correction and c.moment_timing == "lagged"),
        "bias_correction",
        "bias correction is defined only for moment_timing='current' (the lagged step at t=1 would divide 0/0)",
    )


@piece(
    hyper=("b1", "b2", "eps", "bc"),
    state=("m", "v"),
    static=("moment_timing",),
    per_step=_bias_step,
    rules=_adam_rules,
    floor=lambda c: c.eps_value,
)
def adam_direction(s: Step, h: Hyper, moment_timing: str) -> None:
    """Adam's direction from its moments, eqs. (3.4)-(3.5):

        m_t = b1 m_{t-1} + (1 - b1) g_t          v_t = b2 v_{t-1} + (1 - b2) g_t^2
        u_t = (m_t / c1) / (sqrt(v_t / c2) + eps)     c1 = 1 - b1^t, c2 = 1 - b2^t with bias
                                                      correction, else c1 = c2 = 1

    g_t -> s.g; m, v -> s.m, s.v (in place); b1, b2, eps -> h.b1, h.b2, h.eps; c1, sqrt(c2) ->
    s.c1, s.c2s (per step, from h.bc); u_t -> s.u. moment_timing='lagged' steps with
    u_t = m_{t-1} / (sqrt(v_{t-1}) + eps), eq. (3.5) as typeset (docs/model.md §1 item 2).
    """
    g, m, v = s.g, s.m, s.v
    if moment_timing == "lagged":
        s.u = m / (v.sqrt() + h.eps)
    m.lerp_(g, 1 - h.b1)
    v.mul_(h.b2).addcmul_(g, g * (1 - h.b2))
    if moment_timing == "current":
        if h.bc_any:
            s.u = (m / s.c1) / (v.sqrt() / s.c2s + h.eps)
        else:  # c1 = sqrt(c2) = 1 and x / 1 == x exactly: the same bits without two of the update's
            s.u = m / (v.sqrt() + h.eps)  # three divisions per entry, which bound its speed on CPU


@piece(floor=lambda c: 0.0)
def sign_direction(s: Step, h: Hyper) -> None:
    """The sign of the stochastic gradient, eqs. (5.1), (B.2):   u_t = sgn(g_t), sgn(0) = 0

    g_t -> s.g, u_t -> s.u."""
    s.u = s.g.sign()


@piece(floor=lambda c: 1e-30 / c.eta)
def gradient_direction(s: Step, h: Hyper) -> None:
    """The stochastic gradient itself (SGD):   u_t = g_t

    g_t -> s.g, u_t -> s.u. Its floor: a step eta*|g| below 1e-30 is invisible."""
    s.u = s.g


def _decoupled_rules(c: Any) -> Iterator[tuple[bool, str, str]]:
    yield (
        c.lam * c.eta < 1,
        "lam",
        f"decoupled decay needs lam*eta < 1 so that (1 - eta*lam) > 0, got {c.lam * c.eta!r}",
    )


@piece(hyper=("decay",), rules=_decoupled_rules, optional=True)
def decoupled_decay(s: Step, h: Hyper) -> None:
    """Decoupled weight decay, eqs. (3.6), (B.2):   w <- (1 - eta*lambda) w

    w -> s.W (in place), (1 - eta*lambda) -> h.decay."""
    s.W.mul_(h.decay)


@piece(hyper=("lr",))
def descend(s: Step, h: Hyper) -> None:
    """The learning-rate step:   w <- w - eta * u_t

    w -> s.W (in place), eta -> h.lr, u_t -> s.u."""
    s.W.sub_(h.lr * s.u)


# ---- optimizers: named compositions ---------------------------------------------------------------
@dataclass(frozen=True)
class Optimizer:
    """A named composition of pieces; everything else about it is derived from them."""

    name: str
    pieces: tuple[Piece, ...]
    doc: str = ""

    @cached_property
    def hyper(self) -> frozenset[str]:
        return frozenset(x for p in self.pieces for x in p.hyper)

    @cached_property
    def state(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for p in self.pieces for x in p.state))

    @cached_property
    def per_step(self) -> tuple[Callable[[Hyper, int], dict[str, Tensor]], ...]:
        return tuple(p.per_step for p in self.pieces if p.per_step is not None)

    @property
    def uses_eps(self) -> bool:
        return "eps" in self.hyper

    @property
    def decoupled(self) -> bool:
        return "decay" in self.hyper

    @cached_property
    def core(self) -> tuple[Piece, ...]:
        """Its pieces that are not optional: optimizers with one core can share an update (`fuse`)."""
        return tuple(p for p in self.pieces if not p.optional)

    def rules(self, cfg: Any) -> Iterator[tuple[bool, str, str]]:
        """(ok, param, rule) triples a Config using this optimizer must satisfy."""
        if self.uses_eps:
            if cfg.eps is None:
                yield (
                    cfg.eps_value > 0,
                    "eps",
                    "eps=None means eps = eps_scale*lam*eta (Condition A.2), which is 0 here (lam=0?); "
                    "pass eps explicitly",
                )
            ev = cfg.eps_value
            yield (isinstance(ev, (int, float)) and 0 < ev < float("inf"), "eps", f"must be > 0, got {ev!r}")
        for p in self.pieces:
            if p.rules is not None:
                yield from p.rules(cfg)

    def floor(self, cfg: Any) -> float:
        """Gradient magnitude below which a step of this optimizer is invisible (max over its pieces)."""
        return max((p.floor(cfg) for p in self.pieces if p.floor is not None), default=0.0)


def fuse(opts: Sequence[Optimizer]) -> tuple[Piece, ...] | None:
    """One composition that applies each of `opts` to its own runs, or None if there is none.

    The optimizers must share their core; each optional piece goes in front of the core piece it
    precedes in its own composition. Runs of an optimizer without some optional piece get that
    piece's NEUTRAL hyperparameter (Hyper.from_configs), which makes it the identity: adam =
    l2 → adam_direction → descend and adamw = adam_direction → decoupled_decay → descend fuse
    into l2 → adam_direction → decoupled_decay → descend, as torch's Adam and AdamW differ
    only in where weight_decay acts.
    """
    core = opts[0].core
    if any(o.core != core for o in opts):
        return None
    slots: list[list[Piece]] = [[] for _ in range(len(core) + 1)]
    for o in opts:
        i = 0
        for p in o.pieces:
            if p.optional:
                if p not in slots[i]:
                    slots[i].append(p)
            else:
                i += 1
    pieces = [p for i, c in enumerate(core) for p in [*slots[i], c]] + slots[-1]
    for o in opts:  # each optimizer's own order must survive (a subsequence of the fused one)
        it = iter(pieces)
        if not all(any(p is q for q in it) for p in o.pieces):
            return None
    return tuple(pieces)


def group_key(c: Any) -> tuple:
    """Runs that may share one fused update sort next to each other: same core pieces, same options,
    and bias correction on or off (a group without it skips the divisions by c1 = sqrt(c2) = 1).
    The trainer fuses runs whose keys agree but for the last entry, the optimizer's name."""
    opt = REGISTRY[c.optimizer]
    core = tuple(p.name for p in opt.core)
    bc = bool("bc" in opt.hyper and c.bias_correction)
    return (core, tuple(tuple(getattr(c, f) for f in p.static) for p in opt.core), bc, opt.name)


REGISTRY: dict[str, Optimizer] = {}


def register(name: str, *pieces: Piece, doc: str = "", replace: bool = False) -> Optimizer:
    """Add the optimizer `name` = pieces applied in order; Config(optimizer=name) then accepts it."""
    if name in REGISTRY and not replace:
        raise ValueError(f"optimizer {name!r} is already registered")
    if not any(p.name == "descend" for p in pieces):
        raise ValueError(f"optimizer {name!r} never steps: its pieces need `descend`")
    for p in pieces:  # an optional piece must be the identity for runs that do not use it
        if p.optional and (p.state or p.static or not set(p.hyper) <= set(NEUTRAL)):
            raise ValueError(f"optional piece {p.name!r} may read only hyperparameters with a NEUTRAL value")
    REGISTRY[name] = Optimizer(name, tuple(pieces), doc)
    return REGISTRY[name]


def unregister(name: str) -> None:
    """Remove an optimizer added with `register` (the built-in ones stay)."""
    if name in BUILTIN:
        raise ValueError(f"{name!r} is built in")
    REGISTRY.pop(name, None)


register("adam", l2, adam_direction, descend, doc="stochastic Adam, eqs. (3.3)-(3.5)")
register("adamw", adam_direction, decoupled_decay, descend, doc="stochastic AdamW, eq. (3.6)")
register("signsgd", l2, sign_direction, descend, doc="SignSGD, eq. (5.1)")
register("signsgdw", sign_direction, decoupled_decay, descend, doc="SignSGDW, eq. (B.2)")
register("sgd", l2, gradient_direction, descend, doc="SGD; GD when B = n")
BUILTIN = tuple(REGISTRY)


# ---- applying a composition --------------------------------------------------------------------
def run_pieces(
    pieces: tuple[Piece, ...],
    statics: tuple[tuple[Any, ...], ...],
    W: Tensor,
    grad: Tensor,
    state: dict[str, Tensor],
    h: Hyper,
    extra: dict[str, Tensor],
    aux: bool,
    clear_grad: bool = False,
    history: tuple[Tensor, Tensor] | None = None,
) -> tuple[Tensor, Tensor] | None:
    """One update of a slice of runs that share one composition, in place. Returns (g_t, u_t) if aux.

    This is the whole per-step cost on the dense (K, 2, m, d) tensors, so it is the function
    `compile=True` fuses into one loop. clear_grad zeroes `grad` afterwards; history = (sign,
    run_len) keeps, per coordinate, sgn(g_t) (int8) and the number of consecutive steps it has
    had that nonzero sign (int32), for Lemma C.2's premise. Both happen in the same loop when
    compiled.
    """
    s = Step(W, grad, state, extra)
    for p, st in zip(pieces, statics):
        p.fn(s, h, *st)
    g, u = s.g, s.u
    if history is not None:
        sign, run_len = history
        sg = g.sign().to(sign.dtype)  # int8
        nonzero = sg != 0
        run_len.copy_((run_len + 1).where(nonzero & (sg == sign), nonzero.to(run_len.dtype)))
        sign.copy_(sg)
    if clear_grad:
        if aux:
            g, u = g.clone(), u.clone()
        grad.zero_()
    return (g, u) if aux else None


def step(
    opt: Optimizer | str, W: Tensor, grad: Tensor, state: dict[str, Tensor], h: Hyper, t: int, **static: Any
) -> Step:
    """Apply `opt` once, eagerly, at step t >= 1 (for tests and exploration). Returns the context (s.g, s.u).

    static: values for the pieces' static fields, e.g. moment_timing='lagged' (default 'current').
    """
    opt = REGISTRY[opt] if isinstance(opt, str) else opt
    static = {"moment_timing": "current", **static}
    extra = {k: v for f in opt.per_step for k, v in f(h, t).items()}
    s = Step(W, grad, state, extra)
    for p in opt.pieces:
        p.fn(s, h, *(static[f] for f in p.static))
    return s
