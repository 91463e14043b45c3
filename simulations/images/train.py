"""Training runs on image data: `ImageConfig` (one run) and `train(configs)` (a batch of runs).

`ImageConfig` speaks the engine's config protocol (`shape_key`, `steps`, `seed`, `device`,
`to_dict`, `replace`), so image runs go through the same Session, store and executors as the
synthetic ones; `to_dict()` carries ``kind='images'``, on which the executors dispatch.

Runs that share `shape_key` (data, model, optimizer, batch size, step count, device) advance
together: their parameters are stacked and one `torch.func.vmap` step updates all of them.
Seeds, learning rates, λ and β may differ inside a batch. Models with batch norm train one run
at a time.

Optimizers (eq. (3.3)-(3.6) of the paper, in PyTorch's form for the real-data runs; docs/model.md
§1 item 18): ``adam`` adds λw to the gradient (L2), ``adamw`` shrinks w by (1-ηλ) (decoupled),
``sgd`` / ``sgdw`` the same two forms of plain SGD (identical updates: the negative control of
the λ comparison). Bias correction on and ε = 1e-8 by default, a constant learning rate.

Arithmetic is IEEE (denormal numbers kept) on every thread, whatever mode an earlier synthetic
run left set in the process: flushing them (docs/model.md §4.11) changes some runs' numbers and
saves about 3% here (`python benchmarks/bench_images.py --denormals`), so it is not used.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import functional_call, grad, vmap

from ..batching import denormal_mode, resolve_device
from ..config import ConfigError
from ..result import RunResult
from . import data as data_mod
from . import models

IMAGES_NUMERICS = "1"  # bump exactly when the numbers of a given ImageConfig change
OPTIMIZERS = ("adam", "adamw", "sgd", "sgdw")
DECOUPLED = ("adamw", "sgdw")
RECORDS = 8  # record points per run (plus step 0)


def _f(default: Any, role: str, doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"role": role, "doc": doc})


@dataclass(frozen=True)
class ImageConfig:
    kind: str = _f("images", "shape", "config type tag the executors dispatch on")
    numerics: str = _f(IMAGES_NUMERICS, "shape", "version of the image-training numerics")
    # --- data -------------------------------------------------------------------------------
    data: str = _f("digits", "shape", "digits | fashion | cifar10")
    data_dir: str = _f("", "shape", "folder of the files ('' = the source's default)")
    classes: tuple = _f((), "shape", "class subset (labels 0..9); () keeps all ten")
    binary: bool = _f(False, "shape", "first half of the kept classes against the rest")
    n_train: int = _f(0, "shape", "first n_train examples of a class-balanced order (0 = all)")
    n_test: int = _f(0, "shape", "first n_test test examples (0 = all)")
    pad32: bool = _f(False, "shape", "pad and repeat images to CIFAR-10's 3x32x32")
    # --- model ------------------------------------------------------------------------------
    model: str = _f("vgg_small", "shape", "vgg_small | resnet_small | vgg16 | resnet18")
    width: int = _f(16, "shape", "first-layer channels of the small models")
    # --- optimizer --------------------------------------------------------------------------
    optimizer: str = _f("adam", "shape", "adam (L2 in the gradient) | adamw (decoupled) | sgd | sgdw")
    lam: float = _f(5e-4, "run", "weight decay λ")
    eta: float = _f(1e-3, "run", "learning rate (constant)")
    beta1: float = _f(0.9, "run", "first-moment decay")
    beta2: float = _f(0.99, "run", "second-moment decay")
    eps: float = _f(1e-8, "run", "Adam's stability constant")
    bias_correction: bool = _f(True, "shape", "Adam's bias correction (PyTorch's default)")
    # --- schedule ---------------------------------------------------------------------------
    B: int = _f(16, "shape", "batch size")
    epochs: float = _f(10.0, "shape", "budget in epochs (used when iters is 0)")
    iters: int = _f(0, "shape", "budget in iterations (0 = epochs x floor(n/B))")
    seed: int = _f(0, "run", "initialization and batch-order seed")
    device: str = _f("auto", "shape", "auto (CUDA when present) | cpu | cuda")
    # --- added later: left out of to_dict() at their defaults, so older runs keep their store keys
    pool: int = _f(1, "shape", "average-pool the images by this factor (2: Fashion-MNIST at 14x14)")
    until_train_err: float = _f(
        -1.0, "shape", "stop a run once its train error is <= this, checked every epoch (-1: run the whole budget)"
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(int(c) for c in self.classes))
        validate(self)

    @property
    def n_examples(self) -> int:
        return self.n_train or data_mod.FULL_COUNTS[self.data][0]

    @property
    def iters_per_epoch(self) -> int:
        return max(1, self.n_examples // self.B)

    @property
    def steps(self) -> int:
        return self.iters or max(1, math.ceil(self.epochs * self.iters_per_epoch))

    @property
    def eps_value(self) -> float:
        return self.eps

    @property
    def numerics_version(self) -> str:
        """What this run's numbers depend on besides its fields (the store keys runs by it): the
        image numerics, not the synthetic simulation's NUMERICS_VERSION."""
        return f"images.{self.numerics}"

    @property
    def shape_key(self) -> tuple:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.metadata["role"] == "shape")

    def replace(self, **kw: Any) -> ImageConfig:
        bad = sorted(set(kw) - {f.name for f in dataclasses.fields(self)})
        if bad:
            raise ConfigError(bad[0], "unknown image-run field")
        return dataclasses.replace(self, **kw)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["classes"] = list(self.classes)
        for name, default in LATE_DEFAULTS.items():
            if d[name] == default:
                del d[name]
        return d

    @staticmethod
    def from_dict(d: dict) -> ImageConfig:
        d = dict(d)
        if d.get("numerics", IMAGES_NUMERICS) != IMAGES_NUMERICS:
            raise ConfigError("numerics", f"stored with image numerics {d['numerics']}, this code is {IMAGES_NUMERICS}")
        d["classes"] = tuple(d.get("classes", ()))
        return ImageConfig(**d)


LATE_DEFAULTS = {"pool": 1, "until_train_err": -1.0}  # fields added after runs were stored


def _req(ok: bool, param: str, rule: str) -> None:
    if not ok:
        raise ConfigError(param, rule)


def validate(c: ImageConfig) -> None:
    _req(c.kind == "images", "kind", "must be 'images'")
    _req(c.data in data_mod.SOURCES, "data", f"must be one of {data_mod.SOURCES}, got {c.data!r}")
    _req(c.model in models.MODELS, "model", f"must be one of {models.MODELS}, got {c.model!r}")
    _req(c.optimizer in OPTIMIZERS, "optimizer", f"must be one of {OPTIMIZERS}, got {c.optimizer!r}")
    for name in ("width", "B", "n_train", "n_test", "iters", "seed", "pool"):
        v = getattr(c, name)
        _req(isinstance(v, int) and not isinstance(v, bool), name, f"must be an integer, got {v!r}")
    _req(c.width >= 1, "width", "must be >= 1")
    _req(c.pool >= 1, "pool", f"must be >= 1, got {c.pool}")
    u = c.until_train_err
    _req(
        isinstance(u, (int, float)) and math.isfinite(u) and (u == -1.0 or 0 <= u < 1),
        "until_train_err",
        f"must be -1 (off) or a train error in [0, 1), got {u!r}",
    )
    _req(c.B >= 1, "B", f"must be >= 1, got {c.B}")
    _req(c.B <= c.n_examples, "B", f"must be <= the training examples ({c.n_examples}), got {c.B}")
    _req(c.n_train == 0 or c.n_train >= 2, "n_train", "must be 0 (all) or >= 2")
    _req(c.iters >= 0, "iters", "must be >= 0")
    _req(c.iters > 0 or (math.isfinite(c.epochs) and c.epochs > 0), "epochs", "must be finite and > 0")
    for name in ("lam", "eta", "eps"):
        v = getattr(c, name)
        _req(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0, name, f"must be finite and >= 0, got {v!r}")
    _req(c.eta > 0, "eta", "must be > 0")
    _req(0 <= c.beta1 < 1 and 0 <= c.beta2 < 1, "beta1", "beta1 and beta2 must lie in [0, 1)")
    _req(c.beta1**2 < c.beta2 or c.optimizer.startswith("sgd"), "beta2", "the paper requires beta1^2 < beta2")
    _req(c.optimizer not in DECOUPLED or c.eta * c.lam < 1, "lam", "decoupled decay needs eta*lam < 1")
    _req(c.device in ("auto", "cpu", "cuda"), "device", "must be auto, cpu or cuda")
    _req(len(c.classes) == 0 or len(c.classes) >= 2, "classes", "needs at least two classes")


def dataset(c: ImageConfig) -> data_mod.ImageSet:
    ds = data_mod.load(
        c.data,
        c.data_dir or None,
        c.classes or None,
        c.binary,
        c.n_train or None,
        c.n_test or None,
        c.pad32,
    )
    if c.pool == 1:
        return ds
    h, w = ds.x_train.shape[2:]
    _req(h % c.pool == 0 and w % c.pool == 0, "pool", f"must divide the image size {h}x{w}, got {c.pool}")

    def pooled(x: np.ndarray) -> np.ndarray:
        n, ch = x.shape[:2]
        return np.ascontiguousarray(x.reshape(n, ch, h // c.pool, c.pool, w // c.pool, c.pool).mean(axis=(3, 5)))

    return dataclasses.replace(ds, x_train=pooled(ds.x_train), x_test=pooled(ds.x_test))


# ---- training -------------------------------------------------------------------------------
class _Batch:
    """K runs with stacked parameters (leading dim K) and their optimizer state."""

    def __init__(self, cfgs: list[ImageConfig], ds: data_mod.ImageSet, dev: torch.device):
        c0 = cfgs[0]
        self.cfgs, self.dev, self.K = cfgs, dev, len(cfgs)
        nets = []
        for c in cfgs:
            torch.manual_seed(c.seed)
            nets.append(models.build(c0.model, ds.shape[0], ds.n_classes, c0.width))
        self.net = nets[0].to(dev)
        self.names = [n for n, _ in nets[0].named_parameters()]
        self.p = {n: torch.stack([dict(m.named_parameters())[n].detach() for m in nets]).to(dev) for n in self.names}
        self.buffers = {n: b.to(dev) for n, b in nets[0].named_buffers()}
        self.m = {n: torch.zeros_like(v) for n, v in self.p.items()}
        self.v = {n: torch.zeros_like(v) for n, v in self.p.items()}

        def col(attr: str) -> Tensor:
            return torch.tensor([float(getattr(c, attr)) for c in cfgs], dtype=torch.float32, device=dev)

        self.h = {a: col(a) for a in ("lam", "eta", "beta1", "beta2", "eps")}
        self.active: Tensor | None = None  # (K,) bool: runs still training (until_train_err); None: all

        def loss(p: dict, x: Tensor, y: Tensor) -> Tensor:
            return F.cross_entropy(functional_call(self.net, (p, self.buffers), (x,)), y)

        def logits(p: dict, x: Tensor) -> Tensor:
            return functional_call(self.net, (p, self.buffers), (x,))

        if c0.model in models.BATCHABLE:
            self.grad = vmap(grad(loss))
            self.logits = vmap(logits, in_dims=(0, None))
        else:  # batch norm updates its running statistics in place: one run, no vmap

            def one_grad(p: dict, x: Tensor, y: Tensor) -> dict:
                q = {n: v[0].detach().requires_grad_(True) for n, v in p.items()}
                gs = torch.autograd.grad(loss(q, x[0], y[0]), list(q.values()))
                return {n: g[None] for n, g in zip(q, gs, strict=True)}

            def one_logits(p: dict, x: Tensor) -> Tensor:
                return logits({n: v[0] for n, v in p.items()}, x)[None]

            self.grad, self.logits = one_grad, one_logits

    def _h(self, name: str, like: Tensor) -> Tensor:
        return self.h[name].view(-1, *([1] * (like.dim() - 1)))

    def step(self, t: int, x: Tensor, y: Tensor) -> None:
        c0 = self.cfgs[0]
        g = self.grad(self.p, x, y)
        for n in self.names:
            w, gn = self.p[n], g[n]
            m_old, v_old = self.m[n], self.v[n]
            lam, eta = self._h("lam", w), self._h("eta", w)
            if c0.optimizer in ("adam", "sgd"):
                gn = gn + lam * w  # eq. (3.3): L2 in the gradient
            if c0.optimizer.startswith("sgd"):
                d = gn
            else:
                b1, b2, eps = self._h("beta1", w), self._h("beta2", w), self._h("eps", w)
                self.m[n] = b1 * self.m[n] + (1 - b1) * gn
                self.v[n] = b2 * self.v[n] + (1 - b2) * gn * gn
                mh, vh = self.m[n], self.v[n]
                if c0.bias_correction:
                    mh, vh = mh / (1 - b1**t), vh / (1 - b2**t)
                d = mh / (vh.sqrt() + eps)
            if c0.optimizer in DECOUPLED:
                w = w * (1 - eta * lam)  # eq. (3.6): decoupled decay
            if self.active is None:
                self.p[n] = w - eta * d
            else:  # runs that reached their target keep their parameters and moments
                keep = self.active.view(-1, *([1] * (w.dim() - 1)))
                self.p[n] = torch.where(keep, w - eta * d, self.p[n])
                if not c0.optimizer.startswith("sgd"):
                    self.m[n] = torch.where(keep, self.m[n], m_old)
                    self.v[n] = torch.where(keep, self.v[n], v_old)

    @torch.no_grad()
    def errors(self, x: Tensor, y: Tensor, chunk: int = 2048) -> tuple[Tensor, Tensor]:
        """(0-1 error, mean cross-entropy) of every run on (x, y)."""
        wrong = torch.zeros(self.K, device=self.dev)
        loss = torch.zeros(self.K, device=self.dev)
        self.net.eval()  # batch norm (the paper-width models) evaluates with its running statistics
        for i in range(0, len(y), chunk):
            out = self.logits(self.p, x[i : i + chunk])  # (K, b, classes)
            yy = y[i : i + chunk]
            wrong += (out.argmax(-1) != yy).sum(-1)
            loss += F.cross_entropy(out.flatten(0, 1), yy.repeat(self.K), reduction="none").view(self.K, -1).sum(-1)
        self.net.train()
        return wrong / len(y), loss / len(y)


def train(
    configs: ImageConfig | Sequence[ImageConfig], progress: Callable[[int, int], None] | None = None
) -> list[RunResult]:
    """Train every config (they must share `shape_key`); one RunResult per config, in order."""
    cfgs = [configs] if isinstance(configs, ImageConfig) else list(configs)
    if not cfgs:
        return []
    if len({c.shape_key for c in cfgs}) != 1:
        raise ConfigError("configs", "runs trained together must share shape_key (data, model, optimizer, B, steps)")
    c0 = cfgs[0]
    if c0.model not in models.BATCHABLE and len(cfgs) > 1:
        out: list[RunResult] = []
        for c in cfgs:
            out += train([c], progress)
        return out
    dev = resolve_device(c0.device)
    with denormal_mode(False, dev):  # torch's threads may flush after synthetic runs; image runs keep IEEE
        return _train(cfgs, dev, progress)


def _train(cfgs: list[ImageConfig], dev: torch.device, progress: Callable[[int, int], None] | None) -> list[RunResult]:
    c0 = cfgs[0]
    ds = dataset(c0)
    _req(c0.B <= len(ds.y_train), "B", f"must be <= the training examples loaded ({len(ds.y_train)})")
    xtr = torch.from_numpy(ds.x_train).to(dev)
    ytr = torch.from_numpy(ds.y_train).to(dev)
    xte = torch.from_numpy(ds.x_test).to(dev)
    yte = torch.from_numpy(ds.y_test).to(dev)
    n, B, T = len(ytr), c0.B, c0.steps
    ipe = max(1, n // B)
    run = _Batch(cfgs, ds, dev)
    gens = [np.random.default_rng([c.seed, 7]) for c in cfgs]
    record_at = sorted({0, T, *(round(T * (i + 1) / RECORDS) for i in range(RECORDS))})
    traj: dict[str, list] = {k: [] for k in ("step", "epoch", "train_err", "train_loss", "test_err", "test_loss")}
    status = ["ok"] * run.K
    status_step: list[int | None] = [None] * run.K
    orders: list[np.ndarray] = []

    def record(t: int) -> None:
        tr_e, tr_l = run.errors(xtr, ytr)
        te_e, te_l = run.errors(xte, yte)
        traj["step"].append(np.full(run.K, t))
        traj["epoch"].append(np.full(run.K, t / ipe))
        for k, v in (("train_err", tr_e), ("train_loss", tr_l), ("test_err", te_e), ("test_loss", te_l)):
            traj[k].append(v.cpu().numpy())
        bad = ~np.isfinite(traj["train_loss"][-1])
        for k in np.flatnonzero(bad):
            if status[k] == "ok":
                status[k], status_step[k] = "diverged", t

    until = c0.until_train_err >= 0
    reached: list[dict | None] = [None] * run.K  # until_train_err: each run's numbers when it got there
    if until:
        run.active = torch.ones(run.K, dtype=torch.bool, device=dev)

    def check(t: int) -> None:
        """At an epoch's end: stop (freeze) the runs whose train error is now <= the target."""
        assert run.active is not None
        tr_e, tr_l = run.errors(xtr, ytr)
        new = [k for k in range(run.K) if reached[k] is None and float(tr_e[k]) <= c0.until_train_err]
        if not new:
            return
        te_e, te_l = run.errors(xte, yte)
        for k in new:
            reached[k] = {
                "train_err": float(tr_e[k]),
                "train_loss": float(tr_l[k]),
                "test_err": float(te_e[k]),
                "test_loss": float(te_l[k]),
                "steps": float(t),
                "epochs": t / ipe,
            }
            run.active[k] = False

    record(0)
    for t in range(1, T + 1):
        j = (t - 1) % ipe
        if j == 0:  # a fresh permutation per run and epoch; the last partial batch is dropped
            orders = [g.permutation(n)[: ipe * B].reshape(ipe, B) for g in gens]
        idx = torch.from_numpy(np.stack([o[j] for o in orders])).to(dev)  # (K, B)
        run.step(t, xtr[idx], ytr[idx])
        if t in record_at:
            record(t)
        if until and j == ipe - 1:
            check(t)
        if progress is not None:
            progress(t, T)
        if until and all(r is not None for r in reached):
            if t not in record_at:
                record(t)
            if progress is not None:
                progress(T, T)
            break
    out = []
    for k, c in enumerate(cfgs):
        tr = {key: np.asarray([v[k] for v in vals]) for key, vals in traj.items()}
        final = {key: float(tr[key][-1]) for key in ("train_err", "train_loss", "test_err", "test_loss")}
        final |= {"steps": float(T), "epochs": T / ipe, "n_train": float(n)}
        if until:
            got = reached[k]
            final |= {**got, "reached": 1.0} if got is not None else {"reached": 0.0}
        detail = "" if status[k] == "ok" else f"non-finite training loss at step {status_step[k]}"
        out.append(RunResult(c, status[k], status_step[k], detail, tr, final))  # type: ignore[arg-type]
    return out
