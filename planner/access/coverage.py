"""Coverage analysis: how far every commune is from each kind of help, and who is left out.

For each commune (a :class:`~geodata.records.CommunePoint`) and each kind of help — fixed France
Services, any lieu de médiation numérique, borne interactive, scheduled stop of a mobile service —
it gives the travel time to the nearest one and its name, whether the commune is covered at a
threshold (default 30 minutes, the State's France Services promise), the frequency and the hours
of presence per month of mobile stops within reach, a French status, and the need (population ×
IFN). It totals population and IFN-weighted population covered and not covered by kind, lists
gap communes by need, and compares a situation before and after added stops or kiosks.

Rules (see ``docs/coverage.md``):

- human help = a fixed France Services, a lieu de médiation or a mobile stop within the threshold;
- a borne is partial help, kept apart: it counts only within ``borne_reach`` minutes (default 10)
  and only for communes without human help ("borne seulement");
- the bases of mobile services (``france_services_mobile``) are not places of help; their stops
  are (:func:`stops_from_rotas`);
- communes without coordinates are an error (:class:`~geodata.errors.DataError` naming them):
  dropping them would silently misstate the population left out. Services without coordinates
  cannot be reached: they are left out and listed in :attr:`CoverageResult.excluded_services`.
- services just outside the area count: callers pass services from a margin around it.

It must not read files, databases or the network (the router may be OSRM, given by the caller).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geodata.records import (
    CommunePoint,
    ParsedRota,
    RecurrenceKind,
    RotaStop,
    ServiceKind,
    ServicePoint,
)
from planner.access.matrices import Reach, reach
from planner.access.routers import OfflineModel, Points, Router
from planner.defaults import DEFAULT_THRESHOLD
from planner.errors import ParameterError
from planner.tours.model import WEEKS_PER_MONTH, Frequency

DEFAULT_BORNE_REACH = 10.0  # minutes: a self-service kiosk helps the people of its own surroundings
DEFAULT_VISIT_HOURS = (
    3.0  # hours of a permanence when neither the rota nor the service says (half-day)
)

KINDS = ("france_services", "mediation", "borne", "mobile_stop")
_SERVICE_KINDS = {
    ServiceKind.FRANCE_SERVICES: "france_services",
    ServiceKind.MEDIATION: "mediation",
    ServiceKind.BORNE: "borne",
}
VISITS_PER_MONTH = {
    Frequency.WEEKLY: WEEKS_PER_MONTH,
    Frequency.FORTNIGHTLY: WEEKS_PER_MONTH / 2,
    Frequency.MONTHLY: 1.0,
}
FREQUENCY_LABEL_FR = {
    "weekly": "hebdomadaire",
    "fortnightly": "tous les 15 jours",
    "monthly": "mensuel",
}

STATUS_COVERED = "couverte"
STATUS_BORNE_ONLY = "borne seulement"
STATUS_NOT_COVERED = "non couverte"

MEASURES_FR = {
    "france_services": "France Services (fixe)",
    "mediation": "Lieu de médiation numérique",
    "mobile_stop": "Arrêt d'un service itinérant",
    "fs_or_mobile": "France Services ou arrêt itinérant",
    "human": "Aide humaine (toutes formes)",
    "borne_only": "Borne seulement (couverture partielle)",
}


def status_mobile(frequency: str) -> str:
    return f"couverte par un bus ({FREQUENCY_LABEL_FR[frequency]})"


@dataclass(frozen=True, slots=True)
class MobileStop:
    """A scheduled stop of a mobile service in a commune (from a rota, or added by a scenario)."""

    id: str
    service_id: str
    service_name: str
    insee: str
    lon: float | None
    lat: float | None
    frequency: Frequency = Frequency.MONTHLY
    hours_per_visit: float = DEFAULT_VISIT_HOURS

    @property
    def hours_per_month(self) -> float:
        return VISITS_PER_MONTH[self.frequency] * self.hours_per_visit

    @property
    def name(self) -> str:
        return f"{self.service_name} — arrêt {self.insee}"


def _stop_frequency(kind: RecurrenceKind) -> Frequency:
    # "2e mardi" and "dernier jour du mois" come once a month; an unknown recurrence is counted
    # as monthly, the rarest frequency a rota has (never overstating presence).
    return {
        RecurrenceKind.WEEKLY: Frequency.WEEKLY,
        RecurrenceKind.FORTNIGHTLY: Frequency.FORTNIGHTLY,
    }.get(kind, Frequency.MONTHLY)


def _visit_hours(stop: RotaStop, rota: ParsedRota) -> tuple[float, bool]:
    """Hours of one visit: the rota's own hours, else the service's hours that day, else a
    half-day."""
    rec = stop.recurrence
    if rec.start is not None and rec.end is not None and rec.end > rec.start:
        return (rec.end - rec.start) / 60.0, True
    intervals = rota.hours.get(rec.weekday, ()) if rec.weekday is not None else ()
    if not intervals and rec.weekday is None and rota.hours:
        intervals = max(rota.hours.values(), key=lambda ivs: sum(i.end - i.start for i in ivs))
    if rec.part_of_day == "matin":
        intervals = tuple(i for i in intervals if i.start < 12 * 60)
    elif rec.part_of_day == "après-midi":
        intervals = tuple(i for i in intervals if i.end > 13 * 60)
    minutes = sum(i.end - i.start for i in intervals)
    if minutes > 0:
        return minutes / 60.0, True
    return DEFAULT_VISIT_HOURS, False


def stops_from_rotas(
    rotas: Iterable[ParsedRota], communes: Sequence[CommunePoint]
) -> tuple[list[MobileStop], list[str]]:
    """Mobile stops placed at their commune's point, and the rota stops that could not be used.

    ``communes`` must include the stops' communes (pass the area plus its margin).
    """
    where = {c.code: c for c in communes}
    stops: list[MobileStop] = []
    issues: list[str] = []
    for rota in rotas:
        for stop in rota.stops:
            label = f"{rota.service_name} ({rota.service_id}), stop {stop.order} {stop.raw_name!r}"
            if stop.insee is None:
                issues.append(f"{label}: commune not identified, stop ignored")
                continue
            commune = where.get(stop.insee)
            if commune is None or commune.lon is None or commune.lat is None:
                issues.append(f"{label}: commune {stop.insee} has no loaded point, stop ignored")
                continue
            hours, known = _visit_hours(stop, rota)
            if not known:
                issues.append(
                    f"{label}: hours unknown, counted as a half-day ({DEFAULT_VISIT_HOURS:g} h)"
                )
            if stop.recurrence.kind is RecurrenceKind.UNKNOWN:
                issues.append(f"{label}: recurrence unknown, counted as monthly")
            stops.append(
                MobileStop(
                    id=f"{rota.service_id}#{stop.order}",
                    service_id=rota.service_id,
                    service_name=rota.service_name,
                    insee=stop.insee,
                    lon=commune.lon,
                    lat=commune.lat,
                    frequency=_stop_frequency(stop.recurrence.kind),
                    hours_per_visit=hours,
                )
            )
    return stops, issues


def check_threshold(threshold: float, what: str = "threshold") -> float:
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold > 0):
        raise ParameterError(what, f"expected a positive number of minutes, got {threshold}")
    return float(threshold)


@dataclass(frozen=True)
class CoverageInputs:
    """Everything a coverage analysis needs: communes, services, mobile stops, threshold, router."""

    communes: tuple[CommunePoint, ...]
    services: tuple[ServicePoint, ...] = ()
    stops: tuple[MobileStop, ...] = ()
    threshold: float = DEFAULT_THRESHOLD
    router: Router = field(default_factory=OfflineModel)
    borne_reach: float = DEFAULT_BORNE_REACH

    def __post_init__(self) -> None:
        object.__setattr__(self, "communes", tuple(self.communes))
        object.__setattr__(self, "services", tuple(self.services))
        object.__setattr__(self, "stops", tuple(self.stops))
        check_threshold(self.threshold)
        check_threshold(self.borne_reach, "borne reach")

    def with_additions(
        self, stops: Iterable[MobileStop] = (), kiosks: Iterable[ServicePoint] = ()
    ) -> CoverageInputs:
        return replace(
            self, stops=self.stops + tuple(stops), services=self.services + tuple(kiosks)
        )

    @property
    def borne_threshold(self) -> float:
        return min(self.threshold, self.borne_reach)


@dataclass(frozen=True)
class CoverageResult:
    """Per-commune table (index: INSEE code), totals by kind, and what was left out."""

    communes: pd.DataFrame
    totals: pd.DataFrame
    threshold: float
    router: str
    excluded_services: tuple[str, ...] = ()

    @property
    def gaps(self) -> pd.DataFrame:
        """Communes without human help within the threshold, by decreasing need then population."""
        gaps = self.communes[~self.communes["covered_human"]]
        return gaps.sort_values(
            ["need", "population"], ascending=False, na_position="last", kind="stable"
        )


def need_of(communes: Sequence[CommunePoint]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population, IFN (NaN when unknown) and need = population × IFN (NaN when IFN unknown)."""
    population = np.array([c.population for c in communes], dtype=np.float64)
    ifn = np.array([np.nan if c.ifn is None else c.ifn for c in communes], dtype=np.float64)
    return population, ifn, population * ifn


def _service_groups(
    services: Sequence[ServicePoint],
) -> tuple[dict[str, list[ServicePoint]], list[str]]:
    groups: dict[str, list[ServicePoint]] = {k: [] for k in KINDS if k != "mobile_stop"}
    excluded = []
    for s in services:
        kind = _SERVICE_KINDS.get(s.kind)
        if kind is None:
            continue
        if s.lon is None or s.lat is None or not (math.isfinite(s.lon) and math.isfinite(s.lat)):
            excluded.append(s.id)
            continue
        groups[kind].append(s)
    return groups, excluded


def _nearest_columns(
    table: dict[str, np.ndarray], kind: str, found: Reach, ids: Sequence[str], names: Sequence[str]
) -> None:
    has = found.nearest >= 0
    table[f"{kind}_minutes"] = np.where(has, found.minutes, np.nan)
    table[f"{kind}_km"] = np.where(has, found.km, np.nan)
    id_array = np.array(list(ids) + [None], dtype=object)
    name_array = np.array(list(names) + [None], dtype=object)
    table[f"{kind}_id"] = id_array[found.nearest]  # index -1 picks the trailing None
    table[f"{kind}_name"] = name_array[found.nearest]


def analyse(inputs: CoverageInputs) -> CoverageResult:
    """Coverage of every commune of ``inputs`` (see the module docstring for the rules)."""
    communes = inputs.communes
    points = Points.of(communes, what="communes")
    threshold, router = inputs.threshold, inputs.router
    population, ifn, need = need_of(communes)
    table: dict[str, np.ndarray] = {
        "name": np.array([c.name for c in communes], dtype=object),
        "departement": np.array([c.departement for c in communes], dtype=object),
        "epci": np.array([c.epci for c in communes], dtype=object),
        "population": population.astype(np.int64),
        "ifn": ifn,
        "need": need,
    }

    groups, excluded = _service_groups(inputs.services)
    within: dict[str, np.ndarray] = {}
    for kind, services in groups.items():
        limit = inputs.borne_threshold if kind == "borne" else threshold
        found = reach(router, points, Points.of(services, what=kind, id_attr="id"), None)
        _nearest_columns(table, kind, found, [s.id for s in services], [s.name for s in services])
        within[kind] = table[f"{kind}_minutes"] <= limit

    stops = [s for s in inputs.stops if s.lon is not None and s.lat is not None]
    excluded += [s.id for s in inputs.stops if s.lon is None or s.lat is None]
    found = reach(router, points, Points.of(stops, what="mobile stops", id_attr="id"), threshold)
    _nearest_columns(table, "mobile_stop", found, [s.id for s in stops], [s.name for s in stops])
    within["mobile_stop"] = table["mobile_stop_minutes"] <= threshold
    hours = np.array([s.hours_per_month for s in stops], dtype=np.float64)
    visits = np.array([VISITS_PER_MONTH[s.frequency] for s in stops], dtype=np.float64)
    n = len(communes)
    table["mobile_hours_month"] = np.bincount(
        found.pair_source, weights=hours[found.pair_destination], minlength=n
    )
    best_visits = np.zeros(n)
    np.maximum.at(best_visits, found.pair_source, visits[found.pair_destination])
    by_visits = {VISITS_PER_MONTH[f]: f.value for f in VISITS_PER_MONTH}
    table["mobile_frequency"] = np.array([by_visits.get(v) for v in best_visits], dtype=object)

    fixed_help = within["france_services"] | within["mediation"]
    table["covered_fs"] = within["france_services"]
    table["covered_mediation"] = within["mediation"]
    table["covered_mobile"] = within["mobile_stop"]
    table["covered_human"] = fixed_help | within["mobile_stop"]
    table["covered_borne_only"] = ~table["covered_human"] & within["borne"]
    status = np.full(n, STATUS_NOT_COVERED, dtype=object)
    status[table["covered_borne_only"]] = STATUS_BORNE_ONLY
    for freq in ("monthly", "fortnightly", "weekly"):
        status[~fixed_help & within["mobile_stop"] & (table["mobile_frequency"] == freq)] = (
            status_mobile(freq)
        )
    status[fixed_help] = STATUS_COVERED
    table["status"] = status

    frame = pd.DataFrame(table, index=pd.Index([c.code for c in communes], name="code"))
    return CoverageResult(frame, totals(frame), threshold, router.describe(), tuple(excluded))


def totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Population and need covered / not covered, by kind of help (rows) — see
    :data:`MEASURES_FR`."""
    columns = {
        "france_services": "covered_fs",
        "mediation": "covered_mediation",
        "mobile_stop": "covered_mobile",
        "fs_or_mobile": None,
        "human": "covered_human",
        "borne_only": "covered_borne_only",
    }
    population = frame["population"].to_numpy(dtype=np.float64)
    need = np.nan_to_num(frame["need"].to_numpy(dtype=np.float64))
    rows = []
    for measure, column in columns.items():
        if column is None:
            covered = frame["covered_fs"].to_numpy(dtype=bool) | frame["covered_mobile"].to_numpy(
                dtype=bool
            )
        else:
            covered = frame[column].to_numpy(dtype=bool)
        rows.append(
            {
                "measure": measure,
                "label_fr": MEASURES_FR[measure],
                "communes_covered": int(covered.sum()),
                "communes_not_covered": int((~covered).sum()),
                "population_covered": int(population[covered].sum()),
                "population_not_covered": int(population[~covered].sum()),
                "need_covered": float(need[covered].sum()),
                "need_not_covered": float(need[~covered].sum()),
                "share_population_covered": float(population[covered].sum() / population.sum())
                if population.sum() > 0
                else math.nan,
            }
        )
    return pd.DataFrame(rows).set_index("measure")


@dataclass(frozen=True)
class BeforeAfter:
    """Coverage before and after added stops or kiosks, and the difference."""

    before: CoverageResult
    after: CoverageResult

    @property
    def difference(self) -> pd.DataFrame:
        """after − before for every numeric total (positive = more covered)."""
        numeric = self.before.totals.select_dtypes("number").columns
        return self.after.totals[numeric] - self.before.totals[numeric]

    @property
    def changed(self) -> pd.DataFrame:
        """Communes whose status changed, by decreasing need."""
        b, a = self.before.communes, self.after.communes
        moved = b["status"] != a["status"]
        out = pd.DataFrame(
            {
                "name": b["name"][moved],
                "population": b["population"][moved],
                "need": b["need"][moved],
                "status_before": b["status"][moved],
                "status_after": a["status"][moved],
            }
        )
        return out.sort_values(
            ["need", "population"], ascending=False, na_position="last", kind="stable"
        )


def before_after(
    base: CoverageInputs,
    added_stops: Iterable[MobileStop] = (),
    added_kiosks: Iterable[ServicePoint] = (),
) -> BeforeAfter:
    """The same analysis on ``base`` and on ``base`` plus the added stops and kiosks."""
    return BeforeAfter(analyse(base), analyse(base.with_additions(added_stops, added_kiosks)))
