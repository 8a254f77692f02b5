"""French formatting of numbers, clock times and durations: the one place that writes "1 234,5".

What it is for
--------------
Every figure a user reads — in the terminal, in the HTML maps and reports, in the CSV files — is
written by a function of this module, so the terminal and the HTML never disagree.

- Numbers (:func:`number_fr`, :func:`integer_fr`, :func:`percent_fr`, :func:`euros_fr`,
  :func:`short_number_fr`, :func:`plural_fr`): decimal comma; thousands grouped with
  :data:`THOUSANDS_SEP`, the **narrow no-break space U+202F** (``"216 069"``), the separator
  of French typography (Imprimerie nationale; also the one of SI / ISO 80000-1, so it reads right
  in the English live display too). It never breaks a number across two lines in HTML and it is
  the one the maps already used.
- Spreadsheet cells (:func:`spreadsheet_number`): decimal comma and **no** thousands separator
  (``"216069"``, ``"6,3"``). French Excel groups with U+00A0 and LibreOffice with U+202F; an
  ungrouped number is the only form both read back as a number, so CSV files use it.
- A unit or the percent sign follows the number after an ordinary space (``"12 %"``,
  ``"60 000 €"``), as the terminal and HTML output always have.
- Clock times and durations, in the two styles chosen once for the whole project:
  **timetable** (tables, rota printouts, diagnostics) ``"9:00"``, ``"10:30"`` and **poster**
  (posters, letters, prose) ``"9 h"``, ``"10 h 30"``; durations ``"45 min"``, ``"5 h"``,
  ``"1 h 05"``.

It must not: import anything from ``planner`` (or ``geodata`` / ``maps``): it is a leaf that any
layer may import; know about plans, days or patterns (:mod:`planner.tours.wording` does); escape
HTML (the callers do).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

__all__ = [
    "MONTHS_FR",
    "THOUSANDS_SEP",
    "day_month_year_fr",
    "TimeStyle",
    "number_fr",
    "integer_fr",
    "percent_fr",
    "euros_fr",
    "short_number_fr",
    "spreadsheet_number",
    "plural_fr",
    "format_time_fr",
    "format_duration_fr",
    "format_range_fr",
]

THOUSANDS_SEP = "\u202f"  # narrow no-break space
DECIMAL_SEP = ","

TimeStyle = Literal["timetable", "poster"]


# -- numbers -------------------------------------------------------------------------------------


def number_fr(x: float, digits: int = 0) -> str:
    """``1486.78`` → ``"1 487"``; ``21.43, 1`` → ``"21,4"``; ``-2`` → ``"-2"``.

    Rounded to ``digits`` decimals, thousands grouped with :data:`THOUSANDS_SEP`.
    """
    text = f"{x:,.{digits}f}"
    return text.replace(",", THOUSANDS_SEP).replace(".", DECIMAL_SEP)


def integer_fr(n: float) -> str:
    """``216069`` → ``"216 069"`` (rounded to the nearest whole number)."""
    return number_fr(n, 0)


def percent_fr(x: float, digits: int = 0) -> str:
    """A percentage given in percent: ``12.5, 1`` → ``"12,5 %"``."""
    return f"{number_fr(x, digits)} %"


def euros_fr(x: float, digits: int = 0) -> str:
    """An amount in euros: ``60000`` → ``"60 000 €"``."""
    return f"{number_fr(x, digits)} €"


def short_number_fr(value: object) -> str:
    """A value as a user typed it, with a decimal comma: ``0.5`` → ``"0,5"``, ``30.0`` →
    ``"30"``, ``1500`` → ``"1500"`` (floats in their shortest form, 6 significant digits; no
    thousands separator, so the text also serves as a spreadsheet cell); anything that is not a
    number is returned as ``str(value)``."""
    if isinstance(value, float):
        return f"{value:g}".replace(".", DECIMAL_SEP)
    return str(value)


def spreadsheet_number(x: float, digits: int = 0) -> str:
    """A spreadsheet cell: decimal comma, no thousands separator (``1234.56, 1`` → ``"1234,6"``)."""
    return f"{x:.{max(digits, 0)}f}".replace(".", DECIMAL_SEP)


def plural_fr(n: int, singular: str, plural: str | None = None) -> str:
    """``1, "commune"`` → ``"1 commune"``; ``241`` → ``"241 communes"``; ``0`` is singular, as
    French has it; ``plural`` when adding an ``s`` is wrong (``"lieux"``)."""
    return f"{integer_fr(n)} {singular if n <= 1 else (plural or singular + 's')}"


# -- dates ------------------------------------------------------------------------------------

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def day_month_year_fr(day: date) -> str:
    """``2026-03-01`` → ``1er mars 2026`` (the first of the month is "1er", as French writes it)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_FR[day.month - 1]} {day.year}"


def date_range_fr(first: date, last: date) -> str:
    """``du 4 au 15 janvier 2027``, ``du 28 décembre 2026 au 8 janvier 2027``."""
    if (first.year, first.month) == (last.year, last.month):
        number = "1er" if first.day == 1 else str(first.day)
        return f"du {number} au {day_month_year_fr(last)}"
    if first.year == last.year:
        return f"du {day_month_year_fr(first).rsplit(' ', 1)[0]} au {day_month_year_fr(last)}"
    return f"du {day_month_year_fr(first)} au {day_month_year_fr(last)}"


# -- clock times and durations -------------------------------------------------------------------


def _whole_minutes(minutes: float) -> int:
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"expected a non-negative number of minutes, got {minutes!r}")
    return math.floor(minutes + 0.5)


def format_time_fr(minutes: float, style: TimeStyle = "timetable") -> str:
    """Clock time of ``minutes`` since midnight: ``"10:30"`` (timetable) or ``"10 h 30"`` (poster).

    Rounded to the nearest minute; hours are not zero-padded ("9:00", "9 h").
    """
    m = _whole_minutes(minutes)
    h, mm = divmod(m, 60)
    if style == "timetable":
        return f"{h}:{mm:02d}"
    if style == "poster":
        return f"{h} h" if mm == 0 else f"{h} h {mm:02d}"
    raise ValueError(f"unknown time style {style!r} (expected 'timetable' or 'poster')")


def format_duration_fr(minutes: float) -> str:
    """A duration: ``"45 min"``, ``"5 h"``, ``"1 h 10"``, ``"1 h 05"`` (nearest minute)."""
    m = _whole_minutes(minutes)
    h, mm = divmod(m, 60)
    if h == 0:
        return f"{mm} min"
    return f"{h} h" if mm == 0 else f"{h} h {mm:02d}"


def format_range_fr(start: float, end: float, style: TimeStyle = "timetable") -> str:
    """``"10:00–12:30"`` (en dash) or, for posters, ``"10 h – 12 h 30"``."""
    sep = "–" if style == "timetable" else " – "
    return f"{format_time_fr(start, style)}{sep}{format_time_fr(end, style)}"
