"""What a built scenario carries besides its problem: the names, codes and places of stops and
vehicles, notes, the database and the travel model it was built with.

Timetables, posters, maps and the plan JSON read names and places from the :class:`Context`,
never from the database again; :mod:`planner.scenario.build` and :mod:`planner.scenario.asis`
both return a :class:`Built`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geodata import db, settings
from planner.access.matrices import choose_router
from planner.access.routers import Router
from planner.errors import ParameterError, RouterError
from planner.scenario.files import ScenarioFile
from planner.scenario.schema import VehicleSpec
from planner.tours.model import Problem
from planner.tours.plan import Plan


@dataclass(frozen=True, slots=True)
class StopInfo:
    """What outputs say about a stop: its name and place (never personal data)."""

    id: str
    name: str
    kind: str  # "stop" (listed), "candidate", "request", "asis" (from a published rota)
    insee: str | None
    commune: str | None  # the commune's name
    lon: float | None
    lat: float | None
    site: str | None = None  # host site id
    fixed_days: str | None = None  # French words of a pinned day ("2e mardi du mois")
    covers: tuple[str, ...] = ()  # INSEE codes of the communes its value counts


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    """A vehicle's name, base, service area and the cost fields of its scenario entry
    (``spec``)."""

    id: str
    name: str
    base: str  # name of the base
    base_insee: str | None
    spec: VehicleSpec | None = None
    area: tuple[str, ...] = ()  # codes of its service area as written (empty: anywhere)
    area_label: str | None = None  # French words for it: "département 45"


@dataclass(frozen=True, slots=True)
class KioskInfo:
    """A self-service kiosk of the scenario (``[kiosks]``), at its commune's point."""

    insee: str
    commune: str
    lon: float
    lat: float
    chosen: bool = False  # placed by the siting model (``choose = N``), not listed
    gain: float = 0.0  # need (population × IFN) it newly covers, when chosen by the model


@dataclass
class Context:
    """Names, places and provenance that outputs need besides the problem."""

    name: str
    stops: dict[str, StopInfo] = field(default_factory=dict)
    vehicles: dict[str, VehicleInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # French: what was assumed or left out
    database: str | None = None  # URL used (None: standalone)
    router: str = ""
    personal: dict[str, dict[str, str]] = field(default_factory=dict)  # only when asked
    kiosks: list[KioskInfo] = field(default_factory=list)  # [kiosks]: partial help, costed

    def stop_name(self, stop: str) -> str:
        info = self.stops.get(stop)
        return info.name if info else stop

    def to_dict(self) -> dict[str, Any]:
        """The context as JSON-ready data, for the plan's ``meta`` (personal data left out)."""
        return {
            "stops": {
                s.id: {
                    k: getattr(s, k)
                    for k in (
                        "name",
                        "kind",
                        "insee",
                        "commune",
                        "lon",
                        "lat",
                        "site",
                        "fixed_days",
                    )
                }
                | {"covers": list(s.covers)}
                for s in self.stops.values()
            },
            "vehicles": {
                v.id: {"name": v.name, "base": v.base, "base_insee": v.base_insee}
                | ({"area": list(v.area), "area_label": v.area_label} if v.area else {})
                for v in self.vehicles.values()
            },
            "notes": list(self.notes),
            "kiosks": [
                {k: getattr(kiosk, k) for k in ("insee", "commune", "lon", "lat", "chosen", "gain")}
                for kiosk in self.kiosks
            ],
        }


@dataclass
class Built:
    """A scenario made concrete: the problem, its context, and for ``[asis]`` the published plan."""

    problem: Problem
    context: Context
    scenario: ScenarioFile | None = None
    plan: Plan | None = None  # the rota as published, for an [asis] scenario

    @property
    def is_asis(self) -> bool:
        return self.plan is not None


# --- database and router -----------------------------------------------------------------------


def database_url(f: ScenarioFile, override: str | None = None) -> str | None:
    """The database a scenario reads (None in standalone mode): ``override`` (``--db``), else
    ``[data].database`` (a URL, or a SQLite file path relative to the scenario's folder), else
    the default (``$ITINERANCE_DB``)."""
    if f.scenario.data.standalone:
        return None
    if override:
        return override
    given = f.scenario.data.database
    if given is None:
        return settings.database_url()
    if given.startswith("sqlite:///") and not given.startswith("sqlite:////"):
        return f"sqlite:///{f.resolve(given[len('sqlite:///') :])}"
    if "://" in given:
        return given
    return f"sqlite:///{f.resolve(given)}"


def router_of(f: ScenarioFile) -> Router:
    """The travel-time model the scenario asks for (``[travel]``), errors at the key's line."""
    t = f.scenario.travel
    offline: dict[str, Any] = {}
    if t.circuity is not None:
        offline["circuity"] = t.circuity
    if t.access_minutes is not None:
        offline["access_minutes"] = t.access_minutes
    if t.bands is not None:
        offline["bands"] = tuple((float(a), float(b)) for a, b in t.bands)
    try:
        return choose_router((t.osrm_url or "") if t.model == "osrm" else None, **offline)
    except RouterError as exc:
        raise f.error(("travel", "osrm_url"), str(exc)) from None
    except ParameterError as exc:
        raise f.error(("travel", exc.parameter), exc.message) from None


def db_safe(url: str) -> str:
    """A database URL fit for outputs (password hidden)."""
    return db.safe_url(db.normalise_url(url))
