"""Cell parsers for users' own files: INSEE codes, coordinates, numbers, yes/no, weekdays.

Each parser takes one raw cell (a string from a CSV, or a number/None from a GeoPackage) and
returns the normalised value, or raises :class:`CellError` with a short English explanation of
what was expected. They know nothing about files, lines or columns: ``geodata.userfiles`` adds
that context. An empty cell is ``None`` for every parser; whether it is allowed is the caller's
business.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from geodata.coordinates import territory_of
from geodata.records import ServiceKind


class CellError(ValueError):
    """A cell holds a value that cannot be read as the expected type."""


def is_empty(value: Any) -> bool:
    """True for None, NaN and blank strings (what spreadsheets and GeoPackages leave empty)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    try:  # pandas.NA, numpy.nan and friends: the only values not equal to themselves
        return bool(value != value)  # noqa: PLR0124
    except (TypeError, ValueError):
        return False


def fold(text: str) -> str:
    """Lower-case, accents removed, runs of non-alphanumerics turned into one space."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def text(value: Any) -> str | None:
    """Free text, whitespace collapsed; integral floats lose their '.0' (ids from sheets)."""
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


# --- INSEE codes -----------------------------------------------------------------------------

INSEE_PATTERN = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def insee(value: Any) -> tuple[str | None, str | None]:
    """An INSEE commune code as 5 characters, and a warning when leading zeros were restored.

    Accepts ``"36044"``, ``"2a004"`` (→ ``"2A004"``), ``1001`` or ``"1001.0"`` (a spreadsheet that
    dropped the leading zero → ``"01001"`` with a warning). Checks the département part too:
    ``20xxx`` (pre-1976 Corsica), ``96xxx`` and ``99xxx`` (foreign countries) are not communes.
    """
    if is_empty(value):
        return None, None
    raw = value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = str(value).strip().upper()
    code = re.sub(r"\.0+$", "", code)
    warning = None
    if re.fullmatch(r"\d{4}", code):
        code = "0" + code
        warning = f"INSEE code {str(raw).strip()!r} read as {code!r} (leading zero restored)"
    if not INSEE_PATTERN.match(code):
        raise CellError(
            f"{str(raw).strip()!r} is not an INSEE commune code "
            "(expected 5 characters: digits, or 2A/2B then 3 digits for Corsica)"
        )
    dep = code[:2]
    if dep == "00" or dep == "96":
        raise CellError(f"{code!r} is not an INSEE commune code (no département {dep})")
    if dep == "20":
        raise CellError(f"{code!r} is not a current INSEE code (Corsican communes use 2A or 2B)")
    if dep == "99":
        raise CellError(f"{code!r} is an INSEE code of a foreign country, not of a commune")
    return code, warning


# --- numbers ---------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f']")


def number(value: Any) -> float | None:
    """A number written the French or English way: ``46,8123``, ``1 200,50 €``, ``0.45``."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        result = float(value)
    else:
        raw = str(value).strip()
        cleaned = _SPACES.sub("", raw).replace("€", "").replace("\u2212", "-")
        if "," in cleaned and "." in cleaned:  # the last one is the decimal mark
            if cleaned.rfind(",") > cleaned.rfind("."):
                cleaned = cleaned.replace(".", "").replace(",", ".")
            else:
                cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
        try:
            result = float(cleaned)
        except ValueError:
            raise CellError(f"{raw!r} is not a number") from None
    if not math.isfinite(result):
        raise CellError(f"{value!r} is not a finite number")
    return result


def non_negative(value: Any) -> float | None:
    result = number(value)
    if result is not None and result < 0:
        raise CellError(f"{value!r} is negative (expected a number >= 0)")
    return result


def integer(value: Any) -> int | None:
    """A whole number >= 0 (``"12"``, ``12.0``); ``"12,5"`` is an error, not 12."""
    result = non_negative(value)
    if result is None:
        return None
    if not result.is_integer():
        raise CellError(f"{value!r} is not a whole number")
    return int(result)


# --- coordinates -----------------------------------------------------------------------------


def _looks_lambert93(x: float, y: float) -> bool:
    return 50_000 <= x <= 1_300_000 and 6_000_000 <= y <= 7_200_000


def coordinates(lon_value: Any, lat_value: Any) -> tuple[float, float] | None:
    """A (lon, lat) pair in decimal degrees inside France, or None when both cells are empty.

    Explains the usual mistakes: a missing half, text or degrees-minutes-seconds, Lambert-93
    metres in degree columns, latitude and longitude exchanged, a point outside France.
    """
    if is_empty(lon_value) and is_empty(lat_value):
        return None
    if is_empty(lon_value) or is_empty(lat_value):
        missing = "lon" if is_empty(lon_value) else "lat"
        raise CellError(f"{missing} is empty while the other coordinate is given")
    try:
        lon, lat = number(lon_value), number(lat_value)
    except CellError:
        bad = lon_value if _not_number(lon_value) else lat_value
        hint = " (degrees-minutes-seconds are not read)" if re.search(r"[°'\"]", str(bad)) else ""
        raise CellError(
            f"{str(bad).strip()!r} is not a coordinate in decimal degrees{hint}"
        ) from None
    assert lon is not None and lat is not None
    shown = f"lat={_fmt(lat)}, lon={_fmt(lon)}"
    if _looks_lambert93(lon, lat) or _looks_lambert93(lat, lon):
        raise CellError(
            f"{shown} look like Lambert-93 metres (EPSG:2154), not degrees: convert them to "
            "WGS84 longitude/latitude, or give a GeoPackage/GeoJSON that declares its CRS"
        )
    if abs(lon) > 180 or abs(lat) > 90:
        raise CellError(
            f"{shown} are not decimal degrees (projected coordinates?): give WGS84 longitude/"
            "latitude, or a GeoPackage/GeoJSON that declares its CRS"
        )
    if territory_of(lon, lat) is not None:
        return lon, lat
    if territory_of(lat, lon) is not None:
        raise CellError(f"{shown} look swapped (latitude and longitude exchanged?)")
    raise CellError(
        f"{shown} is outside France (expected metropolitan France, Corsica or an overseas "
        "département)"
    )


def _not_number(value: Any) -> bool:
    try:
        number(value)
    except CellError:
        return True
    return False


def _fmt(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


# --- yes/no, lists, weekdays, service kinds ---------------------------------------------------

_TRUE = {"oui", "o", "vrai", "v", "1", "x", "yes", "y", "true", "t", "ok"}
_FALSE = {"non", "n", "faux", "f", "0", "no", "false"}


def boolean(value: Any) -> bool | None:
    """``oui/non``, ``o/n``, ``vrai/faux``, ``1/0``, ``x`` (ticked), ``yes/no``, ``true/false``."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = fold(str(value))
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(
        f"{str(value).strip()!r} is not yes/no (expected oui/non, o/n, vrai/faux, 1/0, x)"
    )


def text_list(value: Any) -> list[str] | None:
    """Items separated by ``;``, ``,`` or ``|``, lower-cased, without duplicates:
    ``"PMR; wifi"``."""
    if is_empty(value):
        return None
    items: list[str] = []
    for part in re.split(r"[;,|]", str(value)):
        item = " ".join(part.split()).lower()
        if item and item not in items:
            items.append(item)
    return items


WEEKDAY_NAMES: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("lundi", "lun", "lu", "monday", "mon", "mo"),
        ("mardi", "mar", "ma", "tuesday", "tue", "tu"),
        ("mercredi", "mer", "me", "wednesday", "wed", "we"),
        ("jeudi", "jeu", "je", "thursday", "thu", "th"),
        ("vendredi", "ven", "ve", "friday", "fri", "fr"),
        ("samedi", "sam", "sa", "saturday", "sat"),
        ("dimanche", "dim", "di", "sunday", "sun", "su"),
    )
):
    for _name in _names:
        WEEKDAY_NAMES[_name] = _index


def weekday_of_header(header: str) -> int | None:
    """Weekday of a per-day column (``Lundi``, ``dispo_mardi``, ``h_mercredi``, ``Mon``) or None."""
    words = fold(header).split()
    if not words:
        return None
    last = words[-1]
    if len(words) == 1 and last in WEEKDAY_NAMES and len(last) >= 3:
        return WEEKDAY_NAMES[last]
    if last in WEEKDAY_NAMES and len(last) >= 5:  # full names only after a prefix
        return WEEKDAY_NAMES[last]
    return None


def weekdays(value: Any) -> list[int] | None:
    """Weekdays (Monday = 0) from ``"lundi;mardi"``, ``"lun,mar"``, ``"Mon Tue"``,
    ``"lundi-vendredi"`` or ``"du lundi au vendredi"``."""
    if is_empty(value):
        return None
    words = fold(str(value).replace("-", " au ")).split()
    days: set[int] = set()
    pending_range_start: int | None = None
    previous: int | None = None
    for word in words:
        if word in ("du", "et", "and", "le", "les"):
            continue
        if word in ("au", "a", "to"):
            if previous is None:
                raise CellError(f"{str(value).strip()!r}: a range needs a first weekday")
            pending_range_start = previous
            continue
        day = WEEKDAY_NAMES.get(word)
        if day is None and word.endswith("s"):
            day = WEEKDAY_NAMES.get(word[:-1])  # "lundis"
        if day is None:
            raise CellError(
                f"{str(value).strip()!r} is not a list of weekdays "
                "(expected e.g. 'lundi;mardi', 'lun,mar' or 'lundi-vendredi')"
            )
        if pending_range_start is not None:
            if day < pending_range_start:
                raise CellError(f"{str(value).strip()!r}: the range goes backwards")
            days.update(range(pending_range_start, day + 1))
            pending_range_start = None
        days.add(day)
        previous = day
    if pending_range_start is not None:
        raise CellError(f"{str(value).strip()!r}: a range needs a last weekday")
    return sorted(days)


def day_cell(value: Any) -> bool:
    """A per-day column cell: yes/no, or opening hours (``"09:00-12:00"``: open that day)."""
    if is_empty(value):
        return False
    try:
        result = boolean(value)
    except CellError:
        if re.search(r"\d\s*(?:h|:)", str(value).lower()):
            return True
        raise CellError(f"{str(value).strip()!r} is neither yes/no nor opening hours") from None
    return bool(result)


_KIND_WORDS: dict[str, ServiceKind] = {
    "france services": ServiceKind.FRANCE_SERVICES,
    "france services fixe": ServiceKind.FRANCE_SERVICES,
    "maison france services": ServiceKind.FRANCE_SERVICES,
    "france services itinerant": ServiceKind.FRANCE_SERVICES_MOBILE,
    "france services mobile": ServiceKind.FRANCE_SERVICES_MOBILE,
    "bus france services": ServiceKind.FRANCE_SERVICES_MOBILE,
    "bus": ServiceKind.FRANCE_SERVICES_MOBILE,
    "itinerant": ServiceKind.FRANCE_SERVICES_MOBILE,
    "mediation": ServiceKind.MEDIATION,
    "mediation numerique": ServiceKind.MEDIATION,
    "lieu de mediation": ServiceKind.MEDIATION,
    "epn": ServiceKind.MEDIATION,
    "espace public numerique": ServiceKind.MEDIATION,
    "conseiller numerique": ServiceKind.MEDIATION,
    "aidants connect": ServiceKind.MEDIATION,
    "borne": ServiceKind.BORNE,
    "visio guichet": ServiceKind.BORNE,
    "kiosque": ServiceKind.BORNE,
    "autre": ServiceKind.OTHER,
}
for _kind in ServiceKind:
    _KIND_WORDS[fold(_kind.value)] = _kind
    _KIND_WORDS[fold(_kind.label_fr)] = _kind


def service_kind(value: Any) -> str | None:
    """A :class:`ServiceKind` value from its identifier, its French label or a common word."""
    if is_empty(value):
        return None
    kind = _KIND_WORDS.get(fold(str(value)))
    if kind is None:
        allowed = ", ".join(k.value for k in ServiceKind)
        raise CellError(f"{str(value).strip()!r} is not a service kind (expected one of {allowed})")
    return kind.value
