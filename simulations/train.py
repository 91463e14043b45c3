"""The batched trainer: K runs of one shape advanced by a single tensor program.

Runs may differ in every "run" field of `Config` (seed, optimizer and its hyperparameters,
batch order); they must share every "shape" field (`SHAPE_FIELDS`: n, d, m, B, step count,
dtype, ...). Each run's problem (data, W_0, batch order) is `data.problem(cfg)`, drawn from
its own seeded streams in float64 on the CPU and then cast, so a run gives the same numbers
alone or inside any batch, and one seed is one problem on every dtype and device.

What it computes is specified, one run at a time, by `simulations/reference.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from . import data as D
from .config import SHAPE_FIELDS, Config, ConfigError
from .model import (
    act_grad,
    grad_parts,
    inner_products,
    inner_products_dense,
    logits,
    loss_and_grad,
    loss_and_grad_dense,
    margin,
)
from .optim import REGISTRY, Hyper, fuse, run_pieces

METRICS = (
    "train_loss",  # mean cross-entropy over the training set (the data term; no L2)
    "train_err",  # fraction of training points with F_y <= F_{-y} (ties count as errors)
    "test_err",  # the same on the n_test fresh points
    "train_ties",  # fraction of training points with F_y == F_{-y} exactly
    "test_ties",
    "feat_pos",  # max_r <w_{+1,r}, +v>
    "feat_neg",  # max_r <w_{-1,r}, -v>
    "noise_max",  # max_i max_r <w_{y_i,r}, xi_i>
    "noise_min",  # min_i max_r <w_{y_i,r}, xi_i>
    "noise_max_pos",  # the same over the training points of class +1 / -1 (docs/model.md §1 item 11)
    "noise_max_neg",
    "noise_min_pos",
    "noise_min_neg",
    "sign_agree",  # fraction of active coordinates with sgn(u_t) = sgn(g_t) (a diagnostic)
    "sign_agree_premise",  # the same on the coordinates meeting Lemma C.2's premise
    "step_premise",  # median |u_t| on those coordinates
    "sign_premise_frac",  # their share of the active coordinates
    "dist_init",  # ||W - W_0||_F
    "grad_norm",  # max |entry| of the full-batch loss gradient (no L2)
)
FINAL_ONLY = (
    "g0_noise",  # step 0: median per-sample noise-gradient entry (1/B)|l| sigma'(<w,xi>) |xi[k]|
    "g0_feature",  # step 0: median per-sample feature-gradient entry (1/B)|l| sigma'(y w[1])
    "g0_below_eps",  # step 0: fraction of those noise entries below the run's eps
)
ERROR_METRICS = ("train_err", "test_err", "train_ties", "test_ties")  # NaN once a run diverged
STATUSES = ("ok", "diverged", "collapsed", "underflow", "saturated")
FAILURES = ("diverged", "underflow")  # numerical failures: RunResult.ok is False
COLLAPSE = 1e-6  # collapsed: max|W| <= COLLAPSE * sigma_0
SATURATION_LOSS = 1e-3  # saturated: zero loss gradient while the training loss is above this
MEMORY_TOL = 1e-3  # Lemma C.2's premise looks back L = ceil(log(MEMORY_TOL) / log(beta1)) steps


def resolve_device(device: str) -> torch.device:
    """'auto' -> cuda when available, else cpu; ConfigError for cuda without CUDA."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device", f"{device!r} requested but CUDA is not available")
    return torch.device(device)


def memory_length(beta1: float) -> int:
    """L: the number of recent gradients Lemma C.2's premise asks to agree in sign (beta1^L <= 1e-3)."""
    return 1 if beta1 == 0 else max(1, math.ceil(math.log(MEMORY_TOL) / math.log(beta1)))


@dataclass
class RunResult:
    """One run's outcome.

    status (checked at every record point; the first that applies wins, and it sticks):
      'diverged'   non-finite weights or loss;
      'collapsed'  every weight has shrunk to ~0 (max|W| <= 1e-6 sigma_0): logits ~0, loss ~log 2;
      'underflow'  the loss gradient is exactly zero in the run's dtype, but in float64 it would
                   still move the weights (a float32 artifact);
      'saturated'  the loss gradient is exactly zero, float64 would not move the weights either,
                   yet the training loss is above 1e-3 (e.g. a huge step size killed every unit);
      'ok'         none of these.
    trajectory: metric -> values at the record points, plus 'step' and 'epoch'; final: metric ->
    value at the last step, plus the step-0 entries FINAL_ONLY. weights (numpy, with
    keep_weights=True): 'W' and 'W0' of shape (2, m, d) (class slot 0 is j=+1), plus the
    optimizer's state ('m', 'v' for Adam).
    """

    config: Config
    status: str
    status_step: int | None  # first iteration at which the status was detected
    detail: str
    trajectory: dict[str, np.ndarray]
    final: dict[str, float]
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the numbers are the dynamics' own: status 'ok', or 'collapsed' / 'saturated' (real
        outcomes that float64 confirms). False for 'diverged' and 'underflow', whose numbers are
        numerical artifacts and must not be scored."""
        return self.status not in FAILURES


def _check_batch(cfgs: Sequence[Config]) -> None:
    if not cfgs:
        raise ConfigError("configs", "need at least one run")
    ref = cfgs[0]
    for c in cfgs[1:]:
        for f in SHAPE_FIELDS:
            if getattr(c, f) != getattr(ref, f):
                raise ConfigError(f, f"runs in one batch must share it ({getattr(ref, f)!r} vs {getattr(c, f)!r})")


def _block_size(c0: Config, K: int) -> int:
    # On CPU one state tensor stays under 4 MB so that the step's working set stays in cache
    # (measured: 16-24 paper-size runs per block beat 64 by 2x); on CUDA all runs go in one block.
    per_run = 2 * c0.m * c0.d * (8 if c0.dtype == "float64" else 4)
    return K if resolve_device(c0.device).type == "cuda" else max(1, 4_000_000 // per_run)


def train(
    configs: Config | Sequence[Config],
    progress: Callable[[int, int], None] | None = None,
    keep_weights: bool = False,
    block: int | None = None,
) -> list[RunResult] | RunResult:
    """Train every config in `configs` (one shape) together; results come back in input order
    (a single Config gives a single RunResult).

    progress: optional callable(step_done, total_steps) called at every record point.
    block: runs advanced per tensor program (default: see `_block_size`). Runs are independent,
    so blocking never changes the numbers.
    """
    single = isinstance(configs, Config)
    cfgs_in = [configs] if single else list(configs)
    _check_batch(cfgs_in)
    block = block or _block_size(cfgs_in[0], len(cfgs_in))
    # Runs that can share a fused update (same core pieces and options, e.g. moment timing) sort together.
    order = sorted(range(len(cfgs_in)), key=lambda i: _group_key(cfgs_in[i]))
    cfgs = [cfgs_in[i] for i in order]
    blocks = [cfgs[i : i + block] for i in range(0, len(cfgs), block)]
    out = []
    for j, blk in enumerate(blocks):
        rep = None
        if progress is not None:
            rep = lambda t, total, j=j: progress(j * total + t, len(blocks) * total)
        out += _Trainer(blk, rep, keep_weights).run()
    results = [None] * len(cfgs)
    for pos, i in enumerate(order):
        results[i] = out[pos]
    return results[0] if single else results


def estimate_bytes(configs: Config | Sequence[Config], keep_weights: bool = False) -> int:
    """An upper estimate of the peak bytes `train(configs, keep_weights=...)` allocates (host memory
    on CPU, device memory on CUDA), from the sizes of what it holds. Per block of runs advanced
    together: the weights, W_0, gradient buffer, optimizer state and sign history (K x 2m x d
    each), the dense noise patches the metrics use (K x n x d), the sparse data sets and one
    epoch's batch layout; then the larger of the per-step temporaries and the record-point
    temporaries (whole-set gradient, Lemma C.2 masks, the float64 underflow check, the chunked
    test evaluation). The problem draw (the top-s of N x (d-1) uniforms per seed) and the
    stacking of the data sets come before the block is allocated. Compare it with the memory you
    have before a big run."""
    cfgs = [configs] if isinstance(configs, Config) else list(configs)
    _check_batch(cfgs)
    c = cfgs[0]
    e = 8 if c.dtype == "float64" else 4
    K = min(len(cfgs), _block_size(c, len(cfgs)))
    n_state = max(len(REGISTRY[x.optimizer].state) for x in cfgs)
    P = K * 2 * c.m * c.d  # entries of one (K, 2, m, d) tensor
    seeds = min(K, len({x.seed for x in cfgs}))
    xi = K * c.n * c.d  # entries of the dense noise patches
    held = (
        P * e * (3 + n_state)  # W, W0, G, optimizer state
        + P * 5  # sign history: int8 sign, int32 run length
        + xi * e  # dense noise patches for the metrics
        + (xi * e if 2 * c.B * c.s > c.d else 0)  # the epoch's dense batches (large B)
        + K * c.n * c.s * (8 + e) * 3  # training set, epoch layout and row numbers (sparse)
        + seeds * c.n_test * c.s * (8 + e)  # test sets (sparse)
    )
    step = 6 * P * e + 3 * K * c.B * c.s * 2 * c.m * e  # g, u, m/c1, sqrt(v), ...; the batch's gathered rows
    chunk = max(1, min(c.n_test, 4_000_000 // (c.d * K)))
    record = (
        6 * P * e
        + 4 * P  # whole-set gradient, g and u (and their concatenation), |u|; masks
        + (xi + 2 * P) * 8  # float64 copies for the underflow check
        + 12 * K * 2 * c.m * c.n * e  # inner products and their activations
        + 2 * K * chunk * c.d * e
        + 8 * K * 2 * c.m * chunk * e  # one test chunk
    )
    # the problem draw: each seed's uniform keys and top-s work space while the sets drawn so far are
    # held, then the stacking of those sets, which briefly holds them twice
    data = seeds * (c.n + c.n_test) * (c.s * (8 + e) + 2 * e)
    draw = 2 * max(c.n, c.n_test) * (c.d - 1) * 4 + (c.n + c.n_test) * (c.s * 16 + 24)  # + float64 originals
    init = data + max(draw, data)
    keep = len(cfgs) * 2 * c.m * c.d * e * (2 + n_state) if keep_weights else 0  # numpy copies
    runtime = 64 * 2**20  # the runtime's own allocations on first use (kernels, thread pools, Python objects)
    return int(runtime + keep + max(init, held + max(step, record)))


def _group_key(c: Config) -> tuple:
    """Runs that may share one fused update sort next to each other: same core pieces, same options."""
    opt = REGISTRY[c.optimizer]
    core = tuple(p.name for p in opt.core)
    return (core, tuple(tuple(getattr(c, f) for f in p.static) for p in opt.core), opt.name)


@dataclass
class _Group:
    """A contiguous slice a..b-1 of a block's runs advanced by one fused composition."""

    pieces: tuple
    statics: tuple
    state: tuple[str, ...]
    per_step: tuple
    a: int
    b: int
    h: Hyper


def _groups(cfgs: list[Config], h: Hyper) -> list[_Group]:
    keys = [_group_key(c) for c in cfgs]
    out, a = [], 0
    while a < len(cfgs):
        b, opts = a + 1, [REGISTRY[cfgs[a].optimizer]]
        while b < len(cfgs) and keys[b][:2] == keys[a][:2]:
            o = REGISTRY[cfgs[b].optimizer]
            trial = opts if o in opts else [*opts, o]
            if fuse(trial) is None:
                break
            opts, b = trial, b + 1
        pieces = fuse(opts)
        statics = tuple(tuple(getattr(cfgs[a], f) for f in p.static) for p in pieces)
        state = tuple(dict.fromkeys(x for p in pieces for x in p.state))
        per_step = tuple(p.per_step for p in pieces if p.per_step is not None)
        out.append(_Group(pieces, statics, state, per_step, a, b, h.slice(a, b)))
        a = b
    return out


class _Trainer:
    def __init__(self, cfgs: list[Config], progress: Callable[[int, int], None] | None, keep_weights: bool) -> None:
        c0 = cfgs[0]
        self.cfgs, self.c0, self.progress, self.keep = cfgs, c0, progress, keep_weights
        dev = self.dev = resolve_device(c0.device)
        dt = self.dt = getattr(torch, c0.dtype)
        K = self.K = len(cfgs)
        # ---- the problem: data once per distinct seed, W_0 and batch order per run ----
        slot_of_seed, trains, tests = {}, [], []
        for c in cfgs:
            if c.seed not in slot_of_seed:
                slot_of_seed[c.seed] = len(trains)
                tr, te = D.train_test(c, dev, dt)
                trains.append(tr)
                tests.append(te)
        self.slot = torch.tensor([slot_of_seed[c.seed] for c in cfgs], device=dev)
        stack = lambda ds, f: torch.stack([getattr(x, f) for x in ds])
        self.y, self.idx, self.val = (stack(trains, f)[self.slot] for f in ("y", "idx", "val"))
        self.test = {f: stack(tests, f) for f in ("y", "idx", "val")}
        del trains, tests
        self.xi = D.dense_noise(self.y, self.idx, self.val, c0.alpha, c0.d)  # (K, n, d) for metrics
        # State lives coordinate-major, (K, d, 2, m); self.W etc. are (K, 2, m, d) views of it.
        # The optimizer is elementwise and so layout-blind; the sparse gradient writes whole rows.
        cm = lambda t: t.permute(0, 3, 1, 2).contiguous().permute(0, 2, 3, 1)
        self.W = cm(torch.stack([D.initial_weights(c) for c in cfgs]).to(dev, dt))
        self.W0 = self.W.clone()
        self.G = cm(torch.zeros_like(self.W))
        self.orders = [D.epoch_orders(c) for c in cfgs]
        self.reshuffles = any(c.batch_order != "fixed_permutation" for c in cfgs)
        # ---- the optimizers: contiguous slices of runs sharing one fused composition ----
        self.h = Hyper.from_configs(cfgs, dt, dev)
        self.groups = _groups(cfgs, self.h)
        names = dict.fromkeys(x for g in self.groups for x in g.state)
        self.state = {x: cm(torch.zeros_like(self.W)) for x in names}  # zero before step 1
        # ---- sign history for Lemma C.2's premise: sign of g_t and the length of its current run ----
        self.L = torch.tensor([memory_length(c.beta1) for c in cfgs], device=dev).view(K, 1, 1, 1)
        self.L_max = int(self.L.max())
        self.sign = cm(torch.zeros_like(self.W, dtype=torch.int8))
        self.run_len = cm(torch.zeros_like(self.W, dtype=torch.int32))
        self.status = ["ok"] * K
        self.status_step: list[int | None] = [None] * K
        self.detail = [""] * K
        self.first: dict[str, Tensor] = {}
        # compile=True fuses the dense update into one loop and the batch's forward/backward into
        # another; the row scatter (index_add_) stays eager.
        self._update = torch.compile(run_pieces, dynamic=False) if c0.compile else run_pieces
        self._parts = torch.compile(grad_parts, dynamic=False) if c0.compile else None
        # Large batches whose supports cover most coordinates: a dense batched matmul beats the row
        # gather/scatter (paper B=100: ~100x). Small batches (B=2) stay sparse.
        self.dense_batches = 2 * c0.B * c0.s > c0.d

    # ---- one iteration -------------------------------------------------------------
    def _step(self, t: int, batch: tuple, aux: bool, track: bool) -> tuple[Tensor, Tensor] | None:
        c0, W = self.c0, self.W
        yb, idxb, valb, rows, xib = batch
        if self.dense_batches:  # overwrites all of G
            _, _, grad = loss_and_grad_dense(W, yb, xib, c0.q, out=self.G.permute(0, 3, 1, 2))
        else:  # G is all zeros here; only coordinate 1 and the supports' rows are written
            _, _, grad = loss_and_grad(
                W, yb, idxb, valb, c0.alpha, c0.q, out=self.G.permute(0, 3, 1, 2), parts=self._parts, rows=rows
            )
        gs, us = [], []
        for gr in self.groups:
            whole = (gr.a, gr.b) == (0, self.K)
            sl = (lambda x: x) if whole else (lambda x, a=gr.a, b=gr.b: x[a:b])
            extra = {k: v for f in gr.per_step for k, v in f(gr.h, t).items()}
            state = {x: sl(self.state[x]) for x in gr.state}
            hist = (sl(self.sign), sl(self.run_len)) if track else None
            # the update also re-zeroes its slice of G (one dense pass beats index_fill_ on the touched rows)
            res = self._update(
                gr.pieces, gr.statics, sl(W), sl(grad), state, gr.h, extra, aux, not self.dense_batches, hist
            )
            if aux:
                gs.append(res[0])
                us.append(res[1])
        return (torch.cat(gs), torch.cat(us)) if aux else None

    def _next_record(self, t: int) -> int:
        every, steps = self.c0.record_interval, self.c0.steps
        return min(-(-t // every) * every, steps)

    def run(self) -> list[RunResult]:
        c0, K = self.c0, self.K
        ipe, steps, every = c0.iters_per_epoch, c0.steps, c0.record_interval
        rec: dict[str, list] = {k: [] for k in ("step",) + METRICS}
        self._initial_gradient_scale()
        self._record(rec, 0, None, None, None)
        tracking = False
        for t in range(1, steps + 1):
            it = (t - 1) % ipe
            if it == 0 and (t == 1 or self.reshuffles):
                # lay the epoch's samples out in batch order once; each step then takes a view
                bi = torch.stack([next(o) for o in self.orders]).to(self.dev)
                ey = self.y.gather(1, bi)
                sel = bi[..., None].expand(K, c0.n, c0.s)
                eidx, evl = self.idx.gather(1, sel), self.val.gather(1, sel)
                erows = eidx + c0.d * torch.arange(K, device=self.dev).view(K, 1, 1)  # model._rows, per epoch
                exi = self.xi.gather(1, bi[..., None].expand(K, c0.n, c0.d)) if self.dense_batches else None
            a, b = it * c0.B, (it + 1) * c0.B
            batch = (ey[:, a:b], eidx[:, a:b], evl[:, a:b], erows[:, a:b].reshape(-1))
            batch += (exi[:, a:b] if self.dense_batches else None,)
            # Sign history is kept only over the L_max steps before each record point (always when
            # records are closer than that); a fresh stretch starts from an empty history.
            was, tracking = tracking, self._next_record(t) - t < self.L_max
            if tracking and not was:
                self.sign.zero_()
                self.run_len.zero_()
            aux = t % every == 0 or t == steps
            res = self._step(t, batch, aux, tracking)
            if aux:
                self._record(rec, t, res[0], res[1], batch[1])
                if self.progress is not None:
                    self.progress(t, steps)
        return self._results(rec)

    # ---- metrics ----------------------------------------------------------------------
    @torch.no_grad()
    def _initial_gradient_scale(self) -> None:
        """FINAL_ONLY: the scale of the per-sample stochastic gradient at W_0, with the run's B.

        Per training sample i and own-class filter (j = y_i, r) with <w_{j,r}, xi_i> > 0, the noise
        entries are (1/B) |l_{j,i}| sigma'(<w_{j,r}, xi_i>) |xi_i[k]|, k in B_i; per own-class filter
        with y_i w_{j,r}[1] > 0 the feature entry is (1/B) |l_{j,i}| sigma'(y_i w_{j,r}[1]).
        Medians are lower medians; NaN when there is no such entry.
        """
        c0, K, W = self.c0, self.K, self.W
        feat, noise = inner_products_dense(W, self.y, self.xi)
        ell = torch.sigmoid(-margin(logits(feat, noise, c0.q), self.y))  # |l_{y_i,i}|, (K, n)
        own = (self.y < 0).long()[:, None, None, :].expand(K, 1, c0.m, c0.n)  # class slot of y_i
        nz, ft = noise.gather(1, own).squeeze(1), feat.gather(1, own).squeeze(1)  # (K, m, n)
        c_noise = ell[:, None, :] * act_grad(nz, c0.q) / c0.B
        c_feat = ell[:, None, :] * act_grad(ft, c0.q) / c0.B
        out = {k: torch.full((K,), math.nan, dtype=torch.float64) for k in FINAL_ONLY}
        for k in range(K):
            entries = (c_noise[k][..., None] * self.val[k].abs()[None])[nz[k] > 0].flatten()  # (#, s) -> flat
            feats = c_feat[k][ft[k] > 0]
            if entries.numel():
                out["g0_noise"][k] = float(entries.median())
                out["g0_below_eps"][k] = float((entries < self.h.eps[k, 0, 0, 0]).double().mean())
            if feats.numel():
                out["g0_feature"][k] = float(feats.median())
        self.first = out

    @torch.no_grad()
    def _record(self, rec: dict[str, list], t: int, g: Tensor | None, u: Tensor | None, idxb: Tensor | None) -> None:
        c0, K, W, dt = self.c0, self.K, self.W, self.dt
        nan = torch.full((K,), math.nan, dtype=dt, device=self.dev)
        loss, mg, grad, noise = loss_and_grad_dense(W, self.y, self.xi, c0.q, with_noise=True)
        own = (self.y < 0).long()  # class slot of y_i
        mem = noise.gather(1, own[:, None, None, :].expand(K, 1, c0.m, c0.n)).squeeze(1).amax(1)  # (K, n)
        pos = self.y > 0

        def masked(x: Tensor, mask: Tensor, fn: str) -> Tensor:  # max/min over the masked points, NaN if none
            fill = -math.inf if fn == "amax" else math.inf
            return torch.where(mask.any(1), getattr(torch.where(mask, x, fill), fn)(1), nan)

        rec["step"].append(t)
        rec["train_loss"].append(loss)
        err, ties = _error_and_ties(mg)
        test_err, test_ties = self._test_errors()
        for name, val in (("train_err", err), ("train_ties", ties), ("test_err", test_err), ("test_ties", test_ties)):
            rec[name].append(val)
        rec["feat_pos"].append(W[:, 0, :, 0].amax(1))  # max_r <w_{+1,r}, +v>
        rec["feat_neg"].append((-W[:, 1, :, 0]).amax(1))  # max_r <w_{-1,r}, -v>
        rec["noise_max"].append(mem.amax(1))
        rec["noise_min"].append(mem.amin(1))
        for cls, mask in (("pos", pos), ("neg", ~pos)):
            rec[f"noise_max_{cls}"].append(masked(mem, mask, "amax"))
            rec[f"noise_min_{cls}"].append(masked(mem, mask, "amin"))
        rec["dist_init"].append((W - self.W0).flatten(1).norm(dim=1))
        gnorm = grad.flatten(1).abs().amax(1)
        rec["grad_norm"].append(gnorm)
        for name, val in self._sign_metrics(g, u, idxb, nan).items():
            rec[name].append(val)
        self._update_status(t, W, loss, gnorm)
        bad = torch.tensor([s == "diverged" for s in self.status], device=self.dev)
        for name in ERROR_METRICS:  # a diverged run has no error rate from the divergence on
            rec[name][-1] = torch.where(bad, nan, rec[name][-1])

    def _sign_metrics(self, g: Tensor | None, u: Tensor | None, idxb: Tensor | None, nan: Tensor) -> dict:
        """sign_agree on the active coordinates (the feature coordinate and the batch's noise supports,
        all 2m filters) and, on those of them meeting Lemma C.2's premise (the last L stochastic
        gradients share one nonzero sign, and |g_t| > eps), the agreement, the median |u_t| and
        their share. NaN at step 0 and where no coordinate meets the premise."""
        names = ("sign_agree", "sign_agree_premise", "step_premise", "sign_premise_frac")
        if g is None:
            return dict.fromkeys(names, nan)
        c0, K, dt = self.c0, self.K, self.dt
        active = torch.zeros(K, c0.d, dtype=torch.bool, device=g.device)
        active.scatter_(1, idxb.reshape(K, -1), True)
        active[:, 0] = True
        active = active[:, None, None, :]
        n_active = (active.flatten(1).sum(1) * 2 * c0.m).to(dt)
        agree = torch.sign(u) == torch.sign(g)
        premise = active & (self.run_len >= self.L) & (g.abs() > self.h.eps)
        n_premise = premise.flatten(1).sum(1).to(dt)
        step = torch.where(premise, u.abs(), math.nan).flatten(1).nanmedian(1).values
        return {
            "sign_agree": (agree & active).flatten(1).sum(1).to(dt) / n_active,
            "sign_agree_premise": torch.where(
                n_premise > 0, (agree & premise).flatten(1).sum(1).to(dt) / n_premise, nan
            ),
            "step_premise": torch.where(n_premise > 0, step, nan),
            "sign_premise_frac": torch.where(n_premise > 0, n_premise / n_active, nan),
        }

    def _update_status(self, t: int, W: Tensor, loss: Tensor, gnorm: Tensor) -> None:
        K, c0 = self.K, self.c0
        finite = (torch.isfinite(W).flatten(1).all(1) & torch.isfinite(loss)).tolist()
        collapsed = (W.flatten(1).abs().amax(1) <= COLLAPSE * c0.sigma_0).tolist()
        zero = (gnorm == 0).tolist()
        frozen = [k for k in range(K) if self.status[k] == "ok" and finite[k] and not collapsed[k] and zero[k]]
        visible = self._visible_in_float64(frozen) if frozen else {}
        losses = loss.tolist()
        for k in range(K):
            if self.status[k] != "ok":
                continue
            if not finite[k]:
                new, why = "diverged", f"non-finite weights or loss at iteration {t}"
            elif collapsed[k]:
                new, why = "collapsed", f"every weight is below {COLLAPSE:g} sigma_0 at iteration {t}"
            elif visible.get(k):
                new, why = (
                    "underflow",
                    (
                        f"the {c0.dtype} loss gradient is exactly zero at iteration {t}, but in float64 "
                        f"it would still move the weights: training froze by underflow"
                    ),
                )
            elif k in visible and losses[k] > SATURATION_LOSS:
                new, why = (
                    "saturated",
                    (
                        f"the loss gradient is exactly zero at iteration {t} (also in float64) while the "
                        f"training loss is {losses[k]:.3g} > {SATURATION_LOSS:g}: every unit that could learn is dead"
                    ),
                )
            else:
                continue
            self.status[k], self.status_step[k], self.detail[k] = new, t, why

    def _visible_in_float64(self, ks: list[int]) -> dict[int, bool]:
        """For runs whose loss gradient is exactly zero in their dtype: would float64 still move them?

        A zero gradient is physics, not an artifact, when the exact gradient is too small
        to produce a visible step anyway (e.g. Adam's weights decayed to ~0 with
        eps = lam*eta, Cor. 4.3). It is an underflow when the float64 gradient exceeds the
        optimizer's floor (`Optimizer.floor`): eps for Adam, any nonzero value for sign
        methods, a step eta*|g| > 1e-30 for SGD.
        """
        c0, sel = self.c0, torch.tensor(ks, device=self.dev)
        _, _, g64 = loss_and_grad_dense(self.W[sel].double(), self.y[sel].double(), self.xi[sel].double(), c0.q)
        out = {}
        for j, k in enumerate(ks):
            c = self.cfgs[k]
            out[k] = float(g64[j].abs().max()) > REGISTRY[c.optimizer].floor(c)
        return out

    def _test_errors(self) -> tuple[Tensor, Tensor]:
        """Test error and tie fraction per run, from the sparse test patches (row gathers: O(s)
        per point instead of O(d), the dense (K, N, d) patches are never built)."""
        c0, K = self.c0, self.K
        nt = self.test["y"].shape[1]
        chunk = max(1, min(nt, 4_000_000 // (c0.s * 2 * c0.m * K)))  # bounds the (K, chunk, s, 2m) gather
        wrong = torch.zeros(K, dtype=self.dt, device=self.dev)
        tied = torch.zeros_like(wrong)
        for a in range(0, nt, chunk):
            y = self.test["y"][self.slot, a : a + chunk]
            feat, noise = inner_products(
                self.W,
                y,
                self.test["idx"][self.slot, a : a + chunk],
                self.test["val"][self.slot, a : a + chunk],
                c0.alpha,
            )
            mg = margin(logits(feat, noise, c0.q), y)
            wrong += torch.where(mg.isnan().any(1), math.nan, (mg <= 0).to(self.dt).sum(1))
            tied += (mg == 0).to(self.dt).sum(1)
        return wrong / nt, torch.where(wrong.isnan(), math.nan, tied / nt)

    def _results(self, rec: dict[str, list]) -> list[RunResult]:
        ipe = self.c0.iters_per_epoch
        steps = np.asarray(rec["step"])
        arrs = {k: torch.stack(rec[k]).cpu().double().numpy() for k in METRICS}
        out = []
        for k, c in enumerate(self.cfgs):
            traj = {"step": steps, "epoch": steps / ipe}
            traj.update({m: arrs[m][:, k] for m in METRICS})
            final = {m: float(arrs[m][-1, k]) for m in METRICS}
            final.update({m: float(self.first[m][k]) for m in FINAL_ONLY})
            weights = {}
            if self.keep:
                tensors = {"W": self.W, "W0": self.W0, **{x: self.state[x] for x in REGISTRY[c.optimizer].state}}
                weights = {name: t[k].cpu().numpy().copy() for name, t in tensors.items()}
            out.append(RunResult(c, self.status[k], self.status_step[k], self.detail[k], traj, final, weights))
        return out


def _error_and_ties(mg: Tensor) -> tuple[Tensor, Tensor]:
    """Per run: the fraction of margins <= 0 (ties count as errors) and == 0; NaN if a margin is NaN."""
    bad = mg.isnan().any(1)
    err = (mg <= 0).to(mg.dtype).mean(1)
    ties = (mg == 0).to(mg.dtype).mean(1)
    return torch.where(bad, math.nan, err), torch.where(bad, math.nan, ties)
