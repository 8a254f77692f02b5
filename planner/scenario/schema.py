"""The scenario schema (pydantic v2): every table and key, strict types, extra keys forbidden.

Every key with its default and source is documented in docs/scenarios.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from planner.access.service import ServiceLevels
from planner.analysis.visitors import (
    DEFAULT_HIGH,
    DEFAULT_LOW,
    DEFAULT_PER_AGENT_HOUR,
    FITTED_RATE,
    VisitorParameters,
)
from planner.dates import parse_date
from planner.scenario.values import (
    HALF_DAY_MINUTES,
    PERSONAL_FIELDS,
    AreaCode,
    Clock,
    DayList,
    DayValue,
    Departement,
    FrequencyValue,
    Insee,
    Minutes,
    Name,
    Permanence,
    PermanenceValue,
    RoomRange,
    TimeRange,
    Weekday,
    WindowValue,
    candidate_communes,
    check_place,
    minutes_value,
    shown,
    whole_number,
)
from planner.tours.model import Frequency

# --- the schema ---------------------------------------------------------------------------------


class _Model(BaseModel):
    # allow_inf_nan: TOML reads `inf` and `nan`; no key but the last speed band takes them.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Territory(_Model):
    """Where the scenario plays: communes of these départements, EPCI and communes."""

    departements: list[Departement] = []
    epcis: list[str] = []
    communes: list[Insee] = []

    @property
    def empty(self) -> bool:
        return not (self.departements or self.epcis or self.communes)


class DataSection(_Model):
    """Which territory database: ``database`` (SQLAlchemy URL or a SQLite file path, relative to
    the scenario's folder) or the default one; ``standalone = true`` forbids any database use."""

    database: str | None = None
    standalone: bool = False


class HorizonSection(_Model):
    weeks: Annotated[int, whole_number(1, 2, 4)] | None = None  # default: 4 when monthly, else 1
    monthly: bool = False
    last_day_of_month: bool = False
    weekdays: list[Weekday] = [0, 1, 2, 3, 4]
    days_off: list[DayValue] = []


def _period_start(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"attendu une date AAAA-MM-JJ sans heure, reçu {shown(value)}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise ValueError(f'attendu une date AAAA-MM-JJ, par exemple "2027-01-04", reçu {shown(value)}')


class PeriodSection(_Model):
    """The dated period of the bookings: ``working_days`` working days from ``start``
    (public holidays and the cycle's days off skipped)."""

    start: Annotated[date, PlainValidator(_period_start)]
    working_days: int = Field(ge=1, le=20)


class TravelSection(_Model):
    """Travel times: the offline model (optionally with other parameters) or an OSRM server."""

    model: Literal["offline", "osrm"] = "offline"
    osrm_url: str | None = None
    circuity: float | None = None
    bands: list[list[Annotated[float, Field(allow_inf_nan=True)]]] | None = (
        None  # [[up_to_road_km, kmh], …, [inf, kmh]]
    )
    access_minutes: float | None = None

    @model_validator(mode="after")
    def _osrm(self) -> TravelSection:
        if self.bands is not None and any(len(b) != 2 for b in self.bands):
            raise ValueError("bands: expected pairs [up_to_road_km, kmh]")
        if self.model == "osrm" and not self.osrm_url:
            raise ValueError('model = "osrm" needs osrm_url = "http://host:5000"')
        return self


class PlaceRef(_Model):
    """A place: a commune (INSEE code, the commune's point), a host site id, or coordinates.
    A bare string in the file is a commune code."""

    commune: Insee | None = None
    site: str | None = None
    lon: float | None = None
    lat: float | None = None
    name: Name | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_code(cls, value: Any) -> Any:
        return {"commune": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> PlaceRef:
        check_place(self.commune, self.site, self.lon, self.lat)
        return self

    @property
    def has_point(self) -> bool:
        return self.lon is not None


class LunchSpec(_Model):
    window: TimeRange = (12 * 60.0, 14 * 60.0)
    duration: Minutes = 60.0


class VehicleSpec(_Model):
    id: Name
    name: Name | None = None
    base: PlaceRef | None = None  # required, except in an [asis] scenario (the service's commune)
    end_base: PlaceRef | None = None
    weekdays: list[Weekday] | None = None
    days_off: list[DayValue] = []
    shift: TimeRange = (8 * 60 + 30.0, 17 * 60 + 30.0)
    max_work: Minutes | None = None
    max_drive: Minutes | None = None
    lunch: LunchSpec | None = LunchSpec()  # lunch = false: no break
    features: list[str] = []
    wheelchair_places: int = Field(default=0, ge=0)
    max_stops_per_day: int | None = Field(default=None, ge=1)
    cost_per_km: float = Field(default=0.0, ge=0)
    cost_per_hour: float = Field(default=0.0, ge=0)
    count: int = Field(default=1, ge=1, le=50)
    # Service area: départements, EPCI (SIREN) or communes (INSEE); None: anywhere.
    area: list[AreaCode] | None = None
    # For cost comparisons (issue 5); None: the [costs] default.
    staff: int = Field(default=1, ge=1)
    purchase_cost: float | None = Field(default=None, ge=0)
    lifetime_years: float | None = Field(default=None, gt=0)
    upkeep_per_year: float | None = Field(default=None, ge=0)
    fuel_l_per_100km: float | None = Field(default=None, ge=0)
    co2_kg_per_km: float | None = Field(default=None, ge=0)
    # Financing plan (planner.analysis.financing); None: the [costs] value.
    france_services: bool | None = None  # labelled France Services (gets the State's grant)
    purchase_year: int | None = Field(default=None, ge=1990, le=2100)

    @model_validator(mode="before")
    @classmethod
    def _lunch_flag(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("lunch"), bool):
            value = dict(value)
            value["lunch"] = {} if value["lunch"] else None
        return value


class StopDefaults(_Model):
    """Defaults of every stop and candidate (``[stops]``), and the explicit list."""

    permanence: PermanenceValue = Permanence(HALF_DAY_MINUTES, label="demi-journée")
    frequency: FrequencyValue = Frequency.WEEKLY
    window: RoomRange = (9 * 60.0, 17 * 60.0)  # the room a mairie lends; false: any time
    weekdays: list[Weekday] | None = None
    features: list[str] = []
    mandatory: bool = True
    entries: list[StopSpec] = Field(default=[], alias="list")  # the [[stops.list]] array


class StopSpec(_Model):
    id: Name | None = None
    name: Name | None = None
    commune: Insee | None = None
    site: str | None = None
    lon: float | None = None
    lat: float | None = None
    permanence: PermanenceValue | None = None
    frequency: FrequencyValue | None = None
    mandatory: bool | None = None
    value: float | None = Field(default=None, ge=0)
    weekdays: list[Weekday] | None = None
    window: RoomRange | None = None
    windows: list[WindowValue] | None = None
    features: list[str] | None = None
    seats: int = Field(default=0, ge=0)
    day: DayList | None = None  # fixed day(s): "2e mardi", ["mardi semaine 1", …]
    published_day: DayList | None = None  # day(s) residents know today ([stability])
    published_start: Clock | None = None  # the start time they know, "09:30"

    @model_validator(mode="after")
    def _place(self) -> StopSpec:
        check_place(self.commune, self.site, self.lon, self.lat)
        if self.window is not None and self.windows is not None:
            raise ValueError("give window or windows, not both")
        if self.published_start is not None and self.published_day is None:
            raise ValueError("published_start needs published_day (the day residents know)")
        return self

    @property
    def place(self) -> PlaceRef:
        return PlaceRef(
            commune=self.commune, site=self.site, lon=self.lon, lat=self.lat, name=self.name
        )


StopDefaults.model_rebuild()


class CandidatesSection(_Model):
    """Optional stops the engine may add, each worth the need it covers."""

    communes: Annotated[str | list[str], PlainValidator(candidate_communes)] = "all"
    without_france_services_within: float | None = Field(default=None, gt=0)  # default: threshold
    value: float | None = Field(default=None, ge=0)  # same value for all; default: computed
    max: int | None = Field(default=None, ge=1)
    permanence: PermanenceValue | None = None
    frequency: FrequencyValue | None = None


class RequestSpec(_Model):
    id: Name
    commune: Insee | None = None
    lon: float | None = None
    lat: float | None = None
    duration: Minutes = 60.0
    windows: list[WindowValue] = []
    mandatory: bool = True
    seats: int = Field(default=0, ge=0)
    features: list[str] = []
    value: float = Field(default=0.0, ge=0)
    # Personal data (PERSONAL_FIELDS): accepted, never copied into outputs unless asked.
    requester_name: str | None = None
    requester_phone: str | None = None
    requester_email: str | None = None
    address: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _place(self) -> RequestSpec:
        check_place(self.commune, None, self.lon, self.lat)
        return self

    @property
    def place(self) -> PlaceRef:
        return PlaceRef(commune=self.commune, lon=self.lon, lat=self.lat)

    def personal(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in PERSONAL_FIELDS if getattr(self, k) is not None}


class ObjectiveSection(_Model):
    value_weight: float = Field(default=1.0, ge=0)
    km_weight: float = Field(default=1.0, ge=0)
    hour_weight: float = Field(default=0.0, ge=0)
    regularity_tolerance: Minutes = 0.0


def _engine(value: Any) -> str:
    from planner.engine import ENGINES

    if isinstance(value, str) and value in ENGINES:
        return value
    raise ValueError(
        f"expected one of the engines {', '.join(map(repr, ENGINES))}, got {shown(value)}"
    )


class SolverSection(_Model):
    engine: Annotated[str, PlainValidator(_engine)] = (
        "periodic"  # OR-Tools routing + periodic search
    )
    time_limit: float = Field(default=30.0, gt=0)
    seed: int = Field(default=0, ge=0)
    deterministic: bool = False
    threads: int = Field(default=1, ge=1)


class CoverageSection(_Model):
    threshold: float = Field(default=30.0, gt=0)  # the State's 30-minute France Services promise
    borne_reach: float = Field(default=10.0, gt=0)


class FrequencyWeights(_Model):
    """Weight of a permanence's frequency in its service level (planner.access.service)."""

    weekly: float = Field(default=1.0, gt=0, le=1)
    fortnightly: float = Field(default=0.8, gt=0, le=1)
    monthly: float = Field(default=0.6, gt=0, le=1)
    once: float = Field(default=0.3, gt=0, le=1)


class ValueSection(_Model):
    """How a plan's value is counted: each commune's need times the gain of its service level,
    once (docs/planning-model.md). ``mode = "flat"``: covered or not, once (maximal covering)."""

    mode: Literal["service", "flat"] = "service"
    need: Literal["population_ifn", "population"] = "population_ifn"
    frequency: FrequencyWeights = FrequencyWeights()
    full_day_hours: float = Field(default=5.0, gt=0, le=24)
    neighbour: float = Field(default=0.5, gt=0, le=1)
    at_threshold: float = Field(default=0.25, ge=0, le=1)
    kiosk: float = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="after")
    def _levels(self) -> ValueSection:
        self.levels()  # ParameterError (a ValueError) naming the key
        return self

    def levels(self) -> ServiceLevels:
        w = self.frequency
        return ServiceLevels(
            mode=self.mode,
            frequency={
                Frequency.WEEKLY: w.weekly,
                Frequency.FORTNIGHTLY: w.fortnightly,
                Frequency.MONTHLY: w.monthly,
                Frequency.ONCE: w.once,
            },
            full_day_hours=self.full_day_hours,
            neighbour=self.neighbour,
            at_threshold=self.at_threshold,
            kiosk=self.kiosk,
        )


class ExistingSpec(_Model):
    """A permanence of another operator (another bus's published stop, a conseiller's
    permanence): existing service the plan fills the gaps of instead of duplicating it."""

    commune: Insee
    name: Name | None = None
    frequency: FrequencyValue = Frequency.MONTHLY
    permanence: PermanenceValue = Permanence(HALF_DAY_MINUTES, with_lunch=False)
    operator: str = ""


class CostsSection(_Model):
    """Rates of the yearly cost model (:mod:`planner.analysis.costs`, ``itinerance compare``).

    Every default is documented with its source, or marked as an assumption, in docs/compare.md.
    A vehicle's own ``purchase_cost``, ``lifetime_years``, ``upkeep_per_year``,
    ``fuel_l_per_100km``, ``co2_kg_per_km`` and ``staff`` override these for that vehicle.
    """

    fuel_price_per_l: float = Field(default=1.70, ge=0)
    co2_kg_per_l: float = Field(default=3.1, ge=0)
    fuel_l_per_100km: float = Field(default=11.0, ge=0)
    staff_cost_per_hour: float = Field(default=25.0, ge=0)
    purchase_cost: float = Field(default=90000.0, ge=0)
    upkeep_per_year: float = Field(default=3000.0, ge=0)
    lifetime_years: float = Field(default=10.0, gt=0)
    interest_rate: float = Field(default=0.0, ge=0, le=0.5)
    working_weeks_per_year: float = Field(default=47.0, gt=0, le=52.18)
    kiosk_purchase_cost: float = Field(default=8000.0, ge=0)
    kiosk_lifetime_years: float = Field(default=5.0, gt=0)
    kiosk_upkeep_per_year: float = Field(default=1000.0, ge=0)
    kiosk_connectivity_per_year: float = Field(default=600.0, ge=0)
    public_aid_operating_per_year: float = Field(default=30000.0, ge=0)
    public_aid_investment: float = Field(default=68000.0, ge=0)
    aided_vehicles: int | None = Field(default=None, ge=0)  # None: every vehicle
    include_public_aid: bool = False
    # Financing plan (planner.analysis.financing, docs/financing.md): the funding table (a TOML
    # file relative to the scenario; None: the one shipped in scenarios/data/financements.toml),
    # the year it is read for (None: the current year), whether the vehicles are labelled France
    # Services (None: true for an [asis] France Services rota, else false), the year they were
    # bought (None: the scenario's year) and the conseiller numérique posts of the service.
    financing: str | None = Field(default=None, min_length=1)
    year: int | None = Field(default=None, ge=1990, le=2100)
    france_services: bool | None = None
    purchase_year: int | None = Field(default=None, ge=1990, le=2100)
    conseiller_numerique_posts: float = Field(default=0.0, ge=0, le=100)


class BudgetSection(_Model):
    """The most the service may cost per year (``[budget]``): a hard cap on the plan's yearly
    cost of :mod:`planner.analysis.costs` (vehicles, upkeep, kiosks, fuel, staff), gross or net
    of the known public aid (``[costs] public_aid_*``)."""

    max_per_year: float = Field(ge=0)
    basis: Literal["gross", "net"] = "gross"


class KiosksSection(_Model):
    """Self-service kiosks (bornes interactives) the scenario adds: partial coverage, costed.

    ``communes`` lists them; ``choose = k`` lets the maximal covering model
    (:func:`planner.access.siting.maximal_covering`, kind borne) place ``k`` among the territory's
    communes (or ``candidates``) when the problem is built.
    """

    communes: list[Insee] = []
    choose: int | None = Field(default=None, ge=1, le=1000)
    candidates: list[Insee] | None = None


# Defaults of [stability], in objective units per visit (km with the default km_weight = 1);
# their reasoning is in docs/scenarios.md ("[stability]").
DEFAULT_DAY_CHANGE = 100.0
DEFAULT_TIME_CHANGE = 20.0
DEFAULT_TIME_TOLERANCE = 15.0
MAX_TIME_TOLERANCE = 120.0


def _tolerance(value: Any) -> float:
    minutes = minutes_value(value)
    if minutes > MAX_TIME_TOLERANCE:
        raise ValueError(
            f"expected at most {MAX_TIME_TOLERANCE:g} minutes (beyond, any time of the day "
            f"counts as the published one), got {shown(value)}"
        )
    return minutes


class StabilitySection(_Model):
    """Days (and times) residents already know: keep them unless a change pays.

    ``published``: a scenario file (relative to this one) whose ``[asis]`` rota is the published
    one, or ``rota``: the ``id_fs`` of that rota in the France Services list (as ``[asis]``);
    stops are matched by commune. With ``plan --initial``, the previous plan's days count as
    published for stops that have none.
    """

    day_change: float = Field(default=DEFAULT_DAY_CHANGE, ge=0, allow_inf_nan=False)
    time_change: float = Field(default=DEFAULT_TIME_CHANGE, ge=0, allow_inf_nan=False)
    time_tolerance: Annotated[float, PlainValidator(_tolerance)] = DEFAULT_TIME_TOLERANCE
    published: str | None = Field(default=None, min_length=1)
    rota: str | None = Field(default=None, min_length=1)
    departement: Departement | None = None

    @model_validator(mode="after")
    def _one_source(self) -> StabilitySection:
        if self.published is not None and self.rota is not None:
            raise ValueError("give published (a scenario file) or rota (an id_fs), not both")
        return self


class VisitorsSection(_Model):
    """The expected visitors model (:mod:`planner.analysis.visitors`, docs/visitors.md):
    ``rate`` fitted on La Rur@linette 2023, the capacity per agent and hour, and the range."""

    rate: float = Field(default=FITTED_RATE, gt=0)  # visitors a year per unit of need × level
    per_agent_hour: float = Field(default=DEFAULT_PER_AGENT_HOUR, gt=0)
    low: float = Field(default=DEFAULT_LOW, gt=0, le=1)
    high: float = Field(default=DEFAULT_HIGH, ge=1)

    def parameters(self) -> VisitorParameters:
        return VisitorParameters(self.rate, self.per_agent_hour, self.low, self.high)


class AsisSection(_Model):
    """Evaluate a France Services rota as parsed from the national list, instead of planning."""

    rota: str = Field(min_length=1)  # id_fs, e.g. "2394"
    departement: Departement | None = None


class Scenario(_Model):
    schema_version: Annotated[int, whole_number(1)]
    name: Name
    description: str = ""
    territory: Territory = Territory()
    data: DataSection = DataSection()
    horizon: HorizonSection = HorizonSection()
    period: PeriodSection | None = None
    travel: TravelSection = TravelSection()
    vehicles: list[VehicleSpec] = []
    stops: StopDefaults = StopDefaults()
    candidates: CandidatesSection | None = None
    requests: list[RequestSpec] = []
    objective: ObjectiveSection = ObjectiveSection()
    solver: SolverSection = SolverSection()
    coverage: CoverageSection = CoverageSection()
    value: ValueSection = ValueSection()
    existing: list[ExistingSpec] = []
    costs: CostsSection = CostsSection()
    kiosks: KiosksSection | None = None
    asis: AsisSection | None = None
    stability: StabilitySection | None = None
    visitors: VisitorsSection = VisitorsSection()
    budget: BudgetSection | None = None
