"""Communes and EPCI of the current COG (2026), from ``@etalab/decoupage-administratif``.

``communes.json`` lists every commune of France with its département, région, population and the
codes it absorbed (``anciensCodes``); ``epci.json`` lists the EPCI with their member communes.
This module turns them into frames and into the *code index* that maps any code seen in older
files (merged communes, communes déléguées or associées, Paris/Lyon/Marseille arrondissements) to
the current commune. It has no coordinates: geometry comes from :mod:`geodata.readers.contours`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from geodata.errors import DataError
from geodata.readers._common import paused_gc, read_json, require_columns

__all__ = [
    "Cog",
    "read_cog",
    "read_communes",
    "read_code_index",
    "read_epcis",
    "departements_of_region",
]

CURRENT = "commune-actuelle"


def _objects(path: Path) -> list[dict]:
    data = read_json(path)
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise DataError(f"{path}: expected a JSON array of objects")
    return data


class Cog(NamedTuple):
    """Everything the loader needs from ``communes.json``, read in one pass."""

    communes: pd.DataFrame  # as read_communes
    code_index: dict[str, str]  # as read_code_index
    aliases: list[
        tuple[str, str, str]
    ]  # (name of a commune déléguée/associée, current code, département)


def read_cog(path: Path) -> Cog:
    """:func:`read_communes`, :func:`read_code_index` and the former names, parsing the file
    once."""
    objects = _objects(path)
    with paused_gc():
        return _cog(objects, path)


def _cog(objects: list[dict], path: Path) -> Cog:
    current = {o["code"] for o in objects if o.get("type") == CURRENT}
    aliases = [
        (o["nom"], o["chefLieu"], o["departement"])
        for o in objects
        if o.get("type") in ("commune-deleguee", "commune-associee")
        and o.get("chefLieu") in current
        and o.get("nom")
        and o.get("departement")
    ]
    return Cog(_communes(objects, path), _code_index(objects), aliases)


def read_communes(path: Path) -> pd.DataFrame:
    """Current communes of France, one row each.

    Columns: ``code``, ``name``, ``departement``, ``region``, ``population`` (nullable Int64),
    ``postal_codes`` and ``former_codes`` (tuples of str).
    """
    return _communes(_objects(path), path)


def _communes(objects: list[dict], path: Path) -> pd.DataFrame:
    current = [o for o in objects if o.get("type") == CURRENT]
    if not current:
        raise DataError(f"{path}: no object of type {CURRENT!r}; is this the COG communes.json?")
    require_columns(current[0].keys(), ("code", "nom", "departement"), path)
    frame = pd.DataFrame(
        {
            "code": [o["code"] for o in current],
            "name": [o["nom"] for o in current],
            "departement": [o.get("departement") for o in current],
            "region": [o.get("region") for o in current],
            "population": pd.array([o.get("population") for o in current], dtype="Int64"),
            "postal_codes": [tuple(o.get("codesPostaux") or ()) for o in current],
            "former_codes": [tuple(o.get("anciensCodes") or ()) for o in current],
        }
    )
    return frame.sort_values("code", ignore_index=True)


def read_code_index(path: Path) -> dict[str, str]:
    """Every known code → the current commune it belongs to (current codes map to themselves).

    Covers ``anciensCodes`` of current communes, communes déléguées and associées (their
    ``chefLieu``) and municipal arrondissements (their ``commune``).
    """
    return _code_index(_objects(path))


def _code_index(objects: list[dict]) -> dict[str, str]:
    index: dict[str, str] = {}
    for o in objects:
        if o.get("type") == CURRENT:
            for old in o.get("anciensCodes") or ():
                index.setdefault(old, o["code"])
        elif o.get("chefLieu"):
            index.setdefault(o["code"], o["chefLieu"])
        elif o.get("commune"):
            index.setdefault(o["code"], o["commune"])
    for o in objects:  # current codes win over any alias
        if o.get("type") == CURRENT:
            index[o["code"]] = o["code"]
    return index


def departements_of_region(communes: pd.DataFrame) -> dict[str, list[str]]:
    """Région code → its départements' codes, sorted."""
    pairs = communes[["region", "departement"]].dropna().drop_duplicates()
    return {
        region: sorted(group["departement"]) for region, group in pairs.groupby("region", sort=True)
    }


def read_epcis(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EPCI and their membership.

    Returns ``(epcis, members)``: ``epcis`` has ``code`` (SIREN), ``name``, ``type``,
    ``population``; ``members`` has ``commune`` and ``epci`` (one row per member commune).
    """
    objects = _objects(path)
    if objects:
        require_columns(objects[0].keys(), ("code", "nom", "membres"), path)
    epcis = pd.DataFrame(
        {
            "code": [o["code"] for o in objects],
            "name": [o["nom"] for o in objects],
            "type": [o.get("type") for o in objects],
            "population": pd.array([o.get("populationTotale") for o in objects], dtype="Int64"),
        }
    )
    members = pd.DataFrame(
        [(m["code"], o["code"]) for o in objects for m in o["membres"]],
        columns=["commune", "epci"],
    )
    return epcis.sort_values("code", ignore_index=True), members
