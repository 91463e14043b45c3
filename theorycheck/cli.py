"""The `theorycheck` command line: runnable checks of Tang, Zhang, Cao, Zou (NeurIPS 2025).

\b
Exit codes (every subcommand):
  0  consistent (or the command succeeded)
  1  violated
  2  bad input (the message names the parameter and the rule it broke; nothing is written)
  3  inconclusive, outside-regime or diverged

For several checks the code of the worst verdict is returned (violated > diverged > outside-regime > inconclusive).
"""

from __future__ import annotations

import json
import os
import platform
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from simulations import PRESETS, ConfigError

from .verdicts import EXIT_CODES, SEVERITY, Tolerances

console = Console(stderr=True)
STORE_HELP = "SQLite results store (env THEORYCHECK_STORE; default results/theorycheck.sqlite)"


# ---- parsing helpers -------------------------------------------------------------------------------
def _value(text: str):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_pairs(pairs, what: str) -> dict:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise ConfigError(what, f"expected NAME=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = _value(v.strip())
    return out


def parse_seeds(text: str) -> tuple:
    try:
        seeds = []
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                a, b = part.split("-", 1)
                seeds += list(range(int(a), int(b) + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ConfigError("seeds", f"expected integers like 0,1,2 or 0-4, got {text!r}") from None
    if not seeds or any(s < 0 for s in seeds):
        raise ConfigError("seeds", f"need at least one seed, all >= 0, got {text!r}")
    return tuple(dict.fromkeys(seeds))


def parse_list(text: str, what: str, cast=float) -> list:
    try:
        return [cast(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(what, f"expected a comma-separated list, got {text!r}") from None


def make_tol(pairs) -> Tolerances:
    return Tolerances().replace(**parse_pairs(pairs, "tol"))


class _Bar:
    """rich progress over model-steps; silent when stderr is not a terminal or --quiet."""

    def __init__(self, label: str, enabled: bool):
        self.enabled = enabled and console.is_terminal
        self.label = label
        self.p = None

    def __enter__(self):
        if self.enabled:
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

    def __call__(self, advance, total):
        if self.p is not None:
            self.p.update(self.task, total=total, advance=advance)

    def __exit__(self, *exc):
        if self.p is not None:
            self.p.stop()


def common_run_options(f):
    f = click.option("--quiet", is_flag=True, help="No progress bar.")(f)
    f = click.option("--fresh", is_flag=True, help="Recompute even if the store has the runs (then overwrite them).")(f)
    f = click.option("--inline", is_flag=True, help="Run in this process instead of a local process pool.")(f)
    f = click.option("--workers", default=1, show_default=True, type=int, help="Local worker processes.")(f)
    f = click.option("--store", "store_path", default=None, help=STORE_HELP)(f)
    f = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")(f)
    f = click.option(
        "--tol",
        "tols",
        multiple=True,
        metavar="NAME=VALUE",
        help="Tolerance, e.g. delta=0.05 (see `theorycheck list --tolerances`).",
    )(f)
    f = click.option("--seeds", default="0,1,2", show_default=True, help="Seeds, e.g. 0,1,2 or 0-4.")(f)
    f = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="NAME=VALUE",
        help="Override any Config field for every run, e.g. --set eta=1e-3.",
    )(f)
    f = click.option(
        "--preset",
        default="smoke",
        show_default=True,
        type=click.Choice(list(PRESETS)),
        help="Parameter preset (paper = Appendix D.2).",
    )(f)
    return f


def _session(store_path, inline, workers):
    from .api import Session
    from .store import DEFAULT_PATH

    if workers < 1:
        raise ConfigError("workers", f"must be >= 1, got {workers}")
    return Session(store_path or DEFAULT_PATH, "inline" if inline else "process", workers)


def _emit_json(obj):
    click.echo(json.dumps(obj, indent=2, default=str))


# ---- the command group ---------------------------------------------------------------------------
@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=__doc__)
@click.version_option(package_name="theorycheck")
def cli():
    pass


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--tolerances", is_flag=True, help="Also list the tolerances and their defaults.")
def list_cmd(as_json, tolerances):
    """List the registered results (theorems, corollaries, lemmas)."""
    from .registry import load_all

    reg = load_all()
    tol = Tolerances().__dict__
    if as_json:
        _emit_json(
            {
                "checks": [{"id": c.id, "ref": c.ref, "title": c.title, "rule": c.doc} for c in reg.values()],
                **({"tolerances": tol} if tolerances else {}),
            }
        )
        return
    from .tables import render

    click.echo(render(["id", "paper", "claim"], [[c.id, c.ref, c.title] for c in reg.values()], "text"))
    if tolerances:
        click.echo("\n" + render(["tolerance", "default"], [[k, str(v)] for k, v in tol.items()], "text"))


@cli.command("check")
@click.argument("result_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Check every registered result.")
@click.option("--verbose", "-v", is_flag=True, help="Show every scaling condition with its numbers.")
@click.option("--md", "md_out", default=None, help="Also write the evidence as Markdown to this file.")
@common_run_options
def check_cmd(
    result_id, all_, verbose, md_out, preset, sets, seeds, tols, as_json, store_path, workers, inline, fresh, quiet
):
    """Check one result (e.g. thm4.2) or --all, and print the verdict with its evidence.

    Example: theorycheck check thm4.2 --preset smoke --seeds 0-2
    """
    from .registry import build_configs, get_check, load_all, run_check
    from .tables import check_markdown, check_text

    if bool(result_id) == bool(all_):
        raise ConfigError("result_id", "give exactly one result id, or --all")
    ids = list(load_all()) if all_ else [result_id]
    overrides, seed_t, tol = parse_pairs(sets, "set"), parse_seeds(seeds), make_tol(tols)
    for cid in ids:  # validate every plan before running anything
        build_configs(get_check(cid), preset, overrides, seed_t, tol)
    s = _session(store_path, inline, workers)
    results = []
    for cid in ids:
        with _Bar(f"{cid} [{preset}]", not quiet) as bar:
            results.append(
                run_check(
                    cid,
                    preset,
                    overrides,
                    seed_t,
                    tol,
                    store=s.store,
                    executor=s.executor,
                    workers=s.workers,
                    progress=bar,
                    fresh=fresh,
                )
            )
        if not as_json:
            click.echo(check_text(results[-1], verbose) + "\n")
    if md_out:
        _write(md_out, "\n".join(check_markdown(r) for r in results))
    worst = max(results, key=lambda r: SEVERITY[r.verdict]).verdict
    if as_json:
        _emit_json({"verdict": worst, "exit_code": EXIT_CODES[worst], "results": [r.to_dict() for r in results]})
    elif len(results) > 1:
        from .tables import render

        click.echo(
            render(["result", "verdict", "reason"], [[r.check_id, r.verdict, r.reason] for r in results], "text")
        )
    sys.exit(EXIT_CODES[worst])


@cli.command("table")
@click.option("--batch-sizes", default=None, help="Comma-separated B values (default: 4 divisors of n from 2 to n/2).")
@click.option("--lambdas", default=None, help="Comma-separated λ grid (default: 13 values from 1e-6 to 1).")
@click.option("--format", "fmt", default="md", show_default=True, type=click.Choice(["md", "csv", "latex", "text"]))
@click.option("--out", default=None, help="Write the table here (else stdout).")
@common_run_options
def table_cmd(
    batch_sizes, lambdas, fmt, out, preset, sets, seeds, tols, as_json, store_path, workers, inline, fresh, quiet
):
    """The bound-vs-empirical table: predicted λ windows and n/B thresholds beside measured ones."""
    from .compare import TABLE_HEADERS, collect, table_rows
    from .tables import render

    comp = _collect(collect, batch_sizes, lambdas, preset, sets, seeds, tols, store_path, workers, inline, fresh, quiet)
    rows = table_rows(comp)
    if as_json:
        _emit_json({"headers": TABLE_HEADERS, "rows": rows, "cached": comp.cached, "computed": comp.computed})
        return
    _deliver(render(TABLE_HEADERS, rows, fmt), out, f" ({comp.cached} runs from the store, {comp.computed} computed)")


def _collect(collect, batch_sizes, lambdas, preset, sets, seeds, tols, store_path, workers, inline, fresh, quiet):
    overrides, seed_t, tol = parse_pairs(sets, "set"), parse_seeds(seeds), make_tol(tols)
    bs = parse_list(batch_sizes, "batch-sizes", int) if batch_sizes else None
    lams = parse_list(lambdas, "lambdas") if lambdas else None
    if lams is not None and any(x < 0 for x in lams):
        raise ConfigError("lambdas", "every λ must be >= 0")
    s = _session(store_path, inline, workers)
    with _Bar(f"λ and B sweeps [{preset}]", not quiet) as bar:
        return collect(
            preset,
            overrides,
            seed_t,
            bs,
            lams,
            tol=tol,
            store=s.store,
            executor=s.executor,
            workers=s.workers,
            progress=bar,
            fresh=fresh,
        )


@cli.command("figures")
@click.option("--out", "out_dir", default="figures", show_default=True, help="Directory for the PNG and PDF files.")
@click.option("--batch-sizes", default=None, help="Comma-separated B values for Fig. 1.")
@click.option("--lambdas", default=None, help="Comma-separated λ grid for Fig. 2.")
@common_run_options
def figures_cmd(
    out_dir, batch_sizes, lambdas, preset, sets, seeds, tols, as_json, store_path, workers, inline, fresh, quiet
):
    """Figures 1-6 analogues on the synthetic model (PNG and PDF)."""
    from . import plots
    from .compare import collect
    from .reproduce import paper_cells, run_cells

    comp = _collect(collect, batch_sizes, lambdas, preset, sets, seeds, tols, store_path, workers, inline, fresh, quiet)
    files = plots.error_vs_batch(comp, out_dir) + plots.error_vs_lambda(comp, out_dir)
    s = _session(store_path, inline, workers)
    with _Bar(f"Figs 3-6 runs [{preset}]", not quiet) as bar:
        cells = run_cells(paper_cells(preset, parse_pairs(sets, "set"), parse_seeds(seeds)), s, bar, fresh)
    from .reproduce import cell_figures

    files += cell_figures(cells, out_dir)
    if as_json:
        _emit_json({"files": files})
    else:
        click.echo("\n".join(files))


@cli.command("reproduce")
@click.option("--out", default=None, help="Write the Markdown report here (default: stdout).")
@click.option("--fig-dir", default=None, help="Directory for the figures (default: figures/ next to --out).")
@click.option(
    "--audit-preset",
    default="none",
    show_default=True,
    help="Also run the reading audit (bias correction, eps, q, batch order, moment timing, supports) "
    "at this preset, or 'none'.",
)
@click.option("--arms", default=None, help="Comma-separated audit arms (default: all; see theorycheck.audit.ARMS).")
@click.option(
    "--compare-preset",
    default="none",
    show_default=True,
    help="Also run the default reading at these presets (comma-separated) and compare their verdicts, or 'none'.",
)
@common_run_options
def reproduce_cmd(
    out,
    fig_dir,
    audit_preset,
    arms,
    compare_preset,
    preset,
    sets,
    seeds,
    tols,
    as_json,
    store_path,
    workers,
    inline,
    fresh,
    quiet,
):
    """The paper's synthetic Tables 1-2 and Figs 3-6 beside its reported numbers, optionally with the
    reading audit and a quick-vs-paper comparison (docs/reproduction.md).

    Example: theorycheck reproduce --preset paper --seeds 0-4 --set compile=true
    --audit-preset quick --compare-preset quick --out docs/reproduction.md
    """
    from .audit import ARMS, audit_cells
    from .reproduce import paper_cells, report

    overrides, seed_t, tol = parse_pairs(sets, "set"), parse_seeds(seeds), make_tol(tols)
    compares = [] if compare_preset == "none" else parse_list(compare_preset, "compare-preset", str)
    for name, val in [("audit-preset", audit_preset)] + [("compare-preset", c) for c in compares]:
        if val != "none" and val not in PRESETS:
            raise ConfigError(name, f"must be 'none' or one of {tuple(PRESETS)}, got {val!r}")
    arm_list = parse_list(arms, "arms", str) if arms else list(ARMS)
    bad = [a for a in arm_list if a not in ARMS]
    if bad:
        raise ConfigError("arms", f"unknown arm {bad[0]!r}; known: {', '.join(ARMS)}")
    cells = paper_cells(preset, overrides, seed_t)  # all validated before any run
    by_arm = audit_cells(audit_preset, overrides, seed_t, arm_list) if audit_preset != "none" else None
    ccells = [(c, paper_cells(c, overrides, seed_t)) for c in compares]
    s = _session(store_path, inline, workers)
    flat = cells + [c for cs in (by_arm or {}).values() for c in cs] + [c for _, cs in ccells for c in cs]
    from .reproduce import run_cells

    with _Bar(f"reproduce [{preset}]", not quiet) as bar:
        run_cells(flat, s, bar, fresh)
    fig_dir = fig_dir or (os.path.join(os.path.dirname(out) or ".", "figures") if out else None)
    cmd = "theorycheck " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["reproduce"] else None
    text, summary = report(
        cells,
        tol,
        fig_dir,
        out,
        audit=(audit_preset, by_arm) if by_arm else None,
        compare=ccells,
        command=cmd,
        store=s.store,
        preset_name=preset,
    )
    if as_json:
        _emit_json(summary)
    else:
        _deliver(text, out)


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
@common_run_options
def sweep_cmd(grids, fmt, preset, sets, seeds, tols, as_json, store_path, workers, inline, fresh, quiet):
    """Run a grid over any Config fields (seeds via --seeds) through the store; print final metrics."""
    from .api import grid_configs
    from .runner import run_configs
    from .tables import render

    grid = {}
    for g in grids:
        if "=" not in g:
            raise ConfigError("grid", f"expected NAME=V1,V2,..., got {g!r}")
        k, v = g.split("=", 1)
        grid[k.strip()] = [_value(x.strip()) for x in v.split(",") if x.strip()]
    grid.setdefault("seed", list(parse_seeds(seeds)))
    cfgs = grid_configs(grid, preset, **parse_pairs(sets, "set"))
    s = _session(store_path, inline, workers)
    with _Bar(f"sweep of {len(cfgs)} runs [{preset}]", not quiet) as bar:
        res, stats = run_configs(cfgs, store=s.store, executor=s.executor, workers=s.workers, progress=bar, fresh=fresh)
    keys = list(grid)
    metrics = ["train_err", "test_err", "feat_pos", "feat_neg", "noise_max", "noise_min"]
    rows = [
        [str(getattr(r.config, k)) for k in keys] + [r.status] + [f"{r.final[m]:.4g}" for m in metrics] for r in res
    ]
    if as_json:
        _emit_json(
            {
                "grid": grid,
                "cached": stats.cached,
                "computed": stats.computed,
                "runs": [{"config": r.config.to_dict(), "status": r.status, "final": r.final} for r in res],
            }
        )
        return
    click.echo(render(keys + ["status"] + metrics, rows, fmt))
    console.print(
        f"{stats.requested} runs: {stats.cached} from the store, {stats.computed} computed "
        f"in {stats.batches} batches, {stats.wall_s:.1f} s"
    )


@cli.command("bounds")
@click.option("--out", default=None, help="Write the Markdown report here (default: stdout).")
@click.option("--json", "as_json", is_flag=True, help="Feasibility of each result as JSON.")
def bounds_cmd(out, as_json):
    """The symbolic side alone: feasibility of each result, Cor 4.6's gap, the paper preset's misses."""
    import bounds

    if as_json:
        rows = []
        for rid in ("thm4.1", "thm4.2", "cor4.3", "thm4.4", "thm4.5", "cor4.6"):
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
        _emit_json({"feasibility": rows, "cor46_gap": bounds.cor46_gap()})
        return
    from bounds.report import render_report

    _deliver(render_report(), out)


@cli.command("env")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def env_cmd(as_json):
    """Versions, device, dtype support and the code version stored with every result."""
    import numpy
    import scipy
    import sympy
    import torch

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
        "torch_threads": torch.get_num_threads(),
        "dtypes": ["float32", "float64"],
        "store_default": os.environ.get("THEORYCHECK_STORE", "results/theorycheck.sqlite"),
    }
    if as_json:
        _emit_json(info)
    else:
        for k, v in info.items():
            click.echo(f"{k:>16}: {v}")


def _deliver(text, out, note=""):
    """Write `text` to the file `out`, or print it when no file is given."""
    if out:
        _write(out, text)
        console.print(f"wrote {out}{note}")
    else:
        click.echo(text)


def _write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="theorycheck", standalone_mode=False)
    except ConfigError as e:
        console.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    except click.exceptions.Abort:
        console.print("interrupted: finished batches are in the store; rerun the same command to resume")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("interrupted: finished batches are in the store; rerun the same command to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
