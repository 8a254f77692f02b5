"""Plain records that geodata hands to the planner and the maps.

These are the contract between the data layer and the rest: query functions return these (or
GeoDataFrames with the same fields as columns), parsers produce them, the planner consumes them.
They carry no database session and no geometry beyond a representative point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ServiceKind(str, Enum):
    """Kinds of help a commune can be near. Values are stable identifiers stored in the database."""

    FRANCE_SERVICES = "france_services"  # fixed France Services (Fixe, Fixe_antenne(s), Multisites)
    FRANCE_SERVICES_MOBILE = "france_services_mobile"  # Bus_équivalent, Itinérante (at their base)
    MEDIATION = "mediation"  # lieu de médiation numérique (conseillers numériques, Aidants Connect)
    BORNE = "borne"  # borne interactive / visio-guichet (partial help)
    OTHER = "other"

    @property
    def label_fr(self) -> str:
        return {
            "france_services": "France Services (fixe)",
            "france_services_mobile": "France Services itinérant",
            "mediation": "Lieu de médiation numérique",
            "borne": "Borne interactive",
            "other": "Autre",
        }[self.value]


@dataclass(frozen=True, slots=True)
class CommunePoint:
    """A commune reduced to what distance and need computations use."""

    code: str  # INSEE code, current COG
    name: str
    departement: str
    lon: float | None  # representative point inside the commune (None: no geometry loaded)
    lat: float | None
    population: int
    ifn: float | None = None  # IFN total score 1-10 (None: not available)
    epci: str | None = None


@dataclass(frozen=True, slots=True)
class Interval:
    """Opening interval in minutes since midnight."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ServicePoint:
    """A place where help is given (or a mobile service's base)."""

    id: str  # stable id, e.g. "fs:2394", "cnfs:62592a...", "ac:1140", "user:borne:12"
    name: str
    kind: ServiceKind
    lon: float | None
    lat: float | None
    insee: str | None
    address: str | None = None
    format: str | None = None  # France Services format_fs (Fixe, Bus_équivalent, ...)
    hours: dict[int, tuple[Interval, ...]] = field(
        default_factory=dict
    )  # weekday (Mon=0) -> intervals
    capacity: float | None = None  # e.g. weekly opening hours, for 2SFCA
    source: str | None = None


class RecurrenceKind(str, Enum):
    NTH_WEEKDAY = "nth_weekday"  # "2e mardi" (nth in 1..5, or -1 for "dernier mardi")
    LAST_DAY_OF_MONTH = "last_day_of_month"  # "DERNIER JOUR DU MOIS"
    WEEKLY = "weekly"  # "le mardi matin", "tous les jeudis"
    FORTNIGHTLY = "fortnightly"  # "un mardi sur deux"
    UNKNOWN = "unknown"  # the text gives no recurrence for this stop


@dataclass(frozen=True, slots=True)
class Recurrence:
    kind: RecurrenceKind
    weekday: int | None = None  # Monday = 0
    nth: int | None = None  # 1..5, or -1 for the last such weekday of the month
    start: int | None = None  # minutes since midnight, when the text gives hours
    end: int | None = None
    part_of_day: str | None = None  # "matin" | "après-midi" | None
    text: str = ""  # the fragment of the source text this was read from


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Result of matching a free-text commune name. ``insee`` is None when not resolved."""

    query: str
    insee: str | None
    name: str | None
    confidence: float  # 0..1
    candidates: tuple[tuple[str, str, float], ...] = ()  # (insee, name, score), best first
    reason: str = (
        ""  # why it was (not) resolved: "exact", "alias", "fuzzy", "ambiguous", "no match"
    )


@dataclass(frozen=True, slots=True)
class RotaStop:
    """One stop of a mobile service's rota, as read from the France Services ``commentaire``."""

    service_id: str
    order: int
    raw_name: str
    match: NameMatch
    recurrence: Recurrence
    place: str | None = None  # "mairie", "salle des fêtes", ...

    @property
    def insee(self) -> str | None:
        return self.match.insee


@dataclass(slots=True)
class ParsedRota:
    """The parsed rota of one mobile or multi-site service, with everything that was not sure."""

    service_id: str
    service_name: str
    base_insee: str | None
    departement: str
    raw_text: str
    stops: list[RotaStop] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)  # human-readable, one per problem
    hours: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
