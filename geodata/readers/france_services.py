"""The national list of France Services (ANCT, 2024-08-01) → service points with opening hours.

``format_fs`` decides the kind: ``Fixe``, ``Fixe_antenne(s)`` and ``Multisites`` are fixed France
Services; ``Bus_équivalent`` and ``Itinérante`` are mobile ones, located at their home base (their
stops are in the free-text ``commentaire``, parsed by :mod:`geodata.rota`). Opening hours
``h_lundi`` … ``h_samedi`` go through :mod:`geodata.hours`; odd strings are returned for the report.

Privacy: the ``mail`` and ``telephone`` columns are dropped as the file is read, and phone numbers
or e-mails written in ``commentaire`` are masked. Nothing else leaves this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geodata.hours import parse_week, weekly_minutes
from geodata.readers._common import read_csv_text, to_float
from geodata.readers._privacy import redact_contacts
from geodata.readers.contours import normalise_insee
from geodata.records import ServiceKind, ServicePoint

__all__ = [
    "DAY_COLUMNS",
    "FORMAT_KINDS",
    "ROTA_FORMATS",
    "OddHoursReport",
    "read_france_services",
    "service_points",
]

SOURCE = "france_services"
DAY_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")
PRIVATE_COLUMNS = ("mail", "telephone")
FORMAT_KINDS = {
    "Fixe": ServiceKind.FRANCE_SERVICES,
    "Fixe_antenne(s)": ServiceKind.FRANCE_SERVICES,
    "Multisites": ServiceKind.FRANCE_SERVICES,
    "Bus_équivalent": ServiceKind.FRANCE_SERVICES_MOBILE,
    "Itinérante": ServiceKind.FRANCE_SERVICES_MOBILE,
}
ROTA_FORMATS = ("Bus_équivalent", "Itinérante", "Multisites")
NEEDED = (
    "id_fs",
    "insee_dep",
    "lib_fs",
    "adresse",
    "complement_adresse",
    "insee_com",
    "code_postal",
    "lib_com",
    "latitude",
    "longitude",
    *DAY_COLUMNS,
    "commentaire",
    "format_fs",
)


@dataclass(frozen=True, slots=True)
class OddHoursReport:
    """An opening-hours string that could not be read (kept out of the hours, never guessed)."""

    service_id: str
    weekday: int | None  # Monday = 0; None when one text gives the whole week (OSM syntax)
    text: str
    why: str


def read_france_services(path: Path) -> pd.DataFrame:
    """The rows of the list as strings, without ``mail``/``telephone``, ``commentaire`` masked."""
    frame = read_csv_text(path, NEEDED)
    frame = frame.drop(columns=[c for c in PRIVATE_COLUMNS if c in frame.columns])
    frame["commentaire"] = frame["commentaire"].map(redact_contacts)
    frame["insee_com"] = normalise_insee(frame["insee_com"])
    return frame


def _address(row: Mapping[str, str]) -> str:
    street = ", ".join(p.strip() for p in (row["adresse"], row["complement_adresse"]) if p.strip())
    town = " ".join(p.strip() for p in (row["code_postal"], row["lib_com"]) if p.strip())
    return ", ".join(p for p in (street, town) if p)


def service_points(
    frame: pd.DataFrame, code_index: Mapping[str, str]
) -> tuple[list[ServicePoint], list[OddHoursReport]]:
    """Service points (kind by ``format_fs``, hours parsed, INSEE mapped to the current COG).

    A ``format_fs`` outside the known five gives kind ``other`` (counted by the loader).
    """
    lons = to_float(frame["longitude"]).to_numpy()
    lats = to_float(frame["latitude"]).to_numpy()
    points: list[ServicePoint] = []
    odd: list[OddHoursReport] = []
    for i, row in enumerate(frame.to_dict("records")):
        sid = f"fs:{row['id_fs']}"
        hours, bad = parse_week({d: row[col] for d, col in enumerate(DAY_COLUMNS)})
        odd.extend(OddHoursReport(sid, day, text, why) for day, text, why in bad)
        lon, lat = float(lons[i]), float(lats[i])
        points.append(
            ServicePoint(
                id=sid,
                name=row["lib_fs"].strip(),
                kind=FORMAT_KINDS.get(row["format_fs"], ServiceKind.OTHER),
                lon=None if lon != lon else lon,
                lat=None if lat != lat else lat,
                insee=code_index.get(row["insee_com"], row["insee_com"]) or None,
                address=_address(row) or None,
                format=row["format_fs"] or None,
                hours=hours,
                capacity=weekly_minutes(hours) / 60 if hours else None,
                source=SOURCE,
            )
        )
    return points, odd
