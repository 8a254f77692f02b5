"""``itinerance demo``: the built-in demo on Indre (36), from the real pinned open data.

The demo loads the département into the database (the default one, or ``--db``), then runs its
*sections* in order, each printing French text for users. This first version describes the
territory (communes, population, services by kind, the most fragile communes, the mobile
services and their stops); later work adds sections (coverage, tour planning, maps) with
:func:`demo_section`, without touching the existing ones. Sections read the database through
:mod:`geodata.query` and never write to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from geodata import query
from geodata.load import LoadReport, load_area
from geodata.records import ServiceKind
from planner.cli.app import app
from planner.cli.common import DbOption, console
from planner.cli.data import fr_float, fr_int, load_summary_fr, plural_fr, services_fr, step_progress

__all__ = ["DEMO_DEPARTEMENT", "DemoContext", "SECTIONS", "demo_section", "run_demo"]

DEMO_DEPARTEMENT = ("36", "Indre")
FRAGILE_SHOWN = 10


@dataclass
class DemoContext:
    """What the sections share: where the data is, where to print, what earlier ones found."""

    url: str | None
    departement: str
    departement_name: str
    console: Console
    load_report: LoadReport | None = None
    results: dict[str, Any] = field(default_factory=dict)  # section results, by key


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
    communes = query.communes(ctx.url, departement=ctx.departement)
    services = query.services(ctx.url, departement=ctx.departement)
    nearby = query.services(ctx.url, departement=ctx.departement, bbox_margin_km=30)
    ctx.results["communes"], ctx.results["services"] = communes, services
    population = int(communes["population"].fillna(0).sum())
    small = int((communes["population"].fillna(0) < 500).sum())
    by_kind = Counter(s.kind.value for s in services)
    out = ctx.console.print
    out(
        f"{ctx.departement_name} ({ctx.departement}) : {fr_int(len(communes))} communes, "
        f"{fr_int(population)} habitants, {fr_int(communes['epci'].nunique())} EPCI ; "
        f"{fr_int(small)} communes de moins de 500 habitants.",
        highlight=False,
    )
    out(f"Services dans le département : {services_fr(dict(by_kind))}.", highlight=False)
    out(
        f"Avec les départements voisins (moins de 30 km) : {fr_int(len(nearby) - len(services))} services de plus.",
        highlight=False,
    )
    ifn = communes["ifn"].dropna()
    if len(ifn):
        weighted = float((communes["ifn"] * communes["population"]).sum() / communes.loc[communes["ifn"].notna(), "population"].sum())
        out(
            f"Indice de fragilité numérique (0 à 10, 10 = le plus fragile) : médiane {fr_float(float(ifn.median()))}, "
            f"moyenne pondérée par la population {fr_float(weighted)}"
            + (f" ; {fr_int(len(communes) - len(ifn))} communes sans score" if len(ifn) < len(communes) else "")
            + ".",
            highlight=False,
        )


@demo_section(f"Les {FRAGILE_SHOWN} communes les plus fragiles (IFN)")
def fragile_communes(ctx: DemoContext) -> None:
    """The most fragile communes by IFN (ties: the most populated first)."""
    communes = ctx.results.get("communes")
    if communes is None:
        communes = query.communes(ctx.url, departement=ctx.departement)
    ranked = communes[communes["ifn"].notna()].sort_values(["ifn", "population", "code"], ascending=[False, False, True])
    table = Table()
    for col in ("Commune", "INSEE", "IFN", "Habitants", "EPCI"):
        table.add_column(col)
    for r in ranked.head(FRAGILE_SHOWN).itertuples(index=False):
        table.add_row(r.name, r.code, fr_float(r.ifn), fr_int(int(r.population)), r.epci_name or "")
    ctx.console.print(table)


@demo_section("Les services itinérants et leurs arrêts")
def mobile_services(ctx: DemoContext) -> None:
    """Each mobile or multi-site service with its parsed stops, in French."""
    from geodata.rota import describe_recurrence_fr

    services = ctx.results.get("services") or query.services(ctx.url, departement=ctx.departement)
    mobile = [s for s in services if s.kind == ServiceKind.FRANCE_SERVICES_MOBILE]
    rotas = {r.service_id: r for r in query.rotas(ctx.url, departement=ctx.departement)}
    names = dict(zip(ctx.results["communes"]["code"], ctx.results["communes"]["name"])) if "communes" in ctx.results else {}
    out = ctx.console.print
    out(
        f"{plural_fr(len(mobile), 'France Services itinérant', 'France Services itinérants')} ; "
        f"{plural_fr(len(rotas), 'tournée lue', 'tournées lues')} dans la liste nationale "
        "(services itinérants et multisites).",
        highlight=False,
    )
    for service_id in sorted(set(rotas) | {s.id for s in mobile}):
        rota = rotas.get(service_id)
        service = next((s for s in services if s.id == service_id), None)
        title = rota.service_name if rota else service.name  # type: ignore[union-attr]
        base = (rota.base_insee if rota else service.insee) or ""  # type: ignore[union-attr]
        out(f"\n[bold]{title}[/] — base : {names.get(base, base)}", highlight=False)
        if rota is None or not rota.stops:
            out("  Aucun arrêt lisible dans la liste nationale.", highlight=False)
        for stop in rota.stops if rota else ():
            if stop.match.insee:
                where = f"{stop.match.name} ({stop.match.insee})" + (f", {stop.place}" if stop.place else "")
            else:
                near = ", ".join(f"{n} {c}" for c, n, _ in stop.match.candidates[:3])
                where = f"« {stop.raw_name} » non résolu" + (f" (proches : {near})" if near else "")
            out(f"  {stop.order:>2}. {describe_recurrence_fr(stop.recurrence)} — {where}", highlight=False)
        unresolved = sum(1 for s in rota.stops if s.match.insee is None) if rota else 0
        if unresolved:
            out(
                f"  {plural_fr(unresolved, 'nom à vérifier', 'noms à vérifier')} : itinerance data rota --service {service_id}",
                highlight=False,
            )


def run_demo(url: str | None = None, out: Console = console, *, load: bool = True) -> DemoContext:
    """Load Indre (unless ``load`` is False) and print every registered section."""
    code, name = DEMO_DEPARTEMENT
    ctx = DemoContext(url, code, name, out)
    if load:
        with step_progress() as hook:
            ctx.load_report = load_area(url, departement=code, progress=hook)
    for title, section in SECTIONS:
        if section is _loading and ctx.load_report is None:
            continue
        out.rule(f"[bold]{title}")
        section(ctx)
    return ctx


@app.command("demo")
def demo(db: DbOption = None) -> None:
    """Built-in demo on Indre (36): load the real open data and describe the territory."""
    run_demo(db)
