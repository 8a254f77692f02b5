"""``itinerance demo``: the whole story on Indre (36), from the real pinned open data.

The demo loads the département into the database (the default one, or ``--db``), then runs its
*sections* in order, each printing French text for users: the territory (communes, population,
services, the most fragile communes, the mobile services and their stops); the coverage gaps;
La Rur@linette's rota as it runs today, checked by the validator; an optimised alternative for
the same van (``scenarios/rurlinette-*.toml``); the two side by side with their yearly costs;
and the documents a mobility manager publishes. Sections register with :func:`demo_section`.

Files (coverage map, tour maps, comparison report, plans, timetables, posters, calendars) are
written into a temporary folder and moved to ``./itinerance-demo/`` only when every section has
succeeded; a previous demo folder is replaced, any other existing folder is left alone.
Sections read the database through :mod:`geodata.query` and never write to it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from geodata.errors import ItineranceError
from planner.cli.app import app
from planner.cli.common import DbOption, console, err_console
from planner.cli.data import step_progress
from planner.files import move_folder_into_place, staging_folder
from planner.french import integer_fr, plural_fr
from planner.outputs.territory import (
    ifn_fr,
    load_summary_fr,
    mobile_services_fr,
    most_fragile,
    territory_summary_fr,
)

if TYPE_CHECKING:
    from geodata.load import LoadReport

__all__ = ["DEMO_DEPARTEMENT", "DemoContext", "SECTIONS", "demo_section", "run_demo"]

DEMO_DEPARTEMENT = ("36", "Indre")
FRAGILE_SHOWN = 10
PROMISE_MINUTES = 30.0  # the State's promise: a France Services within 30 minutes
GAP_MINUTES = 15.0  # where itinerant help matters most when the promise is already kept
GAPS_SHOWN = 10
DEMO_TIME_LIMIT = 10.0  # search budget for the optimised rota, in the engine's deterministic mode
DEMO_FOLDER = Path("itinerance-demo")
MARKER = "LISEZMOI.txt"  # written by the demo; only a folder holding it is replaced
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
AS_IS, OPTIMISED = "rurlinette-actuelle.toml", "rurlinette-optimisee.toml"


@dataclass
class DemoContext:
    """What the sections share: where the data is, where to print, what earlier ones found."""

    url: str | None
    departement: str
    departement_name: str
    console: Console
    load_report: LoadReport | None = None
    results: dict[str, Any] = field(default_factory=dict)  # section results, by key
    out_dir: Path | None = None  # where sections write files (None: they print only)
    written: list[tuple[str, str]] = field(default_factory=list)  # (relative path, what it is)
    time_limit: float = DEMO_TIME_LIMIT

    def write_target(self, name: str) -> Path | None:
        """Path of a file to write in the demo folder (None when the demo writes no files)."""
        return None if self.out_dir is None else self.out_dir / name

    def record(self, path: Path, what: str) -> None:
        """Note a file written in the demo folder, for the final list."""
        assert self.out_dir is not None
        self.written.append((path.relative_to(self.out_dir).as_posix(), what))


DemoSection = Callable[[DemoContext], None]
SECTIONS: list[tuple[str, DemoSection]] = []


def demo_section(title: str) -> Callable[[DemoSection], DemoSection]:
    """Register a demo section (printed under ``title``, in registration order)."""

    def register(func: DemoSection) -> DemoSection:
        SECTIONS.append((title, func))
        return func

    return register


@demo_section("Chargement des données")
def _loading(ctx: DemoContext) -> None:
    for line in load_summary_fr(ctx.load_report):
        ctx.console.print(line, highlight=False)


@demo_section("Le territoire")
def territory(ctx: DemoContext) -> None:
    """Communes, population, EPCI and services of the département, in a few French lines."""
    from geodata import query

    communes = query.communes(ctx.url, departement=ctx.departement)
    services = query.services(ctx.url, departement=ctx.departement)
    nearby = query.services(ctx.url, departement=ctx.departement, bbox_margin_km=30)
    ctx.results["communes"], ctx.results["services"] = communes, services
    label = f"{ctx.departement_name} ({ctx.departement})"
    for line in territory_summary_fr(label, communes, services, nearby):
        ctx.console.print(line, highlight=False)


@demo_section(f"Les {FRAGILE_SHOWN} communes les plus fragiles (IFN)")
def fragile_communes(ctx: DemoContext) -> None:
    """The most fragile communes by IFN (ties: the most populated first)."""
    from geodata import query

    communes = ctx.results.get("communes")
    if communes is None:
        communes = query.communes(ctx.url, departement=ctx.departement)
    table = Table()
    for col in ("Commune", "INSEE", "IFN", "Habitants", "EPCI"):
        table.add_column(col)
    for r in most_fragile(communes, FRAGILE_SHOWN).itertuples(index=False):
        row = (r.name, r.code, ifn_fr(r.ifn), integer_fr(int(r.population)), r.epci_name or "")
        table.add_row(*row)
    ctx.console.print(table)


@demo_section("Les services itinérants et leurs arrêts")
def mobile_services(ctx: DemoContext) -> None:
    """Each mobile or multi-site service with its parsed stops, in French."""
    from geodata import query

    services = ctx.results.get("services") or query.services(ctx.url, departement=ctx.departement)
    rotas = query.rotas(ctx.url, departement=ctx.departement)
    names = (
        dict(zip(ctx.results["communes"]["code"], ctx.results["communes"]["name"]))
        if "communes" in ctx.results
        else {}
    )
    out = ctx.console.print
    headline, found = mobile_services_fr(services, rotas, names)
    out(headline, highlight=False)
    for service in found:
        out(
            Text.assemble("\n", (service.title, "bold"), f" — base : {service.base}"),
            highlight=False,
        )
        for line in service.stops:
            out(f"  {line}", highlight=False)
        if service.unresolved:
            check = plural_fr(service.unresolved, "nom à vérifier", "noms à vérifier")
            out(
                f"  {check} : itinerance data rota --service {service.service_id}",
                highlight=False,
            )


@demo_section("Couverture : qui est loin d'une aide ?")
def coverage_gaps(ctx: DemoContext) -> None:
    """Coverage at the State's 30-minute promise, then the gap communes at 15 minutes (with the
    offline travel model every Indre commune may already be within 30 minutes: said, not hidden);
    writes the coverage map at the threshold that shows gaps."""
    from planner.access.area import area_coverage
    from planner.cli.coverage import rich_parts
    from planner.outputs.coverage_report import coverage_report_fr, method_note_fr

    out = ctx.console.print
    area = area_coverage(ctx.url, departement=ctx.departement, threshold=PROMISE_MINUTES)
    threshold = PROMISE_MINUTES
    if area.coverage.gaps.empty:
        out(
            f"À {PROMISE_MINUTES:.0f} min (la promesse de l'État), toutes les communes de "
            f"l'{ctx.departement_name} ont une aide humaine à portée. La suite de la démonstration "
            f"regarde à {GAP_MINUTES:.0f} min, là où un passage régulier change le plus les "
            "choses.",
            highlight=False,
        )
        area = area_coverage(ctx.url, departement=ctx.departement, threshold=GAP_MINUTES)
        threshold = GAP_MINUTES
    for part in rich_parts(coverage_report_fr(area.coverage, area.label, GAPS_SHOWN)):
        out(part, highlight=False)
    ctx.results["coverage"], ctx.results["threshold"] = area, threshold
    target = ctx.write_target("carte-couverture-indre.html")
    if target is None:
        return
    from maps.coverage_map import write_coverage_map
    from planner.scenario.provenance import provenance

    paths = write_coverage_map(
        area.communes,
        area.coverage.communes,
        area.services,
        area.rotas,
        target,
        title="Accès aux lieux d’aide numérique",
        threshold=threshold,
        vintages=area.vintages,
        area_label=area.label,
        method_note=method_note_fr(area.router),
        provenance=provenance(database=ctx.url, router=area.coverage.router),
    )
    for path in paths:
        what = (
            "la même information en tableaux (page accessible)"
            if path.stem.endswith("-tableau")
            else "les communes en tableur (CSV)"
            if path.suffix == ".csv"
            else f"carte de couverture de l'{ctx.departement_name} (seuil {threshold:.0f} min)"
        )
        ctx.record(path, what)


def _planned(ctx: DemoContext, name: str, time_limit: float | None) -> Any:
    """Plan (or read) one of the La Rur@linette scenarios against the demo database, at the
    coverage threshold the coverage section chose, in the engine's deterministic mode (a work
    budget instead of the clock): the demo gives the same plan on every machine."""
    from planner.engine.progress import live_progress
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import plan_scenario, solve_options

    overrides: dict[str, Any] = {"solver.deterministic": True}  # the same plan on any machine
    if "threshold" in ctx.results:
        overrides["coverage.threshold"] = ctx.results["threshold"]
    f = load_scenario(SCENARIOS / name).with_values(overrides)
    options = solve_options(f, time_limit)
    with live_progress(f.scenario.name, options.time_limit, err_console) as progress:
        planned = plan_scenario(f, db=ctx.url, options=options, progress=progress)
    planned.plan.meta.overrides = overrides  # the plan's provenance: the file, and this
    return planned


def _summary_fr(ctx: DemoContext, planned: Any) -> None:
    """The validator's figures of a plan in a few French lines, and its violations if any."""
    from planner.outputs.report import summary_fr

    for line in summary_fr(planned.plan, planned.report):
        ctx.console.print(line, highlight=False, markup=False)


@demo_section("La Rur@linette aujourd'hui")
def rota_as_is(ctx: DemoContext) -> None:
    """The rota as published in the France Services list, replayed and checked."""
    planned = _planned(ctx, AS_IS, None)
    ctx.results["as_is"] = planned
    for note in planned.built.context.notes:
        ctx.console.print(note, highlight=False, markup=False, soft_wrap=True)
    _summary_fr(ctx, planned)


@demo_section("Une tournée optimisée pour le même bus")
def rota_optimised(ctx: DemoContext) -> None:
    """The same van and monthly cycle, days and order chosen by the engine; its rota printed."""
    from planner.outputs.report import render

    warming = ctx.results.pop("warm_up", None)
    if warming is not None:  # the engine's compiled kernel, loaded (or compiled) meanwhile
        with err_console.status(
            "Préparation du moteur d'optimisation (la première fois : compilation, une à deux "
            "minutes)…"
        ):
            warming.join()
    planned = _planned(ctx, OPTIMISED, ctx.time_limit)
    ctx.results["optimised"] = planned
    text = render(planned.built.problem, planned.plan, planned.report, planned.built.context)
    ctx.console.print(text, highlight=False, markup=False, soft_wrap=True)


@demo_section("Les deux tournées côte à côte")
def side_by_side(ctx: DemoContext) -> None:
    """Coverage, operations and yearly costs of both; the HTML report with both tour maps."""
    from planner.analysis.compare import compare, measure
    from planner.cli.compare import print_comparison, write_comparison

    pairs = [(ctx.results["as_is"], "Aujourd'hui"), (ctx.results["optimised"], "Optimisée")]
    evaluations = [measure(p, db=ctx.url, label=label) for p, label in pairs]
    comparison = compare([e.figures for e in evaluations])
    ctx.results["comparison"] = comparison
    print_comparison(comparison, ctx.console)
    target = ctx.write_target("comparaison.html")
    if target is None:
        return
    from maps.report import map_file_name

    files = [p.built.scenario for p, _ in pairs]
    stems = {
        Path(map_file_name(target, n, label)).stem: label for n, (_, label) in enumerate(pairs)
    }
    for path in write_comparison(comparison, evaluations, files, target, ctx.url):
        if path == target:
            what = "rapport de comparaison (tableau, graphique coût–couverture, cartes)"
        elif path.stem in stems:
            what = (
                f"carte des tournées « {stems[path.stem]} »"
                if path.suffix == ".html"
                else f"arrêts de la carte « {stems[path.stem]} » (CSV)"
            )
        else:
            what = f"tableau de la carte « {stems.get(path.stem.removesuffix('-tableau'), '')} »"
        ctx.record(path, what)
    csv_path = target.with_suffix(".csv")
    write_comparison(comparison, evaluations, files, csv_path, ctx.url)
    ctx.record(csv_path, "la comparaison en tableur (CSV)")


@demo_section("Les documents à publier")
def documents(ctx: DemoContext) -> None:
    """Both plans as JSON, and for the optimised one: timetables, posters, calendars, GIS
    files and tour map (``itinerance export``)."""
    if ctx.out_dir is None:
        return
    from maps.tour import write_tour_map
    from planner.cli.export import export_plan, parse_start
    from planner.cli.planning import write_json
    from planner.outputs.calendar import Schedule, date_fr

    for key, name in (
        ("as_is", "plan-rurlinette-actuelle.json"),
        ("optimised", "plan-rurlinette-optimisee.json"),
    ):
        path = ctx.out_dir / name
        write_json(ctx.results[key].plan.to_json(), path)
        ctx.record(
            path,
            "plan au format JSON (entrées, versions, graine ; itinerance evaluate/export le "
            "relisent)",
        )
    plan = ctx.results["optimised"].plan
    schedule = Schedule.from_plan(plan, "plan-rurlinette-optimisee.json")
    start = parse_start(None)
    folder = ctx.out_dir / "documents"
    written = export_plan(
        schedule,
        folder,
        start=start,
        tour_map=lambda path: write_tour_map(
            plan, path, title="La Rur@linette — tournée optimisée"
        ),
    )
    for rel, what in written:
        ctx.record(folder / rel, what)
    ctx.console.print(
        f"Horaires, affiches et calendriers de la tournée optimisée, à partir du {date_fr(start)}.",
        highlight=False,
    )


def _check_demo_target(target: Path) -> None:
    """A folder the demo may write: absent, or written by an earlier demo (it holds MARKER)."""
    if target.exists() and not (target / MARKER).is_file():
        raise ItineranceError(
            f"{target}: exists and was not written by the demo; move it away or pass --out"
        )


def _replace_demo_folder(temp: Path, target: Path) -> None:
    """Move the finished demo folder into place; replace a previous demo's, never anything else."""
    _check_demo_target(target)  # again: the folder may have appeared while the demo ran
    move_folder_into_place(temp, target)


def _index_fr(ctx: DemoContext, seconds: float) -> str:
    lines = [
        "Démonstration itinerance — Indre (36)",
        f"Écrite en {seconds:.0f} s à partir des données ouvertes (voir itinerance data sources).",
        "",
    ]
    lines += [f"{rel} — {what}" for rel, what in ctx.written]
    return "\n".join(lines) + "\n"


def run_demo(
    url: str | None = None,
    out: Console = console,
    *,
    load: bool = True,
    out_dir: Path | None = None,
    time_limit: float = DEMO_TIME_LIMIT,
) -> DemoContext:
    """Load Indre (unless ``load`` is False), print every registered section and, with
    ``out_dir``, write the demo's files there (all of them or none)."""
    from geodata.load import load_area

    code, name = DEMO_DEPARTEMENT
    ctx = DemoContext(url, code, name, out, time_limit=time_limit)
    started = time.perf_counter()
    temp: Path | None = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        _check_demo_target(out_dir)
        temp = staging_folder(out_dir)
        ctx.out_dir = temp
    if any(section is rota_optimised for _, section in SECTIONS):
        from planner.engine import warm_up_in_background

        ctx.results["warm_up"] = warm_up_in_background()  # overlaps loading and coverage
    try:
        if load:
            with step_progress() as hook:
                ctx.load_report = load_area(url, departement=code, progress=hook)
        for title, section in SECTIONS:
            if section is _loading and ctx.load_report is None:
                continue
            out.rule(Text(title, style="bold"))
            section(ctx)
        if temp is not None and out_dir is not None:
            (temp / MARKER).write_text(
                _index_fr(ctx, time.perf_counter() - started), encoding="utf-8"
            )
            _replace_demo_folder(temp, out_dir)
            temp = None
            ctx.out_dir = out_dir
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    if ctx.out_dir is not None:
        out.rule(Text("Fichiers écrits", style="bold"))
        out.print(f"Dans {ctx.out_dir}/ (liste aussi dans {MARKER}) :", highlight=False)
        for rel, what in ctx.written:
            out.print(f"  {rel} — {what}", highlight=False, markup=False)
        out.print(
            f"Démonstration terminée en {time.perf_counter() - started:.0f} s.", highlight=False
        )
    return ctx


@app.command("demo")
def demo(
    db: DbOption = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help=(
                "Folder for the demo's maps, report and documents (replaced if written by a "
                "previous demo)."
            ),
        ),
    ] = DEMO_FOLDER,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds of search for the optimised rota.")
    ] = DEMO_TIME_LIMIT,
) -> None:
    """Built-in demo on Indre (36): territory, coverage gaps, La Rur@linette today and optimised,
    their comparison, and the maps, report, timetables, posters and calendars in
    ./itinerance-demo/."""
    if not time_limit > 0:
        raise ItineranceError(
            f"--time-limit: expected a positive number of seconds, got {time_limit:g}"
        )
    run_demo(db, out_dir=out, time_limit=time_limit)
