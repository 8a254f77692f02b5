"""Safe text for the HTML and JavaScript of the maps, and French formatting of numbers and times.

Every string that comes from data (commune and service names, addresses, comments, rota text)
goes through :func:`esc` before it is placed in HTML, and every Python value placed inside a
``<script>`` goes through :func:`js_json`, which cannot close the script element. The maps never
build HTML from data any other way. This module formats; it must not decide what is shown.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
from typing import Any

from planner.french import (
    THOUSANDS_SEP,
    day_month_year_fr,
    format_duration_fr,
    integer_fr,
    number_fr,
)

NNBSP = THOUSANDS_SEP  # narrow no-break space, the French thousands separator (planner.french)

# Inside <script>, the HTML parser only leaves the script at "</script" and changes state at
# "<!--"; escaping "</" and "<!" (plus the two line separators JavaScript once rejected) is enough
# and keeps popup HTML readable and small (escaping every "<" made a region map 20 % bigger).
_JS_UNSAFE = {
    "</": "<\\/",
    "<!": "\\u003c!",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def esc(value: object) -> str:
    """HTML-escape any value (None becomes the empty string); quotes are escaped too."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def js_json(value: Any) -> str:
    """JSON for a ``<script>`` element: ``</`` and ``<!`` are escaped (``<\\/``, ``\\u003c!``) so
    that no data string can end the script or open a comment, whatever it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, repl in _JS_UNSAFE.items():
        text = text.replace(char, repl)
    return text


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value) in ("<NA>", "NaT")


def fmt_int(value: object) -> str:
    """``12345`` → ``12 345`` (French thousands separator); missing → ``—``."""
    if is_missing(value):
        return "—"
    return integer_fr(round(float(value)))  # type: ignore[arg-type]


def fmt_decimal(value: object, digits: int = 1) -> str:
    """``6.25`` → ``6,3`` (decimal comma); missing → ``—``."""
    if is_missing(value):
        return "—"
    return number_fr(float(value), digits)  # type: ignore[arg-type]


def fmt_minutes(value: object) -> str:
    """A travel time in minutes, rounded: ``34.4`` → ``34 min``, ``75`` → ``1 h 15``; missing →
    ``—``."""
    if is_missing(value):
        return "—"
    return format_duration_fr(float(value))  # type: ignore[arg-type]


def fmt_date(day: _dt.date) -> str:
    """``2026-03-01`` → ``1er mars 2026``."""
    return day_month_year_fr(day)
