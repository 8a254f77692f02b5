"""Opening hours: the strings found in French open data → :class:`~geodata.records.Interval`\\ s.

Two notations occur:

* one day's hours, as in the France Services ``h_lundi`` … ``h_samedi`` columns:
  ``"09:00 - 12:00 / 13:30 - 17:00"``, and in hand-made files ``"9h-12h"``, ``"09h00 - 12h00"``,
  ``"de 9h à 12h et de 14h à 17h"``, ``"fermé"`` → :func:`parse_day`;
* a week in OpenStreetMap ``opening_hours`` syntax, as in the CNFS lieux:
  ``"Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00"`` → :func:`parse_osm` (the common subset:
  weekday selectors, time ranges, ``off``, ``24/7``).

Anything else raises :class:`OddHours`: the caller reports the string, it is never guessed.
The module also renders hours in French for users. It does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from geodata.records import Interval

__all__ = [
    "OddHours",
    "WEEKDAYS_FR",
    "parse_day",
    "parse_week",
    "parse_osm",
    "weekly_minutes",
    "intervals_fr",
]

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_OSM_DAYS = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_CLOSED = {"", "ferme", "fermé", "fermée", "closed", "off", "-", "néant", "neant"}


class OddHours(ValueError):
    """An opening-hours string that does not follow a known notation (kept as text, reported)."""

    def __init__(self, text: str, why: str):
        super().__init__(f"{text!r}: {why}")
        self.text = text
        self.why = why


# A time of day: "9", "09:00", "9h", "9h30", "09H30", "9.30".
_TIME = r"(\d{1,2})(?:\s*(?:[:hH.])\s*(\d{2})?|\s*[hH])?"
_RANGE = re.compile(
    rf"^(?:de\s+)?{_TIME}\s*(?:-|–|—|à|a)\s*{_TIME}$",
    re.IGNORECASE,
)
_SPLIT_DAY = re.compile(r"\s*(?:/|,|;|\bet\b|\+)\s*", re.IGNORECASE)


def _minutes(hours: str, minutes: str | None, text: str) -> int:
    h, m = int(hours), int(minutes or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        raise OddHours(text, f"{hours}:{minutes or '00'} is not a time of day")
    return h * 60 + m


def _check(intervals: list[Interval], text: str) -> tuple[Interval, ...]:
    """Sorted intervals, overlaps merged into their union, zero-length ones dropped.

    The national list writes ``"00:00 - 00:00"`` for "no hours" and sometimes repeats or nests
    intervals (``"09:00 - 12:00 / 09:00 - 16:30"``): both read literally as the time open. An
    interval that ends before it starts is odd.
    """
    merged: list[Interval] = []
    for iv in sorted(intervals, key=lambda iv: (iv.start, iv.end)):
        if iv.end < iv.start:
            raise OddHours(text, "an interval ends before it starts")
        if iv.end == iv.start:
            continue
        if merged and iv.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, iv.end))
        else:
            merged.append(iv)
    return tuple(merged)


def parse_day(text: str | None) -> tuple[Interval, ...]:
    """One day's opening intervals; ``()`` for an empty or closed day; OddHours otherwise.

    >>> parse_day("09:00 - 12:00 / 13:30 - 17:00")
    (Interval(start=540, end=720), Interval(start=810, end=1020))
    >>> parse_day("9h-12h")
    (Interval(start=540, end=720),)
    """
    raw = text or ""
    cleaned = " ".join(raw.replace("\u00a0", " ").split())
    if cleaned.lower() in _CLOSED:
        return ()
    intervals = []
    for part in _SPLIT_DAY.split(cleaned):
        if not part:
            continue
        m = _RANGE.match(part)
        if not m:
            raise OddHours(raw, f"cannot read {part!r} as a time range like 09:00 - 12:00")
        h1, m1, h2, m2 = m.groups()
        intervals.append(Interval(_minutes(h1, m1, raw), _minutes(h2, m2, raw)))
    if not intervals:
        raise OddHours(raw, "no time range")
    return _check(intervals, raw)


def parse_week(
    days: Mapping[int, str | None],
) -> tuple[dict[int, tuple[Interval, ...]], list[tuple[int, str, str]]]:
    """Hours of a week given one string per weekday (Monday = 0).

    Returns the open days' intervals and the odd strings as ``(weekday, text, why)``; an odd day
    is left out of the hours rather than guessed.
    """
    hours: dict[int, tuple[Interval, ...]] = {}
    odd: list[tuple[int, str, str]] = []
    for weekday, text in sorted(days.items()):
        try:
            intervals = parse_day(text)
        except OddHours as exc:
            odd.append((weekday, exc.text, exc.why))
            continue
        if intervals:
            hours[weekday] = intervals
    return hours, odd


_OSM_TIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _osm_days(selector: str, text: str) -> list[int]:
    days: list[int] = []
    for part in selector.split(","):
        ends = part.strip().lower().split("-")
        if not all(e in _OSM_DAYS for e in ends) or len(ends) > 2:
            raise OddHours(text, f"unknown weekday selector {part!r}")
        first, last = _OSM_DAYS[ends[0]], _OSM_DAYS[ends[-1]]
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.extend(span)
    return days


def parse_osm(text: str | None) -> dict[int, tuple[Interval, ...]]:
    """A week in OpenStreetMap ``opening_hours`` syntax (common subset); OddHours otherwise.

    Later rules replace earlier ones for the days they name, as in the OSM specification.

    >>> parse_osm("Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00")[4]
    (Interval(start=540, end=720),)
    """
    raw = text or ""
    cleaned = " ".join(raw.split()).strip().strip(";").strip()
    if not cleaned:
        return {}
    if cleaned == "24/7":
        return {d: (Interval(0, 1440),) for d in range(7)}
    week: dict[int, tuple[Interval, ...]] = {}
    for rule in cleaned.split(";"):
        rule = rule.strip()
        if not rule:
            continue
        selector, _, times = rule.partition(" ")
        days = _osm_days(selector, raw)
        times = times.strip()
        if times.lower() in ("off", "closed"):
            intervals: tuple[Interval, ...] = ()
        else:
            found = []
            for span in times.split(","):
                m = _OSM_TIME.match(span.strip())
                if not m:
                    raise OddHours(
                        raw, f"cannot read {span.strip()!r} as a time range like 09:00-12:00"
                    )
                h1, m1, h2, m2 = m.groups()
                found.append(Interval(_minutes(h1, m1, raw), _minutes(h2, m2, raw)))
            intervals = _check(found, raw)
        for day in days:
            week[day] = intervals
    return {day: ivs for day, ivs in sorted(week.items()) if ivs}


def weekly_minutes(hours: Mapping[int, tuple[Interval, ...]]) -> int:
    """Total opening time of a week, in minutes."""
    return sum(iv.end - iv.start for ivs in hours.values() for iv in ivs)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def intervals_fr(intervals: tuple[Interval, ...]) -> str:
    """``"10:00–12:30, 13:30–16:00"``; ``"fermé"`` when empty."""
    if not intervals:
        return "fermé"
    return ", ".join(f"{_hhmm(iv.start)}–{_hhmm(iv.end)}" for iv in intervals)
