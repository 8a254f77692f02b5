"""itinerance's territory data: load an area's open data into a database, then query it.

The front door::

    from geodata import commune_points, load_area, services

    load_area("sqlite:///indre.sqlite", departement="36")
    communes = commune_points("sqlite:///indre.sqlite", departement="36")

- loading (:mod:`geodata.load`): :func:`load_area` (a :class:`LoadReport`), the pinned files
  read through :mod:`geodata.registry`;
- queries (:mod:`geodata.query`): :func:`communes` and :func:`services_frame` as GeoDataFrames,
  :func:`commune_points`, :func:`services` and :func:`rotas` as the plain records of
  :mod:`geodata.records` the planner reads (:class:`CommunePoint`, :class:`ServicePoint`,
  :class:`ParsedRota`), :func:`host_sites`, :func:`vehicles`, :func:`loaded_departements`,
  :func:`status`;
- users' own files (:mod:`geodata.userfiles`): :func:`import_file` then :func:`store_import`;
- the errors a caller may catch (:mod:`geodata.errors`).

Every function takes a SQLAlchemy URL (None: ``$ITINERANCE_DB``, see :mod:`geodata.settings`).
Names are imported on first use (module ``__getattr__``): ``import geodata`` must not import
pandas, geopandas or SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module that defines it; the same names as __all__ (tests/test_python_docs.py checks)
_EXPORTS: dict[str, str] = {
    # loading
    "LoadReport": "geodata.load",
    "load_area": "geodata.load",
    # queries
    "DataStatus": "geodata.query",
    "commune_points": "geodata.query",
    "communes": "geodata.query",
    "host_sites": "geodata.query",
    "loaded_departements": "geodata.query",
    "rotas": "geodata.query",
    "services": "geodata.query",
    "services_frame": "geodata.query",
    "status": "geodata.query",
    "vehicles": "geodata.query",
    # records
    "CommunePoint": "geodata.records",
    "ParsedRota": "geodata.records",
    "RotaStop": "geodata.records",
    "ServiceKind": "geodata.records",
    "ServicePoint": "geodata.records",
    # users' own files
    "import_file": "geodata.userfiles",
    "store_import": "geodata.load",
    # errors
    "DataError": "geodata.errors",
    "DatabaseError": "geodata.errors",
    "UnknownAreaError": "geodata.errors",
}

__all__ = [
    # loading
    "LoadReport",
    "load_area",
    # queries
    "DataStatus",
    "commune_points",
    "communes",
    "host_sites",
    "loaded_departements",
    "rotas",
    "services",
    "services_frame",
    "status",
    "vehicles",
    # records
    "CommunePoint",
    "ParsedRota",
    "RotaStop",
    "ServiceKind",
    "ServicePoint",
    # users' own files
    "import_file",
    "store_import",
    # errors
    "DataError",
    "DatabaseError",
    "UnknownAreaError",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geodata' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from geodata.errors import DatabaseError, DataError, UnknownAreaError
    from geodata.load import LoadReport, load_area, store_import
    from geodata.query import (
        DataStatus,
        commune_points,
        communes,
        host_sites,
        loaded_departements,
        rotas,
        services,
        services_frame,
        status,
        vehicles,
    )
    from geodata.records import CommunePoint, ParsedRota, RotaStop, ServiceKind, ServicePoint
    from geodata.userfiles import import_file
