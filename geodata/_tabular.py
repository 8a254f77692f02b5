"""Reading a user's table (CSV, GeoJSON, GeoPackage) into a DataFrame, whatever its dialect.

Real French files come in UTF-8 (with or without BOM) or Windows-1252, separated by ``;``, ``,``
or tabs, with quoted newlines and trailing empty lines; spatial files come in any CRS. This
module turns them all into one shape: a DataFrame of the file's columns (CSV cells as text,
spatial attributes as read) plus ``lon``/``lat`` for spatial files, indexed by the 1-based line
(CSV, header = line 1) or feature number where each record starts, so later errors can name it.

It must not interpret the columns (``geodata.userfiles`` maps and validates them) and never
writes anything.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings as _warnings
from pathlib import Path

import pandas as pd

from geodata._values import number
from geodata.errors import DataError

CSV_SEPARATORS = (";", ",", "\t", "|")
SPATIAL_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
ROW_LABEL = "row_label"  # key in DataFrame.attrs: "line" (CSV) or "feature" (spatial files)

_MAGIC_HINTS = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument .ods file?): save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls file: save it as CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_SQLITE_MAGIC = b"SQLite format 3\x00"

# UTF-8 text that went through a Windows-1252 editor once too often: "Ã©" for "é", "â€™" for "’".
_MOJIBAKE = re.compile(
    "Ã[\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|â€"
)
# DOS (CP850) or Mac Roman text read as Windows-1252: "Cr‚teil", "Ch‰teauroux".
_WRONG_CODEPAGE = re.compile(
    "[A-Za-z][\u201a\u0192\u201e\u2020\u2021\u02c6\u2030\u0160\u2039\u017d\u02dc\u2026\u0161\u203a\u017e\u0178][A-Za-z]"
)


def read_table(path: str | Path, layer: str | None = None) -> pd.DataFrame:
    """The records of a CSV, GeoJSON or GeoPackage file as a DataFrame.

    CSV cells are strings (``""`` when empty). Spatial files keep their attribute types and
    gain ``lon``/``lat`` (EPSG:4326) from point geometries, or from a representative point of
    other geometries. The index holds the 1-based line (CSV; header = line 1) or feature number
    where each record starts; ``df.attrs`` holds ``row_label`` ("line" or "feature"),
    ``format``, ``encoding``/``separator`` (CSV), ``layer`` (spatial) and ``warnings``.
    Raises :class:`DataError` for a missing, empty, binary or unreadable file.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data.startswith(_SQLITE_MAGIC) or path.suffix.lower() in SPATIAL_SUFFIXES:
        return read_spatial(path, layer)
    if data.lstrip()[:1] == b"{":
        return read_spatial(path, layer)
    if layer is not None:
        raise DataError(f"{path.name}: --layer only applies to GeoPackage files, not to a CSV")
    return read_csv_bytes(data, path.name)


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, expected a CSV, GeoJSON or GeoPackage file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise DataError(f"{path.name}: the file is empty")
    return data


# --- CSV ------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """The text of a CSV file, the encoding it was read with, and warnings.

    Tries UTF-8 (BOM or not), then Windows-1252; UTF-16 with a BOM (Excel's "Unicode text") is
    read too. Binary files, double-encoded UTF-8 that cannot be repaired and DOS/Mac code pages
    are refused rather than read as garbage.
    """
    for magic, what in _MAGIC_HINTS:
        if data.startswith(magic):
            raise DataError(f"{name}: not a text file, looks like {what}")
    warnings: list[str] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", warnings
        except UnicodeDecodeError:
            raise DataError(f"{name}: starts with a UTF-16 mark but is not valid UTF-16") from None
    if b"\x00" in data[:65536]:
        raise DataError(
            f"{name}: not a text file (it contains NUL bytes: binary, or UTF-16 without BOM)"
        )
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise DataError(
                f"{name}, line {line}: byte 0x{data[exc.start]:02X} is neither UTF-8 nor "
                "Windows-1252 (a DOS encoding such as cp850?); save the file as CSV UTF-8"
            ) from None
        encoding = "cp1252"
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\r\n\f")
    if controls > max(2, len(text[:65536]) // 200):
        raise DataError(f"{name}: not a text file (it is full of control characters)")
    if _MOJIBAKE.search(text):
        try:
            repaired = text.encode("cp1252").decode("utf-8")
        except UnicodeError:
            found = _MOJIBAKE.search(text)
            assert found is not None
            raise DataError(
                f"{name}: garbled accents such as {found.group()!r} at line "
                f"{text.count(chr(10), 0, found.start()) + 1} (UTF-8 converted twice?); "
                "re-export the file as CSV UTF-8"
            ) from None
        warnings.append(f"{name}: garbled accents (UTF-8 read as Windows-1252, e.g. 'Ã©') repaired")
        text = repaired
    wrong = _WRONG_CODEPAGE.search(text)
    if wrong:
        raise DataError(
            f"{name}: unreadable accents such as {wrong.group()!r} at line "
            f"{text.count(chr(10), 0, wrong.start()) + 1} (a DOS or Mac encoding?); "
            "re-export the file as CSV UTF-8"
        )
    if "\ufffd" in text:
        line = text.count("\n", 0, text.index("\ufffd")) + 1
        warnings.append(
            f"{name}, line {line}: contains '\ufffd' (characters already lost before this file "
            "was saved)"
        )
    return text, encoding, warnings


def sniff_separator(text: str, name: str) -> str:
    """The field separator: ``csv.Sniffer`` on a sample, checked; else the most consistent count."""
    limit = csv.field_size_limit()
    for line_number, line in enumerate(text.splitlines(), start=1):
        if len(line) > limit:
            raise DataError(
                f"{name}, line {line_number}: {len(line)} characters on one line, more than a CSV "
                f"field may hold ({limit}); is this really a table of stops or places?"
            )
    lines = [line for line in text.splitlines() if line.strip()][:50]
    sample = "\n".join(lines)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(CSV_SEPARATORS)).delimiter
    except csv.Error:
        sniffed = None
    scores = {sep: _separator_score(sample, sep) for sep in CSV_SEPARATORS}
    best = max(CSV_SEPARATORS, key=lambda sep: scores[sep])
    if sniffed in scores and scores[sniffed] == scores[best]:
        best = sniffed  # the sniffer only breaks exact ties: it is easily fooled on its own
    if scores[best][1] < 2:
        header = lines[0].strip() if lines else ""
        raise DataError(
            f"{name}, line 1: found a single column {header[:60]!r}; expected columns separated "
            "by ';', ',' or tabs"
        )
    return best


def _separator_score(sample: str, sep: str) -> tuple[float, int]:
    """(share of sample rows with as many fields as the header, number of header fields).

    A shorter row counts half (some writers drop trailing empty fields); a longer row counts only
    if its extra fields are empty.
    """
    try:
        rows = [row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if row]
    except csv.Error:
        return 0.0, 0
    if not rows or len(rows[0]) < 2:
        return 0.0, len(rows[0]) if rows else 0
    width = len(rows[0])
    body = rows[1:] or rows
    consistent = sum(
        1.0
        if len(row) >= width and not any(c.strip() for c in row[width:])
        else 0.5
        if len(row) < width
        else 0.0
        for row in body
    )
    return consistent / len(body), width


def read_csv_bytes(data: bytes, name: str) -> pd.DataFrame:
    """A CSV file's records (see :func:`read_table`); rows too long for the header are kept whole
    in ``attrs["overlong"]`` ({line: field count}) for the caller to report."""
    text, encoding, warnings = decode_text(data, name)
    separator = sniff_separator(text, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    overlong: dict[int, int] = {}
    header: list[str] | None = None
    header_line = 1
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines, and the ';;;;' rows spreadsheets leave at the end
            if header is None:
                header, header_line = row, start
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        line = previous_end + 1
        if "end of data" in str(exc):
            raise DataError(f"{name}, line {line}: a quote opened here is never closed") from None
        raise DataError(
            f"{name}, line {line}: malformed quoting ({exc}); expected the separator "
            "right after a closing quote"
        ) from None
    assert header is not None  # the file is not blank
    if header_line != 1:
        warnings.append(f"{name}: the header is on line {header_line}, after blank lines")
    columns = _clean_header(header, rows, name, header_line, warnings)
    width = len(columns)
    table: list[list[str]] = []
    for row, line in zip(rows, lines):
        extra = row[width:]
        if any(cell.strip() for cell in extra):
            overlong[line] = len(row)
        row = [cell.strip() for cell in row[:width]]
        table.append(row + [""] * (width - len(row)))
    df = pd.DataFrame(table, columns=columns, index=pd.Index(lines, name="line"), dtype=object)
    df.attrs.update(
        {
            ROW_LABEL: "line",
            "format": "csv",
            "encoding": encoding,
            "separator": separator,
            "warnings": warnings,
            "overlong": overlong,
            "width": width,
        }
    )
    return df


def _clean_header(
    header: list[str], rows: list[list[str]], name: str, line: int, warnings: list[str]
) -> list[str]:
    """Stripped, unique column names; trailing empty columns dropped; a data row refused."""
    cells = [cell.strip().strip("\ufeff") for cell in header]
    while (
        cells
        and not cells[-1]
        and not any(len(row) >= len(cells) and row[len(cells) - 1].strip() for row in rows)
    ):
        cells.pop()
    numeric = [cell for cell in cells if cell and not _is_text(cell)]
    if numeric and len(numeric) * 2 >= len([c for c in cells if c]):
        raise DataError(
            f"{name}, line {line}: no header (found values such as {numeric[0]!r}); "
            "the first line must name the columns"
        )
    columns: list[str] = []
    for position, cell in enumerate(cells, start=1):
        base = cell or f"column {position}"
        column, n = base, 1
        while column in columns:
            n += 1
            column = f"{base} ({n})"
        if column != base and cell:
            warnings.append(
                f"{name}, line {line}: column {base!r} appears twice; the second is {column!r}"
            )
        columns.append(column)
    return columns


def _is_text(cell: str) -> bool:
    try:
        return number(cell) is None
    except ValueError:
        return True


# --- spatial files ----------------------------------------------------------------------------


def read_spatial(path: Path, layer: str | None = None) -> pd.DataFrame:
    """A GeoJSON/GeoPackage layer's attributes plus ``lon``/``lat`` in EPSG:4326."""
    import geopandas as gpd
    import pyogrio
    from pyogrio.errors import DataSourceError

    warnings: list[str] = []
    try:
        with _warnings.catch_warnings(record=True) as caught:
            _warnings.simplefilter("always")
            layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except (DataSourceError, OSError) as exc:
        raise DataError(
            f"{path.name}: cannot be read as GeoJSON or GeoPackage ({_gdal_reason(exc, path)})"
        ) from None
    if layer is None:
        if len(layers) > 1:
            raise DataError(
                f"{path.name}: holds {len(layers)} layers ({', '.join(layers)}); "
                "choose one with --layer"
            )
        if not layers:
            raise DataError(f"{path.name}: holds no layer")
        layer = layers[0]
    elif layer not in layers:
        raise DataError(f"{path.name}: no layer {layer!r} (layers: {', '.join(layers)})")
    try:
        with _warnings.catch_warnings(record=True) as caught_reading:
            _warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # noqa: BLE001 - pyogrio raises several types for corrupt sources
        raise DataError(
            f"{path.name}: layer {layer!r} cannot be read ({_gdal_reason(exc, path)})"
        ) from None
    for caught_warning in [*caught, *caught_reading]:
        warnings.append(f"{path.name}: {_first_line(caught_warning.message)}")  # GDAL's remarks
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        geometry = frame.geometry
        df = pd.DataFrame(frame.drop(columns=[geometry.name]))
        for clash in ("lon", "lat"):
            if clash in df.columns:
                df = df.drop(columns=[clash])
                warnings.append(f"{path.name}: attribute {clash!r} replaced by the geometry's")
        crs = geometry.crs
        if crs is None:
            warnings.append(f"{path.name}: layer {layer!r} declares no CRS; read as EPSG:4326")
            crs = "EPSG:4326"
        valid = geometry.notna() & ~geometry.is_empty
        points = gpd.GeoSeries(geometry.where(valid), crs=crs)
        not_points = valid & (geometry.geom_type != "Point")
        points[not_points] = geometry[not_points].representative_point()
        points = points.to_crs(4326)
        df["lon"] = points.x.where(valid).to_numpy()
        df["lat"] = points.y.where(valid).to_numpy()
    else:
        df = pd.DataFrame(frame)
    df = df.astype(object).where(df.notna(), None)
    df.index = pd.Index(range(1, len(df) + 1), name="feature")
    df.attrs.update(
        {
            ROW_LABEL: "feature",
            "format": "spatial",
            "layer": layer,
            "layers": layers,
            "warnings": warnings,
        }
    )
    return df


def _gdal_reason(exc: BaseException, path: Path) -> str:
    """GDAL's complaint without the full path and the generic driver advice."""
    reason = _first_line(exc).split("; It might help")[0]
    if "not recognized as being in a supported file format" in reason:
        return "unrecognised format"
    return reason.replace(f"'{path}' ", "").replace(str(path), path.name)


def _first_line(exc: BaseException | Warning | str) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


__all__ = ["decode_text", "read_table", "sniff_separator"]
