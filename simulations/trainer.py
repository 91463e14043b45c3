"""The step loop: one block of K runs of one shape advanced by a single tensor program.

`simulations.train` (train.py) checks the configs, sorts them and cuts them into blocks; each
block is a `Trainer`. The metrics it records are in metrics.py, the status detection in
status.py. What it computes is specified, one run at a time, by `simulations/reference.py`.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from . import data as D
from . import metrics as M
from .batching import resolve_device
from .config import Config
from .metrics import memory_length
from .model import grad_parts_bag, head_parts, inner_products_bag, loss_and_grad, loss_and_grad_dense
from .optim import REGISTRY, Hyper, fuse, group_key, run_pieces
from .result import ERROR_METRICS, FINAL_ONLY, METRICS, RunResult
from .status import detect_status


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
    keys = [group_key(c) for c in cfgs]
    out, a = [], 0
    while a < len(cfgs):
        b, opts = a + 1, [REGISTRY[cfgs[a].optimizer]]
        while b < len(cfgs) and keys[b][:-1] == keys[a][:-1]:
            o = REGISTRY[cfgs[b].optimizer]
            trial = opts if o in opts else [*opts, o]
            if fuse(trial) is None:
                break
            opts, b = trial, b + 1
        pieces = fuse(opts)
        assert pieces is not None  # the loop above only grows `opts` while they fuse
        statics = tuple(tuple(getattr(cfgs[a], f) for f in p.static) for p in pieces)
        state = tuple(dict.fromkeys(x for p in pieces for x in p.state))
        per_step = tuple(p.per_step for p in pieces if p.per_step is not None)
        out.append(_Group(pieces, statics, state, per_step, a, b, h.slice(a, b)))
        a = b
    return out


def _rows(a: int, b: int) -> Callable[[Tensor], Tensor]:
    return lambda x: x[a:b]


class Trainer:
    """One block of runs advanced together; `metrics` and `status` read its state."""

    def __init__(
        self,
        cfgs: list[Config],
        progress: Callable[[int, int], None] | None,
        keep_weights: bool,
        members: list[list[Config]] | None = None,
    ) -> None:
        """cfgs: the runs advanced, of one length. members[k]: the configs read off run k's trajectory
        (run k itself among them; they differ from it only in epochs and record_every, and none is
        longer). Default: each run alone."""
        c0 = cfgs[0]
        self.cfgs, self.c0, self.progress, self.keep = cfgs, c0, progress, keep_weights
        self.members = members or [[c] for c in cfgs]
        # every point any member records; each member's own status is judged at its own points only
        self.schedule = sorted({t for ms in self.members for c in ms for t in c.record_steps()})
        self.slots = [(k, c, set(c.record_steps())) for k, ms in enumerate(self.members) for c in ms]
        dev = self.dev = resolve_device(c0.device)
        dt = self.dt = getattr(torch, c0.dtype)
        K = self.K = len(cfgs)
        # ---- the problem: data once per distinct seed, W_0 and batch order per run ----
        slot_of_seed: dict[int, int] = {}
        trains: list[D.PatchData] = []
        tests: list[D.PatchData] = []
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
        self.status = ["ok"] * len(self.slots)  # per slot (run k read as one of its members)
        self.status_step: list[int | None] = [None] * len(self.slots)
        self.detail = [""] * len(self.slots)
        self.diverged = [False] * K  # per run: non-finite at some record point so far
        self.first: dict[str, Tensor] = {}
        # compile=True fuses the dense update into one loop and the batch's per-sample head into
        # another; the row gather (embedding_bag) and scatter (index_add_) stay eager
        # (model.grad_parts_bag says why).
        self._update = torch.compile(run_pieces, dynamic=False) if c0.compile else run_pieces
        self._parts: Callable | None = None
        if c0.compile:
            self._parts = functools.partial(grad_parts_bag, head=torch.compile(head_parts, dynamic=False))
        # Large batches whose supports cover most coordinates: a dense batched matmul beats the row
        # gather/scatter (paper B=100: ~100x). Small batches (B=2) stay sparse.
        self.dense_batches = 2 * c0.B * c0.s > c0.d

    # ---- one iteration -------------------------------------------------------------
    def _step(self, t: int, batch: tuple, aux: bool, track: bool) -> tuple[Tensor, Tensor] | None:
        c0, W = self.c0, self.W
        yb, idxb, valb, rows, xib = batch
        grad: Tensor | None
        if self.dense_batches:  # overwrites all of G; compiled runs take the forward from embedding_bag
            inner = inner_products_bag(W, yb, idxb, valb, c0.alpha) if c0.compile else None
            _, _, grad = loss_and_grad_dense(W, yb, xib, c0.q, out=self.G.permute(0, 3, 1, 2), inner=inner)
        else:  # G is all zeros here; only coordinate 1 and the supports' rows are written
            _, _, grad = loss_and_grad(
                W, yb, idxb, valb, c0.alpha, c0.q, out=self.G.permute(0, 3, 1, 2), parts=self._parts, rows=rows
            )
        assert grad is not None  # need_grad is True
        gs, us = [], []
        for gr in self.groups:
            whole = (gr.a, gr.b) == (0, self.K)
            sl: Callable[[Tensor], Tensor] = (lambda x: x) if whole else _rows(gr.a, gr.b)
            extra = {k: v for f in gr.per_step for k, v in f(gr.h, t).items()}
            state = {x: sl(self.state[x]) for x in gr.state}
            hist = (sl(self.sign), sl(self.run_len)) if track else None
            # the update also re-zeroes its slice of G (one dense pass beats index_fill_ on the touched rows)
            res = self._update(
                gr.pieces, gr.statics, sl(W), sl(grad), state, gr.h, extra, aux, not self.dense_batches, hist
            )
            if res is not None:  # aux
                gs.append(res[0])
                us.append(res[1])
        return (torch.cat(gs), torch.cat(us)) if aux else None

    def _next_record(self, t: int) -> int:
        """The first record point at or after iteration t."""
        return self.schedule[min(bisect.bisect_left(self.schedule, t), len(self.schedule) - 1)]

    def run(self) -> list[list[RunResult]]:
        """One list of results per run: one RunResult per member, in the order of `members`."""
        c0, K = self.c0, self.K
        ipe, steps = c0.iters_per_epoch, c0.steps
        records = set(self.schedule)
        # One preallocated row per record point: values appended as small tensors between the step's
        # MiB-sized temporaries pin glibc's heap, which then grew by a step's working set per record
        # point (a smoke check --all reached 13.4 GB resident with a family's union of record points).
        rec = {k: torch.full((len(self.schedule), K), math.nan, dtype=torch.float64, device=self.dev) for k in METRICS}
        self._row = 0
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
            batch: tuple[Tensor | None, ...] = (ey[:, a:b], eidx[:, a:b], evl[:, a:b], erows[:, a:b].reshape(-1))
            batch += (exi[:, a:b] if exi is not None else None,)  # dense batches
            # Sign history is kept only over the L_max steps before each record point (always when
            # records are closer than that); a fresh stretch starts from an empty history.
            was, tracking = tracking, self._next_record(t) - t < self.L_max
            if tracking and not was:
                self.sign.zero_()
                self.run_len.zero_()
            aux = t in records
            res = self._step(t, batch, aux, tracking)
            if res is not None:  # aux
                self._record(rec, t, res[0], res[1], batch[1])
                if self.progress is not None:
                    self.progress(t, steps)
        return self._results(rec)

    # ---- record points ----------------------------------------------------------------
    def _initial_gradient_scale(self) -> None:
        self.first = M.initial_gradient_scale(self)

    @torch.no_grad()
    def _record(self, rec: dict[str, Tensor], t: int, g: Tensor | None, u: Tensor | None, idxb: Tensor | None) -> None:
        nan = torch.full((self.K,), math.nan, dtype=self.dt, device=self.dev)
        values, loss, gnorm = M.at_record_point(self, g, u, idxb, nan)
        row = self._row
        assert self.schedule[row] == t  # record points come in schedule order
        self._row += 1
        for name in METRICS:
            rec[name][row] = values[name]
        due = [i for i, (k, c, at) in enumerate(self.slots) if t in at and self.status[i] == "ok"]
        found = detect_status(self, t, self.W, loss, gnorm, sorted({self.slots[i][0] for i in due}))
        for i in due:
            k = self.slots[i][0]
            if k in found:
                self.status[i], self.detail[i] = found[k]
                self.status_step[i] = t
        for k, (new, _) in found.items():
            self.diverged[k] = self.diverged[k] or new == "diverged"
        bad = torch.tensor(self.diverged, device=self.dev)
        for name in ERROR_METRICS:  # a diverged run has no error rate from the divergence on
            rec[name][row] = torch.where(bad, math.nan, rec[name][row])

    def _results(self, rec: dict[str, Tensor]) -> list[list[RunResult]]:
        ipe = self.c0.iters_per_epoch
        steps = np.asarray(self.schedule)
        arrs = {k: rec[k].cpu().numpy() for k in METRICS}
        out: list[list[RunResult]] = [[] for _ in self.cfgs]
        for i, (k, c, at) in enumerate(self.slots):
            rows = np.isin(steps, sorted(at))  # this member's own record points
            last = int(np.flatnonzero(steps == c.steps)[0])
            traj = {"step": steps[rows], "epoch": steps[rows] / ipe}
            traj.update({m: arrs[m][rows, k] for m in METRICS})
            final = {m: float(arrs[m][last, k]) for m in METRICS}
            final.update({m: float(self.first[m][k]) for m in FINAL_ONLY})
            weights = {}
            if self.keep:  # train() gives every run its own family then: c is cfgs[k]
                tensors = {"W": self.W, "W0": self.W0, **{x: self.state[x] for x in REGISTRY[c.optimizer].state}}
                weights = {name: t[k].cpu().numpy().copy() for name, t in tensors.items()}
            out[k].append(RunResult(c, self.status[i], self.status_step[i], self.detail[i], traj, final, weights))
        return out
