"""Run configuration and input validation.

One `Config` describes one training run. Every field carries metadata: a one-line
``doc`` and a ``role``:

    "shape"  must agree across runs that `simulations.train` advances together
             (sizes, step count, dtype, device, ...): `SHAPE_FIELDS`, `Config.shape_key`;
    "run"    may differ from run to run inside one batch (seed, optimizer and its
             hyperparameters, batch order): `RUN_FIELDS`.

Every ambiguity of the paper that changes the numbers is a named field with a documented
default (docs/model.md §1). What an optimizer needs (eps? decoupled decay? moments?) is
read off its composition in `simulations.optim`, never from lists of names here.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import optim

OPTIMIZERS = optim.BUILTIN  # the built-in update rules; `optim.register` adds more
BATCH_ORDERS = ("fixed_permutation", "reshuffle_each_epoch", "with_replacement")
MOMENT_TIMINGS = ("current", "lagged")
DTYPES = ("float32", "float64")


class ConfigError(ValueError):
    """Bad input. The message names the parameter and the rule it broke."""

    def __init__(self, param: str, rule: str) -> None:
        self.param, self.rule = param, rule
        super().__init__(f"parameter '{param}': {rule}")

    def __reduce__(self) -> tuple:  # it crosses process boundaries (sweep workers)
        return (ConfigError, (self.param, self.rule))


def _f(default: Any, role: str, doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"role": role, "doc": doc})


@dataclass(frozen=True)
class Config:
    # --- data, Definition 3.1 -------------------------------------------------
    d: int = _f(1000, "shape", "patch dimension; the feature v = e_1 is coordinate 0 here")
    n: int = _f(200, "shape", "training samples")
    s: int = _f(100, "shape", "Gaussian noise coordinates per sample, drawn from [d] minus the feature coordinate")
    sigma_p: float = _f(0.1, "shape", "standard deviation of the noise entries")
    alpha: float = _f(0.2, "shape", "feature-noise strength: xi[1] = -alpha * y")
    n_test: int = _f(10_000, "shape", "independent test points")
    balanced_train: bool = _f(
        True, "shape", "exactly n/2 training samples of each label, as App. D.2 (docs/model.md §1 item 12)"
    )
    disjoint_supports: bool = _f(
        False, "shape", "force Lemma A.4's event (pairwise disjoint noise supports); needs n*s <= d-1"
    )
    # --- model, Definition 3.2 ------------------------------------------------
    m: int = _f(20, "shape", "filters per class")
    q: float = _f(
        3.0, "shape", "sigma(z) = max(z,0)^q with q >= 3; App. D.2 does not state q (docs/model.md §1 item 4)"
    )
    sigma_0: float = _f(0.01, "shape", "initialization scale: W_0 ~ N(0, sigma_0^2)")
    # --- optimizer, eqs. (3.3)-(3.6), (5.1), (B.2) ----------------------------
    optimizer: str = _f("adam", "run", "update rule, a name in the optimizer registry (optim.REGISTRY)")
    lam: float = _f(
        1e-5, "run", "weight decay (App. D.2's Adam value): L2 in the gradient or decoupled, by the optimizer"
    )
    eta: float = _f(5e-5, "run", "learning rate")
    beta1: float = _f(0.9, "run", "first-moment decay")
    beta2: float = _f(0.999, "run", "second-moment decay")
    eps: float | None = _f(
        None, "run", "stability constant; None means eps_scale*lam*eta, Condition A.2 (docs/model.md §1 item 5)"
    )
    eps_scale: float = _f(1.0, "run", "the constant c in eps = c*lam*eta when eps is None")
    bias_correction: bool = _f(
        False, "run", "divide the moments by 1-beta^t; the theory has none, torch does (docs/model.md §1 item 1)"
    )
    moment_timing: str = _f(
        "current",
        "run",
        "'current': the step at t sees g_t; 'lagged': eq. (3.5) as typeset (docs/model.md §1 item 2)",
    )
    l2_factor: float = _f(
        1.0, "run", "the L2 term in the gradient is l2_factor*lam*w; 1 <-> lam/2 ||W||^2 (docs/model.md §1 item 3)"
    )
    # --- batching, docs/model.md §4.5 -------------------------------------------
    B: int = _f(2, "shape", "batch size; must divide n (n/B iterations per epoch)")
    batch_order: str = _f(
        "fixed_permutation", "run", "order of the samples in each epoch; the proofs' reading is the default (§1 item 6)"
    )
    epochs: int = _f(10_000, "shape", "training length in epochs")
    # --- execution -------------------------------------------------------------
    seed: int = _f(0, "run", "seeds the training set, test set, initialization and batch order (separate streams)")
    dtype: str = _f("float32", "shape", "float32 or float64")
    device: str = _f("auto", "shape", "'auto' = cuda when available, else cpu")
    record_every: int | None = _f(None, "shape", "iterations between trajectory points; None gives about 50 points")
    compile: bool = _f(False, "shape", "fuse the step with torch.compile (same maths, faster)")
    flush_denormal: bool = _f(
        True,
        "shape",
        "on CPU, results below the smallest normal number (1.2e-38 in float32) are set to 0: decaying "
        "moments and noise weights fall there, where x86 arithmetic is about 3x slower (docs/model.md §4.11)",
    )

    def __new__(cls, *args: Any, **kw: Any) -> Config:  # an unknown name is bad input, not a TypeError
        unknown = sorted(set(kw) - FIELD_NAMES)
        if unknown:
            raise ConfigError(unknown[0], f"unknown parameter; known: {', '.join(sorted(FIELD_NAMES))}")
        if len(args) > len(FIELDS):
            raise ConfigError("Config", f"takes at most {len(FIELDS)} positional values, got {len(args)}")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        _normalize(self)
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
        """The eps the run uses: `eps`, or eps_scale*lam*eta when it is None."""
        return self.eps if self.eps is not None else self.eps_scale * self.lam * self.eta

    @property
    def numerics_version(self) -> str:
        """What this run's numbers depend on besides its fields (results are stored under it):
        'sim.<NUMERICS_VERSION>', and '+compiled.<COMPILED_VERSION>' for compile=True runs, whose
        fused kernels sum in their own order (simulations/__init__.py lists both histories)."""
        from . import COMPILED_VERSION, NUMERICS_VERSION

        own = f"sim.{NUMERICS_VERSION}"
        return f"{own}+compiled.{COMPILED_VERSION}" if self.compile else own

    @property
    def prefix_key(self) -> tuple:
        """Every field but the run's length (`LENGTH_FIELDS`): runs with one prefix_key follow one
        trajectory, so the longest is trained once and the others are read off it (`simulations.train`)."""
        return tuple(getattr(self, f) for f in FIELDS if f not in LENGTH_FIELDS)

    @property
    def batch_key(self) -> tuple:
        """The shape fields but the run's length: runs trained by one `simulations.train` call share it."""
        return tuple(getattr(self, f) for f in SHAPE_FIELDS if f not in LENGTH_FIELDS)

    def record_steps(self) -> list[int]:
        """The iterations at which the run records its metrics: 0, every `record_interval`, and the last."""
        every, steps = self.record_interval, self.steps
        return sorted({0, steps, *range(every, steps + 1, every)})

    @property
    def record_interval(self) -> int:
        if self.record_every is not None:
            return self.record_every
        return max(1, self.steps // 50)  # about 50 trajectory points: a record costs ~20 steps

    @property
    def shape_key(self) -> tuple:
        """Fields that must agree for runs to share one batched tensor program."""
        return tuple(getattr(self, f) for f in SHAPE_FIELDS)

    def replace(self, **kw: Any) -> Config:
        unknown = sorted(set(kw) - FIELD_NAMES)
        if unknown:
            raise ConfigError(unknown[0], f"unknown parameter; known: {', '.join(sorted(FIELD_NAMES))}")
        return dataclasses.replace(self, **kw)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
FIELD_NAMES = frozenset(FIELDS)
SHAPE_FIELDS = tuple(name for name, f in FIELDS.items() if f.metadata["role"] == "shape")
RUN_FIELDS = tuple(name for name, f in FIELDS.items() if f.metadata["role"] == "run")
# shape fields that set only how long a run is and where it records: runs that differ in nothing
# else share one trajectory (Config.prefix_key)
LENGTH_FIELDS = ("epochs", "record_every")


def _normalize(c: Config) -> None:
    """Check each field against its declared type and store it canonically: float fields take ints
    (q=3 and q=3.0 are one Config), int fields take integral floats (3.0 -> 3), booleans must be
    booleans. Values are judged further by `validate`."""
    for name, f in FIELDS.items():
        v = getattr(c, name)
        kind, optional = f.type.replace(" | None", ""), "None" in f.type
        if v is None and optional:
            continue
        if kind == "bool":
            _require(isinstance(v, (bool, np.bool_)), name, f"must be a boolean (True or False), got {v!r}")
            v = bool(v)
        elif kind == "int":
            ok = isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer())
            _require(ok and not isinstance(v, (bool, np.bool_)), name, f"must be an integer, got {v!r}")
            v = int(v)
        elif kind == "float":
            ok = isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
            _require(ok, name, f"must be a number, got {v!r}")
            v = float(v)
        else:
            _require(isinstance(v, str), name, f"must be a string, got {v!r}")
        object.__setattr__(c, name, v)


def _require(ok: bool, param: str, rule: str) -> None:
    if not ok:
        raise ConfigError(param, rule)


def validate(c: Config) -> None:
    """Raise ConfigError (naming the field and the rule) unless `c` describes a valid run."""
    for name in ("d", "n", "s", "m", "n_test", "B", "epochs"):
        v = getattr(c, name)
        _require(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1, name, f"must be a positive integer, got {v!r}"
        )
    _require(0 <= c.seed < 2**63, "seed", f"must be an integer with 0 <= seed < 2**63, got {c.seed!r}")
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
    _require(_finite(c.l2_factor) and c.l2_factor >= 0, "l2_factor", f"must be >= 0, got {c.l2_factor!r}")
    for name in ("beta1", "beta2"):
        v = getattr(c, name)
        _require(_finite(v) and 0 <= v < 1, name, f"must lie in [0, 1), got {v!r}")
    _require(c.optimizer in optim.REGISTRY, "optimizer", f"must be one of {tuple(optim.REGISTRY)}, got {c.optimizer!r}")
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
    for ok, param, rule in optim.REGISTRY[c.optimizer].rules(c):  # what this update rule needs
        _require(ok, param, rule)
    _require(
        c.record_every is None or (isinstance(c.record_every, int) and c.record_every >= 1),
        "record_every",
        f"must be None or a positive integer, got {c.record_every!r}",
    )


def _finite(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
