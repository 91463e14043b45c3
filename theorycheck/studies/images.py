"""The paper's real-data claims (Figs 1-2, 7-12) as plans on image data (simulations.images).

Fig 1 (test error vs batch size): for Adam (λ in the gradient) and AdamW (decoupled), the error
at the largest batch sizes is above the best small-batch error by more than the replicates'
spread, and it rises monotonically in B past a located critical batch size B*. Two protocols:
the paper's (a fixed epoch budget, the best of three learning rates per B) and equal iterations
(every B gets the same number of steps), so that 'degrades' is not only under-training, and a
third, 'zero': every run trains until its train error is <= Scale.zero_tol or zero_epochs have
passed; batch sizes where no learning rate got every replicate there read inconclusive
(`gate_zero`), never a verdict.
Negative control: plain SGD (L2 in the gradient) at the same budgets; the paper's mechanism
(Adam acts as a sign method that memorizes noise at large B) does not predict a sharp
transition for it.

Fig 2 (test error vs λ at B=16): Adam's largest λ within δ of its best error is smaller than
AdamW's, and Adam degrades inside its own grid. AdamW's 1/25 factor (docs/model.md §1 item 14)
is read two ways: 'axis' (the optimizer gets the grid values; default) and 'optimizer' (it gets
grid/25; λ is compared on the grid values). Negative control: SGD with L2 against SGD with
decoupled decay on the same two grids; the two updates are identical, so the rule must fail.

Figs 7-10 (the paper reruns Figs 1-2 over seeds 0-4, Figs 7-8, and over nine (β1, β2) pairs,
Figs 9-10, and says the conclusions do not change) are judged cell by cell: every cell (one seed
at the default β, or one β pair at seed 0) gets its own Fig 1 plans (Adam, AdamW; the paper's
fixed-epoch protocol) and Fig 2 plan (the 'axis' reading), each with its negative control, on
the scale's cell grids; `cells_agree` then compares each cell's verdict with the default cell's
(seed 0, β = (0.9, 0.99)). A cell holds one run per arm, so the Fig 1 rule's spread has a floor,
δ (`--tol delta`). Before, `--seeds 0-4` / `--betas paper` pooled the cells into one plan's
replicates; that reading stays available on fig1/fig2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from simulations import ConfigError, RunResult
from simulations.images import ImageConfig

from ..engine.plan import Arm, Context, Plan
from ..judge.verdicts import Claim, Judgement, Tolerances
from ..vocab import Hypothesis

PAPER_BETAS = (
    (0.0, 0.5),
    (0.0, 0.9),
    (0.0, 0.95),
    (0.5, 0.5),
    (0.5, 0.9),
    (0.5, 0.95),
    (0.9, 0.9),
    (0.9, 0.95),
    (0.9, 0.99),
)
ADAM_LAMBDAS = (1e-1, 5e-2, 1e-2, 5e-3, 1e-3, 5e-4, 1e-4, 5e-5, 1e-5, 5e-6, 1e-6, 5e-7)  # Fig 2's Adam grid
ADAMW_LAMBDAS = (5e-1, 1e-1, 5e-2, 1e-2, 5e-3, 1e-3, 5e-4, 1e-4)  # Fig 2's AdamW grid
ADAMW_SCALE = 1 / 25
READINGS = ("axis", "optimizer")  # where AdamW's 1/25 acts (docs/model.md §1 item 14); 'axis' is the default
PROTOCOLS = ("epochs", "iters", "zero")  # 'zero': until train error <= Scale.zero_tol (or zero_epochs)
FIGS = ("fig1", "fig2", "fig7", "fig8", "fig9", "fig10")
# Figs 7-10: (family of cells, the figure they rerun); Fig 7 <- Fig 1 and Fig 8 <- Fig 2 over seeds,
# Figs 9 and 10 the same over the β pairs (the pairing of figure numbers is docs/model.md §9.4's reading)
CELL_FIGS = {
    "fig7": ("seeds", "fig1"),
    "fig8": ("seeds", "fig2"),
    "fig9": ("betas", "fig1"),
    "fig10": ("betas", "fig2"),
}
CELL_SEEDS = (0, 1, 2, 3, 4)  # Figs 7-8
DEFAULT_BETAS = (0.9, 0.99)  # ImageConfig's default and the paper's Figs 1-2 setting


@dataclass(frozen=True)
class Scale:
    """One size of the image study: data, model and both figures' grids."""

    name: str
    base: dict  # ImageConfig fields shared by every run
    batch_sizes: tuple[int, ...]
    epochs: float  # Fig 1's fixed epoch budget
    iters: int  # Fig 1's equal-iterations budget
    lrs: dict  # optimizer -> the three learning rates tried per B
    lam: dict  # optimizer -> Fig 1's λ
    fig2_B: int = 16
    fig2_eta: dict = field(default_factory=dict)  # optimizer -> Fig 2's learning rate
    fig2_epochs: float = 10.0
    note: str = ""
    adam_lambdas: tuple[float, ...] = ADAM_LAMBDAS
    adamw_lambdas: tuple[float, ...] = ADAMW_LAMBDAS
    zero_tol: float = 0.02  # Fig 1 'zero' protocol: train until train error <= zero_tol ...
    zero_epochs: float = 40.0  # ... or this many epochs, whichever comes first ...
    zero_steps: int = 0  # ... but at least this many steps (so that large B get more than a few)
    # Figs 7-10's cells run on these subsets of the grids (() = the full grid): 13 cells of the full
    # grids would take about an hour on one thread at the digits scale
    cell_batch_sizes: tuple[int, ...] = ()
    cell_adam_lambdas: tuple[float, ...] = ()
    cell_adamw_lambdas: tuple[float, ...] = ()


ADAM_LRS = (1e-2, 3e-3, 1e-3)
SGD_LRS = (0.3, 0.1, 0.03)
# shared by the CPU scales (read only): Fig 1's learning-rate grid per optimizer, the paper's Fig 1
# weight decays (Adam 5e-4, AdamW 1e-2), and Fig 2's learning rates
FIG1_LRS = {"adam": ADAM_LRS, "adamw": ADAM_LRS, "sgd": SGD_LRS}
FIG1_LAMS = {"adam": 5e-4, "adamw": 1e-2, "sgd": 5e-4}
FIG2_LRS = {"adam": 1e-3, "adamw": 1e-3, "sgd": 0.1, "sgdw": 0.1}
SCALES = {
    "tiny": Scale(
        "tiny",
        dict(data="digits", n_train=64, n_test=100, model="vgg_small", width=4),
        (8, 32, 64),
        1.0,
        8,
        FIG1_LRS,
        FIG1_LAMS,
        8,
        {"adam": 3e-3, "adamw": 3e-3, "sgd": 0.1, "sgdw": 0.1},
        1.0,
        "test-suite size: 64 digits, width 4, 1 epoch, three-point λ grids (plumbing only: it learns little)",
        (1e-1, 1e-3, 1e-5),
        (5e-1, 1e-2, 1e-4),
        zero_epochs=2.0,
    ),
    "digits": Scale(
        "digits",
        dict(data="digits", n_train=1024, model="vgg_small", width=8),
        (8, 16, 32, 64, 128, 256, 512, 1024),
        15.0,
        100,
        FIG1_LRS,
        FIG1_LAMS,
        16,
        FIG2_LRS,
        15.0,
        "1024 of sklearn's digits (8x8), 500 test images, VGG-style CNN of width 8",
        cell_batch_sizes=(16, 64, 256, 512, 1024),
        cell_adam_lambdas=(1e-1, 5e-2, 1e-2, 1e-3, 1e-5),
        cell_adamw_lambdas=(5e-1, 1e-1, 1e-2, 1e-3, 1e-4),
    ),
    "fashion": Scale(
        "fashion",
        dict(data="fashion", classes=(0, 1, 5, 7, 8), n_train=512, n_test=500, pool=2, model="vgg_small", width=8),
        (16, 64, 256, 512),
        10.0,
        50,
        FIG1_LRS,
        FIG1_LAMS,
        16,
        FIG2_LRS,
        10.0,
        "Fashion-MNIST, five classes (T-shirt, trouser, sandal, sneaker, bag), 512 training images "
        "(class-balanced prefix) and 500 test images, average-pooled to 14x14, VGG-style CNN of width 8 "
        "(about half an hour on one thread)",
        zero_tol=0.05,
        zero_epochs=40.0,
        zero_steps=300,
    ),
    "fashion-full": Scale(
        "fashion-full",
        dict(data="fashion", model="vgg_small", width=16),
        (16, 64, 256, 1024, 4096, 15000, 60000),
        10.0,
        400,
        FIG1_LRS,
        FIG1_LAMS,
        16,
        FIG2_LRS,
        10.0,
        "all 60,000 Fashion-MNIST images, width 16 (hours on 2 cores; a GPU run)",
    ),
    "cifar10": Scale(
        "cifar10",
        dict(data="cifar10", model="vgg16"),
        (16, 32, 64, 256, 1024, 4096, 8192),
        100.0,
        3125,
        {"adam": (5e-4, 1e-4, 1e-5), "adamw": (5e-4, 1e-4, 1e-5), "sgd": (0.1, 0.03, 0.01)},
        FIG1_LAMS,
        16,
        {"adam": 1e-4, "adamw": 1e-4, "sgd": 0.03, "sgdw": 0.03},
        100.0,
        "the paper's protocol (Figs 1-2): CIFAR-10, 100 epochs, no augmentation, β=(0.9, 0.99)",
    ),
}


def scale(name: str, **base: object) -> Scale:
    if name not in SCALES:
        raise ConfigError("scale", f"must be one of {tuple(SCALES)}, got {name!r}")
    s = SCALES[name]
    return replace(s, base={**s.base, **{k: v for k, v in base.items() if v is not None}}) if base else s


def replicates(seeds: Sequence[int], betas: bool) -> list[dict]:
    """The runs that give one arm its spread: one per seed, or (betas) one per (β1, β2) pair at seed 0."""
    if betas:
        return [dict(seed=0, beta1=b1, beta2=b2) for b1, b2 in PAPER_BETAS]
    return [dict(seed=int(s)) for s in seeds]


def _cfgs(base: dict, fields: dict, reps: list[dict]) -> tuple[ImageConfig, ...]:
    return tuple(ImageConfig(**{**base, **fields, **r}) for r in reps)


def _context(sc: Scale, seeds: Sequence[int], tol: Tolerances | None, extra: dict) -> Context:
    return Context(sc.name, {}, tuple(int(s) for s in seeds), tol or Tolerances(), {**sc.base, **extra})


def command(fig: str, sc: Scale, seeds: Sequence[int], betas: bool, extra: str = "") -> str:
    parts = ["theorycheck", "images", fig, "--scale", sc.name]
    data_dir = sc.base.get("data_dir")
    if data_dir:
        parts += ["--data-dir", str(data_dir)]
    parts += ["--betas", "paper"] if betas else ["--seeds", ",".join(map(str, seeds))]
    return " ".join(parts) + (f" {extra}" if extra else "")


# ---- Fig 1 -----------------------------------------------------------------------------------
def fig1_plans(
    sc: Scale,
    seeds: Sequence[int] = (0, 1, 2),
    protocols: Sequence[str] = PROTOCOLS,
    betas: bool = False,
    tol: Tolerances | None = None,
    cell: dict | None = None,
) -> list[Plan]:
    """One plan per (optimizer, protocol): arms 'B=.. lr=..' for Adam or AdamW, controls for SGD.
    cell (Figs 7-10, `cell_plans`): one cell's replicate instead of seeds/betas."""
    reps = [cell] if cell is not None else replicates(seeds, betas)
    creps = reps if cell is None else [{k: v for k, v in cell.items() if not k.startswith("beta")}]  # SGD reads no β
    extra: dict = {} if cell is None else {"spread_floor": (tol or Tolerances()).delta}
    plans = []
    for proto in protocols:
        if proto not in PROTOCOLS:
            raise ConfigError("protocol", f"must be one of {PROTOCOLS}, got {proto!r}")
        budget: dict = {"epochs": sc.epochs, "iters": 0} if proto == "epochs" else {"iters": sc.iters}
        if proto == "zero":
            budget = {"epochs": sc.zero_epochs, "iters": 0, "until_train_err": sc.zero_tol}
        for opt in ("adam", "adamw"):
            arms = []
            for B in sc.batch_sizes:
                if proto == "zero":
                    budget["iters"] = zero_budget(sc, B)
                for i in range(3):
                    name = f"B={B} lr#{i}"
                    f = dict(optimizer=opt, B=B, eta=sc.lrs[opt][i], lam=sc.lam[opt], **budget)
                    arms.append(Arm(name, _cfgs(sc.base, f, reps), fields=f))
                    fc = dict(optimizer="sgd", B=B, eta=sc.lrs["sgd"][i], lam=sc.lam["sgd"], **budget)
                    arms.append(Arm(f"SGD {name}", _cfgs(sc.base, fc, creps), role="control", controls=name, fields=fc))
            what = {
                "epochs": f"{sc.epochs:g} epochs",
                "iters": f"{sc.iters} iterations",
                "zero": f"until train error <= {sc.zero_tol:g}, at most {zero_budget_text(sc)}",
            }[proto]
            plans.append(
                Plan(
                    f"images.fig1.{opt}.{proto}",
                    "Fig. 1 (Figs 7-10, 11)",
                    f"{'Adam' if opt == 'adam' else 'AdamW'}: test error vs batch size on {sc.base['data']} ({what}, best of 3 lr per B)",
                    tuple(arms),
                    _context(sc, seeds, tol, {"protocol": proto, "optimizer": opt, "betas": betas, **extra}),
                    fig1_rule,
                    accepts=("ok", "diverged"),
                    command=command("fig1", sc, seeds, betas, f"--protocol {proto}"),
                    meta=dict(
                        study="images",
                        fig="fig1",
                        optimizer=opt,
                        protocol=proto,
                        scale=sc.name,
                        note=sc.note,
                        zero_tol=sc.zero_tol,
                        zero_budget=zero_budget_text(sc),
                    ),
                )
            )
    return plans


def zero_budget(sc: Scale, B: int) -> int:
    """The 'zero' protocol's step budget at batch size B: zero_epochs, or zero_steps if that is more."""
    ipe = ImageConfig(**{**sc.base, "B": B}).iters_per_epoch
    return max(math.ceil(sc.zero_epochs * ipe), sc.zero_steps)


def zero_budget_text(sc: Scale) -> str:
    return f"{sc.zero_epochs:g} epochs" + (f" or {sc.zero_steps} steps if more" if sc.zero_steps else "")


def _err(r: RunResult) -> float:
    e = r.final.get("test_err", math.nan)
    return float(e) if r.status == "ok" and math.isfinite(e) else math.nan


def reached(r: RunResult) -> bool:
    """Under the 'zero' protocol: the run got to train error <= its target within the budget."""
    return r.status == "ok" and r.final.get("reached", 0.0) == 1.0


def best_lr_curve(
    runs: dict[str, list[RunResult]], reached_only: bool = False
) -> tuple[list[int], np.ndarray, list[float]]:
    """(batch sizes, errors (B x replicate) at each B's best learning rate, the chosen rates).
    The best rate has the lowest mean test error over the replicates; a diverged run loses.
    reached_only (the 'zero' protocol): only rates whose every replicate reached the target
    compete, and a batch size where none did is left out."""
    by_B: dict[int, list[list[RunResult]]] = {}
    for rs in runs.values():
        if reached_only and not all(reached(r) for r in rs):
            continue
        by_B.setdefault(rs[0].config.B, []).append(rs)
    Bs = sorted(by_B)
    rows, chosen = [], []
    for B in Bs:
        cands = [np.array([_err(r) for r in rs]) for rs in by_B[B]]
        means = [np.nanmean(c) if np.isfinite(c).any() else math.inf for c in cands]
        k = int(np.argmin(means))
        rows.append(np.where(np.isfinite(cands[k]), cands[k], 1.0))  # every rate diverged: count as all wrong
        chosen.append(by_B[B][k][0].config.eta)
    return Bs, np.array(rows), chosen


def locate_critical(mean: np.ndarray) -> int:
    """Index of B*: the batch size just before the largest rise of the mean error curve."""
    if len(mean) < 2:
        return 0
    return int(np.argmax(np.diff(mean)))


FIG1_CLAIMS = (
    ("large-batch error above the best small-batch error", "test performance degrades as B grows (Fig. 1)"),
    ("error monotone in B past the critical batch size", "drops sharply once B passes a critical threshold (Fig. 1)"),
    ("a sharp rise at B*", "a critical batch size (Fig. 1)"),
)


def fig1_rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    zero = ctx.base.get("protocol") == "zero"
    Bs, err, _ = best_lr_curve(runs, reached_only=zero)
    if len(Bs) < 2:  # 'zero': too few batch sizes reached the target (gate_zero reads it inconclusive)
        n = len(next(iter(runs.values()), []))
        why = f"fewer than two batch sizes reached train error <= the target ({Bs or 'none'})"
        return [Claim(name, paper, why, [math.nan] * n, [False] * n) for name, paper in FIG1_CLAIMS]
    n_rep = err.shape[1]
    mean = err.mean(axis=1)
    # one run per arm (Figs 7-10's cells) has no spread of its own: ctx.base['spread_floor'] (δ) stands in
    spread_B = np.maximum(err.max(axis=1) - err.min(axis=1), ctx.base.get("spread_floor", 0.0))
    i_star = locate_critical(mean)
    small = slice(0, i_star + 1)
    large = [len(Bs) - 1] if len(Bs) < 4 else [len(Bs) - 2, len(Bs) - 1]
    best_small = err[small].min(axis=0)  # per replicate
    spread = float(max(spread_B[small].max(), spread_B[large].max()))
    gap = err[large].min(axis=0) - best_small
    c1 = Claim(
        "large-batch error above the best small-batch error",
        "test performance degrades as B grows (Fig. 1)",
        f"min err(B in {[Bs[i] for i in large]}) - min err(B <= B*={Bs[i_star]}) > spread {spread:.3g}",
        [float(g) for g in gap],
        [bool(g > spread) for g in gap],
    )
    drops = []
    for s in range(n_rep):
        bad = 0
        for j in range(i_star, len(Bs) - 1):
            tol_j = max(spread_B[j], spread_B[j + 1])
            if err[j + 1, s] < err[j, s] - tol_j:
                bad += 1
        drops.append(bad)
    c2 = Claim(
        "error monotone in B past the critical batch size",
        "drops sharply once B passes a critical threshold (Fig. 1)",
        f"past B*={Bs[i_star]}: no decrease larger than the replicates' spread (count of decreases = 0)",
        drops,
        [d == 0 for d in drops],
    )
    jump = float(np.diff(mean)[i_star]) if len(Bs) > 1 else 0.0
    c3 = Claim(
        "a sharp rise at B*",
        "a critical batch size (Fig. 1)",
        f"the rise after B*={Bs[i_star]} (mean {jump:.3g}) exceeds the replicates' spread {spread:.3g}",
        [float(err[min(i_star + 1, len(Bs) - 1), s] - err[i_star, s]) for s in range(n_rep)],
        [bool(err[min(i_star + 1, len(Bs) - 1), s] - err[i_star, s] > spread) for s in range(n_rep)],
    )
    return [c1, c2, c3]


# ---- Fig 2 -----------------------------------------------------------------------------------
def fig2_plans(
    sc: Scale,
    seeds: Sequence[int] = (0, 1, 2),
    readings: Sequence[str] = READINGS,
    betas: bool = False,
    tol: Tolerances | None = None,
    adam_lambdas: Sequence[float] | None = None,
    adamw_lambdas: Sequence[float] | None = None,
    cell: dict | None = None,
) -> list[Plan]:
    """One plan per reading of the 1/25 factor: Adam and AdamW over the paper's λ grids at B=fig2_B.
    cell (Figs 7-10, `cell_plans`): one cell's replicate instead of seeds/betas."""
    reps = [cell] if cell is not None else replicates(seeds, betas)
    creps = reps if cell is None else [{k: v for k, v in cell.items() if not k.startswith("beta")}]  # SGD reads no β
    adam_lambdas = tuple(adam_lambdas or sc.adam_lambdas)
    adamw_lambdas = tuple(adamw_lambdas or sc.adamw_lambdas)
    plans = []
    for reading in readings:
        if reading not in READINGS:
            raise ConfigError("adamw_scale", f"must be one of {READINGS}, got {reading!r}")
        k = ADAMW_SCALE if reading == "optimizer" else 1.0
        arms = []
        common = dict(B=sc.fig2_B, epochs=sc.fig2_epochs, iters=0)
        for opt, ctl, grid, mult in (("adam", "sgd", adam_lambdas, 1.0), ("adamw", "sgdw", adamw_lambdas, k)):
            for lam in grid:
                name = f"{opt} λ={lam:g}"
                f = dict(optimizer=opt, lam=lam * mult, eta=sc.fig2_eta[opt], **common)
                arms.append(Arm(name, _cfgs(sc.base, f, reps), fields={**f, "lam_axis": lam}))
                fc = dict(optimizer=ctl, lam=lam * mult, eta=sc.fig2_eta[ctl], **common)
                arms.append(
                    Arm(
                        f"{ctl} λ={lam:g}",
                        _cfgs(sc.base, fc, creps),
                        role="control",
                        controls=name,
                        fields={**fc, "lam_axis": lam},
                    )
                )
        plans.append(
            Plan(
                f"images.fig2.{reading}",
                "Fig. 2 (Figs 7-10, 12)",
                f"Adam vs AdamW: test error vs λ on {sc.base['data']} at B={sc.fig2_B} (1/25 on the {reading})",
                tuple(arms),
                _context(sc, seeds, tol, {"reading": reading, "betas": betas}),
                fig2_rule,
                accepts=("ok", "diverged"),
                command=command("fig2", sc, seeds, betas, f"--adamw-scale {reading}"),
                meta=dict(study="images", fig="fig2", reading=reading, scale=sc.name, note=sc.note),
            )
        )
    return plans


def lam_axis(r: RunResult, reading: str) -> float:
    """λ as the paper's axis shows it: the grid value (the optimizer's λ x 25 under 'optimizer')."""
    c = r.config
    if c.optimizer in ("adamw", "sgdw") and reading == "optimizer":
        return float(f"{c.lam / ADAMW_SCALE:.6g}")  # the grid value, without the division's rounding
    return c.lam


def lambda_curves(runs: dict[str, list[RunResult]], reading: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """'coupled' / 'decoupled' -> (λ on the axis, ascending; errors λ x replicate)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for kind, opts in (("coupled", ("adam", "sgd")), ("decoupled", ("adamw", "sgdw"))):
        rows = sorted(
            (lam_axis(rs[0], reading), [_err(r) for r in rs]) for rs in runs.values() if rs[0].config.optimizer in opts
        )
        lams = np.array([r[0] for r in rows])
        errs = np.array([[1.0 if not math.isfinite(e) else e for e in r[1]] for r in rows])
        out[kind] = (lams, errs)
    return out


def largest_within(lams: np.ndarray, errs: np.ndarray, delta: float) -> np.ndarray:
    """Per replicate: the largest λ whose error is within delta of that replicate's best."""
    best = errs.min(axis=0)
    ok = errs <= best + delta
    return np.array([lams[np.flatnonzero(ok[:, s])].max() for s in range(errs.shape[1])])


def fig2_rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    d = ctx.tol.delta
    cur = lambda_curves(runs, ctx.base.get("reading", "axis"))
    la, ea = cur["coupled"]
    lw, ew = cur["decoupled"]
    sa, sw = largest_within(la, ea, d), largest_within(lw, ew, d)
    rise = ea.max(axis=0) - ea.min(axis=0)
    c1 = Claim(
        "Adam degrades inside its λ grid",
        "Adam's test error spikes for λ > 0.05 (Fig. 2)",
        f"max err - min err over Adam's grid > δ={d:g}",
        [float(v) for v in rise],
        [bool(v > d) for v in rise],
        not_separated=(
            "a precondition of the next claim (the grid reaches a λ where coupled decay hurts); "
            "large L2 decay hurts SGD as well, and the control is built for the coupled/decoupled contrast"
        ),
    )
    c2 = Claim(
        "Adam's largest tolerated λ below AdamW's",
        "AdamW stays robust up to λ = 0.5 (Fig. 2)",
        f"λ*(AdamW) / λ*(Adam) > 1, λ* = the largest λ within δ={d:g} of the best error",
        [float(w / a) for a, w in zip(sa, sw, strict=True)],
        [bool(w > a) for a, w in zip(sa, sw, strict=True)],
    )
    return [c1, c2]


def reach_table(j: Judgement, role: str = "regime") -> dict[int, tuple[int, int, bool]]:
    """'zero' protocol, per batch size: (runs that reached the target, runs, whether some learning
    rate reached it on every replicate, which is what lets that B into the curve)."""
    roles = {k: v["role"] for k, v in j.settings["arms"].items()}
    out: dict[int, tuple[int, int, bool]] = {}
    for name, rs in j.evidence.items():
        if roles.get(name) != role or not rs:
            continue
        got, tot, full = out.get(rs[0].config.B, (0, 0, False))
        k = sum(reached(r) for r in rs)
        out[rs[0].config.B] = (got + k, tot + len(rs), full or k == len(rs))
    return dict(sorted(out.items()))


def gate_zero(js: Sequence[Judgement]) -> list[Judgement]:
    """Under the 'zero' protocol a batch size whose runs did not reach the target train error
    within the budget cannot be judged: the claim reads inconclusive (never a verdict), and a
    gating horizon hypothesis says which B fell short and how many of their runs got there. The
    claims shown are the rule on the batch sizes that did reach it. Other plans pass unchanged."""
    for j in js:
        if j.meta.get("fig") != "fig1" or j.meta.get("protocol") != "zero":
            continue
        tab = reach_table(j)
        short = [B for B, (_, _, full) in tab.items() if not full]
        tol, budget = j.meta.get("zero_tol"), j.meta.get("zero_budget")
        counts = ", ".join(f"B={B}: {g}/{t}" for B, (g, t, _) in tab.items())
        name = f"every B reaches train error <= {tol:g} within {budget}"
        detail = f"runs that reached it (all learning rates and replicates): {counts}"
        j.hypotheses.append(Hypothesis(name, "Fig. 1 (zero-error protocol)", not short, detail, True, "horizon"))
        ctab = reach_table(j, "control")
        cshort = [B for B, (_, _, full) in ctab.items() if not full]
        if not short and j.verdict == "consistent" and cshort:  # a control that fell short did not fail
            ccounts = ", ".join(f"B={B}: {g}/{t}" for B, (g, t, _) in ctab.items())
            j.verdict = "inconclusive"
            j.reason = (
                f"the negative control did not reach train error <= {tol:g} within {budget} at "
                f"B={', '.join(map(str, cshort))} ({ccounts}), so it cannot fail there; {j.reason}"
            )
        if short:
            j.verdict = "inconclusive"
            rest = (
                f"on the batch sizes that did: {j.reason}"
                if len(tab) - len(short) >= 2
                else "fewer than two batch sizes reached it, so no claim is judged"
            )
            j.reason = (
                f"not reached: no learning rate got every replicate to train error <= {tol:g} within "
                f"{budget} at B={', '.join(map(str, short))} ({counts}); {rest}"
            )
    return list(js)


# ---- Figs 7-10: the Fig 1 and Fig 2 verdicts, cell by cell -----------------------------------
def cells(family: str, seeds: Sequence[int] = CELL_SEEDS) -> list[tuple[str, dict]]:
    """(label, the cell's run fields): one per seed at the default β, or one per β pair at seed 0."""
    if family == "seeds":
        return [(f"s{int(s)}", dict(seed=int(s))) for s in seeds]
    return [(f"b{b1:g}_{b2:g}", dict(seed=0, beta1=b1, beta2=b2)) for b1, b2 in PAPER_BETAS]


def default_cell(family: str, seeds: Sequence[int] = CELL_SEEDS) -> str:
    """The cell whose verdicts the others must reproduce: seed 0 (or the first seed), β = (0.9, 0.99)."""
    if family == "seeds":
        return f"s{0 if 0 in seeds else int(seeds[0])}"
    return "b{:g}_{:g}".format(*DEFAULT_BETAS)


def cell_scale(sc: Scale) -> Scale:
    """The scale with its cell grids (Figs 7-10) in place of the full ones."""
    return replace(
        sc,
        batch_sizes=sc.cell_batch_sizes or sc.batch_sizes,
        adam_lambdas=sc.cell_adam_lambdas or sc.adam_lambdas,
        adamw_lambdas=sc.cell_adamw_lambdas or sc.adamw_lambdas,
    )


def cell_plans(fig: str, sc: Scale, seeds: Sequence[int] = CELL_SEEDS, tol: Tolerances | None = None) -> list[Plan]:
    """Fig 7/8/9/10: per cell, the Fig 1 plans (Adam, AdamW; fixed epochs) or the Fig 2 plan ('axis')
    on one run per arm, ids 'images.<fig>.<adam|adamw|axis>.<cell>'."""
    family, base_fig = CELL_FIGS[fig]
    cs = cell_scale(sc)
    out: list[Plan] = []
    for label, cell in cells(family, seeds):
        got = (
            fig1_plans(cs, (cell["seed"],), ("epochs",), False, tol, cell=cell)
            if base_fig == "fig1"
            else fig2_plans(cs, (cell["seed"],), ("axis",), False, tol, cell=cell)
        )
        for p in got:
            kind = p.meta["optimizer"] if base_fig == "fig1" else "axis"
            what = f"seed {cell['seed']}" if family == "seeds" else f"β=({cell['beta1']:g}, {cell['beta2']:g})"
            cmd = f"theorycheck images {fig} --scale {sc.name}" + (
                f" --cell-seeds {','.join(map(str, seeds))}" if family == "seeds" else ""
            )
            out.append(
                replace(
                    p,
                    id=f"images.{fig}.{kind}.{label}",
                    ref=f"Fig. {fig[3:]} ({what})",
                    title=f"{p.title} [cell {what}]",
                    command=cmd,
                    meta={**p.meta, "cell_of": fig, "cell": label, "kind": kind, "family": family},
                )
            )
    return out


DECIDED = ("consistent", "violated")
CELLS_NO_CONTROL = (
    "no negative control of its own: the paper names no seed or (β1, β2) pair (all nine keep β1² < β2) "
    "under which the conclusions should change. Each cell's verdict is itself controlled (its SGD "
    "control must fail in that cell, else the cell reads inconclusive), and the agreement reads "
    "inconclusive, not consistent, when the default cell's own verdict is undecided"
)


def cells_agree(js: Sequence[Judgement], seeds: Sequence[int] = CELL_SEEDS) -> list[Judgement]:
    """The judgements, with one more per Fig 7-10 present: its claims (one per Fig 1 optimizer, or
    the Fig 2 plan) hold on a cell when the cell's verdict equals the default cell's. Verdict:
    inconclusive when the default cell's verdict is undecided or some cell is undecided; violated
    when some cell reaches the other decided verdict; consistent when every cell agrees."""
    out = list(js)
    for fig, (family, base_fig) in CELL_FIGS.items():
        mine = [j for j in js if j.meta.get("cell_of") == fig]
        if not mine:
            continue
        labels = [c for c, _ in cells(family, seeds)]
        d = default_cell(family, seeds)
        kinds = list(dict.fromkeys(j.meta["kind"] for j in mine))
        by = {(j.meta["kind"], j.meta["cell"]): j for j in mine}
        claims, opposite, undecided, open_default = [], [], [], []
        for kind in kinds:
            ref = by[(kind, d)].verdict
            if ref not in DECIDED:
                open_default.append(f"{kind}: {ref}")
            got = [by[(kind, c)].verdict for c in labels]
            opposite += [f"{kind} {c} ({v})" for c, v in zip(labels, got, strict=True) if v in DECIDED and v != ref]
            undecided += [f"{kind} {c} ({v})" for c, v in zip(labels, got, strict=True) if v not in DECIDED]
            name = {"adam": "Fig 1 verdict (Adam)", "adamw": "Fig 1 verdict (AdamW)", "axis": "Fig 2 verdict"}[kind]
            claims.append(
                Claim(
                    f"{name} unchanged",
                    "the conclusions do not change (Appendix D.3)",
                    f"the cell's verdict = the default cell {d}'s ({ref}); value 1 = the same",
                    [float(v == ref) for v in got],
                    [v == ref for v in got],
                    not_separated=CELLS_NO_CONTROL,
                )
            )
        if open_default:
            verdict = "inconclusive"
            reason = f"the default cell {d} does not decide ({'; '.join(open_default)}): no conclusion to keep"
            differ = [f"{k} {c} ({v})" for k in kinds for c, v in ((c, by[(k, c)].verdict) for c in labels)
                      if v != by[(k, d)].verdict]  # fmt: skip
            reason += f"; cells with another verdict: {', '.join(differ)}" if differ else "; every cell reads the same"
        elif opposite:
            verdict, reason = "violated", "the verdict changes in: " + ", ".join(opposite)
        elif undecided:
            verdict, reason = "inconclusive", "undecided cells (no opposite verdict): " + ", ".join(undecided)
        else:
            verdict, reason = "consistent", f"every cell's verdict equals the default cell {d}'s"
        what = "seeds " + ",".join(map(str, seeds)) if family == "seeds" else "the nine (β1, β2) pairs"
        rows = [{"cell": c, **{k: by[(k, c)].verdict for k in kinds}, "default": c == d} for c in labels]
        out.append(
            Judgement(
                check_id=f"images.{fig}",
                ref=f"Fig. {fig[3:]} (Appendix D.3)",
                title=f"Fig. {base_fig[3:]} rerun over {what}: the conclusions do not change",
                verdict=verdict,
                reason=reason,
                claims=claims,
                command=mine[0].command,
                settings={"arms": {}, "cells": labels, "default": d},
                cached=sum(j.cached for j in mine),
                computed=sum(j.computed for j in mine),
                wall_s=sum(j.wall_s for j in mine),
                meta=dict(
                    study="images",
                    fig=fig,
                    family=family,
                    base_fig=base_fig,
                    kinds=kinds,
                    rows=rows,
                    scale=mine[0].meta.get("scale"),
                    note=mine[0].meta.get("note"),
                ),
            )
        )
    return out


def plans(
    figs: Sequence[str],
    sc: Scale,
    seeds: Sequence[int] = (0, 1, 2),
    betas: bool = False,
    readings: Sequence[str] = READINGS,
    protocols: Sequence[str] = PROTOCOLS,
    tol: Tolerances | None = None,
    cell_seeds: Sequence[int] = CELL_SEEDS,
) -> list[Plan]:
    out: list[Plan] = []
    for f in figs:
        if f not in FIGS:
            raise ConfigError("figure", f"must be one of {FIGS} or all, got {f!r}")
        if f in CELL_FIGS:
            out += cell_plans(f, sc, cell_seeds, tol)
        elif f == "fig1":
            out += fig1_plans(sc, seeds, protocols, betas, tol)
        else:
            out += fig2_plans(sc, seeds, readings, betas, tol)
    return out


def describe(sc: Scale) -> dict:
    return asdict(sc)
