"""Saved scenarios and their history, in the territory database (table ``scenario_versions``).

A scenario is stored as the TOML text the CLI reads, whole, under a stable key; every save adds a
version (who, when, an optional note) and nothing is ever overwritten, so any earlier version can
be read and restored (saved again as the newest). This module stores text: it does not parse or
validate scenarios (that is :mod:`planner.scenario.files`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from geodata import db
from geodata.errors import DataError
from geodata.models import ScenarioVersion

__all__ = [
    "SavedScenario",
    "scenario_history",
    "scenario_key",
    "saved_scenarios",
    "save_scenario",
    "scenario_version",
]

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class SavedScenario:
    """One version of a saved scenario."""

    key: str
    version: int
    name: str
    toml: str
    author: str
    note: str
    saved_at: datetime


def scenario_key(name: str) -> str:
    """A URL-safe key made from a scenario's name: ``Deux vans (Indre)`` → ``deux-vans-indre``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return key or "scenario"


def _check_key(key: str) -> str:
    if not _KEY.match(key):
        raise DataError(f"scenario key {key!r}: expected lowercase letters, digits and hyphens")
    return key


def _row(row: sa.Row) -> SavedScenario:
    m = row._mapping
    saved = m["saved_at"]
    if saved.tzinfo is None:  # SQLite gives naive datetimes back
        saved = saved.replace(tzinfo=UTC)
    return SavedScenario(
        m["scenario"], m["version"], m["name"], m["toml"], m["author"], m["note"], saved
    )


def save_scenario(
    url: str | None, key: str, name: str, toml: str, author: str, note: str = ""
) -> SavedScenario:
    """Add ``toml`` as the newest version of scenario ``key`` (the first one creates it)."""
    _check_key(key)
    t = ScenarioVersion.__table__
    with db.transaction(url) as conn:
        latest = conn.execute(
            sa.select(sa.func.max(t.c.version)).where(t.c.scenario == key)
        ).scalar_one()
        values = {
            "scenario": key,
            "version": (latest or 0) + 1,
            "name": name,
            "toml": toml,
            "author": author,
            "note": note,
            "saved_at": datetime.now(UTC),
        }
        conn.execute(sa.insert(t).values(**values))
    return SavedScenario(key, values["version"], name, toml, author, note, values["saved_at"])


def saved_scenarios(url: str | None = None) -> list[SavedScenario]:
    """The newest version of every saved scenario, by name."""
    t = ScenarioVersion.__table__
    newest = (
        sa.select(t.c.scenario, sa.func.max(t.c.version).label("version"))
        .group_by(t.c.scenario)
        .subquery()
    )
    stmt = sa.select(t).join(
        newest, sa.and_(t.c.scenario == newest.c.scenario, t.c.version == newest.c.version)
    )
    with db.ready(url).connect() as conn:
        rows = [_row(r) for r in conn.execute(stmt)]
    return sorted(rows, key=lambda s: (s.name.casefold(), s.key))


def scenario_history(url: str | None, key: str) -> list[SavedScenario]:
    """Every version of scenario ``key``, newest first (empty if there is none)."""
    t = ScenarioVersion.__table__
    stmt = sa.select(t).where(t.c.scenario == _check_key(key)).order_by(t.c.version.desc())
    with db.ready(url).connect() as conn:
        return [_row(r) for r in conn.execute(stmt)]


def scenario_version(url: str | None, key: str, version: int | None = None) -> SavedScenario | None:
    """Version ``version`` of scenario ``key`` (the newest when None), or None."""
    t = ScenarioVersion.__table__
    stmt = sa.select(t).where(t.c.scenario == _check_key(key))
    if version is None:
        stmt = stmt.order_by(t.c.version.desc()).limit(1)
    else:
        stmt = stmt.where(t.c.version == version)
    with db.ready(url).connect() as conn:
        row = conn.execute(stmt).first()
    return _row(row) if row is not None else None
