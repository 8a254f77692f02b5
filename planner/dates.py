"""French public holidays and the dated working days of a bookings period: the one place that
knows the calendar of a scenario and of a plan's outputs.

Public holidays come from the ``holidays`` package (offline): the national ones, plus Good Friday
and 26 December in Alsace-Moselle (départements 57, 67, 68) and the overseas départements' own,
chosen from a commune's INSEE code (:func:`holiday_subdivision`).

A **period** (a scenario's ``[period]``) is ``working_days`` dated days from ``start``: the days
whose weekday the cycle works, skipping the cycle's days off and the public holidays
(:func:`period_days`). Bookings are planned on those dates; the solver only sees them as the
plain ``date`` of a :class:`~planner.tours.model.Day`.

Pure computation: no file, database or network access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays as _holidays

from planner.french import date_range_fr

__all__ = [
    "holiday_subdivision",
    "holidays_between",
    "parse_date",
    "period_fr",
    "period_days",
]

_OVERSEAS = ("971", "972", "973", "974", "976")


def holiday_subdivision(insee: str | None) -> str | None:
    """The ``holidays`` subdivision of a commune: ``"57"`` (Moselle), ``"6AE"`` (Bas-Rhin,
    Haut-Rhin), an overseas département (``"971"``…), else None (national holidays only)."""
    if not insee:
        return None
    if insee[:3] in _OVERSEAS:
        return insee[:3]
    return {"57": "57", "67": "6AE", "68": "6AE"}.get(insee[:2])


@lru_cache(maxsize=64)
def _french_holidays(years: tuple[int, ...], subdiv: str | None) -> dict[date, str]:
    found = _holidays.country_holidays("FR", subdiv=subdiv, years=list(years), language="fr")
    return {d: _holiday_name(n) for d, n in found.items()}


def _holiday_name(name: str) -> str:
    """ "Lundi de Pâques" → "lundi de Pâques" (weekday names are not capitalised in French)."""
    first = name.split(" ", 1)[0].lower()
    return name[:1].lower() + name[1:] if first in ("lundi", "vendredi", "jeudi") else name


def holidays_between(start: date, end: date, insee: str | None = None) -> dict[date, str]:
    """French public holidays from ``start`` to ``end`` (included), by date, with their French
    names, for a commune's subdivision (see :func:`holiday_subdivision`)."""
    years = tuple(range(start.year, end.year + 1))
    found = _french_holidays(years, holiday_subdivision(insee))
    return {d: n for d, n in sorted(found.items()) if start <= d <= end}


def parse_date(text: str) -> date:
    """``"2027-01-05"`` (ISO, as TOML writes a date) → a date; ValueError (in French) else."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"date invalide {text!r} : attendu AAAA-MM-JJ, par exemple 2027-01-05"
        ) from None


def period_days(
    start: date,
    working_days: int,
    weekdays: Iterable[int],
    *,
    off: Callable[[date], bool] = lambda d: False,
    insee: str | None = None,
) -> tuple[date, ...]:
    """The first ``working_days`` dates from ``start`` (included) whose weekday is in
    ``weekdays``, that are not public holidays (of ``insee``'s subdivision) and not ``off``."""
    if working_days < 1:
        raise ValueError("working_days must be >= 1")
    worked = set(weekdays)
    if not worked:
        raise ValueError("no working weekday")
    out: list[date] = []
    day = start
    end = start + timedelta(days=366)
    feries = holidays_between(start, end, insee)
    while len(out) < working_days:
        if day > end:  # pragma: no cover - only with days off covering a whole year
            raise ValueError("no working day found within a year")
        if day.weekday() in worked and day not in feries and not off(day):
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)


def period_fr(period: tuple[date, ...]) -> str:
    """ "sur la période du 4 au 15 janvier 2027 (10 jours ouvrés)", or "sur un cycle" without a
    bookings period."""
    if not period:
        return "sur un cycle"
    return f"sur la période {date_range_fr(period[0], period[-1])} ({len(period)} jours ouvrés)"
