"""What the maps share about their files: the output name checked, the table page's name, the
generator named in every page, and the three files of a map written all or nothing.

A map is written as ``<stem>.html`` (the map), ``<stem>-tableau.html`` (the same information as
tables) and ``<stem>.csv``; this module builds no content.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import folium

from maps.errors import MapError
from maps.layers import finish_page
from maps.tables import Table, csv_text
from planner.files import write_files

__all__ = ["check_map_path", "itinerance_version", "map_html", "table_path", "write_map_files"]


def check_map_path(path: Path | str) -> Path:
    """``path`` as a Path, or :class:`MapError` when it is not an ``.html`` file name."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise MapError(f"{path}: expected an output file name ending in .html")
    return path


def table_path(path: Path) -> Path:
    """Where the table page of the map at ``path`` goes: ``carte.html`` → ``carte-tableau.html``."""
    return path.with_name(f"{path.stem}-tableau.html")


def itinerance_version() -> str:
    """The installed version of itinerance, ``dev`` when running from a source tree."""
    try:
        return metadata.version("itinerance")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "dev"


def map_html(fmap: folium.Map) -> str:
    """The map page as HTML text (French, with its generator named)."""
    return finish_page(fmap.get_root().render(), f"itinerance {itinerance_version()}")


def write_map_files(path: Path, html: str, page: str, table: Table) -> list[Path]:
    """Write, all or nothing, the map ``html`` at ``path``, its table ``page`` beside it
    (:func:`table_path`) and ``table`` as ``<stem>.csv`` (UTF-8 with BOM, for spreadsheets).
    Returns the paths written."""
    return write_files(
        {
            path: html.encode("utf-8"),
            table_path(path): page.encode("utf-8"),
            path.with_suffix(".csv"): csv_text(table).encode("utf-8-sig"),
        }
    )
