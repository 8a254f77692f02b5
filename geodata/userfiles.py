"""Users' own files: bornes, host sites, services and vehicles from CSV, GeoJSON or GeoPackage.

A mobility manager's list of bornes or of the rooms mairies lend rarely matches our columns: it
says "Code INSEE" or "INSEE_COM", "Accessible PMR", "Latitude" with a decimal comma, and comes
from Excel in Windows-1252. :func:`import_file` reads such a file (``geodata._tabular``),
recognises common French and English headers (or follows an explicit ``{field: column}``
mapping), validates every row (``geodata._values``) and returns plain records with normalised
values, or raises one :class:`UserFileError` whose one-line message names the first problem
(file, line, column, what was expected) and whose ``problems`` list holds them all.

It must not touch the database or the network: storing the records is ``geodata.load``'s job,
and the list of known INSEE codes is handed in by the caller.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geodata import _values as values
from geodata._tabular import ROW_LABEL, read_table
from geodata.coordinates import territory_of, territory_of_insee
from geodata.errors import DataError
from geodata.records import ServiceKind

__all__ = [
    "CANONICAL_FIELDS",
    "KINDS",
    "FieldSpec",
    "ImportResult",
    "Problem",
    "UserFileError",
    "cog_reference",
    "describe_kind",
    "fields_markdown",
    "import_file",
    "read_table",
]


# --- what each kind of file holds --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One canonical field of a kind of user file.

    ``type`` is one of :data:`FIELD_TYPES`; ``aliases`` are the headers recognised without a
    mapping (compared without case, accents, punctuation or small words such as "de").
    """

    name: str
    type: str
    required: bool
    aliases: tuple[str, ...]
    description: str

    @property
    def type_label(self) -> str:
        return FIELD_TYPES[self.type]


FIELD_TYPES: dict[str, str] = {
    "text": "text",
    "insee": "INSEE code",
    "lon": "longitude (WGS84 degrees)",
    "lat": "latitude (WGS84 degrees)",
    "bool": "yes/no",
    "int": "whole number",
    "float": "number",
    "weekdays": "weekdays",
    "list": "list",
    "service_kind": "service kind",
}


def _field(
    name: str, type: str, aliases: str, description: str, required: bool = False
) -> FieldSpec:
    """A FieldSpec whose aliases are written as one string, separated by '|', best first."""
    return FieldSpec(
        name, type, required, tuple(a.strip() for a in aliases.split("|")), description
    )


_INSEE_ALIASES = (
    "insee | code insee | insee com | code commune | code commune insee | code insee commune"
    " | insee code | codgeo | depcom | cog | citycode | com insee | city insee code"
    " | code insee ville | insee ville"
)
_LON_ALIASES = "lon | longitude | lng | long | x | coord x | longitude wgs84 | lon wgs84 | xlong"
_LAT_ALIASES = "lat | latitude | y | coord y | latitude wgs84 | lat wgs84 | ylat"
_LOCATION = "Location: an INSEE code, or lon and lat, is required on every row"

_ID = _field(
    "id",
    "text",
    "id | identifiant | ident | identifier | code | numero | num | ref | reference",
    "Identifier, unique within the file.",
    required=True,
)
_NAME = _field(
    "name",
    "text",
    "name | nom | libelle | nom lieu | nom site | nom structure | lieu | intitule | denomination"
    " | designation",
    "Name shown on maps and timetables.",
    required=True,
)
_INSEE = _field("insee", "insee", _INSEE_ALIASES, f"Commune (INSEE code, COG). {_LOCATION}.")
_LON = _field("lon", "lon", _LON_ALIASES, "Longitude in WGS84 degrees; decimal comma accepted.")
_LAT = _field("lat", "lat", _LAT_ALIASES, "Latitude in WGS84 degrees; decimal comma accepted.")
_ADDRESS = _field(
    "address",
    "text",
    "address | adresse | adresse postale | adr | adresse complete | voie",
    "Postal address of the place (never a person's home).",
)
_HOURS = _field(
    "hours",
    "text",
    "hours | horaires | horaire | heures | heures ouverture | horaires ouverture | plage horaire"
    " | creneau",
    "Opening hours as text, e.g. 09:00-12:30 / 13:30-17:00.",
)

CANONICAL_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "borne": (
        *(_ID, _NAME, _INSEE, _LON, _LAT, _ADDRESS),
        _field(
            "operator",
            "text",
            "operator | operateur | gestionnaire | exploitant | porteur | structure",
            "Who runs the borne (EPCI, mairie, France Services…).",
        ),
        _HOURS,
    ),
    "host_site": (
        *(_ID, _NAME, _INSEE, _LON, _LAT, _ADDRESS),
        _field(
            "pmr",
            "bool",
            "pmr | accessible pmr | acces pmr | accessibilite pmr | accessibilite | accessible"
            " | wheelchair",
            "Accessible to persons with reduced mobility (oui/non).",
        ),
        _field(
            "internet",
            "bool",
            "internet | connexion internet | acces internet | wifi | connexion | reseau",
            "Internet connection available for the permanence (oui/non).",
        ),
        _field(
            "weekdays",
            "weekdays",
            "weekdays | jours | jours disponibles | jours ouverture | disponibilite"
            " | disponibilites | days",
            "Days the room can be used: 'lundi;mardi', 'lun,mar', 'lundi-vendredi', or one "
            "yes/no column per day (Lundi, Mardi… or dispo_lundi…).",
        ),
        _HOURS,
        _field(
            "capacity",
            "int",
            "capacity | capacite | places | nb places | nombre places | jauge",
            "People the room holds at once.",
        ),
    ),
    "service": (
        *(_ID, _NAME),
        _field(
            "kind",
            "service_kind",
            "kind | type | type service | categorie | nature",
            f"One of {', '.join(k.value for k in ServiceKind)} (French labels accepted); "
            "default mediation.",
        ),
        _field(
            "format",
            "text",
            "format | format fs | modalite",
            "Free format label (e.g. France Services format_fs: Fixe, Bus_équivalent).",
        ),
        *(_INSEE, _LON, _LAT, _ADDRESS, _HOURS),
    ),
    "vehicle": (
        *(_ID, _NAME),
        _field(
            "base_insee",
            "insee",
            "base insee | insee base | code insee base | insee depot | " + _INSEE_ALIASES,
            "Commune of the depot the vehicle leaves from and returns to (INSEE code).",
            required=True,
        ),
        _field(
            "base_lon",
            "lon",
            "base lon | lon base | longitude base | base longitude | " + _LON_ALIASES,
            "Longitude of the depot (WGS84); default: the commune's point.",
        ),
        _field(
            "base_lat",
            "lat",
            "base lat | lat base | latitude base | base latitude | " + _LAT_ALIASES,
            "Latitude of the depot (WGS84).",
        ),
        _field(
            "features",
            "list",
            "features | equipements | equipement | caracteristiques | options",
            "Equipment, separated by ';' (e.g. pmr;wifi); matched against stops' requirements.",
        ),
        _field(
            "wheelchair_places",
            "int",
            "wheelchair places | places fauteuil | places fauteuil roulant | places ufr"
            " | places pmr | fauteuils",
            "Wheelchair users the vehicle holds at once.",
        ),
        _field(
            "seats",
            "int",
            "seats | places assises | sieges | nb places | places | nombre places | postes accueil",
            "People received at once (desks or seats for the public).",
        ),
        _field(
            "cost_per_km",
            "float",
            "cost per km | cout km | cout par km | cout kilometrique | eur km | euros km",
            "Running cost in euros per km.",
        ),
        _field(
            "cost_per_hour",
            "float",
            "cost per hour | cout horaire | cout heure | cout par heure | eur h | euros heure",
            "Staff and running cost in euros per hour of work.",
        ),
        _field(
            "purchase_cost",
            "float",
            "purchase cost | cout achat | prix achat | cout acquisition | investissement | prix",
            "Purchase and fitting-out cost in euros.",
        ),
        _field(
            "lifetime_years",
            "float",
            "lifetime years | duree vie | duree vie ans | duree amortissement | amortissement"
            " | lifetime",
            "Years over which the purchase is spread.",
        ),
    ),
}

KINDS: tuple[str, ...] = tuple(CANONICAL_FIELDS)
LOCATED_KINDS = frozenset({"borne", "host_site", "service"})
_DEFAULTS: dict[tuple[str, str], Any] = {("service", "kind"): ServiceKind.MEDIATION.value}
# Headers used for an INSEE code only when the column's values look like codes, not names.
_CONTENT_ALIASES = {
    "insee": ("commune", "ville"),
    "base_insee": ("commune base", "commune", "ville"),
}
# Columns written for people (remarks, sources, assumptions): ignored without a warning.
_NOTE_HEADERS = {
    "remarque",
    "remarques",
    "commentaire",
    "commentaires",
    "note",
    "notes",
    "source",
    "sources",
    "hypothese",
    "hypotheses",
    "comment",
    "comments",
}
_SMALL_WORDS = {"de", "du", "des", "d", "la", "le", "les", "l", "en", "of", "the", "a"}


def describe_kind(kind: str) -> str:
    """One line for ``--help`` and errors: ``borne: id*, name*, insee†, …``."""
    specs = _specs(kind)
    names = [
        s.name + ("*" if s.required else "†" if _is_location(kind, s.name) else "") for s in specs
    ]
    note = "* required" + ("; † insee, or lon and lat, required" if kind in LOCATED_KINDS else "")
    return f"{kind}: {', '.join(names)} ({note})"


def fields_markdown() -> str:
    """The per-kind field tables of ``docs/import.md``, generated from :data:`CANONICAL_FIELDS`."""
    parts: list[str] = []
    for kind, specs in CANONICAL_FIELDS.items():
        parts.append(f"### `{kind}`\n")
        parts.append("| field | type | required | recognised headers | description |")
        parts.append("|---|---|---|---|---|")
        for spec in specs:
            required = (
                "yes" if spec.required else "location" if _is_location(kind, spec.name) else "no"
            )
            aliases = ", ".join(f"`{a}`" for a in spec.aliases)
            parts.append(
                f"| `{spec.name}` | {spec.type_label} | {required} | {aliases} "
                f"| {spec.description} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def _specs(kind: str) -> tuple[FieldSpec, ...]:
    try:
        return CANONICAL_FIELDS[kind]
    except KeyError:
        raise DataError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})") from None


def _is_location(kind: str, name: str) -> bool:
    return kind in LOCATED_KINDS and name in ("insee", "lon", "lat")


# --- results and problems ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a warning) in a user's file, located as precisely as known."""

    source: str
    message: str
    row: int | None = None
    column: str | None = None
    field: str | None = None
    row_label: str = "line"

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"{self.row_label} {self.row}")
        if self.column is not None:
            same = self.field is None or values.fold(self.field) == values.fold(self.column)
            where.append(f"column {self.column!r}" + ("" if same else f" ({self.field})"))
        return ", ".join(where) + ": " + self.message


class UserFileError(DataError):
    """Rows of a user's file failed validation; ``problems`` lists every one of them, by row."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.row or 0)
        first, rest = self.problems[0], self.problems[1:]
        message = str(first)
        if rest:
            rows = sorted({p.row for p in rest if p.row is not None})
            shown = ", ".join(map(str, rows[:10])) + (", …" if len(rows) > 10 else "")
            label = first.row_label + ("s" if len(rows) > 1 else "")
            message += f"; and {len(rest)} more problem{'s' if len(rest) > 1 else ''}"
            message += f" ({label} {shown})" if rows else ""
        super().__init__(message)


@dataclass
class ImportResult:
    """Validated records of a user's file, with the file's name, hash and the warnings raised.

    ``records`` are dicts holding every canonical field of ``kind`` (``None`` when not given);
    ``lines[i]`` is the line (CSV) or feature number ``records[i]`` came from.
    """

    kind: str
    records: list[dict]
    source: str
    sha256: str
    warnings: list[str]
    lines: list[int] = field(default_factory=list)


# --- import ------------------------------------------------------------------------------------


def import_file(
    path: str | Path,
    kind: str,
    mapping: Mapping[str, str] | None = None,
    layer: str | None = None,
    *,
    known_insee: Collection[str] | None = None,
    former_insee: Mapping[str, str] | None = None,
) -> ImportResult:
    """Read, map and validate a user's file of ``kind`` (borne, host_site, service, vehicle).

    ``mapping`` maps canonical fields to the file's columns (``{"insee": "Code commune"}``) and
    overrides the automatic recognition of headers. ``layer`` chooses a GeoPackage layer.
    ``known_insee`` (e.g. the current COG's codes) makes unknown codes errors; ``former_insee``
    maps former codes (merged communes, arrondissements municipaux) to the current commune's,
    which replaces them with a warning. :func:`cog_reference` builds both from ``communes.json``.
    Raises :class:`DataError` for an unreadable file, an unknown kind or a missing column, and
    :class:`UserFileError` (a ``DataError``) listing every invalid row.
    """
    specs = _specs(kind)
    path = Path(path)
    table = read_table(path, layer)
    layer_used = table.attrs.get("layer")
    source = path.name
    if layer_used is not None and len(table.attrs.get("layers", ())) > 1:
        source = f"{path.name}:{layer_used}"
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    row_label = table.attrs.get(ROW_LABEL, "line")
    warnings = list(table.attrs.get("warnings", []))
    if table.empty:
        raise DataError(f"{source}: no records (only a header, or an empty layer)")

    columns, day_columns, mapping_warnings = _resolve_columns(table, kind, mapping or {}, source)
    warnings += mapping_warnings
    known = frozenset(known_insee) if known_insee is not None else None
    reader = _RowReader(kind, specs, columns, day_columns, source, row_label, known)
    reader.former = dict(former_insee or {})
    reader.spatial = table.attrs.get("format") == "spatial"
    overlong: dict[int, int] = table.attrs.get("overlong", {})
    records: list[dict] = []
    lines: list[int] = []
    for row_number, row in zip(table.index, table.to_dict("records")):
        row_number = int(row_number)
        if row_number in overlong:
            reader.problems.append(
                Problem(
                    source,
                    f"{overlong[row_number]} fields but the header has {table.attrs['width']} "
                    "(an unquoted separator or decimal comma?)",
                    row_number,
                )
            )
            continue
        record = reader.read(row_number, row)
        if record is not None:
            records.append(record)
            lines.append(row_number)
    reader.check_duplicates()
    if reader.problems:
        raise UserFileError(reader.problems)
    warnings += reader.summary_warnings()
    return ImportResult(kind, records, source, sha256, warnings, lines)


def _key(header: str) -> str:
    """Comparison key of a header or alias: 'Heures d'ouverture' → 'heuresouverture'."""
    return "".join(w for w in values.fold(header).split() if w not in _SMALL_WORDS)


def _resolve_columns(
    table: pd.DataFrame, kind: str, mapping: Mapping[str, str], source: str
) -> tuple[dict[str, str], dict[int, str], list[str]]:
    """The column of each field ({field: column}), per-day columns ({weekday: column}), warnings."""
    specs = {s.name: s for s in _specs(kind)}
    file_columns = [str(c) for c in table.columns]
    listing = ", ".join(repr(c) for c in file_columns)
    columns: dict[str, str] = {}
    warnings: list[str] = []
    for target, column in mapping.items():
        if target not in specs:
            raise DataError(
                f"{source}: --map {target}=…: {kind} has no field {target!r} "
                f"(fields: {', '.join(specs)})"
            )
        columns[target] = _find_column(str(column), file_columns, source, listing, target)
    taken = set(columns.values())
    keys = {c: _key(c) for c in file_columns}
    for spec in specs.values():
        if spec.name in columns:
            continue
        for alias in spec.aliases:
            match = [c for c in file_columns if c not in taken and keys[c] == _key(alias)]
            if match:
                columns[spec.name] = match[0]
                taken.add(match[0])
                break
    for name, aliases in _CONTENT_ALIASES.items():
        if name not in specs or name in columns:
            continue
        for column in file_columns:
            if column in taken or keys[column] not in {_key(a) for a in aliases}:
                continue
            if _looks_like_codes(table[column]):
                columns[name] = column
                taken.add(column)
                break
            warnings.append(
                f"{source}: column {column!r} holds commune names, not INSEE codes; "
                f"give a code column (--map {name}=COLUMN)"
            )
    day_columns: dict[int, str] = {}
    if kind == "host_site" and "weekdays" not in columns:
        for column in file_columns:
            day = values.weekday_of_header(column)
            if column not in taken and day is not None and day not in day_columns:
                day_columns[day] = column
                taken.add(column)
    _check_required(kind, specs, columns, source, listing, file_columns)
    unused = [c for c in file_columns if c not in taken and keys[c] not in _NOTE_HEADERS]
    if unused:
        warnings.append(f"{source}: columns not used: {', '.join(repr(c) for c in unused)}")
    return columns, day_columns, warnings


def _find_column(
    column: str, file_columns: list[str], source: str, listing: str, target: str
) -> str:
    if column in file_columns:
        return column
    folded = [c for c in file_columns if _key(c) == _key(column)]
    if len(folded) == 1:
        return folded[0]
    raise DataError(f"{source}: --map {target}={column}: no column {column!r} (columns: {listing})")


def _looks_like_codes(column: pd.Series) -> bool:
    cells = [str(v).strip() for v in column if not values.is_empty(v)]
    codes = sum(1 for c in cells if re.fullmatch(r"\d{4,5}(?:\.0)?|2[ABab]\d{3}", c))
    return bool(cells) and codes >= 0.8 * len(cells)


def _check_required(
    kind: str,
    specs: dict[str, FieldSpec],
    columns: dict[str, str],
    source: str,
    listing: str,
    file_columns: list[str],
) -> None:
    hint = ""
    if any(not values.is_empty(c) and not _is_texty(c) for c in file_columns):
        hint = " — is the first line a header?"
    for spec in specs.values():
        if spec.required and spec.name not in columns:
            known = ", ".join(spec.aliases[:4])
            raise DataError(
                f"{source}: no column for {spec.name!r} (recognised headers: {known}…; "
                f"columns: {listing}); name one with --map {spec.name}=COLUMN{hint}"
            )
    for lon, lat in (("lon", "lat"), ("base_lon", "base_lat")):
        if (lon in columns) != (lat in columns) and lon in specs:
            present, absent = (lon, lat) if lon in columns else (lat, lon)
            raise DataError(
                f"{source}: column {columns[present]!r} gives {present} but no column gives "
                f"{absent} (columns: {listing}); name one with --map {absent}=COLUMN"
            )
    if kind in LOCATED_KINDS and "insee" not in columns and "lon" not in columns:
        raise DataError(
            f"{source}: no location column: need an INSEE code (e.g. 'Code INSEE') or lon and "
            f"lat (columns: {listing}); name them with --map insee=COLUMN{hint}"
        )


def _is_texty(cell: str) -> bool:
    try:
        return values.number(cell) is None
    except values.CellError:
        return True


# --- one row at a time ---------------------------------------------------------------------------

_PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": values.text,
    "bool": values.boolean,
    "int": values.integer,
    "float": values.non_negative,
    "weekdays": values.weekdays,
    "list": values.text_list,
    "service_kind": values.service_kind,
}


class _RowReader:
    """Turns raw rows into records, collecting every problem instead of stopping at the first."""

    def __init__(
        self,
        kind: str,
        specs: tuple[FieldSpec, ...],
        columns: dict[str, str],
        day_columns: dict[int, str],
        source: str,
        row_label: str,
        known_insee: frozenset[str] | None,
    ):
        self.kind, self.specs, self.columns, self.day_columns = kind, specs, columns, day_columns
        self.source, self.row_label, self.known = source, row_label, known_insee
        self.problems: list[Problem] = []
        self.ids: list[tuple[str, int]] = []  # (id, row) of every row, valid or not
        self.padded: list[tuple[int, str]] = []  # (row, "1001 → 01001")
        self.former: dict[str, str] = {}  # former INSEE code -> current one
        self.replaced: list[tuple[int, str]] = []  # (row, "49069 → 49126")
        self.spatial = False  # lon/lat come from the geometry

    def _problem(
        self, row: int, message: str, field: str | None = None, column: str | None = None
    ) -> None:
        if column is None and field is not None:
            column = self.columns.get(field)
        self.problems.append(Problem(self.source, message, row, column, field, self.row_label))

    def read(self, row: int, cells: dict[str, Any]) -> dict | None:
        before = len(self.problems)
        record: dict[str, Any] = {}
        for spec in self.specs:
            column = self.columns.get(spec.name)
            raw = cells.get(column) if column is not None else None
            record[spec.name] = self._value(row, spec, raw)
            if spec.required and record[spec.name] is None and spec.type != "insee":
                self._problem(row, f"{spec.name} is empty (required)", spec.name)
        if record["id"] is not None:
            self.ids.append((record["id"], row))
        if self.day_columns:
            record["weekdays"] = self._days(row, cells)
        self._locate(row, record, cells)
        for (kind, name), default in _DEFAULTS.items():
            if kind == self.kind and record.get(name) is None:
                record[name] = default
        return record if len(self.problems) == before else None

    def _value(self, row: int, spec: FieldSpec, raw: Any) -> Any:
        if spec.type in ("lon", "lat"):
            return raw  # checked as a pair by _locate
        try:
            if spec.type == "insee":
                return self._insee(row, spec, raw)
            return _PARSERS[spec.type](raw)
        except values.CellError as exc:
            self._problem(row, str(exc), spec.name)
            return None

    def _insee(self, row: int, spec: FieldSpec, raw: Any) -> str | None:
        code, warning = values.insee(raw)
        if code is None:
            if spec.required:
                self._problem(row, f"{spec.name} is empty (required: an INSEE code)", spec.name)
            return None
        if warning is not None:
            self.padded.append((row, f"{str(raw).strip()} → {code}"))
        current = self.former.get(code)
        if current is not None and (self.known is None or code not in self.known):
            self.replaced.append((row, f"{code} → {current}"))
            code = current
        if self.known is not None and code not in self.known:
            raise values.CellError(f"{code!r} is not a commune of the current COG{_hint(code)}")
        return code

    def _days(self, row: int, cells: dict[str, Any]) -> list[int] | None:
        days: list[int] = []
        given = False
        for day, column in sorted(self.day_columns.items()):
            raw = cells.get(column)
            given = given or not values.is_empty(raw)
            try:
                if values.day_cell(raw):
                    days.append(day)
            except values.CellError as exc:
                self._problem(row, str(exc), "weekdays", column)
        return days if given else None

    def _locate(self, row: int, record: dict[str, Any], cells: dict[str, Any]) -> None:
        prefix = "base_" if self.kind == "vehicle" else ""
        lon_name, lat_name, insee_name = f"{prefix}lon", f"{prefix}lat", f"{prefix}insee"
        lon_raw, lat_raw = record.get(lon_name), record.get(lat_name)
        lon_col, lat_col = self.columns.get(lon_name), self.columns.get(lat_name)
        pair_columns = f"{lon_col}/{lat_col}" if lon_col else None
        if self.spatial and (lon_col, lat_col) == ("lon", "lat"):
            pair_columns = "geometry"
        try:
            point = values.coordinates(lon_raw, lat_raw)
        except values.CellError as exc:
            self._problem(row, str(exc), f"{lon_name}/{lat_name}", pair_columns)
            record[lon_name] = record[lat_name] = None
            return
        record[lon_name], record[lat_name] = (
            (round(point[0], 7), round(point[1], 7)) if point else (None, None)
        )
        code = record.get(insee_name)
        if point is None:
            if self.kind in LOCATED_KINDS and code is None and not self._insee_failed(row):
                self._problem(row, "no location: give an INSEE code, or lon and lat")
            return
        if code is not None:
            where, expected = territory_of(*point), territory_of_insee(code)
            if where != expected:
                self._problem(
                    row,
                    f"the point is in {where} but INSEE code {code!r} is in {expected}",
                    f"{lon_name}/{lat_name}",
                    pair_columns,
                )

    def _insee_failed(self, row: int) -> bool:
        return any(p.row == row and p.field in ("insee", "base_insee") for p in self.problems)

    def check_duplicates(self) -> None:
        first_seen: dict[str, int] = {}
        for ident, line in self.ids:
            if ident in first_seen:
                self._problem(
                    line,
                    f"identifier {ident!r} already used on {self.row_label} {first_seen[ident]} "
                    "(identifiers must be unique in a file)",
                    "id",
                )
            else:
                first_seen[ident] = line

    def summary_warnings(self) -> list[str]:
        """One warning per kind of repair, however many rows it touched."""
        messages = []
        for repairs, what in (
            (
                self.padded,
                "leading zero restored in {n} INSEE code{s} (read as numbers by a spreadsheet)",
            ),
            (self.replaced, "{n} former INSEE code{s} replaced by the current commune's (COG)"),
        ):
            if repairs:
                row, example = repairs[0]
                done = what.format(n=len(repairs), s="s" if len(repairs) > 1 else "")
                messages.append(
                    f"{self.source}: {done}, first on {self.row_label} {row}: {example}"
                )
        return messages


# Arrondissements municipaux: (first code, last code, the commune's code).
_ARRONDISSEMENTS = ((75101, 75120, "75056"), (13201, 13216, "13055"), (69381, 69389, "69123"))


def _hint(code: str) -> str:
    """Why a well-formed code may be unknown: arrondissement, postal code, merged commune."""
    number = int(code) if code.isdigit() else 0
    for first, last, commune in _ARRONDISSEMENTS:
        if first <= number <= last:
            return f" (an arrondissement municipal: use the commune's code {commune})"
    if code.endswith("00"):
        return " (a postal code?)"
    return " (a merged commune? use the current code)"


def cog_reference(communes: Iterable[Mapping[str, Any]]) -> tuple[frozenset[str], dict[str, str]]:
    """``known_insee`` and ``former_insee`` for :func:`import_file`, from the records of
    ``communes.json`` (``@etalab/decoupage-administratif``): current communes' codes, and former
    codes (``anciensCodes``, communes déléguées and associées, arrondissements municipaux) mapped
    to the current commune's."""
    records = list(communes)
    known = frozenset(c["code"] for c in records if c.get("type") == "commune-actuelle")
    former: dict[str, str] = {}
    for commune in records:
        kind = commune.get("type")
        if kind == "commune-actuelle":
            for old in commune.get("anciensCodes") or ():
                former.setdefault(old, commune["code"])
        elif kind in ("commune-deleguee", "commune-associee") and commune.get("chefLieu"):
            former.setdefault(commune["code"], commune["chefLieu"])
        elif kind == "arrondissement-municipal" and commune.get("commune"):
            former.setdefault(commune["code"], commune["commune"])
    return known, {old: new for old, new in former.items() if old not in known and new in known}
