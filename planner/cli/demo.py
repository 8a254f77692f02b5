"""``itinerance demo``: the whole story on Indre (36), from the real pinned open data.

The demo loads the département into the database (the default one, or ``--db``), then runs its
*sections* in order, each printing French text for users: the territory (communes, population,
services, the most fragile communes, the mobile services and their stops); the coverage gaps;
La Rur@linette's rota as it runs today, checked by the validator, with its yearly cost and who
pays it; plans for the same van within today's yearly cost (``scenarios/rurlinette-*.toml`` with
a ``[budget]``), and the one without the cap; the decision (:mod:`planner.analysis.decision`:
the best plan within the budget side by side with today, or why none beats it); and the
documents a mobility manager publishes for the retained plan. Sections register with
:func:`demo_section`.

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
HALF_DAYS = "rurlinette-demi-journees.toml"
# The alternatives for the same van: (key, label, scenario, capped at today's cost, what it is).
ALTERNATIVES = (
    (
        "kept_days",
        "Jours gardés",
        OPTIMISED,
        True,
        "journées aux jours publiés, ordre et "
        "communes ajoutées choisis par le moteur, dans le budget",
    ),
    (
        "half_days",
        "Demi-journées",
        HALF_DAYS,
        True,
        "les 19 communes le matin de leur jour "
        "publié, les après-midis pour les communes au plus grand besoin, dans le budget",
    ),
    (
        "two_more_days",
        "Deux journées de plus",
        OPTIMISED,
        False,
        "comme « Jours gardés », sans plafond de coût : ce que coûterait de servir plus",
    ),
)
PLAN_FILES = {
    "as_is": "plan-rurlinette-actuelle.json",
    "kept_days": "plan-rurlinette-jours-gardes.json",
    "half_days": "plan-rurlinette-demi-journees.json",
    "two_more_days": "plan-rurlinette-deux-journees-de-plus.json",
}
RETAINED_TITLES = {
    "as_is": "tournée d'aujourd'hui",
    "kept_days": "jours gardés",
    "half_days": "demi-journées",
    "two_more_days": "deux journées de plus",
}


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


def _planned(
    ctx: DemoContext, name: str, time_limit: float | None, extra: dict[str, Any] | None = None
) -> Any:
    """Plan (or read) one of the La Rur@linette scenarios against the demo database, at the
    coverage threshold the coverage section chose, in the engine's deterministic mode (a work
    budget instead of the clock): the demo gives the same plan on every machine. ``extra``:
    more settings (the yearly budget), recorded in the plan's provenance like the others."""
    from planner.engine.progress import live_progress
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import plan_scenario, solve_options

    overrides: dict[str, Any] = {"solver.deterministic": True}  # the same plan on any machine
    if "threshold" in ctx.results:
        overrides["coverage.threshold"] = ctx.results["threshold"]
    overrides |= extra or {}
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


def _money_fr(fig: Any) -> str:
    """ "Coût : 86 001 € par an ; financements publics : 50 000 € (…) ; reste à charge … "."""
    from planner.french import euros_fr

    text = (
        f"Coût : {euros_fr(fig.costs.total)} par an (véhicule amorti, entretien, carburant, "
        "personnel)"
    )
    fin = fig.financing
    if fin is not None:
        who = "; ".join(
            f"{line.funder} {euros_fr(line.per_year)}" for line in fin.counted() if line.per_year
        )
        text += f" ; financements publics {fin.year} : {euros_fr(fin.funding)}"
        text += f" ({who})" if who else ""
        text += f" ; reste à charge des collectivités : {euros_fr(fin.rest)}"
    return text + "."


@demo_section("La Rur@linette aujourd'hui")
def rota_as_is(ctx: DemoContext) -> None:
    """The rota as published in the France Services list, replayed and checked; its yearly cost
    and who pays it."""
    from planner.analysis.compare import measure

    planned = _planned(ctx, AS_IS, None)
    ctx.results["as_is"] = planned
    for note in planned.built.context.notes:
        ctx.console.print(note, highlight=False, markup=False, soft_wrap=True)
    _summary_fr(ctx, planned)
    evaluation = measure(planned, db=ctx.url, label="Aujourd'hui")
    ctx.results["as_is_evaluation"] = evaluation
    ctx.console.print(_money_fr(evaluation.figures), highlight=False, markup=False, soft_wrap=True)


@demo_section("Au coût d'aujourd'hui : que peut faire le même bus ?")
def alternatives(ctx: DemoContext) -> None:
    """The same van, its published days kept, planned by the engine with today's yearly cost as
    a hard budget: full days in a better order, or half-day permanences that free the afternoons
    for the communes of highest need; and, for the budget debate, the plan without the cap."""
    from planner.analysis.compare import measure
    from planner.french import euros_fr

    warming = ctx.results.pop("warm_up", None)
    if warming is not None:  # the engine's compiled kernel, loaded (or compiled) meanwhile
        with err_console.status(
            "Préparation du moteur d'optimisation (la première fois : compilation, une à deux "
            "minutes)…"
        ):
            warming.join()
    budget = ctx.results["as_is_evaluation"].figures.costs.total
    ctx.results["budget"] = budget
    ctx.console.print(
        f"Budget : {euros_fr(budget)} par an, le coût d'aujourd'hui (avant financements). "
        "Le moteur ne rend aucune tournée qui le dépasse ; les jours publiés restent ceux "
        "que les habitants connaissent.",
        highlight=False,
    )
    evaluations = []
    for key, label, name, capped, what in ALTERNATIVES:
        extra = {"budget.max_per_year": budget} if capped else None
        planned = _planned(ctx, name, ctx.time_limit, extra)
        ctx.results[key] = planned
        evaluation = measure(planned, db=ctx.url, label=label)
        evaluations.append(evaluation)
        ctx.console.print(Text.assemble("\n", (label, "bold"), f" — {what}"), highlight=False)
        _summary_fr(ctx, planned)
        ctx.console.print(
            _money_fr(evaluation.figures), highlight=False, markup=False, soft_wrap=True
        )
    ctx.results["alternatives"] = evaluations


@demo_section("La décision")
def decision(ctx: DemoContext) -> None:
    """Today and the alternatives side by side (need counted once, expected visitors, published
    days changed, cost, cost per expected visitor, who pays), the verdict, the retained plan's
    rota, and the full comparison report in HTML and CSV."""
    from planner.analysis.compare import compare
    from planner.analysis.decision import ROW_NOTES_FR, decide, decision_rows_fr, verdict_fr
    from planner.outputs.report import render

    today = ctx.results["as_is_evaluation"]
    others = ctx.results["alternatives"]
    chosen = decide(today.figures, [e.figures for e in others], ctx.results["budget"])
    ctx.results["decision"] = chosen
    table = Table(title="Aujourd'hui et les autres tournées possibles, par an")
    table.add_column("")
    for o in (chosen.reference, *chosen.options):
        table.add_column(o.label, justify="right")
    for label, cells in decision_rows_fr(chosen):
        table.add_row(label, *cells)
    ctx.console.print(table)
    for line in (*ROW_NOTES_FR, "", *verdict_fr(chosen)):
        ctx.console.print(line, highlight=False, markup=False, soft_wrap=True)
    retained = "as_is"
    if chosen.best is not None:
        retained = next(k for k, label, *_ in ALTERNATIVES if label == chosen.best.label)
        planned = ctx.results[retained]
        text = render(planned.built.problem, planned.plan, planned.report, planned.built.context)
        ctx.console.print(text, highlight=False, markup=False, soft_wrap=True)
    ctx.results["retained"] = retained
    evaluations = [today, *others]
    comparison = compare([e.figures for e in evaluations])
    ctx.results["comparison"] = comparison
    target = ctx.write_target("comparaison.html")
    if target is None:
        return
    from maps.report import map_file_name
    from planner.cli.compare import write_comparison

    files = [ctx.results[k].built.scenario for k in ("as_is", *(a[0] for a in ALTERNATIVES))]
    labels = [e.figures.label for e in evaluations]
    stems = {Path(map_file_name(target, n, label)).stem: label for n, label in enumerate(labels)}
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
    ctx.console.print(
        "Toutes les lignes (couverture, exploitation, coûts détaillés, plan de financement) : "
        "comparaison.html et comparaison.csv.",
        highlight=False,
    )


@demo_section("Les documents à publier")
def documents(ctx: DemoContext) -> None:
    """Every plan as JSON, and for the retained one (today's unless an alternative beats it
    within the budget): timetables, posters, calendars, GIS files and tour map (``itinerance
    export``)."""
    if ctx.out_dir is None:
        return
    from maps.tour import write_tour_map
    from planner.cli.export import export_plan, parse_start
    from planner.cli.planning import write_json
    from planner.outputs.calendar import Schedule, date_fr

    for key, name in PLAN_FILES.items():
        path = ctx.out_dir / name
        write_json(ctx.results[key].plan.to_json(), path)
        ctx.record(
            path,
            "plan au format JSON (entrées, versions, graine ; itinerance evaluate/export le "
            "relisent)",
        )
    retained = ctx.results["retained"]
    plan = ctx.results[retained].plan
    title = RETAINED_TITLES[retained]
    schedule = Schedule.from_plan(plan, PLAN_FILES[retained])
    start = parse_start(None)
    folder = ctx.out_dir / "documents"
    written = export_plan(
        schedule,
        folder,
        start=start,
        tour_map=lambda path: write_tour_map(plan, path, title=f"La Rur@linette — {title}"),
    )
    for rel, what in written:
        ctx.record(folder / rel, what)
    ctx.console.print(
        f"Horaires, affiches et calendriers de la tournée retenue ({title}), à partir du "
        f"{date_fr(start)}.",
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
    if any(section is alternatives for _, section in SECTIONS):
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
        float, typer.Option("--time-limit", help="Seconds of search for each alternative rota.")
    ] = DEMO_TIME_LIMIT,
) -> None:
    """Built-in demo on Indre (36): territory, coverage gaps, La Rur@linette today, plans for the
    same van within today's yearly cost, the decision, and the maps, report, timetables, posters
    and calendars in ./itinerance-demo/."""
    if not time_limit > 0:
        raise ItineranceError(
            f"--time-limit: expected a positive number of seconds, got {time_limit:g}"
        )
    run_demo(db, out_dir=out, time_limit=time_limit)
