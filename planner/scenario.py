"""TOML scenario files: the schema (pydantic v2), loading, and errors that name the file line.

A scenario says what to plan: the territory, the data, the cycle (horizon), the vehicles, the
stops (mandatory and candidate), on-demand requests, the travel-time model, objective weights,
solver options, the coverage threshold and cost rates — or, with ``[asis]``, a published rota to
evaluate as it runs. ``docs/scenarios.md`` documents every key with its default and source.

Loading has three layers, each raising :class:`~planner.errors.ScenarioError` with a one-line
message ``FILE:LINE: key.path: what was expected``:

1. TOML syntax (:mod:`tomllib`);
2. the schema (pydantic, ``extra="forbid"`` everywhere, strict types: ``"4"`` is not ``4``);
3. checks that need no data: impossible values (a shift shorter than every permanence, a lunch
   window outside the shift, a fortnightly stop in a one-week cycle, a fixed day the cycle does
   not have, duplicate ids…).

:mod:`tomllib` gives no positions, so :func:`key_lines` scans the TOML text for the line of every
key, table, array-of-tables element and array item. :mod:`planner.build` checks what needs the
database (unknown communes, host sites) with the same :meth:`ScenarioFile.error`.

It must not open the database, read data files or compute travel times: that is
:mod:`planner.build`'s job. Personal fields of requests (requester name, phone, address…) are
accepted and kept here but flagged (:data:`PERSONAL_FIELDS`); nothing downstream copies them
into an output unless the user asks.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, model_validator

from geodata.names import fold
from planner.errors import ScenarioError
from planner.model import WEEKDAY_NAMES_FR, Frequency, Horizon
from planner.wording import format_duration_fr as _dur
from planner.wording import format_time_fr as _hhmm

__all__ = [
    "DAY_MINUTES",
    "HALF_DAY_MINUTES",
    "PERSONAL_FIELDS",
    "SCHEMA_VERSION",
    "DaySel",
    "Permanence",
    "Scenario",
    "ScenarioFile",
    "key_lines",
    "key_path",
    "load_scenario",
    "parse_scenario",
]

SCHEMA_VERSION = 1

# A half-day permanence: 2 h 30 of presence, La Rur@linette's morning (10:00–12:30, France
# Services list 2024, id_fs 2394). A day: 5 h of presence (10:00–12:30 + 13:30–16:00) with the
# lunch break taken on site, on top.
HALF_DAY_MINUTES = 150.0
DAY_MINUTES = 300.0

# Fields of [[requests]] that hold personal data: accepted, never copied into outputs unless the
# user asks for it explicitly.
PERSONAL_FIELDS = ("requester_name", "requester_phone", "requester_email", "address", "notes")

Loc = tuple[str | int, ...]


# --- where keys are in the TOML text -------------------------------------------------------------


class _Scanner:
    """Finds the line of every key path of a TOML document already known to be valid."""

    _BARE = re.compile(r"[A-Za-z0-9_-]+")

    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.line = 1
        self.lines: dict[Loc, int] = {}
        self.aot: dict[Loc, int] = {}  # array-of-tables path -> index of its last element

    def record(self, path: Loc, line: int) -> None:
        self.lines.setdefault(path, line)

    def at(self, token: str) -> bool:
        return self.s.startswith(token, self.i)

    def advance(self, n: int = 1) -> None:
        self.line += self.s.count("\n", self.i, self.i + n)
        self.i += n

    def skip(self, newlines: bool) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                end = s.find("\n", self.i)
                self.advance((len(s) if end < 0 else end) - self.i)
            else:
                break

    def run(self) -> dict[Loc, int]:
        table: Loc = ()
        while True:
            self.skip(newlines=True)
            if self.i >= len(self.s):
                return self.lines
            before = self.i
            if self.at("["):
                table = self.header()
            else:
                self.keyval(table)
            if self.i == before:  # not TOML we understand: step over it rather than loop
                self.advance()

    def header(self) -> Loc:
        line, aot = self.line, self.at("[[")
        self.advance(2 if aot else 1)
        keys = self.keys()
        self.skip(newlines=False)
        self.advance(2 if aot else 1)
        path: Loc = ()
        for n, key in enumerate(keys):
            path += (key,)
            if aot and n == len(keys) - 1:
                self.record(path, line)
                self.aot[path] = self.aot.get(path, -1) + 1
                path += (self.aot[path],)
            elif path in self.aot:
                path += (self.aot[path],)
        self.record(path, line)
        return path

    def keys(self) -> list[str]:
        out = []
        while True:
            self.skip(newlines=False)
            if self.at('"') or self.at("'"):
                quote = self.s[self.i]
                end = self.i + 1
                while self.s[end] != quote:
                    end += 2 if self.s[end] == "\\" and quote == '"' else 1
                raw = self.s[self.i : end + 1]
                out.append(json.loads(raw) if quote == '"' else raw[1:-1])
                self.advance(end + 1 - self.i)
            else:
                m = self._BARE.match(self.s, self.i)
                if not m:
                    return out
                out.append(m.group())
                self.advance(m.end() - self.i)
            self.skip(newlines=False)
            if not self.at("."):
                return out
            self.advance()

    def keyval(self, prefix: Loc) -> None:
        line = self.line
        keys = self.keys()
        for n in range(1, len(keys) + 1):
            self.record(prefix + tuple(keys[:n]), line)
        self.skip(newlines=False)
        if self.at("="):
            self.advance()
        self.skip(newlines=False)
        self.value(prefix + tuple(keys))

    def value(self, path: Loc) -> None:
        s = self.s
        if self.at('"""') or self.at("'''"):
            quote = s[self.i : self.i + 3]
            end = self.i + 3
            while not s.startswith(quote, end) or s.startswith(quote[0], end + 3):
                end += 2 if s[end] == "\\" and quote[0] == '"' else 1
            self.advance(end + 3 - self.i)
        elif self.at('"') or self.at("'"):
            quote, end = s[self.i], self.i + 1
            while s[end] != quote:
                end += 2 if s[end] == "\\" and quote == '"' else 1
            self.advance(end + 1 - self.i)
        elif self.at("["):
            self.advance()
            index = 0
            while True:
                self.skip(newlines=True)
                if self.i >= len(s) or self.at("]"):
                    break
                before = self.i
                self.record(path + (index,), self.line)
                self.value(path + (index,))
                index += 1
                self.skip(newlines=True)
                if self.at(",") or self.i == before:
                    self.advance()
            self.advance()
        elif self.at("{"):
            self.advance()
            while True:
                self.skip(newlines=True)
                if self.i >= len(s) or self.at("}"):
                    break
                before = self.i
                self.keyval(path)
                self.skip(newlines=True)
                if self.at(",") or self.i == before:
                    self.advance()
            self.advance()
        else:
            m = re.compile(r"[^,\]}#\n]*").match(s, self.i)
            self.advance(m.end() - self.i if m else 1)


def key_lines(text: str) -> dict[Loc, int]:
    """Line (1-based) of every key path of a valid TOML document.

    Paths are tuples of keys and array indices, as in the parsed document:
    ``("vehicles", 0, "lunch", "window")``, ``("stops", "list", 2)``, ``("horizon", "weekdays", 1)``.
    An array of tables is found at its first ``[[...]]`` header, each element at its own.
    """
    return _Scanner(text).run()


def key_path(loc: Iterable[str | int]) -> str:
    """``("vehicles", 0, "shift")`` → ``"vehicles[0].shift"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- value types -------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    """A value as it reads in TOML: ``"8h"``, ``3``, ``true``, a table, an array."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return json.dumps(value, ensure_ascii=False, default=str)


_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _clock(text: str) -> float | None:
    m = _CLOCK.match(text)
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        return None
    minutes = int(m.group(1)) * 60 + int(m.group(2))
    return float(minutes) if minutes <= 24 * 60 else None


def _time_range(value: Any) -> tuple[float, float]:
    """``"08:30-17:30"`` → ``(510.0, 1050.0)``."""
    if isinstance(value, str):
        parts = re.split(r"\s*[-–]\s*", value.strip())
        if len(parts) == 2:
            start, end = _clock(parts[0]), _clock(parts[1])
            if start is not None and end is not None:
                if end <= start:
                    raise ValueError(f"expected the end after the start, got {_shown(value)}")
                return start, end
    raise ValueError(f'expected "HH:MM-HH:MM", got {_shown(value)}')


_DURATION = re.compile(
    r"^\s*(?:(\d+(?:[.,]\d+)?)\s*h(?:eures?)?)?\s*(?:(\d+)\s*(?:min(?:utes?)?)?)?\s*$",
    re.IGNORECASE,
)


def _minutes(value: Any) -> float:
    """A duration: a number of minutes, or ``"2h30"``, ``"1 h 30"``, ``"45 min"``, ``"5h"``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"expected a duration of at least 0 minutes, got {_shown(value)}")
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m and (m.group(1) or m.group(2)):
            hours = float((m.group(1) or "0").replace(",", "."))
            return hours * 60 + float(m.group(2) or 0)
    raise ValueError(
        f'expected minutes (a number) or a duration like "2h30" or "45 min", got {_shown(value)}'
    )


def _permanence(value: Any) -> Permanence:
    if isinstance(value, Permanence):
        return value
    if isinstance(value, str):
        key = fold(value.strip()).replace(" ", "-")
        if key in ("demi-journee", "half-day"):
            return Permanence(HALF_DAY_MINUTES, with_lunch=False, label="demi-journée")
        if key in ("journee", "day"):
            return Permanence(DAY_MINUTES, with_lunch=True, label="journée")
    try:
        return Permanence(_minutes(value), with_lunch=False)
    except ValueError:
        raise ValueError(
            f'expected "demi-journée", "journée" or minutes of presence, got {_shown(value)}'
        ) from None


def _weekday(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str):
        key = fold(value.strip())
        if key in WEEKDAY_NAMES_FR:
            return WEEKDAY_NAMES_FR.index(key)
    raise ValueError(
        f'expected a weekday ("lundi" … "dimanche", or 0 = lundi … 6), got {_shown(value)}'
    )


_NTH = re.compile(r"^(\d)\s*(?:er|re|e|eme|ème|nd|nde)?\s+(\w+)$")
_WEEKDAY_WEEK = re.compile(r"^(\w+)(?:\s+(?:de\s+la\s+)?semaine\s+(\d))?$")


@dataclass(frozen=True, slots=True)
class DaySel:
    """A day (or days) of the cycle named in French: ``"2e mardi"`` (monthly cycle),
    ``"dernier jour du mois"``, ``"mardi semaine 2"``, ``"mardi"`` (every Tuesday of the cycle)."""

    weekday: int | None = None
    week: int | None = None  # 0-based week, from "semaine N"
    nth: int | None = None  # 1..4, from "Ne mardi"
    last: bool = False
    text: str = ""

    @classmethod
    def parse(cls, value: Any) -> DaySel:
        if isinstance(value, DaySel):
            return value
        expected = (
            'expected a day like "2e mardi", "mardi semaine 2", "mardi" or "dernier jour du mois"'
        )
        if not isinstance(value, str):
            raise ValueError(f"{expected}, got {_shown(value)}")  # noqa: TRY004 (pydantic wants ValueError)
        text = " ".join(fold(value).split())
        if text == "dernier jour du mois":
            return cls(last=True, text=value)
        m = _NTH.match(text)
        if m and m.group(2) in WEEKDAY_NAMES_FR:
            nth = int(m.group(1))
            if not 1 <= nth <= 4:
                raise ValueError(
                    f"a monthly cycle holds the 1st to 4th weekdays of the month, not {value!r}"
                )
            return cls(weekday=WEEKDAY_NAMES_FR.index(m.group(2)), nth=nth, text=value)
        m = _WEEKDAY_WEEK.match(text)
        if m and m.group(1) in WEEKDAY_NAMES_FR:
            week = int(m.group(2)) - 1 if m.group(2) else None
            if week is not None and not 0 <= week <= 3:
                raise ValueError(f"a cycle has weeks 1 to 4, not {value!r}")
            return cls(weekday=WEEKDAY_NAMES_FR.index(m.group(1)), week=week, text=value)
        raise ValueError(f"{expected}, got {_shown(value)}")

    def days(self, horizon: Horizon) -> list[int]:
        """Day indices of ``horizon`` this names; ValueError (a message) when it has none."""
        days = horizon.days
        if self.last:
            if not horizon.last_day_of_month:
                raise ValueError(
                    f"{self.text!r} needs a monthly horizon with last_day_of_month = true"
                )
            return [d.index for d in days if d.last_of_month]
        if self.nth is not None and not horizon.monthly:
            raise ValueError(
                f"{self.text!r} needs a monthly horizon (monthly = true); "
                'in a cycle of weeks say "mardi semaine 2"'
            )
        week = self.nth - 1 if self.nth is not None else self.week
        if week is not None and week >= horizon.weeks:
            raise ValueError(f"{self.text!r}: the cycle has {horizon.weeks} week(s)")
        found = [
            d.index for d in days
            if not d.last_of_month and d.weekday == self.weekday and (week is None or d.week == week)
        ]  # fmt: skip
        if not found:
            raise ValueError(
                f"{self.text!r} is not a working day of the cycle (see horizon.weekdays and days_off)"
            )
        return found


@dataclass(frozen=True, slots=True)
class Permanence:
    """How long a stop's permanence lasts: minutes of presence, and whether the lunch break is
    taken on site (a "journée")."""

    minutes: float
    with_lunch: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class DayWindow:
    """``"mardi semaine 1 09:00-12:00"``: a time range, on some days (None: every day)."""

    start: float
    end: float
    day: DaySel | None = None

    @classmethod
    def parse(cls, value: Any) -> DayWindow:
        if isinstance(value, DayWindow):
            return value
        if isinstance(value, str):
            m = re.match(r"^(.*?)\s*(\d{1,2}:\d{2}\s*[-–]\s*\d{1,2}:\d{2})\s*$", value.strip())
            if m:
                start, end = _time_range(m.group(2))
                day = DaySel.parse(m.group(1)) if m.group(1) else None
                return cls(start, end, day)
        raise ValueError(
            f'expected "HH:MM-HH:MM", optionally after a day ("mardi semaine 1 09:00-12:00"), got {_shown(value)}'
        )


def _days(value: Any) -> list[DaySel]:
    if isinstance(value, list):
        return [DaySel.parse(v) for v in value]
    return [DaySel.parse(value)]


def _room(value: Any) -> tuple[float, float]:
    """A room's availability; ``false``: no restriction (the whole day)."""
    return (0.0, 24 * 60.0) if value is False else _time_range(value)


TimeRange = Annotated[tuple[float, float], PlainValidator(_time_range)]
RoomRange = Annotated[tuple[float, float], PlainValidator(_room)]
Minutes = Annotated[float, PlainValidator(_minutes)]
PermanenceValue = Annotated[Permanence, PlainValidator(_permanence)]
Weekday = Annotated[int, PlainValidator(_weekday)]
DayValue = Annotated[DaySel, PlainValidator(DaySel.parse)]
DayList = Annotated[list[DaySel], PlainValidator(_days)]
WindowValue = Annotated[DayWindow, PlainValidator(DayWindow.parse)]


def _frequency(value: Any) -> Frequency:
    if isinstance(value, Frequency) and value is not Frequency.ONCE:
        return value
    if isinstance(value, str) and value in ("weekly", "fortnightly", "monthly"):
        return Frequency(value)
    raise ValueError(f'expected "weekly", "fortnightly" or "monthly", got {_shown(value)}')


FrequencyValue = Annotated[Frequency, PlainValidator(_frequency)]


def _code(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\s*(\d{2}|2[AB]|97\d)\s*", value, re.IGNORECASE):
        return value.strip().upper()
    raise ValueError(f'expected a département code like "36" or "2A", got {_shown(value)}')


def _insee(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\s*(\d{5}|2[AB]\d{3})\s*", value, re.IGNORECASE):
        return value.strip().upper()
    raise ValueError(
        f'expected an INSEE commune code (5 characters, e.g. "36044"), got {_shown(value)}'
    )


Departement = Annotated[str, PlainValidator(_code)]
Insee = Annotated[str, PlainValidator(_insee)]


def _candidate_communes(value: Any) -> str | list[str]:
    if value in ("all", "host_sites"):
        return value
    if isinstance(value, list):
        return [_insee(v) for v in value]
    raise ValueError(
        f'expected "all", "host_sites" or an array of INSEE codes, got {_shown(value)}'
    )


def _check_place(
    commune: str | None, site: str | None, lon: float | None, lat: float | None
) -> None:
    if (lon is None) != (lat is None):
        raise ValueError("give both lon and lat")
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):  # type: ignore[operator]
        raise ValueError(f"lon/lat out of range ({lon}, {lat})")
    if site is not None and (commune is not None or lon is not None):
        raise ValueError("a host site already has its place: give site alone")
    if site is None and commune is None and lon is None:
        raise ValueError(
            'expected a commune code ("36044"), a host site {site = "id"} or coordinates {lon = …, lat = …}'
        )


# --- the schema ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


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
    weeks: Literal[1, 2, 4] | None = None  # default: 4 when monthly, else 1
    monthly: bool = False
    last_day_of_month: bool = False
    weekdays: list[Weekday] = [0, 1, 2, 3, 4]
    days_off: list[DayValue] = []


class TravelSection(_Model):
    """Travel times: the offline model (optionally with other parameters) or an OSRM server."""

    model: Literal["offline", "osrm"] = "offline"
    osrm_url: str | None = None
    circuity: float | None = None
    bands: list[list[float]] | None = None  # [[up_to_road_km, kmh], …, [inf, kmh]]
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
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_code(cls, value: Any) -> Any:
        return {"commune": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> PlaceRef:
        _check_place(self.commune, self.site, self.lon, self.lat)
        return self

    @property
    def has_point(self) -> bool:
        return self.lon is not None


class LunchSpec(_Model):
    window: TimeRange = (12 * 60.0, 14 * 60.0)
    duration: Minutes = 60.0


class VehicleSpec(_Model):
    id: str = Field(min_length=1)
    name: str | None = None
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
    # For cost comparisons (issue 5); None: the [costs] default.
    staff: int = Field(default=1, ge=1)
    purchase_cost: float | None = Field(default=None, ge=0)
    lifetime_years: float | None = Field(default=None, gt=0)
    upkeep_per_year: float | None = Field(default=None, ge=0)
    fuel_l_per_100km: float | None = Field(default=None, ge=0)
    co2_kg_per_km: float | None = Field(default=None, ge=0)

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
    id: str | None = None
    name: str | None = None
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

    @model_validator(mode="after")
    def _place(self) -> StopSpec:
        _check_place(self.commune, self.site, self.lon, self.lat)
        if self.window is not None and self.windows is not None:
            raise ValueError("give window or windows, not both")
        return self

    @property
    def place(self) -> PlaceRef:
        return PlaceRef(
            commune=self.commune, site=self.site, lon=self.lon, lat=self.lat, name=self.name
        )


StopDefaults.model_rebuild()


class CandidatesSection(_Model):
    """Optional stops the engine may add, each worth the need it covers."""

    communes: Annotated[str | list[str], PlainValidator(_candidate_communes)] = "all"
    without_france_services_within: float | None = Field(default=None, gt=0)  # default: threshold
    value: float | None = Field(default=None, ge=0)  # same value for all; default: computed
    max: int | None = Field(default=None, ge=1)
    permanence: PermanenceValue | None = None
    frequency: FrequencyValue | None = None


class RequestSpec(_Model):
    id: str = Field(min_length=1)
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
        _check_place(self.commune, None, self.lon, self.lat)
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
        f"expected one of the engines {', '.join(map(repr, ENGINES))}, got {_shown(value)}"
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


class CostsSection(_Model):
    """Rates of the yearly cost model (:mod:`planner.costs`, ``itinerance compare``).

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


class KiosksSection(_Model):
    """Self-service kiosks (bornes interactives) the scenario adds: partial coverage, costed.

    ``communes`` lists them; ``choose = k`` lets the maximal covering model
    (:func:`planner.siting.maximal_covering`, kind borne) place ``k`` among the territory's
    communes (or ``candidates``) when the problem is built.
    """

    communes: list[Insee] = []
    choose: int | None = Field(default=None, ge=1, le=1000)
    candidates: list[Insee] | None = None


class AsisSection(_Model):
    """Evaluate a France Services rota as parsed from the national list, instead of planning."""

    rota: str = Field(min_length=1)  # id_fs, e.g. "2394"
    departement: Departement | None = None


class Scenario(_Model):
    schema_version: Literal[1]
    name: str = Field(min_length=1)
    description: str = ""
    territory: Territory = Territory()
    data: DataSection = DataSection()
    horizon: HorizonSection = HorizonSection()
    travel: TravelSection = TravelSection()
    vehicles: list[VehicleSpec] = []
    stops: StopDefaults = StopDefaults()
    candidates: CandidatesSection | None = None
    requests: list[RequestSpec] = []
    objective: ObjectiveSection = ObjectiveSection()
    solver: SolverSection = SolverSection()
    coverage: CoverageSection = CoverageSection()
    costs: CostsSection = CostsSection()
    kiosks: KiosksSection | None = None
    asis: AsisSection | None = None


# --- the loaded file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioFile:
    """A validated scenario with where it came from: the file, its text, hash and key lines."""

    path: Path
    text: str
    data: dict[str, Any]  # the parsed TOML, as written
    scenario: Scenario
    lines: Mapping[Loc, int]
    horizon: Horizon

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def folder(self) -> Path:
        return self.path.parent

    def line_of(self, loc: Sequence[str | int]) -> int:
        """Line of the key at ``loc``, or of its nearest enclosing key or table (1 if none)."""
        loc = tuple(loc)
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return 1

    def error(self, loc: Sequence[str | int], message: str) -> ScenarioError:
        """``FILE:LINE: key.path: message`` as a :class:`ScenarioError` (to raise)."""
        where = key_path(loc)
        return ScenarioError(
            f"{self.path}:{self.line_of(loc)}: {where + ': ' if where else ''}{message}"
        )

    def resolve(self, relative: str | Path) -> Path:
        """A path written in the scenario, relative to the scenario's folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.folder / p

    def with_values(self, values: Mapping[str, Any]) -> ScenarioFile:
        """A copy with some keys replaced (``{"coverage.threshold": 20, "vehicles[0].count": 2}``),
        validated again; errors name the key as given. For sweeps."""
        data = copy.deepcopy(self.data)
        for dotted, value in values.items():
            loc = _parse_key_path(dotted)
            node: Any = data
            for part, nxt in pairwise(loc):
                try:
                    node = node[part]
                except (KeyError, IndexError, TypeError):
                    if isinstance(part, str) and isinstance(node, dict):
                        node = node.setdefault(part, [] if isinstance(nxt, int) else {})
                    else:
                        raise ScenarioError(
                            f"{self.path}: {dotted}: no such key in the scenario"
                        ) from None
            try:
                node[loc[-1]] = value
            except (IndexError, TypeError):
                raise ScenarioError(f"{self.path}: {dotted}: no such key in the scenario") from None
        return _validated(self.path, self.text, data, self.lines)


def _parse_key_path(dotted: str) -> Loc:
    out: list[str | int] = []
    for part in dotted.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", part.strip())
        if not m:
            raise ScenarioError(f"{dotted!r}: expected a key path like 'vehicles[0].count'")
        out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(out)


def load_scenario(path: str | Path) -> ScenarioFile:
    """Read, parse and validate a scenario file (ScenarioError with the line on any problem)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}:{line}: the scenario must be UTF-8 text") from None
    return parse_scenario(text, path)


def parse_scenario(text: str, path: str | Path = "<scenario>") -> ScenarioFile:
    """Validate a scenario given as TOML text (``path`` names it in messages and resolves
    relative paths)."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", message)
        line = m.group(1) if m else "1"
        message = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", message)
        raise ScenarioError(f"{path}:{line}: invalid TOML: {message}") from None
    return _validated(path, text, data, key_lines(text))


def _validated(
    path: Path, text: str, data: dict[str, Any], lines: Mapping[Loc, int]
) -> ScenarioFile:
    if "schema_version" in data and data["schema_version"] != SCHEMA_VERSION:
        loc: Loc = ("schema_version",)
        raise ScenarioError(
            f"{path}:{lines.get(loc, 1)}: schema_version: this version of itinerance reads "
            f"scenario schema {SCHEMA_VERSION}, got {_shown(data['schema_version'])}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _schema_error(path, data, lines, exc) from None
    partial = ScenarioFile(path, text, data, scenario, lines, Horizon())
    horizon = _horizon(partial)
    loaded = ScenarioFile(path, text, data, scenario, lines, horizon)
    _check(loaded)
    return loaded


def _data_loc(data: Any, loc: Sequence[Any]) -> Loc:
    """The part of a pydantic error location that names keys of the document (drops the tags
    pydantic adds for unions and validators)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and isinstance(part, str)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            node = node[part]
            out.append(part)
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part.isidentifier()
            and "[" not in part
        ):
            out.append(part)  # a missing key: name it
            node = None
    return tuple(out)


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The schema model that holds the table at ``loc`` (to list its allowed keys)."""
    model: type[BaseModel] = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = _fields(model).get(part)
        if field is None:
            return None
        found = _model_in(field.annotation)
        if found is None:
            return None
        model = found
    return model


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key written in the file (its alias when it has one)."""
    return {f.alias or name: f for name, f in model.model_fields.items()}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _schema_error(
    path: Path, data: dict[str, Any], lines: Mapping[Loc, int], exc: ValidationError
) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = _data_loc(data, err["loc"])
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(_fields(model)) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = (
            f"unknown key (expected one of: {', '.join(allowed)}){hint}"
            if allowed
            else "unknown key"
        )
    elif kind == "missing":
        message = "missing required key"
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
    else:
        message = str(err["msg"]).replace("Input should be ", "expected ")
        message = message.replace("a valid list", "an array").replace(
            "a valid dictionary", "a table"
        )
        message = re.sub(r" or instance of \w+", "", message)
        message += f", got {_shown(value)}"
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    else:
        line = 1
    where = key_path(loc)
    return ScenarioError(f"{path}:{line}: {where + ': ' if where else ''}{message}")


# --- checks that need no data -------------------------------------------------------------------


def _horizon(f: ScenarioFile) -> Horizon:
    h = f.scenario.horizon
    weeks = h.weeks if h.weeks is not None else (4 if h.monthly else 1)
    if h.monthly and weeks != 4:
        raise f.error(("horizon", "weeks"), f"a monthly horizon lasts 4 weeks, not {weeks}")
    if h.last_day_of_month and not h.monthly:
        raise f.error(("horizon", "last_day_of_month"), "needs monthly = true")
    if not h.weekdays:
        raise f.error(("horizon", "weekdays"), "expected at least one working weekday")
    weekdays = tuple(sorted(set(h.weekdays)))
    base = Horizon(
        weeks=weeks, weekdays=weekdays, monthly=h.monthly, last_day_of_month=h.last_day_of_month
    )
    off: set[int] = set()
    for i, sel in enumerate(h.days_off):
        if sel.last:
            raise f.error(
                ("horizon", "days_off", i),
                "to drop the last day of the month, set last_day_of_month = false",
            )
        try:
            days = sel.days(base)
        except ValueError as exc:
            raise f.error(("horizon", "days_off", i), str(exc)) from None
        off.update(base.days[d].week * 7 + base.days[d].weekday for d in days)  # type: ignore[operator]
    horizon = Horizon(weeks=weeks, weekdays=weekdays, days_off=frozenset(off), monthly=h.monthly,
                      last_day_of_month=h.last_day_of_month)  # fmt: skip
    if horizon.n_days == 0:
        raise f.error(("horizon", "days_off"), "no working day is left in the cycle")
    return horizon


def _stop_setting(f: ScenarioFile, i: int | None, key: str) -> tuple[Any, Loc]:
    """A stop's setting and where it is set: its ``[[stops.list]]`` entry ``i`` (None: the
    ``[candidates]``), else the ``[stops]`` default."""
    s, c = f.scenario.stops, f.scenario.candidates
    if i is not None and getattr(s.entries[i], key) is not None:
        return getattr(s.entries[i], key), ("stops", "list", i, key)
    if i is None and c is not None and getattr(c, key) is not None:
        return getattr(c, key), ("candidates", key)
    return getattr(s, key), ("stops", key)


def stop_permanence(f: ScenarioFile, i: int | None) -> tuple[Permanence, Loc]:
    """The permanence of stop ``i`` of ``[[stops.list]]`` (None: of candidates) and where it is set."""
    return _stop_setting(f, i, "permanence")


def stop_frequency(f: ScenarioFile, i: int | None) -> tuple[Frequency, Loc]:
    """The frequency of stop ``i`` (None: of candidates) and where it is set."""
    return _stop_setting(f, i, "frequency")


def lunch_minutes(f: ScenarioFile) -> float:
    """The longest lunch break of the vehicles (a "journée" permanence holds one on site)."""
    return max((v.lunch.duration for v in f.scenario.vehicles if v.lunch is not None), default=0.0)


def _weekday_list_check(f: ScenarioFile, loc: Loc, weekdays: Iterable[int]) -> None:
    working = set(f.horizon.weekdays)
    for j, wd in enumerate(weekdays):
        if wd not in working:
            raise f.error(
                loc + (j,),
                f"{WEEKDAY_NAMES_FR[wd]} is not a working day of the cycle (see horizon.weekdays)",
            )


def fixed_pattern(f: ScenarioFile, i: int) -> tuple[int, ...] | None:
    """Day indices a stop's ``day`` pins it to (None when it has no fixed day).

    Each entry names one day ("2e mardi", "mardi semaine 1", "dernier jour du mois"); a weekly
    stop may name a bare weekday ("mardi": every Tuesday); a fortnightly stop's day brings the
    same weekday two weeks later.
    """
    sels = f.scenario.stops.entries[i].day
    if sels is None:
        return None
    freq, _ = stop_frequency(f, i)
    loc: Loc = ("stops", "list", i, "day")
    days: set[int] = set()
    for sel in sels:
        try:
            found = sel.days(f.horizon)
        except ValueError as exc:
            raise f.error(loc, str(exc)) from None
        if len(found) > 1 and freq is not Frequency.WEEKLY:
            raise f.error(
                loc,
                f"{sel.text!r} names every {WEEKDAY_NAMES_FR[sel.weekday or 0]} of the "
                'cycle: pin one ("2e mardi", "mardi semaine 2") or restrict the stop '
                f'with weekdays = ["{WEEKDAY_NAMES_FR[sel.weekday or 0]}"]',
            )
        days.update(found)
        if freq is Frequency.FORTNIGHTLY:
            d = f.horizon.days[found[0]]
            days.update(
                x.index
                for x in f.horizon.days
                if x.weekday == d.weekday and not x.last_of_month and x.week % 2 == d.week % 2
            )
    want = f.horizon.visits_per_cycle(freq)
    if len(days) != want:
        raise f.error(
            loc,
            f"names {len(days)} day(s) of the cycle but a {freq.value} stop is visited "
            f"{want} time(s) per {f.horizon.weeks}-week cycle",
        )
    return tuple(sorted(days))


def _check(f: ScenarioFile) -> None:
    sc = f.scenario
    horizon = f.horizon
    if sc.asis is not None:
        for key in ("stops", "candidates", "requests"):
            if key in f.data:
                raise f.error(
                    (key,), "an [asis] scenario evaluates a published rota: remove this section"
                )
        if len(sc.vehicles) > 1 or any(v.count > 1 for v in sc.vehicles):
            raise f.error(("vehicles",), "an [asis] rota is run by one vehicle")
    else:
        if not sc.vehicles:
            raise f.error(
                ("vehicles",) if "vehicles" in f.data else (),
                "missing [[vehicles]]: a scenario needs at least one vehicle",
            )
        if not sc.stops.entries and sc.candidates is None and not sc.requests:
            raise f.error(
                ("stops",) if "stops" in f.data else (),
                "nothing to plan: add [[stops.list]], [candidates] or [[requests]]",
            )
    if sc.data.standalone:
        _check_standalone(f)
    elif (
        sc.asis is None
        and sc.territory.empty
        and sc.candidates is not None
        and sc.candidates.communes == "all"
    ):
        raise f.error(("candidates", "communes"), 'communes = "all" needs a [territory]')

    ids: dict[str, Loc] = {}
    for i, v in enumerate(sc.vehicles):
        loc: Loc = ("vehicles", i)
        if v.base is None and sc.asis is None:
            raise f.error(loc + ("base",), "missing required key")
        names = [v.id] if v.count == 1 else [f"{v.id}-{k + 1}" for k in range(v.count)]
        for name in names:
            if name in ids:
                raise f.error(
                    loc + ("id",),
                    f"vehicle id {name!r} is already used at line {f.line_of(ids[name])}",
                )
            ids[name] = loc + ("id",)
        if v.weekdays is not None:
            _weekday_list_check(f, loc + ("weekdays",), v.weekdays)
        for j, sel in enumerate(v.days_off):
            try:
                sel.days(horizon)
            except ValueError as exc:
                raise f.error(loc + ("days_off", j), str(exc)) from None
        start, end = v.shift
        if v.lunch is not None:
            ls, le = v.lunch.window
            if ls < start or le > end:
                raise f.error(
                    loc + ("lunch", "window"),
                    f"the lunch window {_hhmm(ls)}-{_hhmm(le)} is outside the shift {_hhmm(start)}-{_hhmm(end)}",
                )
            if v.lunch.duration > le - ls:
                raise f.error(
                    loc + ("lunch", "duration"),
                    f"the break ({_dur(v.lunch.duration)}) does not fit in its window {_hhmm(ls)}-{_hhmm(le)}",
                )
        for key in ("max_work", "max_drive"):
            value = getattr(v, key)
            if value is not None and value <= 0:
                raise f.error(loc + (key,), f"expected a positive duration, got {value:g} minutes")

    _check_stops(f)
    _check_requests(f)
    _check_kiosks(f)


def _check_kiosks(f: ScenarioFile) -> None:
    k = f.scenario.kiosks
    if k is None:
        return
    loc: Loc = ("kiosks",)
    if f.scenario.data.standalone:
        raise f.error(loc, "kiosks are placed in communes of the database: not in a standalone scenario")
    if (k.choose is None) == (not k.communes):
        raise f.error(loc, "give either communes = [...] (the kiosks' communes) or choose = N")
    if k.candidates is not None and k.choose is None:
        raise f.error(loc + ("candidates",), "candidates go with choose = N")
    if k.choose is not None and f.scenario.territory.empty and not k.candidates:
        raise f.error(loc + ("choose",), "choose = N needs a [territory] or kiosks.candidates")
    for key in ("communes", "candidates"):
        seen: set[str] = set()
        for i, code in enumerate(getattr(k, key) or []):
            if code in seen:
                raise f.error(loc + (key, i), f"commune {code} is listed twice")
            seen.add(code)
    if k.choose is not None and k.candidates and k.choose > len(k.candidates):
        raise f.error(loc + ("choose",),
                      f"choose = {k.choose} but only {len(k.candidates)} candidate communes")  # fmt: skip


def _work_span(v: VehicleSpec) -> float:
    span = v.shift[1] - v.shift[0]
    return min(span, v.max_work) if v.max_work is not None else span


def _check_standalone(f: ScenarioFile) -> None:
    sc = f.scenario
    why = "a standalone scenario (data.standalone = true) uses no database: give lon and lat"
    for i, v in enumerate(sc.vehicles):
        for key in ("base", "end_base"):
            place = getattr(v, key)
            if place is not None and not place.has_point:
                raise f.error(("vehicles", i, key), why)
    for i, s in enumerate(sc.stops.entries):
        if s.lon is None:
            raise f.error(("stops", "list", i), why)
    for i, r in enumerate(sc.requests):
        if r.lon is None:
            raise f.error(("requests", i), why)
    if sc.candidates is not None:
        raise f.error(
            ("candidates",),
            "candidates are chosen among the communes of the database: not in a standalone scenario",
        )
    if sc.asis is not None:
        raise f.error(
            ("asis",), "an [asis] rota is read from the database: not in a standalone scenario"
        )


def _check_stops(f: ScenarioFile) -> None:
    """Check stop entries against the cycle and the vehicles."""
    sc = f.scenario
    entries: list[int | None] = list(range(len(sc.stops.entries))) + (
        [None] if sc.candidates else []
    )
    lunch = lunch_minutes(f)
    needs = []
    for i in entries:
        perm, perm_loc = stop_permanence(f, i)
        needs.append((perm.minutes + (lunch if perm.with_lunch else 0.0), perm_loc, i))
    if sc.asis is None and needs:
        need, where, _ = min(needs, key=lambda n: n[0])
        for k, v in enumerate(sc.vehicles):
            span = _work_span(v)
            if span < need:
                binding = v.max_work is not None and v.max_work < v.shift[1] - v.shift[0]
                what = (
                    f"max_work ({_dur(span)})"
                    if binding
                    else f"the shift {_hhmm(v.shift[0])}-{_hhmm(v.shift[1])} ({_dur(span)} of work)"
                )
                raise f.error(
                    ("vehicles", k, "max_work" if binding else "shift"),
                    f"{what} is shorter than every permanence (the shortest, {key_path(where)}, "
                    f"lasts {_dur(need)})",
                )
    longest = max((_work_span(v) for v in sc.vehicles), default=None)
    if sc.stops.weekdays is not None:
        _weekday_list_check(f, ("stops", "weekdays"), sc.stops.weekdays)
    ids: dict[str, int] = {}
    for i in entries:
        perm, perm_loc = stop_permanence(f, i)
        freq, freq_loc = stop_frequency(f, i)
        if f.horizon.visits_per_cycle(freq) == 0:
            raise f.error(
                freq_loc,
                f"a {freq.value} stop needs a cycle of at least 2 weeks (horizon.weeks = {f.horizon.weeks})",
            )
        if freq is Frequency.MONTHLY and f.horizon.weeks != 4:
            raise f.error(
                freq_loc,
                f"a monthly stop needs a 4-week cycle (horizon.weeks = 4, or monthly = true); "
                f"in a {f.horizon.weeks}-week cycle it would come every {f.horizon.weeks} week(s)",
            )
        if perm.minutes <= 0:
            raise f.error(perm_loc, "a permanence lasts more than 0 minutes")
        need = perm.minutes + (lunch if perm.with_lunch else 0.0)
        if longest is not None and need > longest:
            where = perm_loc if perm_loc in f.lines or i is None else ("stops", "list", i)
            raise f.error(
                where,
                f"the permanence ({_dur(need)}) is longer than every vehicle's shift "
                f"(the longest gives {_dur(longest)} of work)",
            )
        if i is None:
            continue
        spec = sc.stops.entries[i]
        loc: Loc = ("stops", "list", i)
        if not (spec.id or spec.commune or spec.site or spec.name):
            raise f.error(loc, "a stop given by coordinates needs an id or a name")
        sid = stop_id(spec)
        if sid in ids:
            raise f.error(
                loc + (("id",) if spec.id else ("commune",) if spec.commune else ()),
                f"stop {sid!r} is already listed at line {f.line_of(('stops', 'list', ids[sid]))}; give it another id",
            )
        ids[sid] = i
        if spec.weekdays is not None:
            _weekday_list_check(f, loc + ("weekdays",), spec.weekdays)
        if spec.window is not None:
            _check_room(f, loc + ("window",), spec.window, need)
        for j, w in enumerate(spec.windows or ()):
            _check_room(f, loc + ("windows", j), (w.start, w.end), need)
            if w.day is not None:
                try:
                    w.day.days(f.horizon)
                except ValueError as exc:
                    raise f.error(loc + ("windows", j), str(exc)) from None
        fixed_pattern(f, i)
    if "window" in sc.stops.model_fields_set:
        perm, _ = stop_permanence(f, None)
        _check_room(f, ("stops", "window"), sc.stops.window, perm.minutes)


def _check_room(f: ScenarioFile, loc: Loc, window: tuple[float, float], need: float) -> None:
    if window[1] - window[0] < need - 1e-9:
        raise f.error(
            loc,
            f"the room is available {_hhmm(window[0])}-{_hhmm(window[1])}, "
            f"shorter than the permanence ({_dur(need)})",
        )


def _check_requests(f: ScenarioFile) -> None:
    seen: dict[str, int] = {}
    stop_ids = {stop_id(s) for s in f.scenario.stops.entries}
    for i, r in enumerate(f.scenario.requests):
        loc: Loc = ("requests", i)
        if r.id in seen or r.id in stop_ids:
            raise f.error(loc + ("id",), f"id {r.id!r} is already used by another request or stop")
        seen[r.id] = i
        for j, w in enumerate(r.windows):
            if w.end - w.start < r.duration:
                raise f.error(
                    loc + ("windows", j),
                    f"the window {_hhmm(w.start)}-{_hhmm(w.end)} is shorter "
                    f"than the visit ({_dur(r.duration)})",
                )
            if w.day is not None:
                try:
                    w.day.days(f.horizon)
                except ValueError as exc:
                    raise f.error(loc + ("windows", j), str(exc)) from None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "stop"


def stop_id(spec: StopSpec) -> str:
    """The id of a ``[[stops.list]]`` entry: ``id``, else its commune code, site id or name."""
    return spec.id or spec.commune or spec.site or _slug(spec.name or "")
