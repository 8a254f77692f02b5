"""``itinerance sweep SCENARIO.toml --vary vehicles=1,2,3 --vary frequency=monthly,fortnightly``.

Thin: the options are read and checked first (unknown variable, bad value, unwritable output: one
``error:`` line, exit code 2, nothing run or written), then :func:`planner.analysis.sweep.run_sweep`
plans every combination on a local Dask cluster of processes, or on the cluster given by
``--scheduler``, with the same results either way, while a progress bar shows the combinations done
and the best so far. The table (French) goes to the terminal, or ``--format csv|json``; ``-o``
writes the HTML page with the cost–coverage chart (:mod:`maps.sweep_report`), a ``.csv`` or a
``.json`` — several ``-o`` write several files, all or none.

Exit codes: 0 when at least one combination was planned; 1 when none was (the table says why);
2 for bad input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from planner.analysis.variables import VARIABLES
from planner.cli.app import app
from planner.cli.common import DbOption, ScenarioSeedOption, console, err_console
from planner.files import OutputError, check_writable, write_files

if TYPE_CHECKING:
    from planner.analysis.sweep import Outcome, ResultCallback, Sweep
    from planner.scenario.files import ScenarioFile

__all__ = ["sweep_command"]

_SUFFIXES = (".html", ".htm", ".csv", ".json")


class SweepFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


_VARIABLES_HELP = ", ".join(VARIABLES)


@app.command("sweep")
def sweep_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file (TOML) to vary.", show_default=False)
    ],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help=f"NAME=V1,V2,… (repeat for each variable); NAME is one of: {_VARIABLES_HELP} "
            "(see docs/sweeps.md).",
            show_default=False,
        ),
    ],
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://host:8786); default: local worker processes.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Local worker processes (default: the cores, at most one "
            "per combination). Ignored with --scheduler.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        list[Path] | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the HTML page (chart and table), or .csv / .json; repeat to write several.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        SweepFormat, typer.Option("--format", "-f", help="What to print in the terminal.")
    ] = SweepFormat.table,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Search budget per combination in seconds, turned into "
            "an iteration count so results do not depend on the machine (default: the "
            "scenario's).",
            show_default=False,
        ),
    ] = None,
    iterations: Annotated[
        int | None,
        typer.Option(
            "--iterations",
            help="Search budget per combination as an iteration count (overrides --time-limit).",
            show_default=False,
        ),
    ] = None,
    seed: ScenarioSeedOption = None,
    axis: Annotated[
        str | None,
        typer.Option(
            "--axis",
            help="Coverage measure of the front: population (default with a "
            "database), need (IFN-weighted), presence (hours per month, default when "
            "standalone) or value (need of the optional stops served).",
            show_default=False,
        ),
    ] = None,
    with_aid: Annotated[
        bool | None,
        typer.Option(
            "--with-aid/--without-aid",
            help="Cost net of the known public aid "
            "(default: the scenario's costs.include_public_aid).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    connect_timeout: Annotated[
        float, typer.Option("--connect-timeout", help="Seconds to wait for the Dask scheduler.")
    ] = 10.0,
) -> None:
    """Plan every combination of scenario variables and show the cost–coverage Pareto front."""
    from planner.analysis.sweep import (
        AXES,
        SweepError,
        default_axis,
        parse_variations,
        run_sweep,
        to_csv,
    )
    from planner.scenario.files import load_scenario

    variations = parse_variations(vary)
    if axis is not None and axis not in AXES:
        raise SweepError(f"--axis {axis}: expected one of: {', '.join(AXES)}")
    outputs = list(output or [])
    for path in outputs:
        if path.suffix.lower() not in _SUFFIXES:
            raise OutputError(f"{path}: expected a file name ending in .html, .csv or .json")
        check_writable(path)
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise OutputError("-o: the same file is given twice")
    if workers is not None and workers < 1:
        raise SweepError(f"--workers: expected at least 1, got {workers}")
    f = _base(load_scenario(scenario), time_limit, seed)
    from planner.analysis.financing import scenario_table

    scenario_table(f)  # a bad funding table stops the sweep before any planning
    axis = axis or default_axis(f)
    aid = f.scenario.costs.include_public_aid if with_aid is None else with_aid
    total = 1
    for values in variations.values():
        total *= len(values)
    with _progress(total, axis, aid) as on_result:
        sweep = run_sweep(
            f,
            variations,
            db=db,
            scheduler=scheduler,
            workers=workers,
            iterations=iterations,
            axis=axis,
            with_aid=aid,
            on_result=on_result,
            connect_timeout=connect_timeout,
        )
    if fmt is SweepFormat.json:
        typer.echo(json.dumps(sweep.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif fmt is SweepFormat.csv:
        typer.echo("\ufeff" + to_csv(sweep), nl=False)
    else:
        _print_table(sweep)
    if outputs:
        for path in write_files({path: _render(sweep, path) for path in outputs}):
            err_console.print(f"écrit : {path}", highlight=False)
    if not any(o.ok for o in sweep.outcomes):
        raise typer.Exit(1)


def _base(f: ScenarioFile, time_limit: float | None, seed: int | None) -> ScenarioFile:
    """The scenario with ``--time-limit`` and ``--seed`` applied (a varied value still wins)."""
    from planner.analysis.sweep import SweepError

    values: dict[str, float | int] = {}
    if time_limit is not None:
        if not time_limit > 0:
            raise SweepError(
                f"--time-limit: expected a positive number of seconds, got {time_limit:g}"
            )
        values["solver.time_limit"] = time_limit
    if seed is not None:
        if seed < 0:
            raise SweepError(f"--seed: expected a number >= 0, got {seed}")
        values["solver.seed"] = seed
    return f.with_values(values) if values else f


def _render(sweep: Sweep, path: Path) -> bytes:
    from planner.analysis.sweep import to_csv

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return ("\ufeff" + to_csv(sweep)).encode("utf-8")
    if suffix == ".json":
        return (
            json.dumps(sweep.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
        ).encode()
    from maps.sweep_report import sweep_page

    return sweep_page(sweep).encode("utf-8")


# --- progress -------------------------------------------------------------------------------------


@contextmanager
def _progress(total: int, axis: str, aid: bool) -> Iterator[ResultCallback]:
    """A progress bar over the combinations (silent outside a terminal)."""
    if not err_console.is_terminal:
        yield lambda outcome, done, total: None
        return
    from planner.analysis.sweep import best_so_far_fr

    columns_ = (
        TextColumn("Balayage", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    finished: list[Outcome] = []
    with Progress(*columns_, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=total, status="démarrage des processus de calcul…")

        def on_result(outcome: Outcome, done: int, total: int) -> None:
            finished.append(outcome)
            bar.update(task, completed=done, status=best_so_far_fr(finished, axis, aid))

        yield on_result


# --- the terminal table ---------------------------------------------------------------------------


def _print_table(sweep: Sweep) -> None:
    from planner.analysis.sweep import AXES, cell_text, columns, label_fr

    cols = columns(sweep)
    ok = sum(o.ok for o in sweep.outcomes)
    title = (
        f"{sweep.scenario} — {len(sweep.outcomes)} combinaisons, {ok} planifiées, "
        f"{len(sweep.front)} sur le front de Pareto"
    )
    table = Table(title=title, title_justify="left", show_lines=False)
    for c in cols:
        table.add_column(
            c.short or c.header,
            justify="right" if c.digits is not None else "left",
            overflow="fold",
        )
    for o in sweep.outcomes:
        cells = ["★" if c.key == "front" and o.front else cell_text(o, c) for c in cols]
        table.add_row(*cells, style="bold" if o.front else ("dim" if not o.ok else None))
    console.print(table)
    axis = AXES[sweep.axis]
    console.print(
        f"★ : front de Pareto — aucune autre combinaison ne couvre autant pour moins cher, ni "
        f"davantage pour le même prix (couverture : {axis.label_fr.lower()}).",
        highlight=False,
        soft_wrap=True,
    )
    for o in sweep.front:
        console.print(f"  ★ {label_fr(o.values)}", highlight=False, soft_wrap=True)
