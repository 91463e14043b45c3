"""The `theorycheck` command line: runnable checks of Tang, Zhang, Cao, Zou (NeurIPS 2025).

\b
Exit codes (every subcommand):
  0    consistent (or the command succeeded)
  1    violated
  2    bad input (the message names the parameter and the rule it broke; nothing is written),
       or an output file or the store that cannot be written (the message names it; a report
       is written whole or not at all, and batches stored before the failure stay stored)
  3    inconclusive, outside-regime or diverged
  4    the store was locked by another process past the busy timeout (60 s); batches stored
       before it stay stored: rerun to resume
  130  interrupted (SIGINT or SIGTERM); the message counts the runs kept in the store

For several checks the code of the worst verdict is returned (violated > diverged > outside-regime > inconclusive).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import signal
import sys
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from simulations import ConfigError

from .options import RunOptions, check_creatable_dir, run_options
from .options import check_writable as _check_writable
from .version import __version__

if TYPE_CHECKING:
    from rich.progress import Progress

    from .engine.plan import Plan
    from .judge.verdicts import Judgement
    from .studies.study import Study

console = Console(stderr=True)


class _Lazy:
    """A name from a module that is imported on first use: arguments are parsed and checked
    before torch, sympy and the engine are loaded, so --help, --version and bad input answer fast."""

    def __init__(self, module: str, name: str):
        self._where = (module, name)

    def _load(self) -> Any:
        module, name = self._where
        return getattr(importlib.import_module(module, __package__), name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __getitem__(self, key: Any) -> Any:
        return self._load()[key]

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self._load()(*args, **kw)


EXIT_CODES = _Lazy(".judge.verdicts", "EXIT_CODES")
Tolerances = _Lazy(".judge.verdicts", "Tolerances")
worst = _Lazy(".judge.verdicts", "worst")
_OUT_PARAMS: dict[str, str] = {}  # output path -> the option that named it (for write errors)


def check_writable(path: str, param: str) -> None:
    """options.check_writable, remembering which option named `path` for a later write error."""
    _check_writable(path, param)
    _OUT_PARAMS[os.path.abspath(path)] = param


class _Bar:
    """rich progress over model-steps; silent when stderr is not a terminal or --quiet."""

    def __init__(self, label: str, enabled: bool):
        self.enabled = enabled and console.is_terminal
        self.label = label
        self.p: Progress | None = None

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.p = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("model-steps"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
            )
            self.p.start()
            self.task = self.p.add_task(self.label, total=None)
        return self

    def __call__(self, advance: int, total: int) -> None:
        if self.p is not None:
            self.p.update(self.task, total=total, advance=advance)

    def __exit__(self, *exc: Any) -> None:
        if self.p is not None:
            self.p.stop()


def execute(opts: RunOptions, plans: Sequence[Plan], label: str) -> list[Judgement]:
    """The one pipeline: run every plan's configs in one session, then judge each plan."""
    from .judge.judge import judge_all

    with _Bar(label, not opts.quiet) as bar:
        runs = opts.session(bar).run(plans)
    return judge_all(list(plans), runs)


def execute_study(opts: RunOptions, study: Study, label: str) -> dict[str, list[Judgement]]:
    """A study's plans, run and judged in one pass, handed back by group name."""
    return study.regroup(execute(opts, study.plans, label))


def emit_json(obj: Any) -> None:
    from .judge.verdicts import jsonable

    click.echo(json.dumps(jsonable(obj), indent=2, allow_nan=False, default=str))


def deliver(text: str, out: str | None, note: str = "") -> None:
    """Write `text` to the file `out`, or print it when no file is given."""
    if out is not None:
        write(out, text)
        console.print(f"wrote {out}{note}", markup=False, highlight=False)
    else:
        click.echo(text)


def write(path: str, text: str, param: str | None = None) -> None:
    """Write `text` to `path` whole or not at all (a temporary file beside it, then renamed);
    a failure is ConfigError(param) (exit 2), never a traceback or a half-written file."""
    param = param or _OUT_PARAMS.get(os.path.abspath(path), "out")
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise ConfigError(param, f"cannot write {path!r}: {e.strerror or e}; nothing was written there") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- the command group ---------------------------------------------------------------------------
@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}, help=__doc__)
@click.version_option(__version__, prog_name="theorycheck")
def cli() -> None:
    pass


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--tolerances", is_flag=True, help="Also list the tolerances, their defaults and rules.")
def list_cmd(as_json: bool, tolerances: bool) -> None:
    """List the one registry: the checks (theorems, corollaries, lemmas; `theorycheck check ID`)
    and the scaling checks (FAMILY@PARAM; `theorycheck scaling ID`)."""
    from .checks import load_all
    from .reports.tables import render

    reg = load_all()
    scal = load_all("scaling")
    tol = Tolerances.describe()
    if as_json:
        emit_json(
            {
                "checks": [
                    {"id": c.id, "kind": c.kind, "ref": c.ref, "title": c.title, "rule": c.doc} for c in reg.values()
                ],
                "scaling": [
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "family": c.family,
                        "param": c.param,
                        "ref": c.ref,
                        "title": c.title,
                        "ladder": c.ladder,
                        "preset": c.preset,
                        "overrides": c.overrides,
                        "rule": c.doc,
                    }
                    for c in scal.values()
                ],
                **({"tolerances": tol} if tolerances else {}),
            }
        )
        return
    click.echo("checks (theorycheck check ID):")
    click.echo(render(["id", "paper", "claim"], [[c.id, c.ref, c.title] for c in reg.values()], "text"))
    click.echo("\nscaling checks (theorycheck scaling ID [--vary PARAM=LADDER]; a bare family runs its first ladder):")
    rows = [[c.id, c.ref, f"{c.param}={c.ladder}", c.title] for c in scal.values()]
    click.echo(render(["id", "paper", "default ladder", "claim"], rows, "text"))
    if tolerances:
        rows = [[k, str(v["default"]), v["rule"], v["meaning"]] for k, v in tol.items()]
        click.echo("\n" + render(["tolerance", "default", "must be", "meaning"], rows, "text"))


@cli.command("check")
@click.argument("result_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Check every registered result.")
@click.option("--verbose", "-v", is_flag=True, help="Show every scaling condition with its numbers.")
@click.option("--md", "md_out", default=None, help="Also write the evidence as Markdown to this file.")
@run_options
def check_cmd(result_id: str | None, all_: bool, verbose: bool, md_out: str | None, opts: RunOptions) -> None:
    """Check one result (e.g. thm4.2) or --all, and print the verdict with its evidence.

    Example: theorycheck check thm4.2 --preset smoke --seeds 0-2
    """
    from .checks import get_check, load_all
    from .reports.tables import check_markdown, check_text, render

    if bool(result_id) == bool(all_):
        raise ConfigError("result_id", "give exactly one result id, or --all")
    if md_out is not None:
        check_writable(md_out, "md")
    ids = list(load_all()) if all_ else [str(result_id)]
    plans = [get_check(cid).plan(opts.preset, opts.overrides, opts.seeds, opts.tol) for cid in ids]  # validates all
    results = execute(opts, plans, f"{'all checks' if all_ else result_id} [{opts.preset}]")
    if md_out is not None:
        write(md_out, "\n".join(check_markdown(r) for r in results), "md")
    verdict = worst([r.verdict for r in results])
    if opts.as_json:
        emit_json({"verdict": verdict, "exit_code": EXIT_CODES[verdict], "results": [r.to_dict() for r in results]})
    else:
        click.echo("\n\n".join(check_text(r, verbose) for r in results))
        if len(results) > 1:
            click.echo(
                "\n"
                + render(["result", "verdict", "reason"], [[r.check_id, r.verdict, r.reason] for r in results], "text")
            )
    sys.exit(EXIT_CODES[verdict])


def _grid_args(batch_sizes: str | None, lambdas: str | None) -> tuple[list[int] | None, list[float] | None]:
    """--batch-sizes (positive integers) and --lambdas; not given -> None (the defaults), empty -> error."""
    from .options import parse_list

    return parse_list(batch_sizes, "batch_sizes", int, positive=True), parse_list(lambdas, "lambdas", float)


def _grid(opts: RunOptions, batch_sizes: str | None, lambdas: str | None) -> list[Plan]:
    from .studies.grid import grid_plans

    bs, lams = _grid_args(batch_sizes, lambdas)
    return grid_plans(opts.preset, opts.overrides, opts.seeds, bs, lams, opts.tol)


@cli.command("table")
@click.option("--batch-sizes", default=None, help="Comma-separated B values (default: 4 divisors of n from 2 to n/2).")
@click.option("--lambdas", default=None, help="Comma-separated λ grid (default: 13 values from 1e-6 to 1).")
@click.option("--format", "fmt", default="md", show_default=True, type=click.Choice(["md", "csv", "latex", "text"]))
@click.option("--out", default=None, help="Write the table here (else stdout).")
@run_options
def table_cmd(batch_sizes: str | None, lambdas: str | None, fmt: str, out: str | None, opts: RunOptions) -> None:
    """The bound-vs-empirical table: predicted λ windows and n/B thresholds beside measured ones."""
    from .reports.bounds_table import TABLE_HEADERS, table_rows
    from .reports.tables import render

    if out is not None:
        check_writable(out, "out")
    plans = _grid(opts, batch_sizes, lambdas)
    js = execute(opts, plans, f"λ and B sweeps [{opts.preset}]")
    rows = table_rows(js)
    cached, computed = sum(j.cached for j in js), sum(j.computed for j in js)
    if opts.as_json:
        emit_json({"headers": TABLE_HEADERS, "rows": rows, "cached": cached, "computed": computed})
        return
    deliver(render(TABLE_HEADERS, rows, fmt), out, f" ({cached} runs from the store, {computed} computed)")


@cli.command("figures")
@click.option("--out", "out_dir", default="figures", show_default=True, help="Directory for the PNG and PDF files.")
@click.option("--batch-sizes", default=None, help="Comma-separated B values for Fig. 1.")
@click.option("--lambdas", default=None, help="Comma-separated λ grid for Fig. 2.")
@run_options
def figures_cmd(out_dir: str, batch_sizes: str | None, lambdas: str | None, opts: RunOptions) -> None:
    """Figures 1-6 analogues on the synthetic model (PNG and PDF)."""
    from .reports import plots
    from .reports.reproduction import cell_figures
    from .studies.reproduce import cell_plans
    from .studies.study import Study

    check_creatable_dir(out_dir, "out")
    grid = _grid(opts, batch_sizes, lambdas)
    cells = cell_plans(opts.preset, opts.overrides, opts.seeds, opts.tol)
    study = Study("figures", {"grid": tuple(grid), "cells": tuple(cells)}, grid[0].context.command("figures"))
    js = execute_study(opts, study, f"figures [{opts.preset}]")
    gj, cj = js["grid"], js["cells"]
    files = plots.error_vs_batch(gj, out_dir) + plots.error_vs_lambda(gj, out_dir) + cell_figures(cj, out_dir)
    if opts.as_json:
        emit_json({"files": files})
    else:
        click.echo("\n".join(files))


def _arms(arms: str | None, default: list[str]) -> list[str]:
    """The reading arms of --arms (comma-separated), each one of studies.audit.ARMS."""
    from .studies.audit import ARMS

    arm_list = [a.strip() for a in arms.split(",") if a.strip()] if arms else default
    bad = [a for a in arm_list if a not in ARMS]
    if bad:
        raise ConfigError("arms", f"unknown arm {bad[0]!r}; known: {', '.join(ARMS)}")
    return arm_list


def _report_paths(out: str | None, fig_dir: str | None) -> str | None:
    """Validate --out and --fig-dir; the figures go next to --out by default."""
    if out is not None:
        check_writable(out, "out")
    if fig_dir is not None:
        check_creatable_dir(fig_dir, "fig-dir")
    fig_dir = fig_dir or (os.path.join(os.path.dirname(out) or ".", "figures") if out else None)
    if fig_dir:
        check_creatable_dir(fig_dir, "fig-dir")
    return fig_dir


@cli.command("phase")
@click.option("--batch-sizes", default=None, help="Comma-separated B values, divisors of n (default: 5 from 2 to n).")
@click.option("--lambdas", default=None, help="Comma-separated λ grid (default: 6 from Adam's window to AdamW's).")
@click.option("--optimizers", default="adam,adamw", show_default=True, help="Comma-separated: adam, adamw.")
@click.option("--out", "out_dir", default="phase", show_default=True, help="Directory for the figure and tables.")
@click.option("--name", default="phase", show_default=True, help="File name stem of every output.")
@run_options
def phase_cmd(
    batch_sizes: str | None, lambdas: str | None, optimizers: str, out_dir: str, name: str, opts: RunOptions
) -> None:
    """The (B, λ) phase diagram: test error at convergence for Adam and AdamW over a grid of batch
    sizes and weight decays, with the λ windows of Thms 4.1-4.5 and Cor 4.3 and the n/B regimes
    overlaid, and the agreement per region (PNG, PDF, Markdown, CSV, LaTeX under --out)."""
    from .options import parse_list
    from .reports.phase import Phase, write_all
    from .studies.phase import phase_plans

    if not name or any(ch in name for ch in "/\\\0") or name.startswith("."):
        raise ConfigError("name", f"must be a plain file name stem, got {name!r}")
    bs, lams = _grid_args(batch_sizes, lambdas)
    opt_list = parse_list(optimizers, "optimizers", str)
    plans = phase_plans(opts.preset, opts.overrides, opts.seeds, bs, lams, opts.tol, opt_list or ())
    check_creatable_dir(out_dir, "out")
    js = execute(opts, plans, f"phase diagram [{opts.preset}]")
    p = Phase(js)
    files = write_all(p, out_dir, name, write)
    cached, computed = sum(j.cached for j in js), sum(j.computed for j in js)
    if opts.as_json:
        emit_json({"agreement": p.agreement(), "files": files, "cached": cached, "computed": computed})
        return
    click.echo(p.table("agreement", "text"))
    click.echo("\n".join(files))
    console.print(f"{cached} runs from the store, {computed} computed", markup=False, highlight=False)


@cli.command("reproduce")
@click.option("--out", default=None, help="Write the Markdown report here (default: stdout).")
@click.option("--fig-dir", default=None, help="Directory for the figures (default: figures/ next to --out).")
@click.option(
    "--audit-preset",
    default="none",
    show_default=True,
    help="Also run the reading audit (bias correction, eps, q, batch order, moment timing, supports) "
    "at these presets (comma-separated; with several, a table says per reading which may stand in for "
    "--preset), or 'none'.",
)
@click.option(
    "--arms", default=None, help="Comma-separated audit arms (default: all; see theorycheck.studies.audit.ARMS)."
)
@click.option(
    "--audit-cells",
    default="all",
    show_default=True,
    type=click.Choice(["all", "tables"]),
    help="Audit every App. D.2 cell, or only Tables 1-2's four (the Figs 5-6 cells then run under the "
    "default reading only).",
)
@click.option(
    "--compare-preset",
    default="none",
    show_default=True,
    help="Also run the default reading at these presets (comma-separated) and compare their verdicts, or 'none'.",
)
@run_options
def reproduce_cmd(
    out: str | None,
    fig_dir: str | None,
    audit_preset: str,
    arms: str | None,
    audit_cells: str,
    compare_preset: str,
    opts: RunOptions,
) -> None:
    """The paper's synthetic Tables 1-2 and Figs 3-6 beside its reported numbers, optionally with the
    reading audit and a cheaper-preset comparison (docs/reproduction.md).

    Example: theorycheck reproduce --preset paper --seeds 0-4 --set compile=true
    --audit-preset paper,quick --arms 'default,bias correction' --out docs/reproduction.md
    """
    from .reports.reproduction import report
    from .studies.audit import ARMS
    from .studies.reproduction import audits, compares, reproduce_study

    words = lambda text: [] if text == "none" else [c.strip() for c in text.split(",") if c.strip()]
    arm_list = _arms(arms, list(ARMS))
    fig_dir = _report_paths(out, fig_dir)
    study = reproduce_study(
        opts.preset,
        opts.overrides,
        opts.seeds,
        opts.tol,
        words(audit_preset),
        arm_list if arms else None,
        audit_cells,
        words(compare_preset),
        out,
    )  # every plan is built (validated) before anything runs
    js = execute_study(opts, study, f"reproduce [{opts.preset}]")
    text, summary = report(
        js["cells"], fig_dir, out, audit=audits(study, js), compare=compares(js), command=study.command
    )
    if opts.as_json:
        emit_json(summary)
    else:
        deliver(text, out)


@cli.command("mechanism")
@click.option(
    "--regimes",
    default="large",
    show_default=True,
    help="Batch regimes of Tables 1-2's cells: large, mini or large,mini.",
)
@click.option(
    "--arms",
    default=None,
    help="Comma-separated readings (default: default, bias correction, eps = 1e-8, torch defaults).",
)
@click.option("--out", default=None, help="Write the Markdown report here (default: stdout).")
@click.option("--fig-dir", default=None, help="Directory for the figure (default: figures/ next to --out).")
@run_options
def mechanism_cmd(regimes: str, arms: str | None, out: str | None, fig_dir: str | None, opts: RunOptions) -> None:
    """Tables 1-2's cells under each reading, per seed: the test error, each class's learned feature
    and its sign, the noise memorization; shows why test errors near 1/2 and near 1 occur and which
    reading matches the paper's numbers.

    Example: theorycheck mechanism --preset paper --seeds 0-4 --workers 2 --out docs/mechanism.md
    """
    from .reports.mechanism import mechanism_report
    from .studies.audit import MECHANISM_ARMS
    from .studies.reproduction import mechanism_study

    regs = [r.strip() for r in regimes.split(",") if r.strip()]
    arm_list = _arms(arms, list(MECHANISM_ARMS))
    fig_dir = _report_paths(out, fig_dir)
    study = mechanism_study(opts.preset, opts.overrides, opts.seeds, arm_list if arms else None, regs, opts.tol, out)
    res = execute_study(opts, study, f"mechanism [{opts.preset}]")
    text, summary = mechanism_report(res, opts.preset, study.command, fig_dir, out)
    if opts.as_json:
        emit_json(summary)
    else:
        deliver(text, out)


@cli.command("sweep")
@click.option(
    "--grid",
    "grids",
    multiple=True,
    metavar="NAME=V1,V2,...",
    required=True,
    help="A grid axis, e.g. --grid B=2,20 --grid lam=1e-5,1e-2 --grid optimizer=adam,adamw.",
)
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["md", "csv", "latex", "text"]))
@run_options
def sweep_cmd(grids: tuple[str, ...], fmt: str, opts: RunOptions) -> None:
    """Run a grid over any Config fields (seeds via --seeds) through the store; print final metrics."""
    from .options import parse_grid
    from .reports.tables import render, sweep_rows
    from .studies.sweep import sweep_plan

    grid = parse_grid(grids, len(opts.seeds))
    plan = sweep_plan(grid, opts.preset, opts.seeds, opts.overrides, opts.tol)
    (j,) = execute(opts, [plan], f"{plan.title} [{opts.preset}]")
    if opts.as_json:
        emit_json(
            {
                "grid": grid,
                "seeds": list(opts.seeds),
                "cached": j.cached,
                "computed": j.computed,
                "runs": [{"config": r.config, "status": r.status, "final": r.final} for r in j.runs],
            }
        )
        return
    headers, rows = sweep_rows(j)
    click.echo(render(headers, rows, fmt))
    console.print(f"{len(j.runs)} runs: {j.cached} from the store, {j.computed} computed, {j.wall_s:.1f} s of compute")


@cli.command("scaling")
@click.argument("check_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Run every registered scaling check at its default ladder.")
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="NAME=LO:HI:N|V1,V2,...",
    help="The ladder: the check's parameter, as a log ladder LO:HI:N or a list of 3 to 32 values. With a "
    "family id (e.g. lem5.1) NAME picks its ladder (repeat for several). Default: the check's own ladder.",
)
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "md", "csv", "latex"]))
@click.option("--md", "md_out", default=None, help="Also write the Markdown report (every check, with figures' links).")
@click.option("--figures", "fig_dir", default=None, help="Directory for one log-log figure per ladder (PNG and PDF).")
@click.option("--verbose", "-v", is_flag=True, help="Show every gating hypothesis at every ladder point.")
@run_options
def scaling_cmd(
    check_id: str | None,
    all_: bool,
    varies: tuple[str, ...],
    fmt: str,
    md_out: str | None,
    fig_dir: str | None,
    verbose: bool,
    opts: RunOptions,
) -> None:
    """Fit how a threshold, rate or plateau moves along a parameter ladder, against the exponent
    bounds derives symbolically (e.g. Adam's usable λ ~ σ0^{q-2}).

    ID is a scaling check of the one registry, FAMILY@PARAM (`theorycheck list` shows them), or
    a bare family (cor4.3, lem5.1, ...): its first ladder, or the ladders --vary names. Checks
    of the other kind run with `theorycheck check`. Verdicts follow the same ladder as `check`.
    Each scaling check runs on its own small setting unless --preset is given; --set overrides
    it, except the ladder's parameter, the optimizer and the fields tied to a point (refused).
    A ladder has 3 to 32 points. Examples:

    \b
      theorycheck scaling cor4.3@sigma_0
      theorycheck scaling lem5.1 --vary eta=2.5e-4:2e-3:4
      theorycheck scaling --all --md docs/scaling.md --figures docs/figures
    """
    from .checks.registry import get_scaling, load_all
    from .reports import scaling as rs
    from .studies.scaling import make_request, run_scaling

    known = load_all("scaling")
    if bool(check_id) == bool(all_):
        raise ConfigError("check_id", f"give exactly one scaling check id, or --all; known: {', '.join(known)}")
    if all_ and varies:
        raise ConfigError("vary", "--vary needs one check id, not --all")
    if md_out:
        check_writable(md_out, "md")
    if fig_dir:
        check_creatable_dir(fig_dir, "figures")
    ctx = click.get_current_context()
    preset_name = opts.preset if _preset_given(ctx) else None
    todo: list[tuple[str, str | None]] = []
    if all_:
        todo = [(cid, None) for cid in known]
    elif not varies:
        todo = [(get_scaling(str(check_id)).id, None)]
    else:
        seen = set()
        for v in varies:
            if "=" not in v:
                raise ConfigError("vary", f"expected NAME=LO:HI:N or NAME=V1,V2,..., got {v!r}")
            name, ladder = (x.strip() for x in v.split("=", 1))
            if not name:
                raise ConfigError("vary", f"an empty parameter name in --vary {v!r}: give NAME=LADDER")
            if not ladder:
                raise ConfigError(name, f"an empty ladder in --vary {v!r}: give {name}=LO:HI:N or {name}=V1,V2,...")
            if name in seen:
                raise ConfigError(name, "ladder given twice")
            seen.add(name)
            todo.append((get_scaling(str(check_id), name).id, ladder))
    reqs = [make_request(c, None, ld, preset_name, opts.overrides, opts.seeds, opts.tol) for c, ld in todo]
    with _Bar(f"scaling {'--all' if all_ else check_id}", not opts.quiet) as bar:
        results = run_scaling(reqs, opts.session(bar))
    figs = [p for j in results for p in rs.figure(j, fig_dir)] if fig_dir else []
    if md_out:
        write(md_out, rs.report(results, fig_dir, md_out))
    verdict = worst([j.verdict for j in results])
    if opts.as_json:
        emit_json({"verdict": verdict, "exit_code": EXIT_CODES[verdict], "results": [j.to_dict() for j in results]})
    elif fmt == "text":
        click.echo("\n\n".join(rs.text(j, verbose) for j in results))
        if len(results) > 1:
            click.echo("\n" + rs.table(results, "text"))
    else:
        click.echo(rs.table(results, fmt))
    if figs:
        console.print(f"wrote {len(figs)} figure files under {fig_dir}")
    sys.exit(EXIT_CODES[verdict])


def _preset_given(ctx: click.Context) -> bool:
    from click.core import ParameterSource

    return ctx.get_parameter_source("preset") not in (None, ParameterSource.DEFAULT)


@cli.command("bounds")
@click.option("--out", default=None, help="Write the Markdown report here (default: stdout).")
@click.option("--json", "as_json", is_flag=True, help="Feasibility of each result as JSON.")
def bounds_cmd(out: str | None, as_json: bool) -> None:
    """The symbolic side alone: feasibility of each result, Cor 4.6's gap, the paper preset's misses."""
    if out is not None:
        if as_json:
            raise ConfigError("out", "--json prints to stdout; --out would be ignored (give one of them)")
        check_writable(out, "out")
    import bounds

    if as_json:
        rows = []
        from bounds.report import MAIN

        for rid in MAIN:  # the main results, as bounds lists them
            f = bounds.theorem_feasibility(rid)
            rows.append(
                {
                    "result": rid,
                    "feasible": f.feasible,
                    "witness": f.witness,
                    "binding": f.binding,
                    "infeasible_core": f.infeasible_core,
                }
            )
        emit_json({"feasibility": rows, "cor46_gap": bounds.cor46_gap()})
        return
    from bounds.report import render_report

    deliver(render_report(), out)


@cli.command("coverage")
@click.option("--json", "as_json", is_flag=True, help="Every item with its coverage, and the counts, as JSON.")
@click.option("--md", "md_out", default=None, help="Also write the table as Markdown to this file.")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "md"]))
@click.option("--store", "store_path", default=None, help="Read verdicts from this store (default: THEORYCHECK_STORE).")
@click.option("--no-verdicts", is_flag=True, help="Do not read the store (the table then depends on the code only).")
@click.option(
    "--into",
    "into",
    multiple=True,
    help="Replace the generated block of this file (paper_refs.md, docs/test_list_by_lemma.md); repeatable.",
)
def coverage_cmd(
    as_json: bool, md_out: str | None, fmt: str, store_path: str | None, no_verdicts: bool, into: tuple[str, ...]
) -> None:
    """Every numbered item of the paper (definitions, conditions, theorems, corollaries, lemmas,
    figures, tables) and how this package covers it, read from the code: registered and scaling
    checks (their refs), bounds' results and conditions, tests marked @pytest.mark.paper (from a
    source checkout only), and the commands that draw figures and tables. The verdict is the
    default preset's (smoke, seeds 0-2), judged from the store's runs where all of them are
    stored; nothing runs ('not run' otherwise)."""
    from .engine.store import Store
    from .reports import coverage as cov

    if md_out is not None:
        check_writable(md_out, "md")
    texts = {}
    for path in into:
        check_writable(path, "into")
        try:
            with open(path) as fh:
                texts[path] = fh.read()
        except OSError as e:
            raise ConfigError("into", f"cannot read {path!r}: {e.strerror or e}") from None
        if cov_block_missing(texts[path]):
            raise ConfigError("into", f"{path!r} has no generated coverage block; add its two marker lines first")
    store = None
    if not no_verdicts:
        store = Store(store_path)
        store.validate(for_write=False)
    helps = {name: cli.commands[name].help or "" for name in cov.FIGURE_COMMANDS}
    table = cov.build(helps, store=store)
    if md_out is not None:
        head = "# Coverage of the paper's numbered items\n\n" + cov.summary_text(table) + "\n\n"
        write(md_out, head + cov.render_rows(table, "md", verdicts=store is not None, tests=True) + "\n")
    for path, text in texts.items():
        write(path, cov.splice(text, table), "into")
    if as_json:
        emit_json(table.as_dict())
        return
    click.echo(cov.render_rows(table, fmt, verdicts=store is not None))
    click.echo("\n" + cov.summary_text(table))


def cov_block_missing(text: str) -> bool:
    from .reports.coverage import current_block

    return current_block(text) is None


@cli.command("env")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def env_cmd(as_json: bool) -> None:
    """Versions, device, dtype support and the code version stored with every result."""
    import numpy
    import scipy
    import sympy
    import torch

    from .engine.executors import cpu_count
    from .engine.store import default_store_path
    from .version import code_version, git_commit

    info = {
        "theorycheck": code_version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "sympy": sympy.__version__,
        "cuda_available": torch.cuda.is_available(),
        "device_auto": "cuda" if torch.cuda.is_available() else "cpu",
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "cpu_cores": cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "dtypes": ["float32", "float64"],
        "store_default": default_store_path(),
    }
    if as_json:
        emit_json(info)
    else:
        for k, v in info.items():
            click.echo(f"{k:>16}: {v}")


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _error(message: str) -> None:
    """Print an error as plain text: rich markup would eat '[d]' and the like."""
    console.print("error: " + message, style="red", markup=False, highlight=False, soft_wrap=True)


def _interrupt_message(e: BaseException) -> str:
    """What an interrupt kept: the session's own count when it was inside one (click turns the
    interrupt into a bare Abort: its cause carries the message), else this process's stored runs."""
    cause = e
    while isinstance(cause, click.exceptions.Abort) and cause.__cause__ is not None:
        cause = cause.__cause__
    if str(cause) and not isinstance(cause, click.exceptions.Abort):
        return str(cause)
    session = sys.modules.get(f"{__package__}.engine.session")
    stored = session.STORED[0] if session is not None else 0
    if stored:
        return f"interrupted: {stored} runs computed by this command are stored. Rerun the same command to resume."
    return "interrupted before any run finished; this command stored nothing"


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input -> exit 2 with the parameter named; SIGINT/SIGTERM -> exit 130 with
    the count of runs kept; a store locked past its timeout -> exit 4. No traceback for any of them."""
    try:
        previous = signal.signal(signal.SIGTERM, _sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        cli.main(args=argv, prog_name="theorycheck", standalone_mode=False)
    except ConfigError as e:
        _error(str(e))
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt) as e:
        console.print(_interrupt_message(e), markup=False, highlight=False, soft_wrap=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except Exception as e:
        store = sys.modules.get(f"{__package__}.engine.store")
        if store is not None and isinstance(e, store.StoreLocked):
            _error(str(e))
            sys.exit(4)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    main()


@cli.command("images")
@click.argument(
    "figure", type=click.Choice(["fig1", "fig2", "all", "fig7", "fig8", "fig9", "fig10", "figs7-10", "every"])
)
@click.option(
    "--scale",
    "scale_name",
    default="digits",
    show_default=True,
    help="tiny | digits | fashion | fashion-full | cifar10 (data, model and grids; docs/images.md).",
)
@click.option("--data", "data", default=None, help="Override the scale's data: digits, fashion or cifar10.")
@click.option("--data-dir", default=None, help="Folder of the data files (IDX for fashion, cifar-10-batches-py).")
@click.option("--model", default=None, help="Override the model: vgg_small, resnet_small, vgg16, resnet18.")
@click.option("--md5", is_flag=True, help="Check every data file against its published md5 sum first.")
@click.option(
    "--protocol",
    default="both",
    show_default=True,
    type=click.Choice(["epochs", "iters", "zero", "both", "all"]),
    help="Fig 1's budget: epochs, iters, zero (until train error <= the scale's target); both = epochs and iters; all = the three.",
)
@click.option("--adamw-scale", default="both", show_default=True, type=click.Choice(["axis", "optimizer", "both"]))
@click.option("--betas", default="seeds", show_default=True, type=click.Choice(["seeds", "paper"]))
@click.option("--cell-seeds", default="0-4", show_default=True, help="Figs 7-8: the seed cells (the paper's 0-4).")
@click.option("--out", default=None, help="Write the Markdown report here (figures beside it unless --fig-dir).")
@click.option("--fig-dir", default=None, help="Directory for the PNG and PDF figures.")
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(["text", "md", "csv", "latex"]))
@run_options
def images_cmd(
    figure: str,
    scale_name: str,
    data: str | None,
    data_dir: str | None,
    model: str | None,
    md5: bool,
    protocol: str,
    adamw_scale: str,
    betas: str,
    cell_seeds: str,
    out: str | None,
    fig_dir: str | None,
    fmt: str,
    opts: RunOptions,
) -> None:
    """The paper's real-data claims judged on image data that installs offline: Figs 1-2 (all), and
    Figs 7-10 (figs7-10; every = both) with each seed / (β1, β2) cell judged on its own and compared
    with the default cell. --preset and --set do not apply here.

    Example: theorycheck images all --scale digits --workers 2 --out docs/images.md
    """
    from simulations.images import dataset, load

    from .options import parse_seeds
    from .reports import images as rep
    from .reports.tables import check_text
    from .studies import images as st

    if opts.overrides:
        raise ConfigError("set", "--set does not apply to `images`; use --scale, --data, --data-dir, --model")
    sc = st.scale(scale_name, data=data, data_dir=data_dir, model=model)
    figs = {"all": ["fig1", "fig2"], "figs7-10": list(st.CELL_FIGS), "every": list(st.FIGS)}.get(figure, [figure])
    try:
        cseeds = parse_seeds(cell_seeds)
    except ConfigError as e:
        raise ConfigError("cell-seeds", e.rule) from None
    protos = {"both": ["epochs", "iters"], "all": list(st.PROTOCOLS)}.get(protocol, [protocol])
    reads = list(st.READINGS) if adamw_scale == "both" else [adamw_scale]
    plans = st.plans(figs, sc, opts.seeds, betas == "paper", reads, protos, opts.tol, cseeds)  # validates configs
    first: Any = plans[0].configs[0]  # an ImageConfig (the engine's types know only Config)
    if md5:
        load(first.data, first.data_dir or None, md5=True)
    ds = dataset(first)  # missing or corrupt files fail here, before anything runs or is written
    biggest = max(c.B for p in plans for c in p.configs)
    if biggest > len(ds.y_train):
        raise ConfigError("B", f"batch size {biggest} exceeds the {len(ds.y_train)} training images loaded")
    if out:
        check_writable(out, "out")
    fig_dir = fig_dir or (os.path.join(os.path.dirname(os.path.abspath(out)), "figures", "images") if out else None)
    if fig_dir:
        check_creatable_dir(fig_dir, "fig-dir")
    js = st.cells_agree(st.gate_zero(execute(opts, plans, f"images {figure}")), cseeds)
    links: list[str] = []
    if fig_dir:
        paths = rep.figures(js, fig_dir)
        base = os.path.dirname(os.path.abspath(out)) if out else os.getcwd()
        links = [os.path.relpath(p, base) for p in paths if p.endswith(".png")]
    if out:
        cmd = " ".join(["theorycheck", *[a for a in sys.argv[1:]]]) if sys.argv[1:2] == ["images"] else plans[0].command
        write(out, rep.report(js, cmd, links))
    if opts.as_json:
        emit_json([j.to_dict() for j in js])
    elif fmt == "text":
        for j in js:
            if j.meta.get("cell_of"):  # a Fig 7-10 cell: one line (its judgement's table has them all)
                click.echo(f"{j.check_id}: {j.verdict.upper()} — {j.reason}")
                continue
            click.echo(check_text(j))
            h, rows = rep.data_rows(j)
            click.echo(rep.render(h, rows, "text") + "\n")
    else:
        click.echo(rep.table(js, fmt))
    sys.exit(EXIT_CODES[worst([j.verdict for j in js if not j.meta.get("cell_of")])])  # cells are evidence
