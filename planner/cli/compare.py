"""``itinerance compare A.toml B.toml …``: scenarios side by side, with their yearly costs.

Thin: every scenario file is read and validated first (a bad one stops everything before any
planning), then each is planned — or, for ``[asis]``, read — and measured by
:func:`planner.analysis.compare.evaluate_scenario`; :func:`planner.analysis.compare.compare`
lines them up against the first one. The comparison goes to the terminal (a table, ``--format
csv`` or ``json``); with
``-o comparaison.html`` the HTML report (:mod:`maps.report`) is written with each scenario's map
next to it (:mod:`maps.scenario_maps`: the tour map, or the coverage map when there is no tour) —
all files or none. ``-o`` ending in ``.csv`` or ``.json`` writes that format instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from geodata.errors import ItineranceError
from planner.cli.app import app
from planner.cli.common import DbOption, console, err_console
from planner.errors import InfeasibleError
from planner.files import OutputError, check_writable, write_files

if TYPE_CHECKING:
    from planner.analysis.compare import Comparison, Evaluation
    from planner.scenario.files import ScenarioFile

__all__ = ["compare_command", "print_comparison", "write_comparison"]

_SUFFIXES = (".html", ".htm", ".csv", ".json")


class CompareFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command("compare")
def compare_command(
    scenarios: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario files (TOML); the first is the reference.", show_default=False
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the HTML report here (its maps go beside it); .csv or .json: that format.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        CompareFormat, typer.Option("--format", "-f", help="What to print in the terminal.")
    ] = CompareFormat.table,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds of search per scenario (default: each scenario's).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Random seed (default: each scenario's).", show_default=False),
    ] = None,
    db: DbOption = None,
    with_aid: Annotated[
        bool, typer.Option("--with-aid", help="Add the costs net of the known public aid.")
    ] = False,
) -> None:
    """Plan each scenario and compare coverage, operations and yearly costs (in French)."""
    from planner.analysis.compare import compare, unique_labels
    from planner.analysis.financing import scenario_table
    from planner.scenario.files import load_scenario

    if output is not None:
        if output.suffix.lower() not in _SUFFIXES:
            raise OutputError(f"{output}: expected a file name ending in .html, .csv or .json")
        check_writable(output)
    files = [load_scenario(path) for path in scenarios]
    for f in files:  # a bad funding table stops everything before any planning
        scenario_table(f)
    labels = unique_labels([f.scenario.name for f in files], [f.path for f in files])
    evaluations = [_evaluate(f, label, db, time_limit, seed) for f, label in zip(files, labels)]
    comparison = compare([e.figures for e in evaluations], with_aid=with_aid)
    if fmt is CompareFormat.json:
        typer.echo(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif fmt is CompareFormat.csv:
        typer.echo("\ufeff" + comparison.to_csv(), nl=False)
    else:
        print_comparison(comparison)
    if output is not None:
        written = write_comparison(comparison, evaluations, files, output, db)
        for path in written:
            err_console.print(f"écrit : {path}", highlight=False)


def _evaluate(
    f: ScenarioFile, label: str, db: str | None, time_limit: float | None, seed: int | None
) -> Evaluation:
    from planner.analysis.compare import evaluate_scenario
    from planner.engine.progress import live_progress
    from planner.scenario.pipeline import solve_options

    options = solve_options(f, time_limit, seed)
    try:
        with live_progress(label, options.time_limit, err_console) as progress:
            return evaluate_scenario(f, db=db, options=options, progress=progress, label=label)
    except InfeasibleError as exc:
        first = f": {exc.reasons[0]}" if exc.reasons else ""
        more = f" (and {len(exc.reasons) - 1} more)" if len(exc.reasons) > 1 else ""
        raise ItineranceError(f"{exc}{first}{more}") from None


# --- the terminal table ---------------------------------------------------------------------------


def print_comparison(comparison: Comparison, out: Console | None = None) -> None:
    """The comparison as a French terminal table, with the cost assumptions below it."""
    from planner.analysis.compare import cost_assumptions_fr

    out = out or console
    labels = comparison.labels
    table = Table(title="Comparaison des scénarios", title_justify="left", show_lines=False)
    table.add_column("", overflow="fold", min_width=28)
    for n, label in enumerate(labels):
        table.add_column(
            label + (" (référence)" if n == 0 else ""), justify="right", overflow="fold"
        )
    table.add_column("Meilleur", overflow="fold")
    for section, rows in comparison.sections():
        table.add_section()
        table.add_row(Text(section, style="bold"), *[""] * (len(labels) + 1))
        for r in rows:
            cells = []
            for n, value in enumerate(r.values):
                text = Text(r.line.format(value), style="bold green" if n in r.best else "")
                if n and r.differences[n] is not None and r.line.format(r.differences[n]) != "0":
                    text.append(f" ({r.line.format(r.differences[n], signed=True)})", style="dim")
                cells.append(text)
            best = ", ".join(labels[n] for n in r.best)
            table.add_row(f"{r.label} ({r.line.unit})", *cells, best)
    out.print(table)
    out.print(
        "En vert : la meilleure valeur de la ligne ; entre parenthèses : l'écart à la référence.",
        highlight=False,
    )
    for s in comparison.scenarios:
        for note in s.notes:
            out.print(
                Text.assemble((s.label, "bold"), f" : {note}"), highlight=False, soft_wrap=True
            )
    out.print(
        cost_assumptions_fr(comparison),
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


# --- files ----------------------------------------------------------------------------------------


def write_comparison(
    comparison: Comparison,
    evaluations: Sequence[Evaluation],
    files: Sequence[ScenarioFile],
    output: Path,
    db: str | None,
) -> list[Path]:
    suffix = output.suffix.lower()
    if suffix == ".csv":
        return write_files({output: ("\ufeff" + comparison.to_csv()).encode("utf-8")})
    if suffix == ".json":
        text = json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
        return write_files({output: text.encode("utf-8")})
    from maps.report import write_report
    from maps.scenario_maps import comparison_maps

    maps, contents = comparison_maps(evaluations, files, output, db)
    return write_report(comparison, output, maps=maps, files=contents)
