"""``itinerance coverage`` and ``itinerance site``: coverage gaps of an area, and where to add stops.

Thin: read the area from the database (:mod:`geodata.query`: communes, services within a margin
around the area, parsed rotas), pick the router (offline model, or OSRM with ``--osrm`` /
``$ITINERANCE_OSRM_URL``), call :mod:`planner.access.coverage` / :mod:`planner.access.siting`, print in French.
Bad input raises an :class:`~geodata.errors.ItineranceError` before anything is written; files
asked for with ``--output`` are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from geodata.errors import DataError, UnknownAreaError
from planner.cli.app import app
from planner.cli.common import DbOption, console, err_console
from planner.cli.data import plural_fr
from planner.defaults import DEFAULT_THRESHOLD
from planner.files import write_file

if TYPE_CHECKING:
    import pandas as pd

    from planner.access.coverage import CoverageInputs, CoverageResult
    from planner.access.siting import SitingResult, SolverOptions

SERVICE_MARGIN_KM = 30.0  # services this far outside the area still count (across the border)
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


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


# --- reading the area -----------------------------------------------------------------------------
@dataclass
class Area:
    """An area's coverage inputs, its French label, and the rota stops that could not be used."""

    label: str
    inputs: CoverageInputs
    issues: list[str]


def area_label(departement: str | None, region: str | None, epci: str | None) -> str:
    if departement:
        return f"département {departement}"
    if region:
        return f"région {region}"
    return f"EPCI {epci}"


def load_area(
    db: str | None,
    *,
    departement: str | None,
    region: str | None,
    epci: str | None,
    threshold: float,
    osrm: str | None = None,
    margin_km: float = SERVICE_MARGIN_KM,
) -> Area:
    """Communes, services (with a margin) and mobile stops of an area, and the router to use."""
    from geodata import query, settings
    from planner.access.coverage import CoverageInputs, check_threshold, stops_from_rotas
    from planner.access.matrices import choose_router

    check_threshold(threshold)
    if sum(x is not None for x in (departement, region, epci)) != 1:
        raise UnknownAreaError("give exactly one area: --departement, --region or --epci")
    if not (math.isfinite(margin_km) and margin_km >= 0):
        raise DataError(f"--margin-km: expected a distance >= 0 in km, got {margin_km}")
    router = choose_router(osrm or settings.osrm_url())
    points = query.commune_points(db, departement=departement, region=region, epci=epci)
    if not points:
        raise UnknownAreaError(
            f"no commune of {area_label(departement, region, epci)} in the database"
        )
    deps = (
        [departement]
        if departement
        else ([None] if region else sorted({p.departement for p in points}))
    )
    services: dict[str, Any] = {}
    rotas = []
    for dep in deps:
        for s in query.services(
            db, departement=dep, region=region if dep is None else None, bbox_margin_km=margin_km
        ):
            services[s.id] = s
        rotas += query.rotas(db, departement=dep, region=region if dep is None else None)
    stops, issues = stops_from_rotas(rotas, points)
    inputs = CoverageInputs(
        tuple(points), tuple(services.values()), tuple(stops), threshold=threshold, router=router
    )
    return Area(area_label(departement, region, epci), inputs, issues)


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


def _print(parts: list[Table | str], output: Path | None) -> None:
    """Rich tables and lines to the terminal, or as plain text to ``output``."""
    if output is None:
        for part in parts:
            console.print(part, highlight=False)
        return
    with open(os.devnull, "w") as sink:
        recorder = Console(record=True, width=160, file=sink)
        for part in parts:
            recorder.print(part, highlight=False)
    _emit(recorder.export_text(), output)


def _minutes(x: float) -> str:
    from planner.outputs.report import number_fr

    return (
        "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{number_fr(x, 0)} min"
    )


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Minutes and km to 0.01, need to 0.1: readable files, no false precision."""
    digits = {c: 2 for c in frame.columns if c.endswith(("_minutes", "_km"))}
    return frame.round({**digits, "need": 1, "mobile_hours_month": 2, "access_score": 3})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN → null) with the index as ``code``."""
    return json.loads(frame.reset_index().to_json(orient="records", force_ascii=False))


# --- coverage -------------------------------------------------------------------------------------
def coverage_table_fr(result: CoverageResult, label: str, gaps: int) -> list[Table | str]:
    """The French terminal report: headline, totals by kind of help, gap communes by need."""
    import pandas as pd

    from planner.outputs.report import number_fr

    t = result.threshold
    fs = result.totals.loc["france_services"]
    human = result.totals.loc["human"]
    total_pop = fs.population_covered + fs.population_not_covered
    share = fs.population_not_covered / total_pop if total_pop else 0.0
    out: list[Table | str] = [
        f"[bold]Couverture — {label}, seuil {number_fr(t, 0)} min[/]",
        (
            f"Population à plus de {number_fr(t, 0)} min d'une France Services : "
            f"[bold]{number_fr(fs.population_not_covered)}[/] habitants ({number_fr(100 * share, 1)} %), "
            f"{plural_fr(int(fs.communes_not_covered), 'commune')}"
        ),
        (
            f"Population à plus de {number_fr(t, 0)} min de toute aide humaine "
            f"(France Services, médiation, bus) : [bold]{number_fr(human.population_not_covered)}[/] "
            f"habitants, {plural_fr(int(human.communes_not_covered), 'commune')}"
        ),
    ]
    totals = Table(title="Population couverte par forme d'aide", title_justify="left")
    for col in (
        "Forme d'aide",
        "Communes couvertes",
        "Population couverte",
        "Population non couverte",
        "Besoin non couvert (pop. × IFN)",
    ):
        totals.add_column(col, justify="left" if col == "Forme d'aide" else "right")
    for _, row in result.totals.iterrows():
        totals.add_row(
            row.label_fr,
            number_fr(row.communes_covered),
            number_fr(row.population_covered),
            number_fr(row.population_not_covered),
            number_fr(row.need_not_covered),
        )
    out.append(totals)
    if "access_score" in result.communes:
        scores = result.communes.sort_values(
            ["access_score", "population"], ascending=[True, False]
        )
        lowest = ", ".join(
            f"{r['name']} ({number_fr(r['access_score'], 1)})" for _, r in scores.head(5).iterrows()
        )
        out.append(
            "Accessibilité (2SFCA, heures d'ouverture par semaine pour 1 000 habitants à moins de "
            f"{number_fr(t, 0)} min) : médiane {number_fr(scores['access_score'].median(), 1)} ; "
            f"les plus faibles : {lowest}"
        )
    gap_rows = result.gaps
    if gap_rows.empty:
        out.append(
            f"Communes non couvertes : aucune (toutes ont une aide humaine à moins de {number_fr(t, 0)} min)."
        )
        return out
    table = Table(
        title=f"Communes non couvertes ({number_fr(len(gap_rows))}), par besoin décroissant"
        + (f" — les {gaps} premières" if len(gap_rows) > gaps else ""),
        title_justify="left",
    )
    for col in (
        "Code",
        "Commune",
        "Population",
        "IFN",
        "Besoin",
        "Statut",
        "France Services la plus proche",
        "Temps",
    ):
        table.add_column(
            col, justify="right" if col in ("Population", "IFN", "Besoin", "Temps") else "left"
        )
    for code, row in gap_rows.head(gaps).iterrows():
        table.add_row(
            str(code),
            str(row["name"]),
            number_fr(row["population"]),
            "—" if pd.isna(row["ifn"]) else number_fr(row["ifn"], 1),
            "—" if pd.isna(row["need"]) else number_fr(row["need"]),
            str(row["status"]),
            "—" if pd.isna(row["france_services_name"]) else str(row["france_services_name"]),
            _minutes(row["france_services_minutes"]),
        )
    out.append(table)
    return out


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
    """Coverage gaps of an area: time to the nearest help of each kind, totals, communes left out."""
    from planner.access.accessibility import two_step_fca
    from planner.access.coverage import analyse
    from planner.scenario.provenance import provenance

    area = load_area(
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
        _emit(_rounded(result.communes).reset_index().to_csv(index=False), output)
    elif fmt is CoverageFormat.json:
        body = {
            "area": area.label,
            "threshold_minutes": result.threshold,
            "router": result.router,
            "totals": _records(result.totals),
            "gaps": _records(result.gaps),
            "communes": _records(result.communes),
            "excluded_services": list(result.excluded_services),
            "rota_issues": area.issues,
            "meta": provenance(database=db, router=result.router),
        }
        _emit(json.dumps(body, ensure_ascii=False, indent=1) + "\n", output)
    else:
        _print(coverage_table_fr(result, area.label, gaps), output)
    for issue in area.issues:
        err_console.print(f"note: {issue}", highlight=False, soft_wrap=True)


# --- siting --------------------------------------------------------------------------------------
def read_candidates(value: str | None, available: set[str]) -> list[str] | None:
    """Candidate codes from a file (one per line, or CSV: every INSEE-looking cell) or a comma list."""
    if value is None:
        return None
    path = Path(value)
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252")
        tokens = [t.strip().strip('"') for t in re.split(r"[\s,;]+", text) if t.strip()]
        codes = [t for t in tokens if _INSEE.match(t)]
        where = f"candidates file {path}"
    else:
        codes = [t.strip() for t in value.split(",") if t.strip()]
        where = "--candidates"
        bad = [c for c in codes if not _INSEE.match(c)]
        if bad:
            raise DataError(f"{where}: not an INSEE code or an existing file: {', '.join(bad[:5])}")
    if not codes:
        raise DataError(f"{where}: no INSEE commune code found")
    unknown = [c for c in codes if c not in available]
    if unknown:
        raise UnknownAreaError(
            f"{where}: {len(unknown)} commune(s) not in the area: {', '.join(unknown[:5])}"
        )
    return list(dict.fromkeys(codes))


def site_report_fr(
    result: SitingResult, label: str, k: int | None, solver: str = "cp-sat"
) -> list[Table | str]:
    import pandas as pd

    from planner.outputs.report import number_fr

    names = result.names
    frame = result.comparison.before.communes
    what = "bornes" if result.kind == "borne" else "arrêts"
    t = number_fr(result.threshold, 0)
    out: list[Table | str] = []
    if result.model == "maximal_covering":
        out.append(f"[bold]Où ajouter {k} {what} — {label}, seuil {t} min[/]")
    else:
        out.append(
            f"[bold]Le plus petit ensemble d'{what} couvrant toutes les communes — {label}, seuil {t} min[/]"
        )
    table = Table(title=f"Communes choisies ({len(result.chosen)})", title_justify="left")
    for col in ("Rang", "Code", "Commune", "Population", "IFN", "Besoin nouvellement couvert"):
        table.add_column(col, justify="left" if col in ("Code", "Commune") else "right")
    for rank, (code, gain) in enumerate(zip(result.chosen, result.gains), start=1):
        ifn = frame.loc[code, "ifn"]
        table.add_row(
            str(rank),
            code,
            str(names[code]),
            number_fr(frame.loc[code, "population"]),
            "—" if pd.isna(ifn) else number_fr(ifn, 1),
            number_fr(gain),
        )
    if result.chosen:
        out.append(table)
    else:
        out.append(f"Aucun {what[:-1]} n'apporte de couverture nouvelle à moins de {t} min.")
    if k is not None and 0 < len(result.chosen) < k:
        out.append(
            (
                f"Seul 1 {what[:-1]} couvre"
                if len(result.chosen) == 1
                else f"Seuls {len(result.chosen)} {what} couvrent"
            )
            + " quelqu'un de nouveau ; les autres n'apporteraient rien."
        )
    out.append(
        f"Besoin nouvellement couvert : [bold]{number_fr(result.need_covered)}[/] (population × IFN), "
        f"soit {plural_fr(int(result.population_covered), 'habitant')} dans {plural_fr(len(result.newly_covered), 'commune')}"
        + (" (couverture partielle : bornes)" if result.kind == "borne" else "")
    )
    if result.status == "OPTIMAL":
        out.append(
            f"Optimalité : optimum prouvé par {solver.upper()} en {number_fr(result.seconds, 1)} s"
        )
    else:
        out.append(
            f"Optimalité : solution réalisable, écart à la borne ≤ {number_fr(100 * result.gap, 2)} % "
            f"(limite de temps atteinte, {number_fr(result.seconds, 1)} s)"
        )
    if result.uncoverable:
        out.append(
            f"Communes qu'aucun candidat n'atteint en {t} min ({len(result.uncoverable)}) : "
            + ", ".join(f"{names[c]} ({c})" for c in result.uncoverable[:15])
            + (" …" if len(result.uncoverable) > 15 else "")
        )
    diff = result.comparison
    rows = [
        (
            "fs_or_mobile",
            "population_not_covered",
            f"Population à plus de {t} min d'une France Services ou d'un arrêt",
        ),
        ("human", "population_not_covered", f"Population à plus de {t} min de toute aide humaine"),
        ("human", "need_not_covered", "Besoin sans aide humaine (population × IFN)"),
        ("borne_only", "population_covered", "Population avec une borne seulement"),
    ]
    compare = Table(title="Avant / après", title_justify="left")
    for col in ("Mesure", "Avant", "Après", "Différence"):
        compare.add_column(col, justify="left" if col == "Mesure" else "right")
    for measure, key, text in rows:
        before = float(diff.before.totals.loc[measure, key])
        after = float(diff.after.totals.loc[measure, key])
        change = number_fr(after - before)
        compare.add_row(
            text, number_fr(before), number_fr(after), change if after < before else f"+{change}"
        )
    out.append(compare)
    return out


def _site_json(
    result: SitingResult, label: str, k: int | None, db: str | None, options: SolverOptions
) -> dict[str, Any]:
    from planner.scenario.provenance import provenance

    names = result.names
    return {
        "area": label,
        "model": result.model,
        "kind": result.kind,
        "new_sites_asked": k,
        "threshold_minutes": result.threshold,
        "chosen": [
            {"code": c, "name": names[c], "need_newly_covered": g}
            for c, g in zip(result.chosen, result.gains)
        ],
        "need_newly_covered": result.need_covered,
        "population_newly_covered": result.population_covered,
        "newly_covered": list(result.newly_covered),
        "uncoverable": list(result.uncoverable),
        "status": result.status,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": result.seconds,
        "before": _records(result.comparison.before.totals),
        "after": _records(result.comparison.after.totals),
        "difference": _records(result.comparison.difference),
        "meta": provenance(
            database=db,
            engine=options.solver,
            seed=options.seed,
            time_limit=options.time_limit,
            deterministic=options.workers == 1 or options.solver == "scip",
            router=result.comparison.before.router,
        ),
    }


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
            help="What already covers a commune: human (any human help) or fs (fixed France Services only).",
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
    from planner.outputs.report import number_fr
    from planner.tours.model import Frequency

    check_threshold(threshold)
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
    area = load_area(
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
            f"--new-stops: asked for {new_stops}, but there are only {n_candidates} candidate communes"
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
        _emit(
            json.dumps(
                _site_json(result, area.label, new_stops, db, options), ensure_ascii=False, indent=1
            )
            + "\n",
            output,
        )
    else:
        _print(site_report_fr(result, area.label, new_stops, solver), output)
