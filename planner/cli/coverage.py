"""``itinerance coverage`` and ``itinerance site``: coverage gaps of an area, where to add stops.

Thin: parse the options, read the area (:func:`planner.access.area.read_area`: communes,
services within a margin around the area, parsed rotas, the router: offline model, or OSRM with
``--osrm`` / ``$ITINERANCE_OSRM_URL``), call :mod:`planner.access.coverage` /
:mod:`planner.access.siting`, and print the French report of
:mod:`planner.outputs.coverage_report` (its tables drawn with Rich). Bad input raises an
:class:`~geodata.errors.ItineranceError` before anything is written; files asked for with
``--output`` are written to a temporary name and renamed.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from geodata.errors import DataError
from planner.access.area import SERVICE_MARGIN_KM, read_area, read_candidates
from planner.cli.app import app
from planner.cli.common import DbOption, console, err_console
from planner.defaults import DEFAULT_THRESHOLD
from planner.files import check_writable, write_file
from planner.outputs.coverage_report import Heading, TableFr


class CoverageFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class SiteFormat(str, Enum):
    table = "table"
    json = "json"


class Kind(str, Enum):
    stop = "stop"
    borne = "borne"


class Existing(str, Enum):
    human = "human"
    fs = "fs"


DepartementOption = Annotated[
    str | None, typer.Option("--departement", "-d", help="Département code, e.g. 36.")
]
RegionOption = Annotated[str | None, typer.Option("--region", "-r", help="Région code, e.g. 24.")]
EpciOption = Annotated[str | None, typer.Option("--epci", help="EPCI SIREN code.")]
OsrmOption = Annotated[
    str | None,
    typer.Option(
        "--osrm",
        help="OSRM base URL (default: $ITINERANCE_OSRM_URL; none: offline model).",
        show_default=False,
    ),
]
MarginOption = Annotated[
    float, typer.Option("--margin-km", help="Services up to this far outside the area count too.")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file instead of the terminal.", show_default=False
    ),
]


# --- output helpers -------------------------------------------------------------------------------
def _write_atomically(path: Path, text: str) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise DataError(f"--output {path}: folder {path.parent} does not exist")
    write_file(path, text)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        _write_atomically(output, text)
        err_console.print(f"écrit : {output}", highlight=False)


def rich_parts(parts: list[TableFr | str]) -> list[Table | str]:
    """A French report (:mod:`planner.outputs.coverage_report`) as Rich tables and lines: titles
    in bold, number columns aligned right."""

    out: list[Table | str] = []
    for part in parts:
        if isinstance(part, TableFr):
            table = Table(title=part.title, title_justify="left")
            for col in part.columns:
                table.add_column(col, justify="right" if col in part.right else "left")
            for row in part.rows:
                table.add_row(*row)
            out.append(table)
        elif isinstance(part, Heading):
            out.append(Text(part, style="bold"))
        else:
            out.append(part)
    return out


def _print(parts: list[TableFr | str], output: Path | None) -> None:
    """A French report to the terminal, or as plain text to ``output``."""
    shown = rich_parts(parts)
    if output is None:
        for part in shown:
            console.print(part, highlight=False)
        return
    with open(os.devnull, "w") as sink:
        recorder = Console(record=True, width=160, file=sink, markup=False)
        for part in shown:
            recorder.print(part, highlight=False)
    _emit(recorder.export_text(), output)


@app.command("coverage")
def coverage_command(
    departement: DepartementOption = None,
    region: RegionOption = None,
    epci: EpciOption = None,
    threshold: Annotated[
        float, typer.Option("--threshold", "-t", help="Coverage threshold in minutes.")
    ] = DEFAULT_THRESHOLD,
    fmt: Annotated[
        CoverageFormat, typer.Option("--format", "-f", help="table (French report), csv or json.")
    ] = CoverageFormat.table,
    gaps: Annotated[
        int, typer.Option("--gaps", help="Gap communes shown in the table format.")
    ] = 20,
    db: DbOption = None,
    osrm: OsrmOption = None,
    margin_km: MarginOption = SERVICE_MARGIN_KM,
    output: OutputOption = None,
    accessibility: Annotated[
        bool,
        typer.Option(
            "--accessibility",
            help="Add the 2SFCA score: opening hours per week per 1,000 inhabitants within reach.",
        ),
    ] = False,
) -> None:
    """Coverage gaps of an area: time to the nearest help of each kind, totals, communes left
    out."""
    from planner.access.accessibility import two_step_fca
    from planner.access.coverage import analyse
    from planner.outputs.coverage_report import coverage_csv, coverage_json, coverage_report_fr
    from planner.scenario.provenance import provenance

    if output is not None:
        check_writable(output)  # fail before the work, not after
    area = read_area(
        db,
        departement=departement,
        region=region,
        epci=epci,
        threshold=threshold,
        osrm=osrm,
        margin_km=margin_km,
    )
    result = analyse(area.inputs)
    if accessibility:
        i = area.inputs
        scores = two_step_fca(
            i.communes, i.services, i.stops, threshold=i.threshold, router=i.router
        )
        result.communes["access_score"] = scores["score"]
    if fmt is CoverageFormat.csv:
        _emit(coverage_csv(result), output)
    elif fmt is CoverageFormat.json:
        _emit(coverage_json(area, result, provenance(database=db, router=result.router)), output)
    else:
        _print(coverage_report_fr(result, area.label, gaps), output)
    for issue in area.issues:
        err_console.print(f"note: {issue}", highlight=False, soft_wrap=True)


# --- siting --------------------------------------------------------------------------------------
@app.command("site")
def site_command(
    departement: DepartementOption = None,
    region: RegionOption = None,
    epci: EpciOption = None,
    new_stops: Annotated[
        int | None,
        typer.Option(
            "--new-stops",
            "-k",
            help="Number of new stops (or kiosks) to place.",
            show_default=False,
        ),
    ] = None,
    cover_all: Annotated[
        bool,
        typer.Option(
            "--cover-all",
            help="Instead: the fewest new sites covering every commune (set covering).",
        ),
    ] = False,
    threshold: Annotated[
        float, typer.Option("--threshold", "-t", help="Coverage threshold in minutes.")
    ] = 20.0,
    kind: Annotated[
        Kind,
        typer.Option("--kind", help="stop (mobile service stop) or borne (kiosk, partial help)."),
    ] = Kind.stop,
    candidates: Annotated[
        str | None,
        typer.Option(
            "--candidates",
            help="File of INSEE codes, or comma-separated codes (default: every commune).",
            show_default=False,
        ),
    ] = None,
    existing: Annotated[
        Existing,
        typer.Option(
            "--existing",
            help="What already covers a commune: human (any human help) "
            "or fs (fixed France Services only).",
        ),
    ] = Existing.human,
    frequency: Annotated[
        str,
        typer.Option("--frequency", help="Frequency of new stops: weekly, fortnightly, monthly."),
    ] = "monthly",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="CP-SAT time limit in seconds.")
    ] = 60.0,
    workers: Annotated[
        int, typer.Option("--workers", help="CP-SAT workers (1 = deterministic).")
    ] = 2,
    seed: Annotated[int, typer.Option("--seed", help="CP-SAT random seed.")] = 0,
    solver: Annotated[
        str,
        typer.Option(
            "--solver", help="cp-sat, or scip (maximal covering only: closes large K faster)."
        ),
    ] = "cp-sat",
    fmt: Annotated[
        SiteFormat, typer.Option("--format", "-f", help="table (French report) or json.")
    ] = SiteFormat.table,
    db: DbOption = None,
    osrm: OsrmOption = None,
    margin_km: MarginOption = SERVICE_MARGIN_KM,
    output: OutputOption = None,
) -> None:
    """Where to add K stops (or kiosks) to cover the most need, or the fewest to cover everyone."""
    from planner.access.coverage import check_threshold
    from planner.access.siting import SolverOptions, maximal_covering, set_covering
    from planner.french import number_fr
    from planner.outputs.coverage_report import site_json, site_report_fr
    from planner.scenario.provenance import provenance
    from planner.tours.model import Frequency

    check_threshold(threshold)
    if output is not None:
        check_writable(output)  # the siting search can take minutes: fail before it
    if (new_stops is None) == (not cover_all):
        raise DataError(
            "give either --new-stops K (maximal covering) or --cover-all (set covering)"
        )
    if new_stops is not None and new_stops < 1:
        raise DataError(f"--new-stops: expected at least 1, got {new_stops}")
    try:
        freq = Frequency(frequency)
    except ValueError:
        raise DataError(
            f"--frequency: expected weekly, fortnightly or monthly, got {frequency!r}"
        ) from None
    if cover_all and solver != "cp-sat":
        raise DataError(
            "--solver scip: only for maximal covering (--new-stops); --cover-all uses cp-sat"
        )
    options = SolverOptions(time_limit=time_limit, workers=workers, seed=seed, solver=solver)
    area = read_area(
        db,
        departement=departement,
        region=region,
        epci=epci,
        threshold=threshold,
        osrm=osrm,
        margin_km=margin_km,
    )
    codes = read_candidates(candidates, {c.code for c in area.inputs.communes})
    n_candidates = len(codes) if codes is not None else len(area.inputs.communes)
    if new_stops is not None and new_stops > n_candidates:
        raise DataError(
            f"--new-stops: asked for {new_stops}, "
            f"but there are only {n_candidates} candidate communes"
        )

    name = solver.upper()
    with err_console.status(f"{name} : recherche…") as status:
        options = SolverOptions(
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            solver=solver,
            on_solution=lambda v, b: status.update(
                f"{name} : meilleure solution {number_fr(v)}, borne {number_fr(b)}"
            ),
        )
        common = {
            "kind": kind.value,
            "candidates": codes,
            "existing": existing.value,
            "options": options,
            "frequency": freq,
        }
        if new_stops is not None:
            result = maximal_covering(area.inputs, new_stops, **common)
        else:
            result = set_covering(area.inputs, **common)

    if fmt is SiteFormat.json:
        meta = provenance(
            database=db,
            engine=options.solver,
            seed=options.seed,
            time_limit=options.time_limit,
            deterministic=options.workers == 1 or options.solver == "scip",
            router=result.comparison.before.router,
        )
        _emit(site_json(result, area.label, new_stops, meta), output)
    else:
        _print(site_report_fr(result, area.label, new_stops, solver), output)
