"""A plan: what each vehicle does on each day of the cycle, as plain objects and as JSON.

A plan states times explicitly (leaving the base, arriving at each stop, start and end of each
permanence, the lunch break, returning) so that a reader, an export or the validator never has
to re-run a solver to know what happens. The validator (:mod:`planner.tours.validator`) recomputes
these times from the problem's matrices and reports every disagreement; it does not trust them.

JSON layout (``schema = "itinerance.plan/1"``)::

    {
      "schema": "itinerance.plan/1",
      "problem": "name of the problem / scenario",
      "routes": [
        {"vehicle": "van1", "day": 3, "depart": 540.0, "return": 1000.0,
         "lunch": {"start": 750.0, "end": 810.0} | null,
         "visits": [{"stop": "36120", "arrival": 590.0, "start": 600.0, "end": 960.0}, ...]}
      ],
      "unserved": ["36005", ...],
      "meta": {"engine": "...", "seed": 0, "time_limit": 10, "objective": 1234.5,
               "versions": {...}, "inputs": {...}, "created": "ISO date"}
    }

``meta`` is a :class:`planner.tours.meta.PlanMeta`: typed fields, unknown keys kept as read.

Times are minutes since midnight of the route's day; ``day`` is the index of the day in the
problem's horizon (see :class:`planner.tours.model.Horizon`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import PlanError
from planner.tours.meta import PlanMeta

SCHEMA = "itinerance.plan/1"


@dataclass(slots=True)
class Visit:
    """One permanence or request served: arrival on site, start and end of the service.

    ``end - start`` is the presence time plus any lunch break taken on site.
    """

    stop: str
    arrival: float
    start: float
    end: float


@dataclass(slots=True)
class Route:
    """A vehicle's day: leave the base, serve visits in order, return."""

    vehicle: str
    day: int
    depart: float
    ret: float
    visits: list[Visit] = field(default_factory=list)
    lunch: tuple[float, float] | None = None  # (start, end) of the break, if taken


@dataclass
class Plan:
    """Routes of every vehicle on every day it works, the stops left unserved, and provenance."""

    routes: list[Route] = field(default_factory=list)
    unserved: list[str] = field(default_factory=list)
    problem: str = ""
    meta: PlanMeta = field(default_factory=PlanMeta)

    def __post_init__(self) -> None:
        if not isinstance(self.meta, PlanMeta):
            raise TypeError(
                f"Plan.meta must be a PlanMeta, not {type(self.meta).__name__} "
                "(PlanMeta.from_dict(data) reads a dict)"
            )

    def route(self, vehicle: str, day: int) -> Route | None:
        for r in self.routes:
            if r.vehicle == vehicle and r.day == day:
                return r
        return None

    def visits_of(self, stop: str) -> list[tuple[Route, Visit]]:
        """Every (route, visit) serving a stop, in day order."""
        out = [(r, v) for r in self.routes for v in r.visits if v.stop == stop]
        return sorted(out, key=lambda rv: (rv[0].day, rv[1].start))

    def served_stops(self) -> set[str]:
        return {v.stop for r in self.routes for v in r.visits}

    # --- JSON -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "problem": self.problem,
            "routes": [
                {
                    "vehicle": r.vehicle,
                    "day": r.day,
                    "depart": r.depart,
                    "return": r.ret,
                    "lunch": None if r.lunch is None else {"start": r.lunch[0], "end": r.lunch[1]},
                    "visits": [
                        {"stop": v.stop, "arrival": v.arrival, "start": v.start, "end": v.end}
                        for v in r.visits
                    ],
                }
                for r in sorted(self.routes, key=lambda r: (r.vehicle, r.day))
            ],
            "unserved": sorted(self.unserved),
            "meta": self.meta.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "plan") -> Plan:
        """A plan from its JSON form; PlanError naming the key for anything malformed (a time
        that is not a finite number of minutes in the day, a day that is not a whole number…)."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise PlanError(f"{source}: not an itinerance plan (expected schema {SCHEMA!r})")
        read = _Reader(source)
        routes = []
        for i, r in enumerate(read.items(data, "routes", "routes")):
            at = f"routes[{i}]"
            lunch = r.get("lunch") if isinstance(r, dict) else None
            routes.append(
                Route(
                    vehicle=read.name(r, "vehicle", at),
                    day=read.whole(r, "day", at),
                    depart=read.minutes(r, "depart", at),
                    ret=read.minutes(r, "return", at),
                    lunch=None
                    if lunch is None
                    else (
                        read.minutes(lunch, "start", f"{at}.lunch"),
                        read.minutes(lunch, "end", f"{at}.lunch"),
                    ),
                    visits=[
                        Visit(
                            read.name(v, "stop", f"{at}.visits[{j}]"),
                            read.minutes(v, "arrival", f"{at}.visits[{j}]"),
                            read.minutes(v, "start", f"{at}.visits[{j}]"),
                            read.minutes(v, "end", f"{at}.visits[{j}]"),
                        )
                        for j, v in enumerate(read.items(r, "visits", f"{at}.visits"))
                    ],
                )
            )
        unserved = read.items(data, "unserved", "unserved")
        return cls(
            routes=routes,
            unserved=[read.text(s, f"unserved[{k}]") for k, s in enumerate(unserved)],
            problem=str(data.get("problem", "")),
            meta=PlanMeta.from_dict(data.get("meta", {}), source),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def read(cls, path: str | Path) -> Plan:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PlanError(f"{path}: no such plan file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PlanError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_dict(data, source=str(path))


# Times of a plan are minutes since midnight of the route's day; a route may end after midnight
# (a late return), never a day later.
_LAST_MINUTE = 48 * 60.0


class _Reader:
    """Strict reading of a plan's JSON values, each error naming its key (``routes[2].depart``)."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, expected: str, value: Any) -> PlanError:
        shown = json.dumps(value, ensure_ascii=False, default=str)[:60]
        return PlanError(f"{self.source}: {where}: expected {expected}, got {shown}")

    def field(self, obj: Any, key: str, where: str) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(where, "an object", obj)
        if key not in obj:
            raise PlanError(f"{self.source}: {where}: missing key {key!r}")
        return obj[key]

    def items(self, obj: Any, key: str, where: str) -> list[Any]:
        value = obj.get(key, []) if isinstance(obj, dict) else None
        if not isinstance(value, list):
            raise self.fail(where, "an array", value)
        return value

    def minutes(self, obj: Any, key: str, where: str) -> float:
        value = self.field(obj, key, where)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= _LAST_MINUTE
        ):
            raise self.fail(f"{where}.{key}", "minutes since midnight (0 to 2880)", value)
        return float(value)

    def whole(self, obj: Any, key: str, where: str) -> int:
        value = self.field(obj, key, where)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{where}.{key}", "a day index (a whole number >= 0)", value)
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value or any(ord(c) < 32 for c in value):
            raise self.fail(where, "an id (one line of text)", value)
        return value

    def name(self, obj: Any, key: str, where: str) -> str:
        return self.text(self.field(obj, key, where), f"{where}.{key}")
