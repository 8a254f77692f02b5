"""What every output records about how it was made: inputs, data vintages, versions, options.

An output (plan JSON, timetable, comparison) carries a ``meta`` block built here so that anyone
can tell, months later, which scenario file (by sha256), which territory data (each dataset's
file, sha256 and vintage, as loaded in the database), which versions of itinerance, OR-Tools and
Python, which engine, seed and time limit produced it, and when.

It must not record personal data or secrets: database URLs are written with their password
hidden. It reads files only to hash them, and the database only through
:func:`geodata.query.status`.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from geodata import db, query

__all__ = ["data_provenance", "input_record", "provenance", "sha256_of", "versions"]


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_record(role: str, path: str | Path) -> dict[str, Any]:
    """``{"role": "scenario", "path": "scenarios/x.toml", "sha256": "…"}``."""
    return {"role": role, "path": str(path), "sha256": sha256_of(path)}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    """Versions of itinerance, OR-Tools, Python and the numeric libraries a result depends on."""
    return {
        "itinerance": _version("itinerance"),
        "ortools": _version("ortools"),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "platform": platform.platform(terse=True),
    }


def data_provenance(url: str | None) -> dict[str, Any]:
    """The database (password hidden) and every dataset loaded in it: file, sha256, vintage,
    area and load date. ``{"database": None, "datasets": []}`` for a standalone scenario."""
    if url is None:
        return {"database": None, "datasets": []}
    status = query.status(url)
    datasets = []
    seen = set()
    for load in status.loads:
        key = (load.get("area"), load.get("dataset"), load.get("sha256"))
        if key in seen:
            continue
        seen.add(key)
        datasets.append(
            {
                k: load.get(k)
                for k in ("area", "dataset", "file", "sha256", "vintage", "rows", "loaded_at")
            }
        )
    return {"database": db.safe_url(db.normalise_url(url)), "datasets": datasets}


def provenance(
    *,
    inputs: Iterable[tuple[str, str | Path]] = (),
    database: str | None = None,
    engine: str | None = None,
    seed: int | None = None,
    time_limit: float | None = None,
    deterministic: bool | None = None,
    router: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The ``meta`` block of an output: inputs with their sha256, the data (see
    :func:`data_provenance`), the engine and its options, versions, and the UTC creation date."""
    when = created or datetime.now(UTC)
    return {
        "created": when.replace(microsecond=0).isoformat(),
        "engine": engine,
        "seed": seed,
        "time_limit": time_limit,
        "deterministic": deterministic,
        "travel": router,
        "inputs": [input_record(role, path) for role, path in inputs],
        "data": data_provenance(database),
        "versions": versions(),
    }
