"""SQLModel tables of the territory database (SQLite by default, PostgreSQL through the same code).

Geometry is stored as WKB in a plain binary column and lists as JSON, so no spatial extension
(PostGIS, SpatiaLite) is needed. The schema is created and changed only by the Alembic migrations
in ``geodata/migrations`` (``tests/geodata/test_db.py`` checks that they match these classes).
Rows are written by :mod:`geodata.load` and read by :mod:`geodata.query`; nothing else should
depend on these classes.

Area-scoped tables (communes, IFN, public service points, rotas) are replaced per département by
each load; user tables (host sites, vehicles, ``user:`` service points) only by imports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

__all__ = [
    "Commune",
    "Epci",
    "IfnIndicator",
    "ServicePointRow",
    "OpeningHours",
    "Rota",
    "RotaStopRow",
    "RotaIssue",
    "HostSite",
    "Vehicle",
    "DatasetLoad",
    "ScenarioVersion",
    "TABLES",
]

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _json() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))


class Commune(SQLModel, table=True):
    """A commune of the current COG (2026) with its representative point and contour."""

    __tablename__ = "communes"
    code: str = Field(primary_key=True, max_length=5)
    name: str
    departement: str = Field(index=True, max_length=3)
    region: str | None = Field(default=None, index=True, max_length=3)
    epci: str | None = Field(default=None, index=True, max_length=9)
    population: int | None = None
    lon: float | None = None  # representative point, inside the commune
    lat: float | None = None
    geometry: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    postal_codes: list[str] | None = _json()
    contour_source: str | None = None  # dataset name or user file the geometry came from


class Epci(SQLModel, table=True):
    __tablename__ = "epcis"
    code: str = Field(primary_key=True, max_length=9)  # SIREN
    name: str
    type: str | None = None
    population: int | None = None


class IfnIndicator(SQLModel, table=True):
    """IFN scores (1–10, higher = more fragile) of one commune; NULL where the source has none."""

    __tablename__ = "ifn_indicators"
    code: str = Field(
        sa_column=sa.Column(
            sa.String(5), sa.ForeignKey("communes.code", ondelete="CASCADE"), primary_key=True
        )
    )
    ifn: float | None = None
    ifn_no_thd: float | None = None
    ifn_no_4g: float | None = None
    ifn_poverty: float | None = None
    ifn_older_65: float | None = None
    ifn_no_diploma: float | None = None


class ServicePointRow(SQLModel, table=True):
    """A place where help is given (France Services, lieu de médiation, borne, user service)."""

    __tablename__ = "service_points"
    id: str = Field(primary_key=True)
    name: str
    kind: str = Field(index=True)
    format: str | None = None
    source: str = Field(index=True)  # france_services, cnfs, aidants_connect, user:<file>
    insee: str | None = Field(default=None, index=True, max_length=5)
    departement: str | None = Field(default=None, index=True, max_length=3)
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    capacity: float | None = None  # weekly opening hours
    hours_text: str | None = None  # as written in the source, when not per-day columns
    operator: str | None = None


class OpeningHours(SQLModel, table=True):
    __tablename__ = "opening_hours"
    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(
        sa_column=sa.Column(
            sa.String,
            sa.ForeignKey("service_points.id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    weekday: int  # Monday = 0
    start_minute: int
    end_minute: int


class Rota(SQLModel, table=True):
    """The parsed rota of one mobile or multi-site France Services."""

    __tablename__ = "rotas"
    service_id: str = Field(
        sa_column=sa.Column(
            sa.String, sa.ForeignKey("service_points.id", ondelete="CASCADE"), primary_key=True
        )
    )
    service_name: str
    base_insee: str | None = Field(default=None, max_length=5)
    departement: str = Field(index=True, max_length=3)
    raw_text: str


class RotaStopRow(SQLModel, table=True):
    __tablename__ = "rota_stops"
    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(
        sa_column=sa.Column(
            sa.String,
            sa.ForeignKey("rotas.service_id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    position: int
    raw_name: str
    insee: str | None = Field(default=None, max_length=5)
    matched_name: str | None = None
    confidence: float
    candidates: list[Any] | None = _json()  # [[insee, name, score], ...]
    match_reason: str = ""
    recurrence_kind: str
    weekday: int | None = None
    nth: int | None = None
    start_minute: int | None = None
    end_minute: int | None = None
    part_of_day: str | None = None
    recurrence_text: str = ""
    place: str | None = None


class RotaIssue(SQLModel, table=True):
    __tablename__ = "rota_issues"
    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(
        sa_column=sa.Column(
            sa.String,
            sa.ForeignKey("rotas.service_id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    position: int
    message: str


class HostSite(SQLModel, table=True):
    """A room a mairie (or partner) lends for permanences, brought by the user."""

    __tablename__ = "host_sites"
    id: str = Field(primary_key=True)
    name: str
    insee: str | None = Field(default=None, index=True, max_length=5)
    departement: str | None = Field(default=None, index=True, max_length=3)
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    pmr: bool | None = None
    internet: bool | None = None
    weekdays: list[int] | None = _json()  # Monday = 0
    hours: str | None = None
    capacity: int | None = None
    source: str


class Vehicle(SQLModel, table=True):
    """A vehicle of the user's fleet (bus, van) with its costs."""

    __tablename__ = "vehicles"
    id: str = Field(primary_key=True)
    name: str
    base_insee: str | None = Field(default=None, max_length=5)
    base_lon: float | None = None
    base_lat: float | None = None
    features: list[str] | None = _json()
    wheelchair_places: int | None = None
    seats: int | None = None
    cost_per_km: float | None = None
    cost_per_hour: float | None = None
    purchase_cost: float | None = None
    lifetime_years: float | None = None
    source: str


class DatasetLoad(SQLModel, table=True):
    """Provenance: which file (and hash, vintage) filled which area, when, with how many rows."""

    __tablename__ = "dataset_loads"
    id: int | None = Field(default=None, primary_key=True)
    area: str = Field(index=True)  # "region:24", "departement:36", "user:<kind>"
    dataset: str
    file: str
    sha256: str
    vintage: str | None = None
    loaded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    rows: int


class ScenarioVersion(SQLModel, table=True):
    """One saved version of a scenario's TOML text (the web app's history: who, when, what).

    Versions are only added, never changed: restoring an earlier one saves it again as the
    newest. ``scenario`` is the scenario's stable key (a slug chosen when it was created).
    """

    __tablename__ = "scenario_versions"
    __table_args__ = (sa.UniqueConstraint("scenario", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    scenario: str = Field(index=True)
    version: int
    name: str  # the scenario's ``name`` in this version, for lists
    toml: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    author: str
    note: str = ""
    saved_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class AppJob(SQLModel, table=True):
    """A job of the web app (loading an area, planning, comparing): its state and result, so
    that they outlive the server. ``result`` and ``reasons`` are JSON text."""

    __tablename__ = "app_jobs"
    id: str = Field(primary_key=True)
    kind: str
    label: str
    target: str  # URL of the page that shows the result
    state: str = Field(index=True)  # queued, running, done, failed, cancelled, interrupted
    last_event: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    result: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    reasons: str = Field(default="[]", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: float
    finished_at: float | None = None


TABLES = [
    Commune,
    Epci,
    IfnIndicator,
    ServicePointRow,
    OpeningHours,
    Rota,
    RotaStopRow,
    RotaIssue,
    HostSite,
    Vehicle,
    DatasetLoad,
    ScenarioVersion,
    AppJob,
]
