"""Run configuration, presets and input validation.

One `Config` describes one training run. Runs whose *shape* fields agree
(`Config.shape_key`) can be advanced together by `simulations.train.train`.
Every ambiguity PAPER.md §1 lists is a named field with a documented default.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

OPTIMIZERS = ("adam", "adamw", "signsgd", "signsgdw", "sgd")
BATCH_ORDERS = ("fixed_permutation", "reshuffle_each_epoch", "with_replacement")
MOMENT_TIMINGS = ("current", "lagged")
DTYPES = ("float32", "float64")


class ConfigError(ValueError):
    """Bad input. The message names the parameter and the rule it broke."""

    def __init__(self, param: str, rule: str):
        self.param, self.rule = param, rule
        super().__init__(f"parameter '{param}': {rule}")


@dataclass(frozen=True)
class Config:
    # --- data, Definition 3.1 -------------------------------------------------
    d: int = 1000  # patch dimension; v = e_1 is coordinate 0 here
    n: int = 200  # training samples
    s: int = 100  # Gaussian noise coordinates per sample, drawn from [d] \ {1}
    sigma_p: float = 0.1  # std of the noise entries
    alpha: float = 0.2  # feature-noise strength: xi[1] = -alpha * y
    n_test: int = 10_000  # independent test points
    balanced_train: bool = True  # PAPER.md §1 item 12: exactly n/2 of each label (App. D.2)
    disjoint_supports: bool = False  # Lemma A.4's event, forced; needs n*s <= d-1
    # --- model, Definition 3.2 ------------------------------------------------
    m: int = 20  # filters per class
    q: float = 3.0  # sigma(z) = max(z,0)^q, q >= 3 (App. D.2 does not state q; §1 item 4)
    sigma_0: float = 0.01  # W_0 ~ N(0, sigma_0^2)
    # --- optimizer, eqs (3.3)-(3.6), (5.1), (B.2) -----------------------------
    optimizer: str = "adam"  # adam | adamw | signsgd | signsgdw | sgd (sgd with B=n is GD)
    lam: float = 1e-5  # weight decay (App. D.2 Adam value): L2 in the gradient (adam, signsgd, sgd) or decoupled (…w)
    eta: float = 5e-5  # learning rate
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None  # None -> eps_scale * lam * eta, Condition A.2 (§1 item 5)
    eps_scale: float = 1.0
    bias_correction: bool = False  # §1 item 1: the theory has none; torch does
    moment_timing: str = "current"  # §1 item 2: 'current' = m_t includes g_t; 'lagged' = eq (3.5) literally
    l2_factor: float = 1.0  # §1 item 3: Adam's gradient gets l2_factor*lam*w (1 <-> lam/2 ||W||^2)
    # --- batching, §4.5 --------------------------------------------------------
    B: int = 2
    batch_order: str = "fixed_permutation"  # §1 item 6: the proofs' reading
    epochs: int = 10_000
    # --- execution -------------------------------------------------------------
    seed: int = 0
    dtype: str = "float32"
    device: str = "auto"  # 'auto' = cuda when available, else cpu
    record_every: int | None = None  # iterations between trajectory points; None -> about 100 points
    compile: bool = False  # fuse the step with torch.compile (same maths, faster; see README)

    def __post_init__(self):
        validate(self)

    # ---- derived quantities -----------------------------------------------------
    @property
    def iters_per_epoch(self) -> int:
        return self.n // self.B

    @property
    def steps(self) -> int:
        return self.epochs * self.iters_per_epoch

    @property
    def eps_value(self) -> float:
        return self.eps if self.eps is not None else self.eps_scale * self.lam * self.eta

    @property
    def record_interval(self) -> int:
        if self.record_every is not None:
            return self.record_every
        return max(1, self.steps // 100)

    @property
    def shape_key(self) -> tuple:
        """Fields that must agree for runs to share one batched tensor program."""
        return tuple(getattr(self, f) for f in SHAPE_FIELDS)

    def replace(self, **kw) -> Config:
        unknown = sorted(set(kw) - FIELD_NAMES)
        if unknown:
            raise ConfigError(unknown[0], f"unknown parameter; known: {', '.join(sorted(FIELD_NAMES))}")
        return dataclasses.replace(self, **kw)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(Config))
# Per-run fields (may differ inside one batch): seed, optimizer, lam, eta, beta1, beta2,
# eps, eps_scale, bias_correction, moment_timing, l2_factor, batch_order.
SHAPE_FIELDS = (
    "d",
    "n",
    "s",
    "sigma_p",
    "alpha",
    "n_test",
    "balanced_train",
    "disjoint_supports",
    "m",
    "q",
    "sigma_0",
    "B",
    "epochs",
    "dtype",
    "device",
    "record_every",
    "compile",
)


def _require(ok: bool, param: str, rule: str):
    if not ok:
        raise ConfigError(param, rule)


def validate(c: Config) -> None:
    for name in ("d", "n", "s", "m", "n_test", "B", "epochs"):
        v = getattr(c, name)
        _require(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1, name, f"must be a positive integer, got {v!r}"
        )
    _require(c.d >= 2, "d", f"must be >= 2 (coordinate 1 is the feature), got {c.d}")
    _require(c.s < c.d, "s", f"must be < d (noise lives on [d] minus the feature coordinate), got s={c.s}, d={c.d}")
    _require(c.n % c.B == 0, "B", f"must divide n (n/B iterations per epoch), got n={c.n}, B={c.B}")
    _require(not c.balanced_train or c.n % 2 == 0, "n", f"must be even when balanced_train=True, got {c.n}")
    if c.disjoint_supports:
        _require(
            c.n * c.s <= c.d - 1,
            "disjoint_supports",
            f"needs n*s <= d-1 (Lemma A.4), got n*s={c.n * c.s} > d-1={c.d - 1}",
        )
    for name in ("sigma_p", "sigma_0", "eta"):
        v = getattr(c, name)
        _require(_finite(v) and v > 0, name, f"must be a finite number > 0, got {v!r}")
    _require(_finite(c.alpha) and 0 <= c.alpha < 1, "alpha", f"must lie in [0, 1) (Def. 3.1), got {c.alpha!r}")
    _require(_finite(c.q) and c.q >= 3, "q", f"must be >= 3 (Def. 3.2), got {c.q!r}")
    _require(_finite(c.lam) and c.lam >= 0, "lam", f"must be a finite number >= 0, got {c.lam!r}")
    _require(
        c.lam * c.eta < 1 or c.optimizer not in ("adamw", "signsgdw"),
        "lam",
        f"decoupled decay needs lam*eta < 1 so that (1 - eta*lam) > 0, got {c.lam * c.eta!r}",
    )
    _require(_finite(c.l2_factor) and c.l2_factor >= 0, "l2_factor", f"must be >= 0, got {c.l2_factor!r}")
    for name in ("beta1", "beta2"):
        v = getattr(c, name)
        _require(_finite(v) and 0 <= v < 1, name, f"must lie in [0, 1), got {v!r}")
    _require(c.optimizer in OPTIMIZERS, "optimizer", f"must be one of {OPTIMIZERS}, got {c.optimizer!r}")
    _require(c.batch_order in BATCH_ORDERS, "batch_order", f"must be one of {BATCH_ORDERS}, got {c.batch_order!r}")
    _require(
        c.moment_timing in MOMENT_TIMINGS, "moment_timing", f"must be one of {MOMENT_TIMINGS}, got {c.moment_timing!r}"
    )
    _require(c.dtype in DTYPES, "dtype", f"must be one of {DTYPES}, got {c.dtype!r}")
    _require(
        c.device == "auto" or c.device == "cpu" or c.device.startswith("cuda"),
        "device",
        f"must be 'auto', 'cpu' or 'cuda[:k]', got {c.device!r}",
    )
    if c.optimizer in ("adam", "adamw"):
        if c.eps is None:
            _require(
                c.eps_value > 0,
                "eps",
                "eps=None means eps = eps_scale*lam*eta (Condition A.2), which is 0 here (lam=0?); pass eps explicitly",
            )
        _require(_finite(c.eps_value) and c.eps_value > 0, "eps", f"must be > 0, got {c.eps_value!r}")
        _require(
            not (c.bias_correction and c.moment_timing == "lagged"),
            "bias_correction",
            "bias correction is defined only for moment_timing='current' (the lagged step at t=1 would divide 0/0)",
        )
    _require(
        c.record_every is None or (isinstance(c.record_every, int) and c.record_every >= 1),
        "record_every",
        f"must be None or a positive integer, got {c.record_every!r}",
    )


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
