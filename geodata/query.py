"""Queries of the territory database: what the planner, the coverage analysis and the maps read.

GeoDataFrames (EPSG:4326) for spatial work and the plain records of :mod:`geodata.records` for
the planner. Every function takes a SQLAlchemy URL (None: the default database), migrates the
schema if needed, and raises :class:`~geodata.errors.UnknownAreaError` when the area asked for is
not loaded, with the command that loads it. Nothing here writes to the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geodata import db
from geodata.areas import COG_YEAR, DEPARTEMENTS_BY_REGION, is_departement, is_region
from geodata.errors import DataError, UnknownAreaError
from geodata.models import (
    Commune,
    DatasetLoad,
    Epci,
    HostSite,
    IfnIndicator,
    OpeningHours,
    Rota,
    RotaIssue,
    RotaStopRow,
    ServicePointRow,
    Vehicle,
)
from geodata.readers.contours import Surroundings
from geodata.records import (
    CommunePoint,
    Interval,
    NameMatch,
    ParsedRota,
    Recurrence,
    RecurrenceKind,
    RotaStop,
    ServiceKind,
    ServicePoint,
)

__all__ = [
    "COMMUNE_COLUMNS",
    "communes",
    "commune_points",
    "services",
    "services_frame",
    "rotas",
    "host_sites",
    "vehicles",
    "status",
    "DataStatus",
    "loaded_departements",
]

WGS84 = "EPSG:4326"
IFN_FIELDS = ("ifn", "ifn_no_thd", "ifn_no_4g", "ifn_poverty", "ifn_older_65", "ifn_no_diploma")
COMMUNE_COLUMNS = (
    "code",
    "name",
    "departement",
    "region",
    "epci",
    "epci_name",
    "population",
    *IFN_FIELDS,
    "lon",
    "lat",
    "geometry",
)


def _code(value: str | int) -> str:
    text = str(value).strip().upper()
    return text.zfill(2) if text.isdigit() and len(text) == 1 else text


def _area_hint(departement: str | None, region: str | None, epci: str | None) -> str:
    if departement is not None and not is_departement(departement):
        return f"unknown département {departement!r}: no such code in the COG {COG_YEAR}"
    if region is not None and not is_region(region):
        return (
            f"unknown région {region!r}: no such code in the COG {COG_YEAR} "
            f"(codes: {', '.join(DEPARTEMENTS_BY_REGION)})"
        )
    if departement is not None:
        return (
            f"département {departement} is not loaded; "
            f"run `itinerance data load --departement {departement}` first"
        )
    if region is not None:
        return f"région {region} is not loaded; run `itinerance data load --region {region}` first"
    if epci is not None:
        return (
            f"no loaded commune belongs to EPCI {epci}; "
            "load its département with `itinerance data load` first"
        )
    return (
        "no commune is loaded; run `itinerance data load --departement 36` (or --region 24) first"
    )


def _commune_filter(
    departement: str | int | None,
    region: str | int | None,
    epci: str | None,
    codes: Iterable[str] | None,
) -> list[sa.ColumnElement[bool]]:
    c = Commune.__table__.c
    where = []
    if departement is not None:
        where.append(c.departement == _code(departement))
    if region is not None:
        where.append(c.region == _code(region))
    if epci is not None:
        where.append(c.epci == str(epci).strip())
    if codes is not None:
        where.append(c.code.in_([str(x).strip().upper() for x in codes]))
    return where


def communes(
    url: str | None = None,
    *,
    departement: str | int | None = None,
    region: str | int | None = None,
    epci: str | None = None,
    codes: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Loaded communes of an area with EPCI, population and IFN, sorted by code (EPSG:4326).

    Columns: :data:`COMMUNE_COLUMNS`. ``lon``/``lat`` is a point inside the commune; geometry,
    lon and lat are missing for communes loaded without contour; IFN columns are NaN where the
    source gives no score. UnknownAreaError when nothing of the area is loaded.
    """
    c, e, i = Commune.__table__.c, Epci.__table__.c, IfnIndicator.__table__.c
    stmt = (
        sa.select(
            c.code,
            c.name,
            c.departement,
            c.region,
            c.epci,
            e.name.label("epci_name"),
            c.population,
            *(i[f] for f in IFN_FIELDS),
            c.lon,
            c.lat,
            c.geometry,
        )
        .select_from(
            Commune.__table__.outerjoin(Epci.__table__, c.epci == e.code).outerjoin(
                IfnIndicator.__table__, c.code == i.code
            )
        )
        .where(*_commune_filter(departement, region, epci, codes))
        .order_by(c.code)
    )
    with db.ready(url).connect() as conn:
        rows = conn.execute(stmt).all()
    if not rows:
        raise UnknownAreaError(_area_hint(_opt(departement), _opt(region), epci))
    frame = pd.DataFrame(rows, columns=[*COMMUNE_COLUMNS[:-1], "wkb"])
    geometry = shapely.from_wkb(frame.pop("wkb").to_numpy())
    frame["population"] = frame["population"].astype("Int64")
    for col in (*IFN_FIELDS, "lon", "lat"):
        frame[col] = frame[col].astype(float)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def _opt(value: str | int | None) -> str | None:
    return None if value is None else _code(value)


def commune_points(
    url: str | None = None,
    *,
    departement: str | int | None = None,
    region: str | int | None = None,
    epci: str | None = None,
    codes: Iterable[str] | None = None,
) -> list[CommunePoint]:
    """The same communes as :func:`communes`, as plain records for the planner."""
    frame = communes(url, departement=departement, region=region, epci=epci, codes=codes)
    return [
        CommunePoint(
            code=r.code,
            name=r.name,
            departement=r.departement,
            lon=None if np.isnan(r.lon) else float(r.lon),
            lat=None if np.isnan(r.lat) else float(r.lat),
            population=0 if pd.isna(r.population) else int(r.population),
            ifn=None if np.isnan(r.ifn) else float(r.ifn),
            epci=r.epci,
        )
        for r in frame.itertuples(index=False)
    ]


def loaded_departements(url: str | None = None, region: str | int | None = None) -> list[str]:
    """Départements with communes in the database (of ``region`` when given)."""
    c = Commune.__table__.c
    stmt = sa.select(c.departement).distinct().order_by(c.departement)
    if region is not None:
        stmt = stmt.where(c.region == _code(region))
    with db.ready(url).connect() as conn:
        return list(conn.execute(stmt).scalars())


def _area_departements(
    url: str | None, departement: str | int | None, region: str | int | None
) -> list[str] | None:
    """The départements an area query covers (None: no area given); UnknownAreaError if not
    loaded."""
    if departement is None and region is None:
        return None
    loaded = loaded_departements(url, region)
    if departement is not None:
        dep = _code(departement)
        if dep not in loaded:
            raise UnknownAreaError(_area_hint(dep, _opt(region), None))
        return [dep]
    if not loaded:
        raise UnknownAreaError(_area_hint(None, _code(region), None))  # type: ignore[arg-type]
    return loaded


def _hours_of(
    conn: sa.Connection, ids: Sequence[str]
) -> dict[str, dict[int, tuple[Interval, ...]]]:
    h = OpeningHours.__table__.c
    found: dict[str, dict[int, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(ids), 500):
        stmt = (
            sa.select(h.service_id, h.weekday, h.start_minute, h.end_minute)
            .where(h.service_id.in_(ids[start : start + 500]))
            .order_by(h.service_id, h.weekday, h.start_minute)
        )
        for sid, day, a, b in conn.execute(stmt):
            found[sid][day].append(Interval(a, b))
    return {sid: {d: tuple(ivs) for d, ivs in days.items()} for sid, days in found.items()}


def _service_rows(
    url: str | None,
    departement: str | int | None,
    region: str | int | None,
    kinds: Iterable[ServiceKind | str] | None,
    bbox_margin_km: float,
) -> pd.DataFrame:
    s = ServicePointRow.__table__.c
    deps = _area_departements(url, departement, region)
    kind_values = None if kinds is None else [ServiceKind(k).value for k in kinds]
    where = [] if kind_values is None else [s.kind.in_(kind_values)]
    columns = [
        s.id,
        s.name,
        s.kind,
        s.format,
        s.source,
        s.insee,
        s.departement,
        s.lon,
        s.lat,
        s.address,
        s.capacity,
    ]
    with db.ready(url).connect() as conn:
        if deps is None:
            rows = conn.execute(sa.select(*columns).where(*where).order_by(s.id)).all()
        else:
            rows = conn.execute(
                sa.select(*columns).where(*where, s.departement.in_(deps)).order_by(s.id)
            ).all()
            if bbox_margin_km > 0:
                rows += _nearby(conn, url, deps, columns, where, bbox_margin_km)
    frame = pd.DataFrame(rows, columns=[c.name for c in columns])
    return frame.sort_values("id", ignore_index=True)


def _nearby(
    conn: sa.Connection,
    url: str | None,
    deps: list[str],
    columns: list,
    where: list,
    margin_km: float,
) -> list:
    """Services outside the area's départements within ``margin_km`` of its communes."""
    c, s = Commune.__table__.c, ServicePointRow.__table__.c
    area = conn.execute(sa.select(c.geometry, c.lon, c.lat).where(c.departement.in_(deps))).all()
    geoms = shapely.from_wkb(np.array([g for g, _, _ in area], dtype=object))
    points = shapely.points([(x, y) for _, x, y in area if x is not None and y is not None])
    shapes = np.concatenate([geoms[~shapely.is_missing(geoms)], np.atleast_1d(points)])
    if not len(shapes):
        return []
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    pad_lat = margin_km / 111.0
    pad_lon = margin_km / (111.0 * max(np.cos(np.radians(max(abs(miny), abs(maxy)))), 0.1))
    candidates = conn.execute(
        sa.select(*columns).where(
            *where,
            sa.or_(s.departement.is_(None), s.departement.not_in(deps)),
            s.lon.between(minx - pad_lon, maxx + pad_lon),
            s.lat.between(miny - pad_lat, maxy + pad_lat),
        )
    ).all()
    if not candidates:
        return []
    lon = np.array([r.lon for r in candidates], dtype=float)
    lat = np.array([r.lat for r in candidates], dtype=float)
    near = Surroundings(gpd.GeoSeries(shapes, crs=WGS84)).within(lon, lat, margin_km)
    return [r for r, ok in zip(candidates, near) if ok]


def services(
    url: str | None = None,
    *,
    departement: str | int | None = None,
    region: str | int | None = None,
    kinds: Iterable[ServiceKind | str] | None = None,
    bbox_margin_km: float = 0,
) -> list[ServicePoint]:
    """Service points of an area (all stored ones when no area), with their opening hours.

    ``bbox_margin_km`` adds the services of other départements within that distance of the
    area's communes (a France Services just across the border serves the area too); loads keep
    those within :data:`geodata.load.FRINGE_KM`. Sorted by id.
    """
    frame = _service_rows(url, departement, region, kinds, bbox_margin_km)
    with db.ready(url).connect() as conn:
        hours = _hours_of(conn, frame["id"].tolist())
    return [
        ServicePoint(
            id=r.id,
            name=r.name,
            kind=ServiceKind(r.kind),
            lon=_num(r.lon),
            lat=_num(r.lat),
            insee=_str(r.insee),
            address=_str(r.address),
            format=_str(r.format),
            hours=hours.get(r.id, {}),
            capacity=_num(r.capacity),
            source=r.source,
        )
        for r in frame.itertuples(index=False)
    ]


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def services_frame(
    url: str | None = None,
    *,
    departement: str | int | None = None,
    region: str | int | None = None,
    kinds: Iterable[ServiceKind | str] | None = None,
    bbox_margin_km: float = 0,
) -> gpd.GeoDataFrame:
    """:func:`services` as a GeoDataFrame (EPSG:4326) with a ``weekly_hours`` column, no hours."""
    frame = _service_rows(url, departement, region, kinds, bbox_margin_km)
    frame = frame.rename(columns={"capacity": "weekly_hours"})
    for col in ("lon", "lat", "weekly_hours"):
        frame[col] = frame[col].astype(float)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
    )


def rotas(
    url: str | None = None,
    *,
    departement: str | int | None = None,
    region: str | int | None = None,
    service_id: str | None = None,
) -> list[ParsedRota]:
    """Parsed rotas of the area's mobile and multi-site services, sorted by service id.

    ``service_id`` (``"fs:2394"`` or ``"2394"``) selects one; DataError when it has no rota.
    """
    r, st, iss = Rota.__table__.c, RotaStopRow.__table__.c, RotaIssue.__table__.c
    deps = _area_departements(url, departement, region)
    stmt = sa.select(
        r.service_id, r.service_name, r.base_insee, r.departement, r.raw_text
    ).order_by(r.service_id)
    if deps is not None:
        stmt = stmt.where(r.departement.in_(deps))
    if service_id is not None:
        sid = service_id if ":" in service_id else f"fs:{service_id.strip()}"
        stmt = stmt.where(r.service_id == sid)
    with db.ready(url).connect() as conn:
        found = [ParsedRota(*row) for row in conn.execute(stmt)]
        if service_id is not None and not found:
            raise DataError(
                f"no parsed rota for service {service_id!r} in the database "
                "(see `itinerance data rota`)"
            )
        ids = [p.service_id for p in found]
        by_id = {p.service_id: p for p in found}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in conn.execute(
                sa.select(st).where(st.service_id.in_(chunk)).order_by(st.service_id, st.position)
            ):
                by_id[row.service_id].stops.append(_stop(row))
            for row in conn.execute(
                sa.select(iss)
                .where(iss.service_id.in_(chunk))
                .order_by(iss.service_id, iss.position)
            ):
                by_id[row.service_id].issues.append(row.message)
        hours = _hours_of(conn, ids)
    for p in found:
        p.hours = hours.get(p.service_id, {})
    return found


def _stop(row: sa.Row) -> RotaStop:
    match = NameMatch(
        query=row.raw_name,
        insee=row.insee,
        name=row.matched_name,
        confidence=row.confidence,
        candidates=tuple((c[0], c[1], float(c[2])) for c in (row.candidates or ())),
        reason=row.match_reason,
    )
    recurrence = Recurrence(
        kind=RecurrenceKind(row.recurrence_kind),
        weekday=row.weekday,
        nth=row.nth,
        start=row.start_minute,
        end=row.end_minute,
        part_of_day=row.part_of_day,
        text=row.recurrence_text,
    )
    return RotaStop(row.service_id, row.position, row.raw_name, match, recurrence, row.place)


def host_sites(
    url: str | None = None, *, departement: str | int | None = None, region: str | int | None = None
) -> list[dict]:
    """Host sites the user imported (of an area's départements when given), sorted by id."""
    h = HostSite.__table__.c
    deps = _area_departements(url, departement, region)
    stmt = sa.select(HostSite.__table__).order_by(h.id)
    if deps is not None:
        stmt = stmt.where(h.departement.in_(deps))
    with db.ready(url).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]


def vehicles(url: str | None = None) -> list[dict]:
    """Vehicles the user imported, sorted by id."""
    with db.ready(url).connect() as conn:
        rows = conn.execute(sa.select(Vehicle.__table__).order_by(Vehicle.__table__.c.id))
        return [dict(row._mapping) for row in rows]


@dataclass(slots=True)
class DataStatus:
    """What the database holds, for ``itinerance data status``."""

    url: str  # password hidden
    loads: list[dict] = field(default_factory=list)  # provenance rows, by area then dataset
    departements: list[dict] = field(default_factory=list)  # per département: counts
    user_items: dict[str, int] = field(
        default_factory=dict
    )  # host_site, vehicle, user services by kind


def status(url: str | None = None) -> DataStatus:
    """Loaded areas with their files (hash, vintage, date, rows) and per-département counts."""
    c, s, r, st = (
        Commune.__table__.c,
        ServicePointRow.__table__.c,
        Rota.__table__.c,
        RotaStopRow.__table__.c,
    )
    d = DatasetLoad.__table__.c
    result = DataStatus(url=db.safe_url(db.normalise_url(url)))
    with db.ready(url).connect() as conn:
        for row in conn.execute(sa.select(DatasetLoad.__table__).order_by(d.area, d.id)):
            item = dict(row._mapping)
            item.pop("id")
            if isinstance(item["loaded_at"], datetime) and item["loaded_at"].tzinfo is None:
                item["loaded_at"] = item["loaded_at"].isoformat() + "Z"
            elif isinstance(item["loaded_at"], datetime):
                item["loaded_at"] = item["loaded_at"].isoformat()
            result.loads.append(item)
        per_dep = conn.execute(
            sa.select(
                c.departement,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(c.population), 0),
                sa.func.count(c.geometry),
            )
            .group_by(c.departement)
            .order_by(c.departement)
        ).all()
        kinds = defaultdict(dict)
        for dep, kind, n in conn.execute(
            sa.select(s.departement, s.kind, sa.func.count())
            .where(s.source.not_like("user:%"))
            .group_by(s.departement, s.kind)
        ):
            kinds[dep][kind] = n
        stops = dict(
            conn.execute(
                sa.select(r.departement, sa.func.count(st.id))
                .select_from(
                    Rota.__table__.outerjoin(RotaStopRow.__table__, r.service_id == st.service_id)
                )
                .group_by(r.departement)
            ).all()
        )
        unresolved = dict(
            conn.execute(
                sa.select(r.departement, sa.func.count(st.id))
                .select_from(
                    Rota.__table__.join(RotaStopRow.__table__, r.service_id == st.service_id)
                )
                .where(st.insee.is_(None))
                .group_by(r.departement)
            ).all()
        )
        for dep, n, pop, with_geom in per_dep:
            result.departements.append(
                {
                    "departement": dep,
                    "communes": n,
                    "population": int(pop),
                    "with_contour": with_geom,
                    "services": dict(sorted(kinds.get(dep, {}).items())),
                    "rota_stops": stops.get(dep, 0),
                    "unresolved_stops": unresolved.get(dep, 0),
                }
            )
        user = conn.execute(
            sa.select(s.kind, sa.func.count())
            .where(s.source.like("user:%"))
            .group_by(s.kind)
            .order_by(s.kind)
        ).all()
        result.user_items = {f"service:{k}": n for k, n in user}
        result.user_items["host_site"] = conn.execute(
            sa.select(sa.func.count()).select_from(HostSite.__table__)
        ).scalar_one()
        result.user_items["vehicle"] = conn.execute(
            sa.select(sa.func.count()).select_from(Vehicle.__table__)
        ).scalar_one()
    return result
