"""Scaling checks: the exponents bounds.scaling derives, against transitions measured along ladders.

An asymptotic statement hides its constants, so one instance says little; what it does predict
without any constant is how a threshold, rate or plateau moves when one parameter moves, its
log-log exponent ∂log f/∂log x (bounds.scaling derives it from the result's own expression).
A scaling check moves one parameter x along a ladder and, at every point and seed, measures

* a **transition** (e.g. the largest λ at which Adam still learns the feature): a coarse log
  grid of probes, then bisection in log space (studies.search.Bisection); or
* a **direct** reading (a Stage-I rate, a plateau value) from one run.

Every round advances every (check, series, ladder point, seed, probe) together as one call of
`Session.run`, so the runs are batched and stored, and a rerun computes nothing. The
measurements are fitted (judge.slopes.fit_slope) and the fitted exponent is judged against the
prediction with the `slope` tolerance:

    mode 'slope'   log y on log x; predicted: the exponent at the ladder (bounds.scaling.exponent)
    mode 'value'   log y on log f(x), f the quantity evaluated at each point; predicted slope 1
                   (the measured value moves as the formula does; for a power law this is the
                   exponent itself) and the level y/f within a factor θ

Gating: at each ladder point the series' result's batch regime and mechanism conditions must
hold (the λ window is skipped when λ is what is searched), and ε must stay below the initial
gradients measured on the runs; a miss reads outside-regime and names the point. A negative
control is the same measurement where the prediction must fail; if it passes, the check is
inconclusive (the ladder cannot tell the prediction from its alternative).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bounds import scaling as bscaling
from simulations import PRESETS, Config, ConfigError, RunResult, preset

from .checks._common import adam_lambda
from .checks.registry import DEFAULT_SEEDS
from .engine.build import base_config
from .engine.session import Session
from .judge.claims import feature, slope
from .judge.gating import bounds_values, eps_hypotheses, mechanism_hypotheses, regime_hypotheses
from .judge.slopes import ScalingJudgement, SeriesResult, decide_sided, fit_slope
from .judge.verdicts import Hypothesis, Tolerances, worst
from .studies.search import Bisection, parse_ladder

MODES = ("slope", "value")
INT_FIELDS = ("m", "n", "s", "d", "B")


@dataclass(frozen=True)
class Series:
    """One measured curve of a scaling check and the prediction it is read against."""

    name: str
    fields: dict  # Config fields of this series (e.g. the optimizer)
    quantity: str  # the bounds.scaling quantity whose exponent is predicted
    side: str = "two-sided"  # or 'at_most': the exponent is at most the prediction
    gate: str | None = None  # the bounds result gating this series (None: the check's result)
    center: Callable[[dict], float] | None = None  # transition: first guess for the probe at a point
    params: tuple[str, ...] = ()  # ladder parameters this series applies to (empty: all)


@dataclass(frozen=True)
class ScalingCheck:
    """A registered scaling check: what moves, what is measured, what is predicted."""

    id: str
    result: str  # the bounds result whose hypotheses gate the regime series
    ref: str
    title: str
    doc: str
    preset: str
    overrides: dict  # the check's base setting (on top of the preset)
    ladders: dict  # parameter -> default ladder 'LO:HI:N' or 'v1,v2,...' (the first is the default)
    series: tuple[Series, ...]
    point: Callable[[dict, Tolerances], dict]  # fields tied to the point (η to σ0, epochs to T0, ...)
    controls: tuple[Series, ...] = ()
    control_note: str = ""  # why a ladder has no negative control, where it has none
    measure: Callable[[RunResult, dict], float] | None = None  # direct: (run, point values) -> y
    probe: str | None = None  # transition: the Config field searched
    outcome: Callable[[RunResult], bool] | None = None  # transition: True below the transition
    span: float = 16.0
    grid: int = 5
    rounds: int = 3
    mode: str = "slope"
    accepts: tuple[str, ...] = ("ok",)
    needs: str = ""  # what the prediction needs that the ladder does not give
    measured: str = "measured"  # what the measurement is, for tables and axes

    @property
    def default_param(self) -> str:
        return next(iter(self.ladders))


SCALING: dict[str, ScalingCheck] = {}


def register(c: ScalingCheck) -> ScalingCheck:
    if c.mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    SCALING[c.id] = c
    return c


def get_scaling(cid: str) -> ScalingCheck:
    if cid not in SCALING:
        raise ConfigError("check_id", f"unknown scaling check {cid!r}; known: {', '.join(SCALING)}")
    return SCALING[cid]


def base_values(preset_name: str, fields: dict) -> dict:
    """Config fields of a preset with `fields` applied, as a dict (engine.build.base_config)."""
    return base_config(preset_name, fields).to_dict()


# ---- a request: one check along one ladder -------------------------------------------------------
@dataclass
class Request:
    check: ScalingCheck
    param: str
    ladder: list
    seeds: tuple[int, ...]
    tol: Tolerances
    preset: str
    overrides: dict  # the user's --set values
    points: list = field(default_factory=list)  # per ladder value: the point's Config fields

    def series(self, role: str) -> list[Series]:
        ss = self.check.series if role == "regime" else self.check.controls
        return [s for s in ss if not s.params or self.param in s.params]

    def fields(self, i: int, s: Series) -> dict:
        """Config fields of series `s` at ladder point i: the check's base, the user's --set, the
        ladder value, the series' own fields, then the fields the check ties to the point."""
        f = {**self.points[i], **s.fields}
        return {**f, **self.check.point(base_values(self.preset, f), self.tol)}

    def config(self, i: int, s: Series, seed: int, probe: float | None = None) -> Config:
        f = {**self.fields(i, s), "seed": seed}
        if probe is not None:
            f[self.check.probe] = probe
        return preset(self.preset, **f)

    def command(self) -> str:
        from .engine.plan import Context

        ctx = Context(self.preset, self.overrides, self.seeds, self.tol, {})
        words = ctx.command(
            "scaling", self.check.id, "--vary", f"{self.param}={','.join(f'{v:g}' for v in self.ladder)}"
        )
        return words if self.preset != self.check.preset else words.replace(f" --preset {self.preset}", "")


def make_request(
    check: ScalingCheck | str,
    param: str | None = None,
    ladder: str | Sequence[float] | None = None,
    preset_name: str | None = None,
    overrides: dict | None = None,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    tol: Tolerances | None = None,
) -> Request:
    """Validate a request and build every point's fields (bad input raises ConfigError, naming it)."""
    chk = get_scaling(check) if isinstance(check, str) else check
    param = param or chk.default_param
    tol = tol or Tolerances()
    seeds = tuple(seeds)
    if not seeds:
        raise ConfigError("seeds", "need at least one seed")
    if preset_name is not None and preset_name not in PRESETS:
        raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {preset_name!r}")
    known = set(Config.__dataclass_fields__)
    if param not in known:
        raise ConfigError(param, f"unknown parameter; known: {', '.join(sorted(known))}")
    involved = []
    for s in chk.series:
        try:
            bscaling.exponent(s.quantity, param)
            involved.append(s.quantity)
        except ValueError:
            pass
    if not involved:
        exprs = ", ".join(f"{s.quantity} = {bscaling.get_quantity(s.quantity).expr}" for s in chk.series)
        raise ConfigError(
            param, f"{chk.id}'s prediction ({exprs}) does not involve {param}; it varies: {', '.join(chk.ladders)}"
        )
    if param not in chk.ladders:
        raise ConfigError(param, f"{chk.id} has no ladder in {param}; it varies: {', '.join(chk.ladders)}")
    overrides = dict(overrides or {})
    for bad in ("seed", param):
        if bad in overrides:
            raise ConfigError(bad, f"is set by the scaling check (the ladder or --seeds), not by --set {bad}=")
    if isinstance(ladder, str) or ladder is None:
        values = parse_ladder(param, ladder or chk.ladders[param])
    else:
        values = sorted(float(v) for v in ladder)
        if len(values) < 3 or len(set(values)) < len(values) or min(values) <= 0:
            raise ConfigError(param, "a ladder needs at least 3 distinct positive values")
    if param in INT_FIELDS:
        values = sorted({round(v) for v in values})
        if len(values) < 3:
            raise ConfigError(param, "after rounding to integers the ladder has fewer than 3 distinct values")
    pname = preset_name or chk.preset
    req = Request(chk, param, values, seeds, tol, pname, overrides)
    req.points = [{**chk.overrides, **overrides, param: x} for x in values]
    for i in range(len(values)):  # every config is built (and so validated) before anything runs
        for role in ("regime", "control"):
            for s in req.series(role):
                req.config(i, s, seeds[0], _center(req, s, i) if chk.probe else None)
    return req


def _center(req: Request, s: Series, i: int) -> float:
    base = base_values(req.preset, req.fields(i, s))
    return float(s.center(base)) if s.center else float(base[req.check.probe])


# ---- running: every request's searches advance together ------------------------------------------
@dataclass
class _State:
    req: Request
    keys: list  # (role, series index, point index, seed)
    search: Bisection | None
    runs: dict = field(default_factory=dict)  # key -> [RunResult] in probe order
    bad: dict = field(default_factory=dict)  # key -> status of a run that could not be scored
    wall: dict = field(default_factory=dict)  # config -> compute seconds (now or when stored)
    computed: int = 0  # runs computed now (the rest came from the store)
    rounds: int = 0


def _series_of(req: Request, role: str, si: int) -> Series:
    return req.series(role)[si]


def run_scaling(requests: Sequence[Request], session: Session) -> list[ScalingJudgement]:
    """Run every request (all rounds interleaved, one Session.run per round) and judge each."""
    states = []
    for req in requests:
        keys = [
            (role, si, i, seed)
            for role in ("regime", "control")
            for si in range(len(req.series(role)))
            for i in range(len(req.ladder))
            for seed in req.seeds
        ]
        search = None
        if req.check.probe:
            centers = {k: _center(req, _series_of(req, k[0], k[1]), k[2]) for k in keys}
            search = Bisection(centers, req.check.span, req.check.grid, req.check.rounds)
        states.append(_State(req, keys, search))
    while True:
        todo: list[tuple[_State, Any, float | None, Config]] = []
        for st in states:
            req, before = st.req, len(todo)
            if st.search is None:
                if st.rounds == 0:
                    todo += [(st, k, None, req.config(k[2], _series_of(req, k[0], k[1]), k[3])) for k in st.keys]
            else:
                for k, probes in st.search.propose().items():
                    s = _series_of(req, k[0], k[1])
                    todo += [(st, k, v, req.config(k[2], s, k[3], v)) for v in probes]
            st.rounds += len(todo) > before
        if not todo:
            break
        runs = session.run([c for *_, c in todo])
        observed: dict[int, dict] = {}
        for st, k, v, c in todo:
            r = runs[c]
            if c not in st.wall:
                st.wall[c] = runs.wall.get(c, 0.0)
                st.computed += c in runs.computed
            st.runs.setdefault(k, []).append(r)
            if r.status not in st.req.check.accepts:
                where = f"{st.req.check.probe}={v:.3g}" if v is not None else f"seed {c.seed}"
                st.bad.setdefault(k, f"{r.status} at {st.req.param}={st.req.ladder[k[2]]:.3g}, {where}")
            if st.search is not None:
                ok = r.status in st.req.check.accepts and st.req.check.outcome(r)
                observed.setdefault(id(st), {})[(k, v)] = ok
        for st in states:
            if st.search is not None and id(st) in observed:
                st.search.observe(observed[id(st)])
    return [_judge(st) for st in states]


def check_scaling(
    check_id: str,
    param: str | None = None,
    ladder: str | Sequence[float] | None = None,
    preset: str | None = None,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    tol: Tolerances | None = None,
    session: Session | None = None,
    **overrides: Any,
) -> ScalingJudgement:
    """Run one scaling check along one ladder (default: the check's first), e.g.
    ``check_scaling("lem5.1", "eta", "2.5e-4:2e-3:4")``; inline with an in-memory store unless given a session."""
    from .engine.store import Store

    req = make_request(check_id, param, ladder, preset, overrides, seeds, tol)
    return run_scaling([req], session or Session(Store(":memory:"), executor="inline"))[0]


# ---- judging --------------------------------------------------------------------------------------
def _measurements(st: _State, role: str, si: int) -> tuple[list, list]:
    req = st.req
    values, statuses = [], []
    for i in range(len(req.ladder)):
        vs, ss = [], []
        for seed in req.seeds:
            k = (role, si, i, seed)
            if k in st.bad:
                vs.append(math.nan)
                ss.append(st.bad[k])
            elif st.search is not None:
                est, _lo, _hi, status = st.search.result(k)
                vs.append(est if status in ("found", "noisy") else math.nan)
                ss.append(status)
            else:
                s = _series_of(req, role, si)
                vs.append(float(req.check.measure(st.runs[k][0], base_values(req.preset, req.fields(i, s)))))
                ss.append("ok")
        values.append(vs)
        statuses.append(ss)
    return values, statuses


def _series_result(st: _State, role: str, si: int) -> SeriesResult:
    req, chk = st.req, st.req.check
    s = _series_of(req, role, si)
    q = bscaling.get_quantity(s.quantity)
    ex = bscaling.exponent(s.quantity, req.param, strict=False)
    values, statuses = _measurements(st, role, si)
    pts = [
        bounds_values(req.config(i, s, req.seeds[0], _center(req, s, i) if chk.probe else None))
        for i in range(len(req.ladder))
    ]
    if chk.mode == "value":
        fvals = [
            float(q.expr.subs({bscaling.SYMBOLS[k]: v[k] for k in q.params if k in bscaling.SYMBOLS})) for v in pts
        ]
        fit = fit_slope(fvals, values, paired=True)
        predicted = 1.0
        ratios = [y / f for f, ys in zip(fvals, values) for y in ys if math.isfinite(y) and y > 0]
        ratio = float(np.median(ratios)) if ratios else math.nan
        verdict, reason = decide_sided(fit, predicted, req.tol.slope, s.side)
        if verdict != "violated" and math.isfinite(ratio) and not (1 / req.tol.theta <= ratio <= req.tol.theta):
            verdict, reason = (
                "violated",
                f"{reason}; but the level measured/predicted = {ratio:.3g} is outside [1/θ, θ]",
            )
        elif math.isfinite(ratio):
            reason += f"; level measured/predicted = {ratio:.3g}"
    else:
        ats = [ex.at(v).value for v in pts]
        good = [a for a in ats if a is not None]
        predicted = float(np.mean(good)) if good else math.nan
        fit = fit_slope(req.ladder, values, resolution=_resolution(st, role, si), paired=True)
        fvals, ratio = [], math.nan
        verdict, reason = decide_sided(fit, predicted, req.tol.slope, s.side)
        if good and max(good) - min(good) > req.tol.slope / 2:
            reason += f" (the predicted exponent varies along the ladder, {min(good):.3g} to {max(good):.3g})"
    if fit.dropped:
        reason += f"; {fit.dropped} measurement(s) left out ({_why_dropped(statuses)})"
    return SeriesResult(
        s.name,
        s.quantity,
        str(q.expr),
        str(ex),
        predicted,
        s.side,
        fit,
        verdict,
        reason,
        values,
        statuses,
        fvals,
        ratio,
        role,
    )


def _resolution(st: _State, role: str, si: int) -> float:
    """The widest bracket (in log) a bisected transition of this series is known to."""
    if st.search is None:
        return 0.0
    widths = []
    for k in st.keys:
        if k[0] == role and k[1] == si:
            _est, lo, hi, status = st.search.result(k)
            if status in ("found", "noisy") and lo > 0:
                widths.append(math.log(hi / lo))
    return max(widths, default=0.0)


def _why_dropped(statuses: list) -> str:
    from collections import Counter

    c = Counter(s for ss in statuses for s in ss if s not in ("found", "noisy", "ok"))
    return ", ".join(f"{n} {s}" for s, n in c.items())


def _gating(st: _State) -> list[Hypothesis]:
    req, chk = st.req, st.req.check
    out: list[Hypothesis] = []
    for si, s in enumerate(req.series("regime")):
        gate = s.gate or chk.result
        for i, x in enumerate(req.ladder):
            cfg = req.config(i, s, req.seeds[0], _center(req, s, i) if chk.probe else None)
            hs = regime_hypotheses(gate, cfg, req.tol)
            if chk.probe == "lam":
                hs = [h for h in hs if "λ window" not in h.name]
            hs += mechanism_hypotheses(gate, cfg, req.tol)
            runs = [st.runs[("regime", si, i, seed)][0] for seed in req.seeds if ("regime", si, i, seed) in st.runs]
            hs += eps_hypotheses(s.name, runs, req.tol)
            for h in hs:
                h.name = f"[{req.param}={x:.3g}, {s.name}] {h.name}"
            out += hs
    return out


def _judge(st: _State) -> ScalingJudgement:
    req, chk = st.req, st.req.check
    series = [_series_result(st, "regime", si) for si in range(len(req.series("regime")))]
    controls = [_series_result(st, "control", si) for si in range(len(req.series("control")))]
    hyps = _gating(st)
    missed = [h for h in hyps if h.gating and not h.holds]
    if missed:
        verdict = "outside-regime"
        reason = "the ladder leaves the result's hypotheses: " + "; ".join(h.miss() for h in missed[:3])
        reason += f" (and {len(missed) - 3} more)" if len(missed) > 3 else ""
    elif all(all(not math.isfinite(v) for vs in sr.values for v in vs) for sr in series) and st.bad:
        verdict, reason = "diverged", "no ladder point could be scored: " + "; ".join(sorted(set(st.bad.values()))[:3])
    else:
        verdict = worst([sr.verdict for sr in series])
        reason = "; ".join(f"{sr.name}: {sr.reason}" for sr in series)
        passing = [c for c in controls if c.verdict == "consistent"]
        if verdict == "consistent" and passing:
            verdict = "inconclusive"
            reason += "; but the negative control passes too (" + ", ".join(c.name for c in passing) + ")"
        elif verdict == "consistent" and controls:
            reason += "; negative control fails (" + ", ".join(f"{c.name}: {c.verdict}" for c in controls) + ")"
    cost = {
        "runs": len(st.wall),
        "computed": st.computed,
        "cached": len(st.wall) - st.computed,
        "model_steps": int(sum(c.steps for c in st.wall)),
        "compute_s": float(sum(st.wall.values())),
        "rounds": st.rounds,
    }
    return ScalingJudgement(
        chk.id,
        chk.ref,
        chk.title,
        req.param,
        list(req.ladder),
        chk.mode,
        verdict,
        reason,
        series,
        controls,
        hyps,
        chk.needs,
        req.command(),
        {"preset": req.preset, "overrides": {**chk.overrides, **req.overrides}, "seeds": list(req.seeds)},
        cost,
        chk.control_note,
        chk.measured,
    )


# ---- measurements --------------------------------------------------------------------------------
def learns_feature(r: RunResult) -> bool:
    """The feature moves: max_t feature learning exceeds its initial value by more than σ0/2
    (a stuck run moves by 0: its weights decay towards zero, Cor 4.3)."""
    f = feature(r)
    return max(f) - f[0] > 0.5 * r.config.sigma_0


def noise_rate(r: RunResult, v: dict) -> float:
    """Lemma 5.1's Stage-I rate: the least-squares slope per iteration of the largest noise
    memorization max_i max_r <w_{y_i,r}, ξ_i> over the first half of T0 = 1/(η s σp)."""
    return slope(r, r.trajectory["noise_max"], 0.5 * max(100.0, 1 / (v["eta"] * v["s"] * v["sigma_p"])))


def plateau(r: RunResult, v: dict) -> float:
    """Lemma 5.3's plateau: the final max_r <w_{j,r}, j v> (max over classes)."""
    return float(feature(r)[-1])


def _steps_to_epochs(base: dict, steps: float) -> dict:
    per = base["n"] // base["B"]
    epochs = max(1, math.ceil(steps / per))
    return {"epochs": epochs, "record_every": max(1, epochs * per // 50)}


def _stuck_point(horizon: float) -> Callable[[dict, Tolerances], dict]:
    """η tied to σ0 (η = σ0^{q−1}/5 keeps η = o(σ0^{q−1}) at every point) and `horizon` σ0/η
    iterations, long enough for a learning run to move its feature by ~horizon σ0 at about η per
    step, far past the σ0/2 that counts as learning."""

    def point(base: dict, tol: Tolerances) -> dict:
        eta = base["sigma_0"] ** (base["q"] - 1) / 5
        return {"eta": eta, **_steps_to_epochs(base, horizon * base["sigma_0"] / eta)}

    return point


def _adam_threshold(b: dict) -> float:
    return 1.5 * b["sigma_0"] ** (b["q"] - 2)


def _adamw_threshold(b: dict) -> float:
    return 1.0 / b["sigma_0"]


# ---- the shipped scaling checks ------------------------------------------------------------------
_STUCK_DOC = """Plan: Adam, full batch, ε = 1e-8, η = σ0^{q−1}/5 and 16 σ0/η iterations at each σ0 of the ladder;
at each point and seed the largest λ at which the feature still moves (grows by more than σ0/2) is
bracketed on a 5-point log grid spanning ×16 around 1.5 σ0^{q−2}, then bisected 3 times (×1.09).
Rule: the fitted slope of that λ in σ0 is the exponent of σ0^{q−2} (Cor 4.3's threshold; Thm 4.2's
cap σ0^{q−2}σp/n has the same slope at fixed σp, n), within the slope tolerance.
Control: AdamW (decoupled decay) on the same ladder, whose threshold λ ~ 1/σ0 (the decay λw
against a unit sign step) moves the other way: slope −1, so the prediction fails."""


def _stuck_check(
    cid: str, title: str, q: float, ladder: str, factor: float, horizon: float, needs: str
) -> ScalingCheck:
    """Cor 4.3's threshold in σ0 at one q: Adam's transition bracketed around factor·σ0^{q−2}."""
    doc = _STUCK_DOC.replace("1.5 σ0^{q−2}", f"{factor:g} σ0^{{q−2}}").replace("16 σ0/η", f"{horizon:g} σ0/η")
    return ScalingCheck(
        cid,
        "cor4.3",
        "Corollary 4.3 (with Theorem 4.2)" + ("" if q == 3 else f", q = {q:g}"),
        title,
        doc,
        "tiny",
        {"eps": 1e-8, "B": 40, "n_test": 100, **({} if q == 3 else {"q": q})},
        {"sigma_0": ladder},
        (
            Series(
                "adam",
                {"optimizer": "adam"},
                "adam_stuck_threshold",
                center=lambda b: factor * b["sigma_0"] ** (b["q"] - 2),
            ),
        ),
        _stuck_point(horizon),
        controls=(Series("adamw", {"optimizer": "adamw"}, "adam_stuck_threshold", center=_adamw_threshold),),
        probe="lam",
        outcome=learns_feature,
        accepts=("ok", "collapsed"),
        measured="largest λ at which the feature still moves",
        needs=needs,
    )


register(
    _stuck_check(
        "cor4.3",
        "Adam's largest usable λ scales like σ0^{q−2} (q = 3: slope 1)",
        3.0,
        "0.025:0.1:3",
        1.5,
        16,
        "the hidden constant of σ0^{q−2} (read off the fitted intercept); q fixed; the other parameters "
        "held (η moves with σ0 only to keep the mechanism condition η = o(σ0^{q−1}))",
    )
)
register(
    _stuck_check(
        "cor4.3-q4",
        "Adam's largest usable λ scales like σ0^{q−2} (q = 4: slope 2)",
        4.0,
        "0.07:0.28:3",
        4.0,
        8,
        "as cor4.3; at q = 4 the iterations needed grow like σ0^{-2}, so the ladder starts at σ0 = 0.07",
    )
)


register(
    ScalingCheck(
        "cor4.6",
        "cor4.6",
        "Corollary 4.6",
        "Mini-batch: Adam's usable λ shrinks like σ0^{q−2}, AdamW's does not shrink with σ0",
        """Plan: mini-batch B = 2 (n = 80, d = 1200), ε = 1e-8, η = σ0^{q−1}/5, 16 σ0/η iterations; at each σ0
and seed, the largest λ at which the feature still moves, for Adam (grid around 1.5 σ0^{q−2}) and for
AdamW (grid around 1/σ0), bracketed and bisected as in cor4.3.
Rule: Adam's slope in σ0 is q − 2 (two-sided); AdamW's is at most 0 (its window λ = Õ(1) does not
depend on σ0; the corollary's separation is the difference of the two slopes).
Control: Adam in AdamW's place, read against AdamW's prediction: its slope q − 2 > 0 fails it.""",
        "tiny",
        {"eps": 1e-8, "B": 2, "n": 80, "d": 1200, "n_test": 100},
        {"sigma_0": "0.025:0.1:3"},
        (
            Series("adam", {"optimizer": "adam"}, "cor46_adam_cap", center=_adam_threshold),
            Series("adamw", {"optimizer": "adamw"}, "cor46_adamw_floor", "at_most", None, _adamw_threshold),
        ),
        _stuck_point(16),
        controls=(
            Series("adam as adamw", {"optimizer": "adam"}, "cor46_adamw_floor", "at_most", None, _adam_threshold),
        ),
        probe="lam",
        outcome=learns_feature,
        accepts=("ok", "collapsed"),
        measured="largest λ at which the feature still moves",
        needs="the Õ(1) of AdamW's cap is a bound, not a threshold: the check reads it as 'does not shrink "
        "with σ0' (slope <= 0); B and n fixed",
    )
)


def _stage1_point(base: dict, tol: Tolerances) -> dict:
    """λ inside Thm 4.1's window at this point; one T0 = 1/(η s σp) of iterations (at least 100,
    which only the SGD control's large η needs)."""
    T0 = max(100.0, 1.0 / (base["eta"] * base["s"] * base["sigma_p"]))
    return {"lam": adam_lambda(base, tol), **_steps_to_epochs(base, T0)}


register(
    ScalingCheck(
        "lem5.1",
        "lem5.1",
        "Lemma 5.1 (= B.1, C.3)",
        "Large-batch Adam, Stage I: noise memorization grows like η s σp per iteration",
        """Plan: Adam, full batch (n/B = 1), ε = 1e-8, β = (0.5, 0.45) (short moment memory, so the rate
is not dominated by the moments' warm-up), σ0 = 0.1, λ inside Thm 4.1's window at each point,
T0 = 1/(η s σp) iterations; the measurement is the slope per iteration of max_i <w_{y_i,r}, ξ_i>
over [0, T0/2].
Rule: the fitted exponent in σp (default ladder) or η is 1, the exponent of η s σp.
Control (σp ladder): SGD on the same ladder, whose noise rate grows like σp^{q+1} (the gradient
carries <w, ξ>^{q−1} ||ξ||²), so exponent 1 fails.""",
        "tiny",
        {"eps": 1e-8, "B": 40, "n_test": 100, "beta1": 0.5, "beta2": 0.45, "sigma_0": 0.1},
        {"sigma_p": "0.1:0.4:3", "eta": "2.5e-4:2e-3:4"},
        (Series("adam", {"optimizer": "adam"}, "adam_noise_rate"),),
        _stage1_point,
        controls=(Series("sgd", {"optimizer": "sgd", "eta": 0.5}, "adam_noise_rate", params=("sigma_p",)),),
        control_note="η ladder: no negative control exists; any small-step method's trajectory depends on η·t, so "
        "every optimizer's per-iteration rate has exponent 1 in η (the ladder checks the normalization only)",
        measure=noise_rate,
        measured="noise memorization per iteration (Stage I)",
        needs="s held (moving s also moves d's disjoint-support bound); σ0 and λ's place in the window held",
    )
)


def _plateau_point(base: dict, tol: Tolerances) -> dict:
    """8 x the plateau time z*/η of Lemma 5.3 (Stage I grows the feature by about η per iteration)."""
    z = (math.log(1 / base["lam"] - 1) / base["m"]) ** (1 / base["q"])
    return _steps_to_epochs(base, 8 * z / base["eta"])


register(
    ScalingCheck(
        "lem5.3",
        "lem5.3",
        "Lemma 5.3 (= B.3)",
        "Mini-batch Adam's Stage-II plateau z* = ((1/m) log(1/λ − 1))^{1/q}, in value, along λ and m",
        """Plan: Adam, B = 2, ε = 1e-8, β = (0.1, 0.1) (Lemma C.2's faded regime β2^{n/2B} <= λη holds),
σ0 = 0.1, η = 1e-3, trained 8 x the plateau time z*/η at each point; the measurement is the final
max_r <w_{j,r}, j v> (max over classes).
Rule (value mode): the log of the measured plateau against the log of z* at each point has slope 1
(it moves as the formula does) and the level measured/z* lies within [1/θ, θ].
Control (λ ladder): AdamW, whose decoupled decay does not enter the sign of the step, so the feature
does not stop where the loss factor meets λ: it grows on at about η per step (level ~8 z*).""",
        "tiny",
        {"eps": 1e-8, "B": 2, "n_test": 100, "beta1": 0.1, "beta2": 0.1, "sigma_0": 0.1, "eta": 1e-3, "lam": 1e-4},
        {"lam": "1e-6:1e-4:3", "m": "2,4,8,16"},
        (Series("adam", {"optimizer": "adam"}, "adam_plateau"),),
        _plateau_point,
        controls=(Series("adamw", {"optimizer": "adamw"}, "adam_plateau", params=("lam",)),),
        control_note="m ladder: no negative control is shipped (the formula's m-dependence is what is tested)",
        measure=plateau,
        measured="final max_r <w_{j,r}, j v> (the plateau)",
        mode="value",
        needs="the formula assumes the feature spreads over the m filters; λ stays inside Thm 4.2's window",
    )
)
