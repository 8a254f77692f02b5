"""Lieux de médiation numérique: CNFS lieux (2022) and Aidants Connect structures (2024-02).

* CNFS lieux (``derived/cnfs-lieux-2022_sans-contacts-personnels.json``): lat/lon for most, a
  postal code and an upper-case town name, no INSEE code; hours in OpenStreetMap syntax.
* Aidants Connect structures: an INSEE code, no coordinates; only active ones are kept.

Both become service points of kind ``mediation``. This module reads and normalises; locating a
lieu in a commune (point in polygon, postal code) is :func:`postal_code_communes` here and the
loader's spatial join. Privacy: the conseillers' personal data (``aidants``, ``courriel``,
``telephone``) are dropped if present, and no person's name is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.errors import DataError
from geodata.hours import OddHours, parse_osm
from geodata.names import normalize_name
from geodata.readers._common import read_csv_text, read_json, require_columns
from geodata.readers.contours import normalise_insee
from geodata.records import Interval

__all__ = ["read_cnfs", "read_aidants_connect", "postal_code_communes", "cnfs_hours"]

CNFS_PRIVATE_KEYS = ("aidants", "courriel", "telephone")
AC_COLUMNS = ("ID", "Name", "Is Active", "City Insee Code", "Address", "Zip Code", "City")


def read_cnfs(path: Path) -> pd.DataFrame:
    """CNFS lieux: ``id``, ``name``, ``postal_code``, ``town``, ``address``, ``lon``, ``lat``,
    ``hours_text`` (OpenStreetMap syntax, see :func:`cnfs_hours`)."""
    data = read_json(path)
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise DataError(f"{path}: expected a JSON array of lieux")
    if data:
        require_columns(
            data[0].keys(), ("id", "nom", "code_postal", "commune", "latitude", "longitude"), path
        )
    frame = pd.DataFrame(
        {
            "id": [str(o["id"]) for o in data],
            "name": [str(o["nom"]).strip() for o in data],
            "postal_code": [str(o.get("code_postal") or "").strip() for o in data],
            "town": [str(o.get("commune") or "").strip() for o in data],
            "address": [str(o.get("adresse") or "").strip() or None for o in data],
            "lon": pd.to_numeric(
                pd.Series([o.get("longitude") for o in data], dtype=object), errors="coerce"
            ).astype(float),
            "lat": pd.to_numeric(
                pd.Series([o.get("latitude") for o in data], dtype=object), errors="coerce"
            ).astype(float),
            "hours_text": [o.get("horaires") or None for o in data],
        }
    )
    return frame


def cnfs_hours(text: str | None) -> tuple[dict[int, tuple[Interval, ...]], str | None]:
    """A lieu's hours and, when the text is unreadable, why (its hours are then left empty)."""
    try:
        return parse_osm(text), None
    except OddHours as exc:
        return {}, exc.why


def read_aidants_connect(path: Path, code_index: Mapping[str, str]) -> pd.DataFrame:
    """Active Aidants Connect structures: ``id``, ``name``, ``insee`` (current COG, None when the
    file gives none), ``address``, ``postal_code``, ``france_services_label`` (bool)."""
    raw = read_csv_text(path, AC_COLUMNS)
    raw = raw[raw["Is Active"].str.strip().str.lower() == "true"]
    codes = normalise_insee(raw["City Insee Code"])
    insee = codes.map(lambda c: code_index.get(c, c) if c else None)
    label = raw.get("France Services Label", pd.Series("", index=raw.index))
    return pd.DataFrame(
        {
            "id": raw["ID"].str.strip().to_numpy(),
            "name": raw["Name"].str.strip().to_numpy(),
            "insee": insee.to_numpy(),
            "address": raw["Address"].str.strip().replace("", None).to_numpy(),
            "postal_code": raw["Zip Code"].str.strip().to_numpy(),
            "france_services_label": (label.str.strip().str.lower() == "true").to_numpy(),
        }
    )


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    return normalize_name(name)


def postal_code_communes(
    postal_codes: Iterable[str],
    towns: Iterable[str],
    communes: pd.DataFrame,
    departements: Collection[str] | None = None,
    always: Iterable[bool] | None = None,
) -> np.ndarray:
    """Current commune of each (postal code, town name) pair, or None.

    A postal code shared by several communes is resolved by the town's normalised name; when the
    name matches none of them the lieu stays unlocated rather than guessed. With
    ``departements``, only pairs whose postal code has a commune there are resolved (or those
    flagged in ``always``): the others are None.
    """
    by_postal: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    columns = ("code", "name", "departement", "postal_codes")
    for code, name, dep, postals in zip(*(communes[c].tolist() for c in columns)):
        for postal in postals:
            by_postal[postal].append((code, name, dep))
    postal_codes, towns = list(postal_codes), list(towns)
    flags = list(always) if always is not None else [False] * len(postal_codes)
    result = np.full(len(postal_codes), None, dtype=object)
    for i, (postal, town, flag) in enumerate(zip(postal_codes, towns, flags)):
        candidates = by_postal.get(str(postal).strip(), [])
        if (
            departements is not None
            and not flag
            and not any(c[2] in departements for c in candidates)
        ):
            continue
        if len(candidates) == 1:
            result[i] = candidates[0][0]
        elif candidates:
            wanted = _name_key(str(town))
            same = [code for code, name, _ in candidates if _name_key(name) == wanted]
            result[i] = same[0] if len(same) == 1 else None
    return result
