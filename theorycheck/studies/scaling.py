"""The scaling study: a registered `ScalingCheck` along its ladder, as rounds of ordinary configs.

An asymptotic statement hides its constants, so one instance says little; what it does predict
without any constant is how a threshold, rate or plateau moves when one parameter moves, its
log-log exponent ∂log f/∂log x (bounds.scaling derives it from the result's own expression).
A scaling check (checks.registry.ScalingCheck, one module per family in checks/scaling/) moves
one parameter x along a ladder and, at every point and seed, measures

* a **transition** (e.g. the largest λ at which Adam still learns the feature): a coarse log
  grid of probes, then bisection in log space (studies.search.Bisection); or
* a **direct** reading (a Stage-I rate, a plateau value) from one run.

Every config is built by the one builder (engine.build.arm_configs: preset < the check's
setting, the ladder value, the series' and the point's fields < the user's --set, with the
ladder parameter, the probe, the optimizer and the fields tied to the point refused as
identity fields). Every round advances every (check, series, point, seed, probe) together as
one `Session.run`, so the runs are batched and stored, and a rerun computes nothing.

The measurements are fitted (judge.slopes.fit_slope) and each fit is a scored item of the one
verdict ladder, judge.verdicts.decide, beside any claims the check reads at every point:

    mode 'slope'   log y on log x; predicted: the exponent at the ladder (bounds.scaling.exponent)
    mode 'value'   log y on log f(x), f the quantity evaluated at each point; predicted slope 1
                   and the level y/f within a factor θ

Order (as for a check): a ladder point outside the result's hypotheses -> outside-regime;
runs that could not be scored -> diverged when they leave a scored series fewer usable points
or measurements than the fit needs (judge.slopes.MIN_POINTS / MIN_MEASUREMENTS), or when they
fall where per-point claims are read; otherwise they are left out of the fit and the series'
reason counts them; then the fits and claims. A negative control is the same measurement where
the prediction must fail; if one reads consistent, the verdict is downgraded by
judge.verdicts.control_downgrade, the same function a check uses. Diagnostic series are
fitted and shown, never scored.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bounds import scaling as bscaling
from simulations import Config, ConfigError, preset

from ..checks.registry import DEFAULT_SEEDS, ScalingCheck, Series, get_scaling
from ..engine.build import arm_configs, make_context, refuse_identity
from ..engine.plan import Context
from ..engine.session import Session
from ..judge.gating import bounds_values, eps_hypotheses, mechanism_hypotheses, regime_hypotheses
from ..judge.judge import control_outcome
from ..judge.slopes import MIN_MEASUREMENTS, MIN_POINTS, ScalingJudgement, SeriesResult, decide_sided, fit_slope
from ..judge.verdicts import control_downgrade, decide
from ..vocab import Claim, Hypothesis, Tolerances
from .batch_search import BStar, DivisorBisection
from .phase import divisors
from .search import MAX_LADDER, Bisection, parse_ladder

INT_FIELDS = ("m", "n", "s", "d", "B")
ROLES = ("regime", "control")


@dataclass(frozen=True, kw_only=True)
class Request:
    """One scaling check along one ladder, for one request (preset, --set, seeds, tolerances)."""

    check: ScalingCheck
    ladder: tuple[float, ...]
    ctx: Context

    @property
    def param(self) -> str:
        return self.check.param

    def series(self, role: str) -> tuple[Series, ...]:
        return self.check.series if role == "regime" else self.check.controls

    def fields(self, i: int, s: Series, probe: float | None = None) -> dict:
        """Config fields of series `s` at ladder point i (before the user's --set): the check's
        setting, the ladder value, the series' fields, then the fields the check ties to the point
        (computed on the point's Config with the --set applied; with probe 'B', at the probe's B,
        since a budget in epochs depends on it)."""
        arm = {**self.check.overrides, self.param: self.ladder[i], **s.fields}
        if self.check.probe == "B" and probe is not None:
            arm["B"] = round(probe)
        owner = f"{self.check.id} (series {s.name!r})"
        refuse_identity(self.ctx.overrides, arm, ("optimizer", *s.fields), owner)
        base = preset(self.ctx.preset, **{**arm, **self.ctx.overrides})
        tied = self.check.point(base, self.ctx.tol)
        refuse_identity(self.ctx.overrides, tied, tied, f"{owner}, tied to the point")
        return {**arm, **tied}

    def base(self, i: int, s: Series) -> Config:
        """The point's Config for series `s` (seed 0, the probe at its first guess)."""
        return self.config(i, s, self.ctx.seeds[0], self.center(i, s) if self.check.probe else None)

    def config(self, i: int, s: Series, seed: int, probe: float | None = None) -> Config:
        f = self.fields(i, s, probe)
        if probe is not None:
            f[self.check.probe] = round(probe) if self.check.probe in INT_FIELDS else probe
        (cfg,) = arm_configs(dataclasses.replace(self.ctx, seeds=(seed,)), f, self._identity(s), self.check.id)
        return cfg

    def _identity(self, s: Series) -> tuple[str, ...]:
        return ("optimizer", self.param, *s.fields, *((self.check.probe,) if self.check.probe else ()))

    def center(self, i: int, s: Series) -> float:
        if self.check.probe == "B" and s.center is None:
            return float(self.check.b_min)  # the base of a B probe: the lattice's first divisor
        b = preset(self.ctx.preset, **{**self.fields(i, s), **self.ctx.overrides})
        return float(s.center(b)) if s.center else float(getattr(b, self.check.probe or "lam"))

    def command(self) -> str:
        vary = f"{self.param}={','.join(f'{v:g}' for v in self.ladder)}"
        words = self.ctx.command("scaling", self.check.id, "--vary", vary)
        return words if self.ctx.preset != self.check.preset else words.replace(f" --preset {self.ctx.preset}", "")


def ladder_values(param: str, ladder: str | Sequence[float]) -> list[float]:
    """A ladder from 'LO:HI:N', 'v1,v2,...' or a sequence of numbers, validated; integer fields are
    rounded (ConfigError naming `param`)."""
    if isinstance(ladder, str):
        values = parse_ladder(param, ladder)
    else:
        try:
            values = sorted(float(v) for v in ladder)
        except (TypeError, ValueError):
            raise ConfigError(param, f"a ladder is a sequence of numbers, got {ladder!r}") from None
        if len(values) > MAX_LADDER:
            raise ConfigError(param, f"a ladder has at most {MAX_LADDER} points, got {len(values)}")
        ok = all(math.isfinite(v) and v > 0 for v in values)
        if len(values) < 3 or len(set(values)) < len(values) or not ok:
            raise ConfigError(param, "a ladder needs at least 3 distinct finite positive values")
    if param in INT_FIELDS:
        values = sorted({round(v) for v in values})
        if len(values) < 3:
            raise ConfigError(param, "after rounding to integers the ladder has fewer than 3 distinct values")
    return values


def make_request(
    check: ScalingCheck | str,
    param: str | None = None,
    ladder: str | Sequence[float] | None = None,
    preset_name: str | None = None,
    overrides: dict | None = None,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    tol: Tolerances | None = None,
) -> Request:
    """Validate a request and build every config of its first round (bad input raises
    ConfigError naming it). `check` is an id (FAMILY@PARAM), a family with `param`, or a check."""
    chk = get_scaling(check, param) if isinstance(check, str) else check
    if param is not None and param != chk.param:
        raise ConfigError(param, f"{chk.id} varies {chk.param}, not {param}")
    overrides = dict(overrides or {})
    for bad in ("seed", chk.param, *((chk.probe,) if chk.probe else ())):
        if bad in overrides:
            raise ConfigError(
                bad, f"is set by the scaling check (the ladder, its probe or --seeds), not by --set {bad}="
            )
    if isinstance(ladder, str) and not ladder.strip():
        raise ConfigError(chk.param, "an empty ladder: give LO:HI:N or V1,V2,... (or leave it out for the default)")
    values = ladder_values(chk.param, chk.ladder if ladder is None else ladder)
    ctx = make_context(preset_name or chk.preset, {**chk.overrides, **overrides}, tuple(seeds), tol)
    ctx = dataclasses.replace(ctx, overrides=overrides)  # the check's setting sits below --set, as arm fields
    req = Request(check=chk, ladder=tuple(values), ctx=ctx)
    for i in range(len(values)):  # every config is built (and so validated) before anything runs
        for role in ROLES:
            for s in req.series(role):
                base = req.base(i, s)
                if chk.probe == "B":  # the divisor lattice needs two divisors of n from b_min (ConfigError 'n')
                    DivisorBisection(base.n, lo=chk.b_min)
    return req


# ---- running: every request's searches advance together ------------------------------------------
@dataclass(kw_only=True)
class _State:
    req: Request
    keys: list  # (role, series index, point index, seed)
    search: Bisection | DivisorSearch | None
    runs: dict = field(default_factory=dict)  # key -> [RunResult] in probe order
    bad: dict = field(default_factory=dict)  # key -> status of a run that could not be scored
    wall: dict = field(default_factory=dict)  # config -> compute seconds (now or when stored)
    computed: int = 0  # runs computed now (the rest came from the store)
    rounds: int = 0


def _new_state(req: Request) -> _State:
    keys = [
        (role, si, i, seed)
        for role in ROLES
        for si in range(len(req.series(role)))
        for i in range(len(req.ladder))
        for seed in req.ctx.seeds
    ]
    search: Bisection | DivisorSearch | None = None
    if req.check.probe == "B":
        ns = {k: req.base(k[2], req.series(k[0])[k[1]]).n for k in keys}
        search = DivisorSearch(ns, req.check.b_min, req.check.rounds)
    elif req.check.probe:
        centers = {k: req.center(k[2], req.series(k[0])[k[1]]) for k in keys}
        search = Bisection(centers, req.check.span, req.check.grid, req.check.rounds)
    return _State(req=req, keys=keys, search=search)


def _proposals(st: _State) -> list[tuple[Any, float | None, Config]]:
    out: list[tuple[Any, float | None, Config]] = []
    req = st.req
    if st.search is None:
        if st.rounds:
            return []
        return [(k, None, req.config(k[2], req.series(k[0])[k[1]], k[3])) for k in st.keys]
    for k, probes in st.search.propose().items():
        s = req.series(k[0])[k[1]]
        out += [(k, v, req.config(k[2], s, k[3], v)) for v in probes]
    return out


def run_scaling(requests: Sequence[Request], session: Session) -> list[ScalingJudgement]:
    """Run every request (all rounds interleaved, one Session.run per round) and judge each."""
    states = [_new_state(r) for r in requests]
    while True:
        todo = []
        for st in states:
            mine = _proposals(st)
            st.rounds += bool(mine)
            todo += [(st, *p) for p in mine]
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
            chk = st.req.check
            if r.status not in chk.accepts:
                where = f"{chk.probe}={v:.3g}" if v is not None else f"seed {c.seed}"
                st.bad.setdefault(k, f"{r.status} at {chk.param}={st.req.ladder[k[2]]:.3g}, {where}")
            if st.search is not None and chk.outcome is not None:
                if chk.probe == "B":  # a read, 'G' / 'M' / 'U'; a run that cannot be scored reads neither
                    o: Any = chk.outcome(r, st.req.ctx.tol) if r.status in chk.accepts else "U"
                else:
                    o = r.status in chk.accepts and chk.outcome(r)
                observed.setdefault(id(st), {})[(k, v)] = o
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
    """Run one scaling check along one ladder, e.g. ``check_scaling("lem5.1@eta", ladder="2.5e-4:2e-3:4")``
    or ``check_scaling("lem5.1", "eta")`` (a family and its parameter; default: the family's first
    ladder); inline with an in-memory store unless given a session."""
    from ..engine.store import Store

    req = make_request(check_id, param, ladder, preset, overrides, seeds, tol)
    return run_scaling([req], session or Session(Store(":memory:"), executor="inline"))[0]


# ---- judging --------------------------------------------------------------------------------------
def _measurements(st: _State, role: str, si: int) -> tuple[list, list]:
    req = st.req
    s = req.series(role)[si]
    values, statuses = [], []
    for i in range(len(req.ladder)):
        vs, ss = [], []
        for seed in req.ctx.seeds:
            k = (role, si, i, seed)
            if k in st.bad:
                vs.append(math.nan)
                ss.append(st.bad[k])
            elif st.search is not None:
                est, _lo, _hi, status = st.search.result(k)
                vs.append(est if status in ("found", "noisy") else math.nan)
                ss.append(status)
            elif req.check.measure is not None:
                vs.append(float(req.check.measure(st.runs[k][0], req.base(i, s))))
                ss.append("ok")
        values.append(vs)
        statuses.append(ss)
    return values, statuses


def _series_result(st: _State, role: str, si: int) -> SeriesResult:
    req, chk, tol = st.req, st.req.check, st.req.ctx.tol
    s = req.series(role)[si]
    q = bscaling.get_quantity(s.quantity)
    ex = bscaling.exponent(s.quantity, req.param, strict=False)
    values, statuses = _measurements(st, role, si)
    pts = [bounds_values(req.base(i, s)) for i in range(len(req.ladder))]
    if chk.mode == "value":
        fvals = [
            float(q.expr.subs({bscaling.SYMBOLS[k]: v[k] for k in q.params if k in bscaling.SYMBOLS})) for v in pts
        ]
        fit = fit_slope(fvals, values, paired=True)
        predicted = 1.0
        ratios = [y / f for f, ys in zip(fvals, values) for y in ys if math.isfinite(y) and y > 0]
        ratio = float(np.median(ratios)) if ratios else math.nan
        verdict, reason = decide_sided(fit, predicted, tol.slope, s.side)
        if verdict != "violated" and math.isfinite(ratio) and not (1 / tol.theta <= ratio <= tol.theta):
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
        verdict, reason = decide_sided(fit, predicted, tol.slope, s.side)
        if good and max(good) - min(good) > tol.slope / 2:
            reason += f" (the predicted exponent varies along the ladder, {min(good):.3g} to {max(good):.3g})"
    if fit.dropped:
        reason += f"; {fit.dropped} measurement(s) left out ({_why_dropped(statuses)})"
    if s.diagnostic:
        reason = f"diagnostic, not scored: {reason}"
    return SeriesResult(
        name=s.name,
        quantity=s.quantity,
        expr=str(q.expr),
        exponent_expr=str(ex),
        predicted=predicted,
        side=s.side,
        fit=fit,
        verdict=verdict,
        reason=reason,
        values=values,
        statuses=statuses,
        predicted_values=fvals,
        ratio=ratio,
        role=role,
        diagnostic=s.diagnostic,
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
    c = Counter(s for ss in statuses for s in ss if s not in ("found", "noisy", "ok"))
    return ", ".join(f"{n} {s}" for s, n in c.items())


def unscorable(series: Sequence[SeriesResult], bad: Sequence[str], claims_need_all: bool = False) -> list[str]:
    """The unscorable runs that make a ladder 'diverged' (empty: the ladder is fitted).

    A ladder reads diverged when runs that could not be scored leave some scored regime series
    with fewer usable points or measurements than a fit needs, or (claims_need_all) when
    per-point claims are read and any regime run could not be scored. Otherwise the unscorable
    runs are only left out of the fits, and each series' reason counts them."""
    if not bad:
        return []
    if claims_need_all:
        return sorted(set(bad))
    for sr in series:
        if sr.diagnostic or sr.role != "regime":
            continue
        short = sr.fit.points < MIN_POINTS or sr.fit.measurements < MIN_MEASUREMENTS
        lost = any(x not in ("found", "noisy", "ok", "above", "below") for ss in sr.statuses for x in ss)
        if short and lost:
            return sorted(set(bad))
    return []


def _gating(st: _State) -> list[Hypothesis]:
    req, chk = st.req, st.req.check
    out: list[Hypothesis] = []
    for si, s in enumerate(req.series("regime")):
        gate = s.gate or chk.result
        for i, x in enumerate(req.ladder):
            cfg = req.base(i, s)
            hs = regime_hypotheses(gate, cfg, req.ctx.tol)
            if chk.probe == "lam":
                hs = [h for h in hs if "λ window" not in h.name]
            hs += mechanism_hypotheses(gate, cfg, req.ctx.tol)
            if chk.probe == "B":
                hs = _b_free(hs, gate, req, i, s)
            keys = [("regime", si, i, seed) for seed in req.ctx.seeds]
            hs += eps_hypotheses(s.name, [st.runs[k][0] for k in keys if k in st.runs], req.ctx.tol)
            for h in hs:
                h.name = f"[{req.param}={x:.3g}, {s.name}] {h.name}"
            out += hs
        point_keys = [[("regime", si, i, seed) for seed in req.ctx.seeds] for i in range(len(req.ladder))]
        if chk.hypotheses is not None and all(k in st.runs and k not in st.bad for ks in point_keys for k in ks):
            runs = [[st.runs[k][0] for k in ks] for ks in point_keys]
            for h in chk.hypotheses(runs, [req.base(i, s) for i in range(len(req.ladder))], req.ctx.tol):
                h.name = f"[{s.name}] {h.name}"
                out.append(h)
    return out


def _b_free(hs: list[Hypothesis], gate: str, req: Request, i: int, s: Series) -> list[Hypothesis]:
    """A B probe crosses the batch regime by design: the gating keeps the hypotheses that read the
    same at both ends of the searched divisors (evaluated at the smallest), and drops the batch
    regime and every one that B moves across (e.g. Lemma C.2's faded moments, whose edge is B*)."""
    divs = [b for b in divisors(req.base(i, s).n) if b >= req.check.b_min]
    ends = []
    for b in (divs[0], divs[-1]):
        cfg = req.config(i, s, req.ctx.seeds[0], float(b))
        ends.append(regime_hypotheses(gate, cfg, req.ctx.tol) + mechanism_hypotheses(gate, cfg, req.ctx.tol))
    same = {h.name for h in ends[0]} - {
        a.name for a, b in zip(ends[0], ends[1]) if a.name != b.name or a.holds != b.holds
    }
    keep = {h.name: h for h in ends[0] if h.name in same and "batch regime" not in h.name}
    return [keep[h.name] for h in hs if h.name in keep]


class DivisorSearch:
    """Bisection's interface (propose / observe / result) over one DivisorBisection per series:
    the probe B runs on the divisors of the point's n (studies.batch_search). A series' result is
    (B* = the bracket's geometric middle, B_lo, B_hi, status), status as BStar's: 'found', 'above'
    (every probe generalizes), 'below' (none does), 'noisy' (a memorizing B below a generalizing
    one: no estimate), 'open' (rounds ran out)."""

    def __init__(self, ns: dict, b_min: int, rounds: int):
        self.searches = {k: DivisorBisection(n, lo=b_min, rounds=max(rounds, 1)) for k, n in ns.items()}
        self.last: dict = {}

    def propose(self) -> dict[Any, list[float]]:
        self.last = {k: [float(b) for b in s.propose()] for k, s in self.searches.items()}
        return {k: v for k, v in self.last.items() if v}

    def observe(self, reads: dict) -> None:
        by_key: dict = {}
        for (k, v), r in reads.items():
            by_key.setdefault(k, {})[round(v)] = r
        for k, rs in by_key.items():
            self.searches[k].observe(rs)

    def bstar(self, k: Any) -> BStar:
        return self.searches[k].result()

    def result(self, k: Any) -> tuple[float, float, float, str]:
        b = self.bstar(k)
        if b.status == "noisy":
            return math.nan, 0.0, math.inf, "noisy"
        return b.estimate, float(b.lo or 0.0), float(b.hi or math.inf), b.status


def _point_claims(st: _State, role: str = "regime") -> list[Claim]:
    """The check's per-point claims on the runs of one role's series (none where a run of them
    could not be scored); control claims are named '[control: series] ...'."""
    req, chk = st.req, st.req.check
    out: list[Claim] = []
    if chk.claims is None:
        return out
    for si, s in enumerate(req.series(role)):
        if role == "regime" and si > 0:
            break
        if any(k[0] == role and k[1] == si for k in st.bad):
            continue
        runs = [[st.runs[(role, si, i, seed)][0] for seed in req.ctx.seeds] for i in range(len(req.ladder))]
        claims = chk.claims(runs, [req.base(i, s) for i in range(len(req.ladder))], req.ctx.tol)
        if role == "control":
            for c in claims:
                c.name = f"[control: {s.name}] {c.name}"
        out += claims
    return out


def control_separates(controls: Sequence[SeriesResult], control_claims: Sequence[Claim], claims_read: bool) -> bool:
    """A scaling check's controls separate when no scored control series reads consistent and, where
    per-point claims are read, every seed fails some claim on the control (as for a check)."""
    if any(c.verdict == "consistent" and not c.diagnostic for c in controls):
        return False
    if not claims_read:
        return True
    return control_outcome(list(control_claims))[0]


def _judge(st: _State) -> ScalingJudgement:
    req, chk = st.req, st.req.check
    series = [_series_result(st, "regime", si) for si in range(len(req.series("regime")))]
    controls = [_series_result(st, "control", si) for si in range(len(req.series("control")))]
    hyps = _gating(st)
    bad = unscorable(series, list(st.bad.values()), chk.claims is not None)
    claims = [] if bad else _point_claims(st)
    scored = [sr for sr in series if not sr.diagnostic] + claims
    verdict, reason = decide(scored, hyps, bad)
    control_claims = _point_claims(st, "control") if controls and not bad else []
    if controls:
        passing = [c.name for c in controls if c.verdict == "consistent" and not c.diagnostic]
        if chk.claims is not None and not control_outcome(control_claims)[0]:
            passing.append("its claims on some seed")
        failing = [f"{c.name}: {c.verdict}" for c in controls if not c.diagnostic]
        if control_claims:
            failing.append(
                f"{sum(c.status != 'consistent' for c in control_claims)} of {len(control_claims)} claims fail"
            )
        verdict, reason = control_downgrade(
            verdict,
            reason,
            control_separates(controls, control_claims, chk.claims is not None),
            "(" + ", ".join(failing) + ")",
            "(" + ", ".join(passing) + " reads consistent)",
        )
    cost = {
        "runs": len(st.wall),
        "computed": st.computed,
        "cached": len(st.wall) - st.computed,
        "model_steps": int(sum(c.steps for c in st.wall)),
        "compute_s": float(sum(st.wall.values())),
        "rounds": st.rounds,
    }
    return ScalingJudgement(
        check_id=chk.id,
        ref=chk.ref,
        title=chk.title,
        param=req.param,
        ladder=list(req.ladder),
        mode=chk.mode,
        verdict=verdict,
        reason=reason,
        series=series,
        controls=controls,
        claims=claims,
        control_claims=control_claims,
        hypotheses=hyps,
        needs=chk.needs,
        command=req.command(),
        settings={
            "preset": req.ctx.preset,
            "overrides": {**chk.overrides, **req.ctx.overrides},
            "seeds": list(req.ctx.seeds),
        },
        cost=cost,
        control_note=chk.control_note,
        measured=chk.measured,
    )
