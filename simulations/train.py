"""The batched trainer: K runs of one shape advanced by a single tensor program.

Runs may differ in seed, lambda, eta, betas, eps, bias correction, moment
timing, batch order and optimizer kind; they must share every field in
`config.SHAPE_FIELDS` (same n, d, m, B, step count, ...). Each run draws its
data, initialization and batch order from its own seeded streams, so a run
gives the same numbers alone or inside any batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from . import data as D
from .config import SHAPE_FIELDS, Config, ConfigError
from .model import grad_parts, inner_products_dense, logits, loss_and_grad, loss_and_grad_dense, margin
from .optim import REGISTRY, Hyper, run_pieces

METRICS = (
    "train_loss",
    "train_err",
    "test_err",
    "feat_pos",
    "feat_neg",
    "noise_max",
    "noise_min",
    "sign_agree",
    "dist_init",
    "grad_norm",
)


def resolve_device(device: str) -> torch.device:
    """'auto' -> cuda when available, else cpu; ConfigError for cuda without CUDA."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device", f"{device!r} requested but CUDA is not available")
    return torch.device(device)


@dataclass
class RunResult:
    """One run's outcome. weights (numpy, with keep_weights=True): 'W' and 'W0' of shape
    (2, m, d) (class slot 0 is j=+1), plus the optimizer's state ('m', 'v' for Adam)."""

    config: Config
    status: str  # 'ok' | 'diverged' | 'underflow'
    status_step: int | None  # first iteration at which the status was detected
    detail: str
    trajectory: dict[str, np.ndarray]  # metric -> values over the record points; plus 'step', 'epoch'
    final: dict[str, float]  # metric -> value at the last step
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _Orders:
    """Per-run batch order (docs/model.md §1 item 6), refreshed at every epoch boundary."""

    def __init__(self, cfgs, device):
        self.cfgs = cfgs
        self.gens = [D.generator(c.seed, D.STREAM_ORDER, device) for c in cfgs]
        self.n, self.device = cfgs[0].n, device
        self.cur = torch.stack([self._draw(c, g) for c, g in zip(cfgs, self.gens)])
        self.changes = any(c.batch_order != "fixed_permutation" for c in cfgs)

    def _draw(self, c, g):
        if c.batch_order == "with_replacement":
            return torch.randint(0, self.n, (self.n,), generator=g, device=self.device)
        return torch.randperm(self.n, generator=g, device=self.device)

    def new_epoch(self, epoch: int):
        if epoch == 0:
            return
        for k, (c, g) in enumerate(zip(self.cfgs, self.gens)):
            if c.batch_order != "fixed_permutation":
                self.cur[k] = self._draw(c, g)
        # 'fixed_permutation': the same order every epoch, as the proofs' index set T_k assumes.


def _check_batch(cfgs):
    if not cfgs:
        raise ConfigError("configs", "need at least one run")
    ref = cfgs[0]
    for c in cfgs[1:]:
        for f in SHAPE_FIELDS:
            if getattr(c, f) != getattr(ref, f):
                raise ConfigError(f, f"runs in one batch must share it ({getattr(ref, f)!r} vs {getattr(c, f)!r})")


def train(
    configs: Config | Sequence[Config],
    progress: Callable[[int, int], None] | None = None,
    keep_weights: bool = False,
    block: int | None = None,
) -> list[RunResult] | RunResult:
    """Train every config in `configs` (one shape) together; results come back in input order
    (a single Config gives a single RunResult).

    progress: optional callable(step_done, total_steps) called at every record point.
    block: runs advanced per tensor program. On CPU the default keeps one state tensor under
    4 MB so that the step's working set stays in cache (measured: 16-24 paper-size runs per
    block beat 64 by 2x); on CUDA all runs go in one block. Runs are independent, so blocking
    never changes the numbers.
    """
    single = isinstance(configs, Config)
    cfgs_in = [configs] if single else list(configs)
    _check_batch(cfgs_in)
    c0 = cfgs_in[0]
    if block is None:
        per_run = 2 * c0.m * c0.d * (8 if c0.dtype == "float64" else 4)
        block = len(cfgs_in) if resolve_device(c0.device).type == "cuda" else max(1, 4_000_000 // per_run)
    # Runs with one composition (and static options, e.g. moment timing) form contiguous slices.
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


def _group_key(c: Config) -> tuple:
    opt = REGISTRY[c.optimizer]
    return (opt.name, opt.statics(c))


class _Trainer:
    def __init__(self, cfgs: list[Config], progress, keep_weights):
        c0 = cfgs[0]
        self.cfgs, self.c0, self.progress, self.keep = cfgs, c0, progress, keep_weights
        dev = self.dev = resolve_device(c0.device)
        dt = self.dt = getattr(torch, c0.dtype)
        K = self.K = len(cfgs)
        # ---- data: one draw per distinct seed ----
        self.slot_of_seed, trains, tests = {}, [], []
        for c in cfgs:
            if c.seed not in self.slot_of_seed:
                self.slot_of_seed[c.seed] = len(trains)
                tr, te = D.train_test(c, dev, dt)
                trains.append(tr)
                tests.append(te)
        slot = torch.tensor([self.slot_of_seed[c.seed] for c in cfgs], device=dev)
        self.slot = slot
        stack = lambda ds, f: torch.stack([getattr(x, f) for x in ds])
        self.y, self.idx, self.val = (stack(trains, f)[slot] for f in ("y", "idx", "val"))
        self.test = {f: stack(tests, f) for f in ("y", "idx", "val")}
        del trains, tests
        self.xi = D.dense_noise(self.y, self.idx, self.val, c0.alpha, c0.d)  # (K, n, d) for metrics
        # ---- initialization W_0 ~ N(0, sigma_0^2) per run ----
        W = [
            torch.randn(2, c0.m, c0.d, generator=D.generator(c.seed, D.STREAM_INIT, dev), device=dev, dtype=dt)
            for c in cfgs
        ]
        # State lives coordinate-major, (K, d, 2, m); self.W etc. are (K, 2, m, d) views of it.
        # The optimizer is elementwise and so layout-blind; the sparse gradient writes whole rows.
        cm = lambda t: t.permute(0, 3, 1, 2).contiguous().permute(0, 2, 3, 1)
        self.W = cm(torch.stack(W) * c0.sigma_0)
        self.W0 = self.W.clone()
        self.G = cm(torch.zeros_like(self.W))
        self.h = Hyper.from_configs(cfgs, dt, dev)
        # contiguous slices of runs sharing one composition: [(optimizer, statics, a, b)]
        self.groups, a = [], 0
        keys = [_group_key(c) for c in cfgs]
        while a < K:
            b = a
            while b < K and keys[b] == keys[a]:
                b += 1
            opt = REGISTRY[cfgs[a].optimizer]
            self.groups.append((opt, keys[a][1], a, b))
            a = b
        self.hs = [self.h.slice(a, b) for _, _, a, b in self.groups]
        # optimizer state (zero before step 1), for every name some run's pieces keep
        names = dict.fromkeys(x for opt, *_ in self.groups for x in opt.state)
        self.state = {x: cm(torch.zeros_like(self.W)) for x in names}
        self.orders = _Orders(cfgs, dev)
        self.status = ["ok"] * K
        self.status_step = [None] * K
        self.detail = [""] * K
        # compile=True fuses the dense update into one loop and the batch's forward/backward into
        # another; the row scatter (index_add_) stays eager.
        self._update = torch.compile(run_pieces, dynamic=False) if c0.compile else run_pieces
        self._parts = torch.compile(grad_parts, dynamic=False) if c0.compile else None
        # Large batches whose supports cover most coordinates: a dense batched matmul beats the row
        # gather/scatter (paper B=100: ~100x). Small batches (B=2) stay sparse.
        self.dense_batches = 2 * c0.B * c0.s > c0.d

    # ---- one iteration -------------------------------------------------------------
    def _step(self, t, yb, idxb, valb, rows, xib, aux: bool):
        c0, W = self.c0, self.W
        if self.dense_batches:  # overwrites all of G
            _, _, grad = loss_and_grad_dense(W, yb, xib, c0.q, out=self.G.permute(0, 3, 1, 2))
        else:  # G is all zeros here; only coordinate 1 and the supports' rows are written
            _, _, grad = loss_and_grad(
                W, yb, idxb, valb, c0.alpha, c0.q, out=self.G.permute(0, 3, 1, 2), parts=self._parts, rows=rows
            )
        gs, us = [], []
        for (opt, statics, a, b), h in zip(self.groups, self.hs):
            whole = (a, b) == (0, self.K)
            sl = (lambda x: x) if whole else (lambda x, a=a, b=b: x[a:b])
            extra = {k: v for f in opt.per_step for k, v in f(h, t).items()}
            state = {x: sl(self.state[x]) for x in opt.state}
            # the update also re-zeroes its slice of G (one dense pass beats index_fill_ on the touched rows)
            res = self._update(opt.pieces, statics, sl(W), sl(grad), state, h, extra, aux, not self.dense_batches)
            if aux:
                gs.append(res[0])
                us.append(res[1])
        return (torch.cat(gs), torch.cat(us)) if aux else None

    def run(self) -> list[RunResult]:
        c0, K = self.c0, self.K
        ipe, steps, every = c0.iters_per_epoch, c0.steps, c0.record_interval
        rec = {k: [] for k in ("step",) + METRICS}
        self._record(rec, 0, None, None, None)
        for t in range(1, steps + 1):
            it = (t - 1) % ipe
            if it == 0 and (t == 1 or self.orders.changes):
                # lay the epoch's samples out in batch order once; each step then takes a view
                self.orders.new_epoch((t - 1) // ipe)
                bi = self.orders.cur
                ey = self.y.gather(1, bi)
                sel = bi[..., None].expand(K, c0.n, c0.s)
                eidx, evl = self.idx.gather(1, sel), self.val.gather(1, sel)
                erows = eidx + c0.d * torch.arange(K, device=self.dev).view(K, 1, 1)  # model._rows, per epoch
                exi = self.xi.gather(1, bi[..., None].expand(K, c0.n, c0.d)) if self.dense_batches else None
            a, b = it * c0.B, (it + 1) * c0.B
            yb, idxb, valb = ey[:, a:b], eidx[:, a:b], evl[:, a:b]
            rows = erows[:, a:b].reshape(-1)
            xib = exi[:, a:b] if self.dense_batches else None
            aux = t % every == 0 or t == steps
            res = self._step(t, yb, idxb, valb, rows, xib, aux)
            if aux:
                self._record(rec, t, res[0], res[1], idxb)
                if self.progress is not None:
                    self.progress(t, steps)
        return self._results(rec)

    # ---- metrics ----------------------------------------------------------------------
    @torch.no_grad()
    def _record(self, rec, t, g, u, idxb):
        c0, K, W = self.c0, self.K, self.W
        loss, mg, grad = loss_and_grad_dense(W, self.y, self.xi, c0.q)
        _, noise = inner_products_dense(W, self.y, self.xi)
        own = (self.y < 0).long()  # class slot of y_i
        mem = noise.gather(1, own[:, None, None, :].expand(K, 1, c0.m, c0.n)).squeeze(1).amax(1)  # (K, n)
        rec["step"].append(t)
        rec["train_loss"].append(loss)
        rec["train_err"].append((mg <= 0).to(W.dtype).mean(1))  # ties count as errors (§1 item 13)
        rec["test_err"].append(self._test_error())
        rec["feat_pos"].append(W[:, 0, :, 0].amax(1))  # max_r <w_{+1,r}, +v>
        rec["feat_neg"].append((-W[:, 1, :, 0]).amax(1))  # max_r <w_{-1,r}, -v>
        rec["noise_max"].append(mem.amax(1))
        rec["noise_min"].append(mem.amin(1))
        rec["dist_init"].append((W - self.W0).flatten(1).norm(dim=1))
        gnorm = grad.flatten(1).abs().amax(1)
        rec["grad_norm"].append(gnorm)
        if g is None:
            rec["sign_agree"].append(torch.full((K,), float("nan"), dtype=W.dtype, device=W.device))
        else:
            # active coordinates: the feature coordinate and the current batch's noise supports
            act = torch.zeros(K, c0.d, dtype=torch.bool, device=W.device)
            act.scatter_(1, idxb.reshape(K, -1), True)
            act[:, 0] = True
            agree = (torch.sign(u) == torch.sign(g)) & act[:, None, None, :]
            rec["sign_agree"].append(agree.flatten(1).sum(1) / (act.sum(1) * 2 * c0.m))
        finite = torch.isfinite(W).flatten(1).all(1) & torch.isfinite(loss)
        frozen = [k for k in range(K) if self.status[k] == "ok" and bool(finite[k]) and float(gnorm[k]) == 0.0]
        visible = self._visible_in_float64(frozen) if frozen else {}
        for k in range(K):
            if self.status[k] != "ok":
                continue
            if not bool(finite[k]):
                self.status[k], self.status_step[k] = "diverged", t
                self.detail[k] = f"non-finite weights or loss at iteration {t}"
            elif visible.get(k, False):
                self.status[k], self.status_step[k] = "underflow", t
                self.detail[k] = (
                    f"the {c0.dtype} loss gradient is exactly zero at iteration {t}, but in float64 "
                    f"it would still move the weights: training froze by underflow"
                )

    def _visible_in_float64(self, ks):
        """For runs whose loss gradient is exactly zero in their dtype: would float64 still move them?

        A zero gradient is physics, not an artifact, when the exact gradient is too small
        to produce a visible step anyway (e.g. Adam's weights decayed to ~0 with
        eps = lam*eta, Cor. 4.3). It is an underflow when the float64 gradient exceeds
        the family's visibility threshold: eps for Adam, any nonzero value for sign
        methods, and an update eta*|g| > 1e-30 for SGD.
        """
        c0, sel = self.c0, torch.tensor(ks, device=self.dev)
        _, _, g64 = loss_and_grad_dense(self.W[sel].double(), self.y[sel].double(), self.xi[sel].double(), c0.q)
        out = {}
        for j, k in enumerate(ks):
            c = self.cfgs[k]
            out[k] = float(g64[j].abs().max()) > REGISTRY[c.optimizer].floor(c)
        return out

    def _test_error(self):
        c0, K = self.c0, self.K
        nt = self.test["y"].shape[1]
        chunk = max(1, min(nt, 4_000_000 // (c0.d * K)))  # bounds the dense (K, chunk, d) buffer
        wrong = torch.zeros(K, dtype=self.dt, device=self.dev)
        for a in range(0, nt, chunk):
            y = self.test["y"][self.slot, a : a + chunk]
            xi = D.dense_noise(
                y,
                self.test["idx"][self.slot, a : a + chunk],
                self.test["val"][self.slot, a : a + chunk],
                c0.alpha,
                c0.d,
            )
            feat, noise = inner_products_dense(self.W, y, xi)
            wrong += (margin(logits(feat, noise, c0.q), y) <= 0).to(self.dt).sum(1)
        return wrong / nt

    def _results(self, rec) -> list[RunResult]:
        ipe = self.c0.iters_per_epoch
        steps = np.asarray(rec["step"])
        arrs = {k: torch.stack(rec[k]).cpu().double().numpy() for k in METRICS}
        out = []
        for k, c in enumerate(self.cfgs):
            traj = {"step": steps, "epoch": steps / ipe}
            traj.update({m: arrs[m][:, k] for m in METRICS})
            final = {m: float(arrs[m][-1, k]) for m in METRICS}
            weights = {}
            if self.keep:
                tensors = {"W": self.W, "W0": self.W0, **{x: self.state[x] for x in REGISTRY[c.optimizer].state}}
                weights = {name: t[k].cpu().numpy().copy() for name, t in tensors.items()}
            out.append(RunResult(c, self.status[k], self.status_step[k], self.detail[k], traj, final, weights))
        return out
