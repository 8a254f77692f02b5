"""Value types of scenario keys (times, durations, permanences, day selectors, codes), read
from the forgiving forms people write ("10:00-12:30", "2e mardi", "demi-journée")."""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import PlainValidator

from geodata.coordinates import territory_of
from geodata.names import fold
from planner.dates import holidays_between, parse_date
from planner.french import date_range_fr, day_month_year_fr
from planner.tours.model import WEEKDAY_NAMES_FR, Frequency, Horizon

# A half-day permanence: 2 h 30 of presence, La Rur@linette's morning (10:00–12:30, France
# Services list 2024, id_fs 2394). A day: 5 h of presence (10:00–12:30 + 13:30–16:00) with the
# lunch break taken on site, on top.
HALF_DAY_MINUTES = 150.0
DAY_MINUTES = 300.0

# Fields of [[requests]] that hold personal data: accepted, never copied into outputs unless the
# user asks for it explicitly.
PERSONAL_FIELDS = ("requester_name", "requester_phone", "requester_email", "address", "notes")


# --- value types -------------------------------------------------------------------------------


def shown(value: Any) -> str:
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
                    raise ValueError(f"expected the end after the start, got {shown(value)}")
                return start, end
    raise ValueError(f'expected "HH:MM-HH:MM", got {shown(value)}')


_DURATION = re.compile(
    r"^\s*(?:(\d+(?:[.,]\d+)?)\s*h(?:eures?)?)?\s*(?:(\d+)\s*(?:min(?:utes?)?)?)?\s*$",
    re.IGNORECASE,
)


def _minutes(value: Any) -> float:
    """A duration: a number of minutes, or ``"2h30"``, ``"1 h 30"``, ``"45 min"``, ``"5h"``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"expected a duration of at least 0 minutes, got {shown(value)}")
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m and (m.group(1) or m.group(2)):
            hours = float((m.group(1) or "0").replace(",", "."))
            return hours * 60 + float(m.group(2) or 0)
    raise ValueError(
        f'expected minutes (a number) or a duration like "2h30" or "45 min", got {shown(value)}'
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
            f'expected "demi-journée", "journée" or minutes of presence, got {shown(value)}'
        ) from None


def _weekday(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str):
        key = fold(value.strip())
        if key in WEEKDAY_NAMES_FR:
            return WEEKDAY_NAMES_FR.index(key)
    raise ValueError(
        f'expected a weekday ("lundi" … "dimanche", or 0 = lundi … 6), got {shown(value)}'
    )


_NTH = re.compile(r"^(\d)\s*(?:er|re|e|eme|ème|nd|nde)?\s+(\w+)$")
_WEEKDAY_WEEK = re.compile(r"^(\w+)(?:\s+(?:de\s+la\s+)?semaine\s+(\d))?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


@dataclass(frozen=True, slots=True)
class DaySel:
    """A day (or days) of the cycle named in French: ``"2e mardi"`` (monthly cycle),
    ``"dernier jour du mois"``, ``"mardi semaine 2"``, ``"mardi"`` (every Tuesday of the cycle),
    or a date ``"2027-01-05"`` (a day of the bookings period, ``[period]``)."""

    weekday: int | None = None
    week: int | None = None  # 0-based week, from "semaine N"
    nth: int | None = None  # 1..4, from "Ne mardi"
    last: bool = False
    text: str = ""
    date: _dt.date | None = None  # a dated day of the bookings period

    @classmethod
    def parse(cls, value: Any) -> DaySel:
        if isinstance(value, DaySel):
            return value
        if isinstance(value, _dt.date):  # an unquoted TOML date
            return cls(weekday=value.weekday(), text=value.isoformat(), date=value)
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            when = parse_date(value)
            return cls(weekday=when.weekday(), text=value.strip(), date=when)
        expected = (
            'expected a day like "2e mardi", "mardi semaine 2", "mardi" or "dernier jour du mois"'
        )
        if not isinstance(value, str):
            raise ValueError(f"{expected}, got {shown(value)}")  # noqa: TRY004 (pydantic wants ValueError)
        text = " ".join(fold(value).split())
        if text == "dernier jour du mois":
            return cls(last=True, text=value)
        m = _NTH.match(text)
        if m and m.group(2) in WEEKDAY_NAMES_FR:
            nth = int(m.group(1))
            if not 1 <= nth <= 4:
                raise ValueError(
                    f'expected the 1st to 4th weekday of the month ("2e mardi"), got {value!r}'
                )
            return cls(weekday=WEEKDAY_NAMES_FR.index(m.group(2)), nth=nth, text=value)
        m = _WEEKDAY_WEEK.match(text)
        if m and m.group(1) in WEEKDAY_NAMES_FR:
            week = int(m.group(2)) - 1 if m.group(2) else None
            if week is not None and not 0 <= week <= 3:
                raise ValueError(f"a cycle has weeks 1 to 4, not {value!r}")
            return cls(weekday=WEEKDAY_NAMES_FR.index(m.group(1)), week=week, text=value)
        raise ValueError(f"{expected}, got {shown(value)}")

    def days(self, horizon: Horizon) -> list[int]:
        """Day indices of ``horizon`` this names; ValueError (a message) when it has none."""
        days = horizon.days
        if self.date is not None:
            return [_dated_day(horizon, self.date)]
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
            d.index
            for d in days
            if not d.last_of_month
            and d.weekday == self.weekday
            and (week is None or d.week == week)
        ]
        if not found:
            raise ValueError(
                f"{self.text!r} is not a working day of the cycle "
                "(see horizon.weekdays and days_off)"
            )
        return found


def _dated_day(horizon: Horizon, when: _dt.date) -> int:
    """The index of the day of ``horizon`` dated ``when``; ValueError (in French) naming why
    there is none: no period, a public holiday, a date outside the period or not worked."""
    if not horizon.period:
        raise ValueError(
            f"la date {when.isoformat()} demande une période datée : ajoutez [period] "
            "(start, working_days)"
        )
    for d in horizon.days:
        if d.date == when:
            return d.index
    ferie = holidays_between(when, when).get(when)
    if ferie:
        raise ValueError(f"le {day_month_year_fr(when)} est un jour férié ({ferie})")
    first, last = horizon.period[0], horizon.period[-1]
    if not first <= when <= last:
        raise ValueError(
            f"le {day_month_year_fr(when)} est hors de la période ({date_range_fr(first, last)})"
        )
    raise ValueError(f"le {day_month_year_fr(when)} n'est pas un jour travaillé de la période")


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
            'expected "HH:MM-HH:MM", optionally after a day ("mardi semaine 1 09:00-12:00"), '
            f"got {shown(value)}"
        )


def _days(value: Any) -> list[DaySel]:
    if isinstance(value, list):
        return [DaySel.parse(v) for v in value]
    return [DaySel.parse(value)]


def _room(value: Any) -> tuple[float, float]:
    """A room's availability; ``false``: no restriction (the whole day)."""
    return (0.0, 24 * 60.0) if value is False else _time_range(value)


def _clock_value(value: Any) -> float:
    """``"09:30"`` → ``570.0``."""
    minutes = _clock(value) if isinstance(value, str) else None
    if minutes is None:
        raise ValueError(f'expected a time "HH:MM", got {shown(value)}')
    return minutes


TimeRange = Annotated[tuple[float, float], PlainValidator(_time_range)]
Clock = Annotated[float, PlainValidator(_clock_value)]
RoomRange = Annotated[tuple[float, float], PlainValidator(_room)]
Minutes = Annotated[float, PlainValidator(_minutes)]
minutes_value = _minutes
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
    raise ValueError(f'expected "weekly", "fortnightly" or "monthly", got {shown(value)}')


FrequencyValue = Annotated[Frequency, PlainValidator(_frequency)]


def _code(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\s*(\d{2}|2[AB]|97\d)\s*", value, re.IGNORECASE):
        return value.strip().upper()
    raise ValueError(f'expected a département code like "36" or "2A", got {shown(value)}')


def _insee(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\s*(\d{5}|2[AB]\d{3})\s*", value, re.IGNORECASE):
        return value.strip().upper()
    raise ValueError(
        f'expected an INSEE commune code (5 characters, e.g. "36044"), got {shown(value)}'
    )


def _area_code(value: Any) -> str:
    """A code of a vehicle's service area: département, EPCI (SIREN) or commune (INSEE)."""
    if isinstance(value, str) and re.fullmatch(
        r"\s*(\d{2}|9[78]\d|2[AB]|\d{9}|\d{5}|2[AB]\d{3})\s*", value, re.IGNORECASE
    ):
        return value.strip().upper()
    raise ValueError(
        'expected a département ("45", "2A"), an EPCI SIREN (9 digits) or an INSEE commune code '
        f"(5 characters), got {shown(value)}"
    )


def _name(value: Any) -> str:
    """One line of printable text: names and ids end up in calendars, posters and CSV cells,
    where a line break or a control character breaks the file."""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {shown(value)}")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise ValueError(
            f"expected one line of text without control characters, got {shown(value)} "
            f"(contains U+{ord(bad):04X})"
        )
    if not value.strip():
        raise ValueError("expected a non-empty text")
    return value.strip()


def whole_number(*allowed: int) -> Any:
    """A validator of whole numbers: ``2`` is one, ``2.0`` and ``true`` are not (TOML has both)."""

    def check(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {shown(value)}")
        if allowed and value not in allowed:
            options = (
                ", ".join(map(str, allowed[:-1])) + f" or {allowed[-1]}"
                if len(allowed) > 1
                else str(allowed[0])
            )
            raise ValueError(f"expected {options}, got {value}")
        return value

    return PlainValidator(check)


Name = Annotated[str, PlainValidator(_name)]
Departement = Annotated[str, PlainValidator(_code)]
Insee = Annotated[str, PlainValidator(_insee)]
AreaCode = Annotated[str, PlainValidator(_area_code)]


def candidate_communes(value: Any) -> str | list[str]:
    if value in ("all", "host_sites"):
        return value
    if isinstance(value, list):
        return [_insee(v) for v in value]
    raise ValueError(f'expected "all", "host_sites" or an array of INSEE codes, got {shown(value)}')


def check_place(
    commune: str | None, site: str | None, lon: float | None, lat: float | None
) -> None:
    if (lon is None) != (lat is None):
        raise ValueError("give both lon and lat")
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):  # type: ignore[operator]
        raise ValueError(f"lon/lat out of range ({lon}, {lat})")
    if lon is not None and territory_of(lon, lat) is None:  # type: ignore[arg-type]
        swapped = territory_of(lat, lon) is not None  # type: ignore[arg-type]
        raise ValueError(
            f"lon = {lon}, lat = {lat} is outside France"
            + (" (longitude and latitude exchanged?)" if swapped else "")
            + ": expected WGS84 degrees in metropolitan France, Corsica or an overseas département"
        )
    if site is not None and (commune is not None or lon is not None):
        raise ValueError("a host site already has its place: give site alone")
    if site is None and commune is None and lon is None:
        raise ValueError(
            'expected a commune code ("36044"), a host site {site = "id"} '
            "or coordinates {lon = …, lat = …}"
        )
