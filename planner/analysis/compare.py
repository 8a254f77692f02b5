"""Scenarios side by side: coverage, service, operations and yearly cost of each, compared.

:func:`evaluate_scenario` plans a scenario (:func:`planner.scenario.pipeline.plan_scenario`; an
``[asis]`` scenario is read, not planned) and measures it; :func:`measure` does the same for a
scenario already planned. Each gives a :class:`ScenarioFigures` — plain, picklable numbers that
sweeps reuse — with:

- **coverage** (:mod:`planner.access.coverage`), on the scenario's territory at its ``[coverage]``
  threshold. *Before*: the help that is there without any mobile service (fixed France Services,
  lieux de médiation, existing bornes as partial help;
  :func:`planner.scenario.build.fixed_help_inputs`). *After*: the same plus the plan's served stops
  at their frequency and the scenario's kiosks (partial coverage, kept apart). Other mobile services
  of the territory count in neither column, so that every scenario is measured against the same
  fixed baseline. Standalone scenarios (no database) have no coverage figures;
- **service**: communes served and how often, hours of presence, kiosks, home visits;
- **operations**: km, driving and staff hours (from :mod:`planner.tours.validator`'s figures), CO2;
- **money**: :func:`planner.analysis.costs.yearly_costs`, and cost per newly covered inhabitant.

:func:`compare` lines scenarios up against the first one (the reference): each :class:`Line` has
a direction (more coverage is better, less cost is better), the differences and the best
scenario(s). The comparison renders as CSV (``;``, for French spreadsheets) and JSON here; the
terminal table is the CLI's and the HTML report is :mod:`maps.report`'s.

It must not print, write files or import :mod:`maps`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from geodata.records import ServiceKind, ServicePoint
from planner.access.coverage import BeforeAfter, MobileStop, before_after
from planner.analysis.costs import (
    RATES_FR,
    VehicleUse,
    YearlyCosts,
    months_per_year,
    vehicle_use,
    yearly_costs,
)
from planner.analysis.financing import FinancingPlan, scenario_financing, skipped_fr
from planner.analysis.visitors import (
    ExpectedVisitors,
    bookings_per_year,
    bookings_rhythm_fr,
    round_tens,
)
from planner.dates import period_fr
from planner.engine.base import ProgressCallback, SolveOptions
from planner.files import csv_text
from planner.french import number_fr, spreadsheet_number
from planner.scenario.build import fixed_help_inputs
from planner.scenario.context import Built, KioskInfo
from planner.scenario.files import ScenarioFile
from planner.scenario.pipeline import Planned, counts_visitors, plan_scenario, plan_visitors
from planner.tours.model import Frequency, Problem, StopKind
from planner.tours.plan import Plan

__all__ = [
    "LINES",
    "Comparison",
    "CoverageFigures",
    "Evaluation",
    "Line",
    "OperationsFigures",
    "ScenarioFigures",
    "ServiceFigures",
    "compare",
    "cost_assumptions_fr",
    "evaluate_scenario",
    "kiosk_points",
    "measure",
    "unique_labels",
]

SCHEMA = "itinerance.comparison/1"
FREQUENCIES = (Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY)  # most frequent first


# --- figures of one scenario ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageFigures:
    """Population and need (population × IFN) within the threshold of human help, before/after."""

    threshold: float
    borne_reach: float
    communes: int
    population: int
    need: float
    covered_before: int
    covered_after: int
    need_covered_before: float
    need_covered_after: float
    borne_only_before: int
    borne_only_after: int

    @property
    def newly_covered(self) -> int:
        return self.covered_after - self.covered_before

    @property
    def need_newly_covered(self) -> float:
        return self.need_covered_after - self.need_covered_before

    @property
    def beyond_after(self) -> int:
        """Inhabitants still without human help within the threshold."""
        return self.population - self.covered_after


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """What the plan delivers: communes served and how often, presence, kiosks, home visits."""

    communes_served: int
    by_frequency: dict[str, int]  # "weekly" / "fortnightly" / "monthly" → communes
    population_served: int | None  # inhabitants of the communes served (None: no database)
    presence_hours_per_month: float
    need_served: float  # need × gain of service level, each commune once (planner.tours.value)
    stops_served: int
    stops_total: int
    requests_served: int
    requests_total: int
    kiosks: int
    published_stops: int = 0  # stops whose day residents already know ([stability])
    published_days_kept: int = 0  # of those, stops kept on their published days
    published_times_changed: int = 0  # of those, kept on their day at another time
    published_times_known: int = 0  # stops whose published start time is known
    request_hours: float = 0.0  # hours of the bookings served in the period, counted once


@dataclass(frozen=True, slots=True)
class OperationsFigures:
    """An average month of driving and work, and the year's staff hours and CO2."""

    vehicles: int
    vehicles_used: int
    km_per_month: float
    drive_hours_per_month: float
    work_hours_per_month: float  # vehicles out (leaving the base to returning)
    staff_hours_per_month: float  # work hours × crew
    staff_hours_per_year: float
    co2_kg_per_year: float
    co2_kg_per_l: float  # the emission factor used
    violations: int  # constraints the plan breaks (an as-is rota may)


@dataclass(frozen=True)
class ScenarioFigures:
    """Everything the comparison shows of one scenario (picklable; no problem, no plan)."""

    label: str  # unique within a comparison
    name: str
    path: str
    sha256: str
    asis: bool
    coverage: CoverageFigures | None
    service: ServiceFigures
    operations: OperationsFigures
    costs: YearlyCosts
    kiosks: tuple[KioskInfo, ...] = ()
    notes: tuple[str, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    financing: FinancingPlan | None = None  # who pays (planner.analysis.financing)
    visitors: ExpectedVisitors | None = None  # None: no need to count (standalone, no communes)

    def metrics(self) -> dict[str, float | None]:
        """The value of every :data:`LINES` key (None: not available)."""
        cov, svc, ops, cost = self.coverage, self.service, self.operations, self.costs
        c: dict[str, float | None] = dict.fromkeys(_COVERAGE_KEYS)
        if cov is not None:
            c |= {
                "threshold": cov.threshold,
                "population": cov.population,
                "covered_before": cov.covered_before,
                "covered_after": cov.covered_after,
                "newly_covered": cov.newly_covered,
                "need_covered_before": cov.need_covered_before,
                "need_covered_after": cov.need_covered_after,
                "need_newly_covered": cov.need_newly_covered,
                "borne_only_after": cov.borne_only_after,
                "beyond_after": cov.beyond_after,
            }
        newly = cov.newly_covered if cov is not None else 0
        need_newly = cov.need_newly_covered if cov is not None else 0.0
        presence_year = svc.presence_hours_per_month * cost.months_per_year

        def per(total: float, amount: float) -> float | None:
            return total / amount if amount > 1e-9 else None

        c |= self._visitor_metrics()
        return c | {
            "communes_served": svc.communes_served,
            "communes_weekly": svc.by_frequency.get("weekly", 0),
            "communes_fortnightly": svc.by_frequency.get("fortnightly", 0),
            "communes_monthly": svc.by_frequency.get("monthly", 0),
            "population_served": svc.population_served,
            "presence_hours_month": svc.presence_hours_per_month,
            "need_served": svc.need_served,
            "kiosks": svc.kiosks,
            "requests_served": svc.requests_served if svc.requests_total else None,
            "request_hours": svc.request_hours if svc.requests_total else None,
            "vehicles": ops.vehicles,
            "km_month": ops.km_per_month,
            "drive_hours_month": ops.drive_hours_per_month,
            "staff_hours_month": ops.staff_hours_per_month,
            "staff_hours_year": ops.staff_hours_per_year,
            "co2_year": ops.co2_kg_per_year,
            "violations": ops.violations,
            "cost_vehicles": cost.vehicle_capital,
            "cost_upkeep": cost.vehicle_upkeep,
            "cost_fuel": cost.fuel,
            "cost_staff": cost.staff,
            "cost_kiosks": cost.kiosks.total if cost.kiosks.count else None,
            "cost_total": cost.total,
            "cost_per_newly_covered": per(cost.total, newly),
            "cost_per_need": per(cost.total, need_newly),
            "cost_per_presence_hour": per(cost.total, presence_year),
            "aid": cost.aid,
            "cost_total_with_aid": cost.total_with_aid,
            "cost_per_newly_covered_with_aid": per(cost.total_with_aid, newly),
        }

    def _visitor_metrics(self) -> dict[str, float | None]:
        """Expected visitors a year (range, in tens) and the cost per expected visitor."""
        ev, total = self.visitors, self.costs.total
        if ev is None or ev.low <= 0:
            return dict.fromkeys(_VISITOR_KEYS)
        low, high = round_tens(ev.low), round_tens(ev.high)
        return {
            "visitors_low": low,
            "visitors_high": high,
            "cost_per_visitor_low": total / high if high > 0 else None,
            "cost_per_visitor_high": total / low if low > 0 else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "asis": self.asis,
            "figures": self.metrics(),
            "coverage": None if self.coverage is None else asdict(self.coverage),
            "service": asdict(self.service),
            "operations": asdict(self.operations),
            "costs": self.costs.to_dict(),
            "kiosks": [asdict(k) for k in self.kiosks],
            "notes": list(self.notes),
            "provenance": self.provenance,
            "financing": None if self.financing is None else self.financing.to_dict(),
            "visitors": None if self.visitors is None else self.visitors.to_dict(),
        }


@dataclass(frozen=True)
class Evaluation:
    """A scenario planned and measured: its figures, its plan (``meta`` holds the provenance and
    the context every output needs), the per-commune coverage before and after (None when the
    scenario is standalone) and the problem it solves."""

    figures: ScenarioFigures
    plan: Plan
    coverage: BeforeAfter | None
    problem: Problem | None = None  # names the days of the cycle on maps and timetables


def _stops_and_kiosks(planned: Planned) -> tuple[list[MobileStop], list[ServicePoint]]:
    """The plan's served stops as mobile stops (at their frequency), the kiosks as bornes."""
    built, served = planned.built, planned.plan.served_stops()
    stops = []
    for stop in built.problem.stops:
        info = built.context.stops.get(stop.id)
        if (
            stop.id not in served
            or stop.kind is StopKind.REQUEST
            or stop.frequency not in FREQUENCIES
            or info is None
            or info.lon is None
            or info.lat is None
        ):
            continue
        stops.append(
            MobileStop(
                stop.id,
                "scenario",
                built.context.name,
                info.insee or "",
                info.lon,
                info.lat,
                stop.frequency,
                stop.duration / 60.0,
            )
        )
    return stops, kiosk_points(built.context.kiosks)


def kiosk_points(kiosks: Sequence[KioskInfo]) -> list[ServicePoint]:
    """A scenario's kiosks as borne service points (for coverage analyses and maps)."""
    return [
        ServicePoint(
            f"kiosk:{k.insee}", f"Borne — {k.commune}", ServiceKind.BORNE, k.lon, k.lat, k.insee
        )
        for k in kiosks
    ]


def _coverage(built: Built, planned: Planned, db: str | None) -> BeforeAfter | None:
    f = built.scenario
    assert f is not None
    codes = sorted({s.insee for s in built.context.stops.values() if s.insee})
    base = fixed_help_inputs(f, db, codes=codes)
    if base is None or not base.communes:
        return None
    stops, kiosks = _stops_and_kiosks(planned)
    return before_after(base, stops, kiosks)


def _coverage_figures(ba: BeforeAfter, borne_reach: float) -> CoverageFigures:
    before, after = ba.before.totals, ba.after.totals
    human_b, human_a = before.loc["human"], after.loc["human"]
    frame = ba.before.communes
    return CoverageFigures(
        threshold=ba.before.threshold,
        borne_reach=borne_reach,
        communes=len(frame),
        population=int(frame["population"].sum()),
        need=float(frame["need"].fillna(0).sum()),
        covered_before=int(human_b["population_covered"]),
        covered_after=int(human_a["population_covered"]),
        need_covered_before=float(human_b["need_covered"]),
        need_covered_after=float(human_a["need_covered"]),
        borne_only_before=int(before.loc["borne_only", "population_covered"]),
        borne_only_after=int(after.loc["borne_only", "population_covered"]),
    )


def _service(planned: Planned, coverage: BeforeAfter | None) -> ServiceFigures:
    built, fig = planned.built, planned.report.figures
    served = planned.plan.served_stops()
    rank = {f: n for n, f in enumerate(FREQUENCIES)}
    best: dict[str, Frequency] = {}
    for stop in built.problem.stops:  # a place is its commune, or the stop itself (standalone)
        info = built.context.stops.get(stop.id)
        if stop.id not in served or stop.kind is not StopKind.STOP:
            continue
        place = (info.insee if info is not None else None) or f"stop:{stop.id}"
        known = best.get(place)
        if known is None or rank.get(stop.frequency, 9) < rank.get(known, 9):
            best[place] = stop.frequency
    by_frequency = {f.value: sum(1 for v in best.values() if v is f) for f in FREQUENCIES}
    population = None
    if coverage is not None:
        people = coverage.before.communes["population"]
        population = int(sum(int(people.get(code, 0)) for code in best))
    return ServiceFigures(
        communes_served=len(best),
        by_frequency=by_frequency,
        population_served=population,
        presence_hours_per_month=fig.presence_hours_total_per_month,
        need_served=fig.value,
        stops_served=fig.stops_served,
        stops_total=fig.stops_total,
        requests_served=fig.requests_served,
        requests_total=fig.requests_total,
        kiosks=len(built.context.kiosks),
        published_stops=fig.published_stops,
        published_days_kept=fig.published_stops_same_days,
        published_times_changed=sum(1 for c in fig.published_changes if c.status == "time"),
        published_times_known=sum(1 for c in fig.published_changes if c.start_before is not None),
        request_hours=sum(fig.request_hours.values()),
    )


def _vehicle_uses(planned: Planned, months: float) -> list[VehicleUse]:
    """Each vehicle's average month: its recurring routes, plus its bookings' km and hours at
    the period's rhythm (:func:`bookings_per_year` over ``months``; :func:`bookings_note`
    says so wherever it applies)."""
    ctx, fig = planned.built.context, planned.report.figures
    per_month = bookings_per_year(planned.built.problem.horizon, months) / months
    uses = []
    for vf in fig.per_vehicle:
        info = ctx.vehicles.get(vf.vehicle)
        uses.append(
            vehicle_use(
                vf.vehicle,
                info.name if info else vf.vehicle,
                info.spec if info is not None else None,
                vf.km_per_month + vf.once_km * per_month,
                vf.work_hours_per_month + vf.once_work_hours * per_month,
            )
        )
    return uses


def bookings_note(planned: Planned, months: float) -> str | None:
    """How the yearly figures count the plan's bookings (None without bookings served)."""
    fig = planned.report.figures
    if not fig.request_hours:
        return None
    horizon = planned.built.problem.horizon
    period = period_fr(horizon.period)
    factor = bookings_per_year(horizon, months)
    n = len(fig.request_hours)
    return (
        f"Réservations {period} : {n} visite(s), "
        f"{number_fr(sum(fig.request_hours.values()), 1)} h de visite et "
        f"{number_fr(fig.once_km)} km, comptés une fois ; les chiffres par mois et par an "
        f"(km, heures, coûts, visiteurs) les extrapolent : {bookings_rhythm_fr(n, factor)}."
    )


def measure(planned: Planned, *, db: str | None = None, label: str | None = None) -> Evaluation:
    """The figures of a scenario already planned (``db`` as given to :func:`plan_scenario`)."""
    built = planned.built
    f = built.scenario
    assert f is not None, "measure() needs a Built made from a scenario file"
    coverage = _coverage(built, planned, db)
    rates = f.scenario.costs
    months = months_per_year(rates)
    uses = _vehicle_uses(planned, months)
    costs = yearly_costs(uses, rates, kiosks=len(built.context.kiosks))
    fig = planned.report.figures
    staff_month = sum(u.work_hours_per_month * u.staff for u in uses)
    bookings_month = bookings_per_year(built.problem.horizon, months) / months
    operations = OperationsFigures(
        vehicles=len(built.problem.vehicles),
        vehicles_used=sum(1 for v in fig.per_vehicle if v.routes),
        km_per_month=sum(u.km_per_month for u in uses),
        drive_hours_per_month=fig.drive_hours_per_month + fig.once_drive_hours * bookings_month,
        work_hours_per_month=sum(u.work_hours_per_month for u in uses),
        staff_hours_per_month=staff_month,
        staff_hours_per_year=costs.staff_hours,
        co2_kg_per_year=costs.co2_kg,
        co2_kg_per_l=rates.co2_kg_per_l,
        violations=len(planned.report.violations),
    )
    specs = [
        info.spec if (info := built.context.vehicles.get(v.id)) is not None else None for v in uses
    ]
    financing = scenario_financing(f, costs, specs, asis=built.is_asis)
    notes = list(built.context.notes)
    notes += filter(None, [bookings_note(planned, months)])
    notes += [*financing.notes, *filter(None, [skipped_fr(financing)])]
    if coverage is None:
        notes.append("Sans base de données du territoire : la couverture n'est pas calculée.")
    meta = {k: v for k, v in planned.plan.meta.to_dict().items() if k != "context"}
    figures = ScenarioFigures(
        label=label or f.scenario.name,
        name=f.scenario.name,
        path=str(f.path),
        sha256=f.sha256,
        asis=built.is_asis,
        coverage=None
        if coverage is None
        else _coverage_figures(coverage, f.scenario.coverage.borne_reach),
        service=_service(planned, coverage),
        operations=operations,
        costs=costs,
        kiosks=tuple(built.context.kiosks),
        notes=tuple(notes),
        provenance=meta,
        financing=financing,
        visitors=plan_visitors(built, planned.plan) if counts_visitors(built.problem) else None,
    )
    return Evaluation(figures, planned.plan, coverage, built.problem)


def evaluate_scenario(
    f: ScenarioFile,
    *,
    db: str | None = None,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    label: str | None = None,
) -> Evaluation:
    """Plan (or, for ``[asis]``, read) a scenario and measure it; prints and writes nothing.

    Raises what :func:`plan_scenario` raises (``InfeasibleError``, ``ScenarioError``…).
    """
    planned = plan_scenario(f, db=db, options=options, progress=progress)
    return measure(planned, db=db, label=label)


# --- the comparison -------------------------------------------------------------------------------

Better = Literal["higher", "lower"] | None


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the comparison: its key in :meth:`ScenarioFigures.metrics`, French label and
    explanation (``{t}`` = threshold, ``{r}`` = kiosk reach, ``{co2}`` = emission factor), unit,
    digits shown, and which direction is better (None: no best, the line informs)."""

    key: str
    section: str
    label: str
    unit: str
    digits: int
    better: Better
    explain: str
    optional: bool = False  # left out when no scenario has a value (or all are 0)
    aid: bool = False  # shown only with the public aid

    def format(self, value: float | None, *, signed: bool = False) -> str:
        """The value in French (``1 557``, ``22,6``), ``—`` when missing."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "—"
        shown = round(float(value), self.digits) + 0.0  # + 0.0 turns -0.0 into 0.0
        text = number_fr(shown, self.digits).replace("-", "−")  # the typographic minus
        return "+" + text if signed and shown > 0 else text


_COVERAGE = "Couverture"
_SERVICE = "Service rendu"
_OPERATIONS = "Exploitation"
_COSTS = "Coûts par an"
_AID = "Avec les aides publiques connues"

LINES: tuple[Line, ...] = (
    Line(
        "threshold",
        _COVERAGE,
        "Seuil de couverture",
        "min",
        0,
        None,
        "Temps de trajet en voiture jusqu'à l'aide la plus proche en deçà duquel un habitant est "
        "couvert (promesse de l'État : une France Services à moins de 30 min).",
    ),
    Line(
        "population",
        _COVERAGE,
        "Habitants du territoire",
        "hab.",
        0,
        None,
        "Population municipale des communes du territoire du scénario.",
    ),
    Line(
        "covered_before",
        _COVERAGE,
        "Habitants à moins de {t} min d'une aide humaine — avant",
        "hab.",
        0,
        None,
        "Population à moins de {t} min d'une aide humaine avant le scénario : France Services "
        "fixes et lieux de médiation numérique existants, sans service itinérant.",
    ),
    Line(
        "covered_after",
        _COVERAGE,
        "Habitants à moins de {t} min d'une aide humaine — après",
        "hab.",
        0,
        "higher",
        "Population à moins de {t} min d'une aide humaine avec le scénario : les mêmes lieux fixes "
        "et les arrêts desservis, à leur fréquence. Les bornes, aide partielle, sont comptées à "
        "part.",
    ),
    Line(
        "newly_covered",
        _COVERAGE,
        "Habitants nouvellement couverts",
        "hab.",
        0,
        "higher",
        "Habitants qui n'avaient aucune aide humaine à moins de {t} min et en ont une grâce au "
        "scénario (après − avant).",
    ),
    Line(
        "need_covered_before",
        _COVERAGE,
        "Population pondérée par l'IFN couverte — avant",
        "hab. × IFN",
        0,
        None,
        "Habitants × indice de fragilité numérique (IFN de 1 à 10, La MedNum) : compte davantage "
        "les communes les plus fragiles. Avant le scénario.",
    ),
    Line(
        "need_covered_after",
        _COVERAGE,
        "Population pondérée par l'IFN couverte — après",
        "hab. × IFN",
        0,
        "higher",
        "La même mesure avec le scénario.",
    ),
    Line(
        "need_newly_covered",
        _COVERAGE,
        "Population pondérée par l'IFN nouvellement couverte",
        "hab. × IFN",
        0,
        "higher",
        "Après − avant, en habitants × IFN.",
    ),
    Line(
        "borne_only_after",
        _COVERAGE,
        "Habitants couverts par une borne seulement",
        "hab.",
        0,
        "higher",
        "Habitants sans aide humaine à moins de {t} min mais avec une borne à moins de {r} min : "
        "une aide partielle, jamais comptée comme un médiateur.",
    ),
    Line(
        "beyond_after",
        _COVERAGE,
        "Habitants encore sans aide humaine à moins de {t} min",
        "hab.",
        0,
        "lower",
        "Ceux que le scénario laisse hors de portée (bornes comprises).",
    ),
    Line(
        "communes_served",
        _SERVICE,
        "Communes desservies",
        "communes",
        0,
        "higher",
        "Communes où le véhicule tient au moins une permanence.",
    ),
    Line(
        "communes_weekly",
        _SERVICE,
        "… chaque semaine",
        "communes",
        0,
        None,
        "Communes desservies au moins une fois par semaine.",
    ),
    Line(
        "communes_fortnightly",
        _SERVICE,
        "… tous les 15 jours",
        "communes",
        0,
        None,
        "Communes desservies une semaine sur deux.",
    ),
    Line(
        "communes_monthly",
        _SERVICE,
        "… une fois par mois",
        "communes",
        0,
        None,
        "Communes desservies une fois par mois.",
    ),
    Line(
        "population_served",
        _SERVICE,
        "Habitants des communes desservies",
        "hab.",
        0,
        "higher",
        "Population des communes où le véhicule s'arrête : l'aide vient jusqu'à elles.",
    ),
    Line(
        "need_served",
        _SERVICE,
        "Besoin servi (niveau de service)",
        "habitants × IFN",
        0,
        "higher",
        "Besoin (population × IFN) de chaque commune multiplié par le gain de niveau de service "
        "que le plan lui apporte, chaque commune comptée une fois (docs/planning-model.md).",
    ),
    Line(
        "visitors_low",
        _SERVICE,
        "Visiteurs attendus par an — bas",
        "visiteurs/an",
        0,
        "higher",
        "Bas de la fourchette des visiteurs attendus : taux calé sur La Rur@linette 2023 "
        "(1 230 bénéficiaires) × besoin servi, dans la limite de 2 visiteurs par agent et par "
        "heure de présence, en dizaines (docs/visitors.md).",
        optional=True,
    ),
    Line(
        "visitors_high",
        _SERVICE,
        "Visiteurs attendus par an — haut",
        "visiteurs/an",
        0,
        "higher",
        "Haut de la fourchette des visiteurs attendus, en dizaines (docs/visitors.md).",
        optional=True,
    ),
    Line(
        "presence_hours_month",
        _SERVICE,
        "Heures de présence par mois",
        "h",
        0,
        "higher",
        "Heures de permanence ouvertes au public en un mois moyen, tous arrêts confondus.",
    ),
    Line(
        "kiosks",
        _SERVICE,
        "Bornes interactives",
        "bornes",
        0,
        None,
        "Bornes en libre-service du scénario : aide partielle, toujours disponible.",
    ),
    Line(
        "requests_served",
        _SERVICE,
        "Visites sur réservation (période)",
        "visites",
        0,
        "higher",
        "Réservations servies, chacune une fois, dans la période de [period] (sans [period] : "
        "dans le cycle).",
        optional=True,
    ),
    Line(
        "request_hours",
        _SERVICE,
        "Heures de visite sur réservation (période)",
        "h",
        1,
        None,
        "Durées des réservations servies, additionnées une fois (jamais par mois).",
        optional=True,
    ),
    Line(
        "vehicles",
        _OPERATIONS,
        "Véhicules",
        "véhicules",
        0,
        None,
        "Véhicules du scénario (achetés et assurés, qu'ils roulent ou non).",
    ),
    Line(
        "km_month",
        _OPERATIONS,
        "Kilomètres par mois",
        "km",
        0,
        "lower",
        "Distance parcourue en un mois moyen, recalculée par le vérificateur indépendant.",
    ),
    Line(
        "drive_hours_month",
        _OPERATIONS,
        "Heures de conduite par mois",
        "h",
        1,
        "lower",
        "Temps passé à rouler en un mois moyen.",
    ),
    Line(
        "staff_hours_month",
        _OPERATIONS,
        "Heures de personnel par mois",
        "h",
        0,
        "lower",
        "Temps hors de la base (du départ au retour) × nombre d'agents à bord, en un mois moyen.",
    ),
    Line(
        "staff_hours_year",
        _OPERATIONS,
        "Heures de personnel par an",
        "h",
        0,
        "lower",
        "Les mêmes heures sur l'année de service (semaines travaillées, voir les hypothèses).",
    ),
    Line(
        "co2_year",
        _OPERATIONS,
        "Émissions de CO2 par an",
        "kg CO2e",
        0,
        "lower",
        "Gazole consommé × {co2} kg CO2e par litre (facteur ADEME Base Carbone, amont compris).",
    ),
    Line(
        "violations",
        _OPERATIONS,
        "Contraintes non respectées",
        "écarts",
        0,
        "lower",
        "Écarts relevés par le vérificateur indépendant (une tournée publiée peut en avoir).",
    ),
    Line(
        "cost_vehicles",
        _COSTS,
        "Véhicules (achat amorti)",
        "€/an",
        0,
        "lower",
        "Prix d'achat du véhicule aménagé réparti sur sa durée de vie.",
    ),
    Line(
        "cost_upkeep",
        _COSTS,
        "Entretien et assurance",
        "€/an",
        0,
        "lower",
        "Entretien, assurance, pneus et contrôle technique, par véhicule.",
    ),
    Line(
        "cost_fuel",
        _COSTS,
        "Carburant",
        "€/an",
        0,
        "lower",
        "Kilomètres × consommation × prix du gazole.",
    ),
    Line(
        "cost_staff",
        _COSTS,
        "Personnel",
        "€/an",
        0,
        "lower",
        "Heures de personnel × coût horaire employeur (préparation et bureau non comptés).",
    ),
    Line(
        "cost_kiosks",
        _COSTS,
        "Bornes (achat amorti, maintenance, connexion)",
        "€/an",
        0,
        "lower",
        "Achat réparti sur la durée de vie, maintenance et abonnement internet.",
        optional=True,
    ),
    Line(
        "cost_total",
        _COSTS,
        "Coût annuel total",
        "€/an",
        0,
        "lower",
        "Somme des postes ci-dessus, avant toute aide.",
    ),
    Line(
        "cost_per_newly_covered",
        _COSTS,
        "Coût par habitant nouvellement couvert",
        "€/hab./an",
        0,
        "lower",
        "Coût annuel total ÷ habitants nouvellement couverts (— : aucun habitant nouvellement "
        "couvert).",
    ),
    Line(
        "cost_per_need",
        _COSTS,
        "Coût par habitant pondéré IFN nouvellement couvert",
        "€/an",
        2,
        "lower",
        "Coût annuel total ÷ population pondérée par l'IFN nouvellement couverte.",
    ),
    Line(
        "cost_per_visitor_low",
        _COSTS,
        "Coût par visiteur attendu — bas",
        "€/visiteur",
        0,
        "lower",
        "Coût annuel total ÷ haut de la fourchette des visiteurs attendus (docs/visitors.md).",
        optional=True,
    ),
    Line(
        "cost_per_visitor_high",
        _COSTS,
        "Coût par visiteur attendu — haut",
        "€/visiteur",
        0,
        "lower",
        "Coût annuel total ÷ bas de la fourchette des visiteurs attendus (docs/visitors.md).",
        optional=True,
    ),
    Line(
        "cost_per_presence_hour",
        _COSTS,
        "Coût par heure de présence",
        "€/h",
        0,
        "lower",
        "Coût annuel total ÷ heures de permanence de l'année.",
    ),
    Line(
        "aid",
        _AID,
        "Aides publiques connues",
        "€/an",
        0,
        None,
        "Bus France Services : 30 000 € par an de soutien au fonctionnement et jusqu'à 68 000 € "
        "d'aide à l'investissement (répartie sur la durée de vie), par véhicule aidé.",
        aid=True,
    ),
    Line(
        "cost_total_with_aid",
        _AID,
        "Coût annuel net des aides",
        "€/an",
        0,
        "lower",
        "Coût annuel total − aides publiques connues.",
        aid=True,
    ),
    Line(
        "cost_per_newly_covered_with_aid",
        _AID,
        "Coût net par habitant nouvellement couvert",
        "€/hab./an",
        0,
        "lower",
        "Coût net des aides ÷ habitants nouvellement couverts.",
        aid=True,
    ),
)
_COVERAGE_KEYS = tuple(line.key for line in LINES if line.section == _COVERAGE)
_VISITOR_KEYS = ("visitors_low", "visitors_high", "cost_per_visitor_low", "cost_per_visitor_high")


@dataclass(frozen=True, slots=True)
class Row:
    """A line of the comparison with every scenario's value, its difference to the reference
    (None for the reference itself) and the indices of the best scenarios."""

    line: Line
    label: str  # the French label, threshold filled in
    explain: str
    values: tuple[float | None, ...]
    differences: tuple[float | None, ...]
    best: tuple[int, ...]


def _best(line: Line, values: Sequence[float | None]) -> tuple[int, ...]:
    """Indices of the best values (rounded as shown); none when fewer than two scenarios have a
    value or all shown values are equal."""
    if line.better is None:
        return ()
    shown = {
        n: round(v, line.digits) for n, v in enumerate(values) if v is not None and math.isfinite(v)
    }
    if len(shown) < 2 or len(set(shown.values())) == 1:
        return ()
    pick: Callable[..., float] = max if line.better == "higher" else min
    target = pick(shown.values())
    return tuple(n for n, v in shown.items() if v == target)


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side, the first one being the reference."""

    scenarios: tuple[ScenarioFigures, ...]
    rows: tuple[Row, ...]
    with_aid: bool
    created: str

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.scenarios]

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.line.key == key:
                return r
        raise KeyError(key)

    def sections(self) -> list[tuple[str, list[Row]]]:
        out: list[tuple[str, list[Row]]] = []
        for r in self.rows:
            if not out or out[-1][0] != r.line.section:
                out.append((r.line.section, []))
            out[-1][1].append(r)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data (keys documented in docs/compare.md)."""
        labels = self.labels
        return {
            "schema": SCHEMA,
            "created": self.created,
            "reference": labels[0],
            "with_aid": self.with_aid,
            "scenarios": [s.to_dict() for s in self.scenarios],
            "lines": [
                {
                    "key": r.line.key,
                    "section": r.line.section,
                    "label": r.label,
                    "unit": r.line.unit,
                    "better": r.line.better,
                    "explain": r.explain,
                    "values": dict(zip(labels, r.values)),
                    "differences": dict(zip(labels[1:], r.differences[1:])),
                    "best": [labels[n] for n in r.best],
                }
                for r in self.rows
            ],
        }

    def to_csv(self) -> str:
        """French spreadsheet CSV (``;``, decimal comma, no thousands separator): one row per
        line; one column per scenario, one per difference to the reference, and the best."""
        labels = self.labels
        header = [
            "rubrique",
            "ligne",
            "unité",
            *labels,
            *(f"écart {b} − {labels[0]}" for b in labels[1:]),
            "meilleur",
        ]

        def cell(v: float | None, digits: int) -> str:
            return "" if v is None else spreadsheet_number(v, digits)

        rows = [
            [
                r.line.section,
                r.label,
                r.line.unit,
                *(cell(v, r.line.digits) for v in r.values),
                *(cell(v, r.line.digits) for v in r.differences[1:]),
                " ; ".join(labels[n] for n in r.best),
            ]
            for r in self.rows
        ]
        return csv_text([header, *rows])


def _text(template: str, ref: ScenarioFigures, same_threshold: bool = True) -> str:
    """A line's label or explanation with the reference's threshold, kiosk reach and CO2 factor;
    "du seuil" instead of a number of minutes when the scenarios' thresholds differ."""
    cov = ref.coverage
    if not same_threshold:
        template = template.replace("de {t} min", "du seuil")
    t = number_fr(cov.threshold, 0) if cov is not None else "30"
    r = number_fr(min(cov.borne_reach, cov.threshold), 0) if cov is not None else "10"
    co2 = number_fr(ref.operations.co2_kg_per_l, 2)
    return template.format(t=t, r=r, co2=co2)


def compare(scenarios: Sequence[ScenarioFigures], *, with_aid: bool = False) -> Comparison:
    """Line the scenarios up against the first one. Aid lines are kept when ``with_aid`` or any
    scenario's ``[costs] include_public_aid`` is set; optional lines only when some scenario has
    a value; coverage lines unless no scenario has coverage (all standalone)."""
    if not scenarios:
        raise ValueError("compare() needs at least one scenario")
    labels = [s.label for s in scenarios]
    if len(set(labels)) != len(labels):
        raise ValueError(f"scenario labels must be unique, got {labels}")
    with_aid = with_aid or any(s.costs.rates.get("include_public_aid") for s in scenarios)
    metrics = [s.metrics() for s in scenarios]
    metrics = [m | financing_metrics(s.financing) for m, s in zip(metrics, scenarios)]
    ref = scenarios[0]
    same = len({s.coverage.threshold for s in scenarios if s.coverage is not None}) <= 1
    rows = []
    for line in (*LINES, *financing_lines(scenarios)):
        if line.aid and not with_aid:
            continue
        values = tuple(m.get(line.key) for m in metrics)
        if (
            line.optional
            and not any(values)
            or line.section == _COVERAGE
            and all(v is None for v in values)
        ):
            continue
        base = values[0]
        diffs = tuple(
            None if n == 0 or v is None or base is None else v - base for n, v in enumerate(values)
        )
        label, explain = _text(line.label, ref, same), _text(line.explain, ref, same)
        rows.append(Row(line, label, explain, values, diffs, _best(line, values)))
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    return Comparison(tuple(scenarios), tuple(rows), with_aid, created)


def financing_metrics(plan: FinancingPlan | None) -> dict[str, float | None]:
    """Each counted funding line (``funding:<id>``), the total funding and the rest to pay."""
    if plan is None:
        return {}
    return {f"funding:{x.id}": x.per_year for x in plan.counted()} | {
        "funding_total": plan.funding,
        "rest_to_pay": plan.rest,
    }


def financing_lines(scenarios: Sequence[ScenarioFigures]) -> list[Line]:
    """The financing plan's lines: each funding line counted in some scenario (in the
    table's order), the total funding and the rest left to the local authorities."""
    plans = [s.financing for s in scenarios if s.financing is not None]
    if not plans:
        return []
    years = sorted({p.year for p in plans})
    section = f"Plan de financement {years[0]}" if len(years) == 1 else "Plan de financement"
    seen: dict[str, Any] = {}
    for plan in plans:
        for x in plan.lines:
            if x.counted and x.id not in seen:
                seen[x.id] = x
    funded = [
        Line(f"funding:{x.id}", section, f"{x.funder} — {x.label}", "€/an", 0, None, x.explain_fr)
        for x in seen.values()
    ]
    return [
        *funded,
        Line(
            "funding_total",
            section,
            "Total des financements publics",
            "€/an",
            0,
            None,
            "Somme des lignes de financement dont les conditions sont remplies, pour l'année "
            "de chaque scénario (clé costs.year ; défaut : l'année en cours), plafonnée au coût "
            "annuel total. Conditions et sources : docs/financing.md.",
        ),
        Line(
            "rest_to_pay",
            section,
            "Reste à charge des collectivités",
            "€/an",
            0,
            "lower",
            "Coût annuel total − financements publics (jamais négatif).",
        ),
    ]


def unique_labels(names: Sequence[str], paths: Sequence[str | Path]) -> list[str]:
    """Scenario names made unique: a repeated name gets its file name, then a number."""
    labels = [
        f"{name} ({Path(path).name})" if list(names).count(name) > 1 else name
        for name, path in zip(names, paths)
    ]
    repeated = {label for label in labels if labels.count(label) > 1}
    seen: dict[str, int] = {}
    for n, label in enumerate(labels):
        if label in repeated:
            seen[label] = seen.get(label, 0) + 1
            labels[n] = f"{label} #{seen[label]}"
    return labels


def cost_assumptions_fr(comparison: Comparison) -> str:
    """The reference scenario's cost rates in one French line (printed under the table)."""
    rates = comparison.scenarios[0].costs.rates
    shown = ", ".join(
        f"{RATES_FR[k][0].lower()} {number_fr(rates[k], 2 if rates[k] % 1 else 0)} {RATES_FR[k][1]}"
        for k in (
            "fuel_price_per_l",
            "fuel_l_per_100km",
            "co2_kg_per_l",
            "staff_cost_per_hour",
            "purchase_cost",
            "lifetime_years",
            "working_weeks_per_year",
        )
    )
    return f"Hypothèses de coût (référence, section costs) : {shown}. Sources : docs/compare.md."
