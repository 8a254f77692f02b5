"""Loading an area (a région or a département) into the territory database, in one transaction.

:func:`load_area` reads the pinned files through :mod:`geodata.registry` (hashes checked) and
:mod:`geodata.readers`, then replaces the area's rows: communes (current COG, each with its
contour and a point inside it), their EPCI, IFN scores, France Services with opening hours,
lieux de médiation (CNFS lieux, Aidants Connect) and the parsed rotas of mobile France Services.
Services within :data:`FRINGE_KM` of the area are stored too (coverage counts a France Services
just across the border), without replacing rows another load owns.

Guarantees: everything is written in one transaction (a failure leaves the database as it was);
loading the same area twice gives the same rows; users' own items (``user:`` sources, host sites,
vehicles) are never touched. Missing data (no contour, no IFN score, unreadable hours, unlocated
lieux, unresolved rota names) are counted in the :class:`LoadReport`, never invented.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geodata import db, registry
from geodata.errors import DataError, UnknownAreaError
from geodata.hours import OddHours, parse_osm, weekly_minutes
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
from geodata.readers import cog as cog_reader
from geodata.readers import contours as contour_reader
from geodata.readers import france_services as fs_reader
from geodata.readers import ifn as ifn_reader
from geodata.readers import mediation as mediation_reader
from geodata.readers._common import to_float
from geodata.readers.france_services import OddHoursReport
from geodata.records import ParsedRota, ServiceKind, ServicePoint

if TYPE_CHECKING:
    from geodata.userfiles import ImportResult

__all__ = [
    "Area",
    "LoadReport",
    "Progress",
    "PUBLIC_SOURCES",
    "FRINGE_KM",
    "resolve_area",
    "load_area",
    "ImportReport",
    "store_import",
    "current_communes",
    "insee_reference",
]

Progress = Callable[[str, int, int], None]
"""Called with (French description of the step, steps done, total steps)."""

PUBLIC_SOURCES = ("france_services", "cnfs", "aidants_connect")
FRINGE_KM = 50.0
DEFAULT_CONTOURS = "contours-centre-val-de-loire"
CONTOUR_DEPARTEMENTS = ("18", "28", "36", "37", "41", "45")  # covered by DEFAULT_CONTOURS
_STEPS = (
    "Communes et EPCI (COG 2026)",
    "Contours des communes",
    "Indice de fragilité numérique",
    "France Services",
    "Lieux de médiation numérique",
    "Tournées des services itinérants",
    "Écriture en base",
)


@dataclass(frozen=True, slots=True)
class Area:
    """What a load or a query covers: a région or a département, and its départements."""

    key: str  # "region:24" or "departement:36"
    departements: tuple[str, ...]

    @property
    def label_fr(self) -> str:
        kind, code = self.key.split(":")
        return f"région {code}" if kind == "region" else f"département {code}"


@dataclass(slots=True)
class Provenance:
    dataset: str
    file: str
    sha256: str
    vintage: str | None
    rows: int


@dataclass(slots=True)
class LoadReport:
    """What a load stored and what it could not: counts for users, lists for the curious."""

    area: Area
    communes: int = 0
    population: int = 0
    communes_without_geometry: list[str] = field(default_factory=list)
    contour_source: str | None = None
    epcis: int = 0
    ifn_missing: list[str] = field(default_factory=list)  # communes with no IFN total
    services_by_kind: dict[str, int] = field(default_factory=dict)  # in the area
    nearby_services: int = 0  # within FRINGE_KM outside the area, newly stored
    mediation_by_source: dict[str, int] = field(default_factory=dict)
    mediation_unlocated: int = 0  # area lieux with no coordinates nor commune point
    odd_hours: list[OddHoursReport] = field(default_factory=list)
    rotas: int = 0
    rota_stops: int = 0
    unresolved_stops: int = 0
    rota_issues: int = 0
    provenance: list[Provenance] = field(default_factory=list)
    seconds: float = 0.0


# -- area -------------------------------------------------------------------------------------


def _normalise_code(code: str | int) -> str:
    text = str(code).strip().upper()
    return text.zfill(2) if text.isdigit() and len(text) == 1 else text


def resolve_area(
    communes: pd.DataFrame, region: str | int | None = None, departement: str | int | None = None
) -> Area:
    """The area a région or département code names; UnknownAreaError listing valid codes."""
    if (region is None) == (departement is None):
        raise UnknownAreaError(
            "give exactly one of a région (--region) or a département (--departement)"
        )
    if region is not None:
        by_region = cog_reader.departements_of_region(communes)
        code = _normalise_code(region)
        if code not in by_region:
            raise UnknownAreaError(
                f"unknown région {region!r}; valid codes: {', '.join(sorted(by_region))}"
            )
        return Area(f"region:{code}", tuple(by_region[code]))
    valid = sorted(communes["departement"].dropna().unique())
    code = _normalise_code(departement)  # type: ignore[arg-type]
    if code not in valid:
        raise UnknownAreaError(
            f"unknown département {departement!r}; valid codes: {', '.join(valid)}"
        )
    return Area(f"departement:{code}", (code,))


# -- reading ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Payload:
    """Everything to write, as plain dict rows per table."""

    communes: list[dict]
    epcis: list[dict]
    ifn: list[dict]
    services: list[dict]  # the area's
    fringe_services: list[dict]  # near the area; inserted only when absent
    hours: list[dict]
    rotas: list[dict]
    rota_stops: list[dict]
    rota_issues: list[dict]


def _dataset(name: str, used: list[Provenance], rows: int = 0) -> Path:
    ds = registry.dataset(name)
    path = registry.fetch(name)
    used.append(Provenance(ds.name, ds.path, ds.sha256, ds.vintage, rows))
    return path


@lru_cache(maxsize=2)
def _read_cog_verified(path: str, sha256: str) -> cog_reader.Cog:
    return cog_reader.read_cog(Path(path))


def _read_cog(path: Path) -> cog_reader.Cog:
    """The COG communes, parsed once per process and file content (callers must not mutate it)."""
    return _read_cog_verified(str(path), registry.sha256_of_verified(path))


def current_communes() -> pd.DataFrame:
    """The current communes of France (COG 2026) from the verified pinned file; do not mutate."""
    return _read_cog(registry.fetch("communes")).communes


def insee_reference() -> tuple[frozenset[str], dict[str, str]]:
    """Current INSEE codes, and former codes → current commune, for validating users' files."""
    cog = _read_cog(registry.fetch("communes"))
    return frozenset(cog.communes["code"].tolist()), {
        k: v for k, v in cog.code_index.items() if k != v
    }


@lru_cache(maxsize=2)
def _read_epcis_verified(path: str, sha256: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return cog_reader.read_epcis(Path(path))


def _read_epcis(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _read_epcis_verified(str(path), registry.sha256_of_verified(path))


def _area_contours(
    contours: Path | None,
    code_column: str,
    layer: str | None,
    area: Area,
    code_index: Mapping[str, str],
    used: list[Provenance],
) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """Contours of the whole file (for locating points) and the name of their source."""
    if contours is not None:
        path = Path(contours)
        if not path.is_file():
            raise DataError(f"{path}: contour file not found")
        frame = contour_reader.read_contours(path, code_index, code_column=code_column, layer=layer)
        used.append(Provenance("user-contours", str(path), registry.sha256_of(path), "user", 0))
        return frame, f"user:{path.name}"
    if not set(area.departements) & set(CONTOUR_DEPARTEMENTS):
        return None, None
    path = _dataset(DEFAULT_CONTOURS, used)
    return contour_reader.read_contours(path, code_index), DEFAULT_CONTOURS


def _locate_in_polygons(
    contours: gpd.GeoDataFrame | None, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Commune code of the contour containing each point, or None."""
    result = np.full(len(lon), None, dtype=object)
    ok = ~(np.isnan(lon) | np.isnan(lat))
    if contours is None or not ok.any():
        return result
    tree = shapely.STRtree(contours.geometry.values)
    points = shapely.points(lon[ok], lat[ok])
    point_idx, poly_idx = tree.query(points, predicate="within")
    codes = contours["code"].to_numpy()
    located = np.full(int(ok.sum()), None, dtype=object)
    # a point on a shared border falls in two polygons: keep the smallest code, deterministically
    order = np.lexsort((codes[poly_idx], point_idx))
    points_sorted, codes_sorted = point_idx[order], codes[poly_idx[order]]
    first = np.unique(points_sorted, return_index=True)[1]
    located[points_sorted[first]] = codes_sorted[first]
    result[np.flatnonzero(ok)] = located
    return result


def _service_row(
    point: ServicePoint, departement: str | None, hours_text: str | None = None
) -> dict:
    return {
        "id": point.id,
        "name": point.name,
        "kind": point.kind.value,
        "format": point.format,
        "source": point.source,
        "insee": point.insee,
        "departement": departement,
        "lon": point.lon,
        "lat": point.lat,
        "address": point.address,
        "capacity": point.capacity,
        "hours_text": hours_text,
        "operator": None,
    }


def _hour_rows(point: ServicePoint) -> list[dict]:
    return [
        {"service_id": point.id, "weekday": day, "start_minute": iv.start, "end_minute": iv.end}
        for day, intervals in sorted(point.hours.items())
        for iv in intervals
    ]


def _rota_rows(rotas: Iterable[ParsedRota]) -> tuple[list[dict], list[dict], list[dict]]:
    rota_rows, stop_rows, issue_rows = [], [], []
    for rota in rotas:
        rota_rows.append(
            {
                "service_id": rota.service_id,
                "service_name": rota.service_name,
                "base_insee": rota.base_insee,
                "departement": rota.departement,
                "raw_text": rota.raw_text,
            }
        )
        for stop in rota.stops:
            m, r = stop.match, stop.recurrence
            stop_rows.append(
                {
                    "service_id": rota.service_id,
                    "position": stop.order,
                    "raw_name": stop.raw_name,
                    "insee": m.insee,
                    "matched_name": m.name,
                    "confidence": float(m.confidence),
                    "candidates": [[c[0], c[1], float(c[2])] for c in m.candidates],
                    "match_reason": m.reason,
                    "recurrence_kind": r.kind.value,
                    "weekday": r.weekday,
                    "nth": r.nth,
                    "start_minute": r.start,
                    "end_minute": r.end,
                    "part_of_day": r.part_of_day,
                    "recurrence_text": r.text,
                    "place": stop.place,
                }
            )
        issue_rows.extend(
            {"service_id": rota.service_id, "position": i, "message": message}
            for i, message in enumerate(rota.issues)
        )
    return rota_rows, stop_rows, issue_rows


def _parse_rotas(
    fs_frame: pd.DataFrame, cog: cog_reader.Cog, departements: Sequence[str]
) -> list[ParsedRota]:
    """Rotas of the mobile and multi-site services among ``fs_frame`` (the area's rows)."""
    from geodata.names import CommuneIndex
    from geodata.rota import parse_france_services_rotas

    deps = set(departements) | set(fs_frame["insee_dep"].tolist())
    communes = cog.communes[cog.communes["departement"].isin(deps)]
    wanted = set(communes["code"].tolist())
    index = CommuneIndex(
        communes[["code", "name", "departement"]].itertuples(index=False, name=None),
        aliases=[a for a in cog.aliases if a[1] in wanted],
    )
    rotas = parse_france_services_rotas(fs_frame.to_dict("records"), index)
    return sorted(rotas, key=lambda r: r.service_id)


@dataclass(slots=True)
class _Context:
    """What every reading step shares: the area, its communes, and where things are."""

    cog: cog_reader.Cog
    area: Area
    report: LoadReport
    communes: pd.DataFrame | None = None  # the area's, with epci, lon, lat
    contours: gpd.GeoDataFrame | None = None  # the whole contour file, dissolved
    surroundings: contour_reader.Surroundings | None = None
    dep_of: dict[str, str] = field(default_factory=dict)  # any current commune -> département
    point_of: dict[str, tuple[float, float]] = field(default_factory=dict)  # area commune -> point

    @property
    def used(self) -> list[Provenance]:
        return self.report.provenance


def _read_communes(
    ctx: _Context,
    contours: Path | None,
    code_column: str,
    layer: str | None,
    step: Callable[[int], None],
) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows of the area's communes, their EPCI and IFN scores (steps 0–2)."""
    report, deps = ctx.report, set(ctx.area.departements)
    france = ctx.cog.communes
    ctx.dep_of = dict(zip(france["code"].tolist(), france["departement"].tolist()))
    communes = france[france["departement"].isin(deps)].reset_index(drop=True)
    ctx.used[0].rows = len(communes)
    epcis, members = _read_epcis(_dataset("epci", ctx.used))
    communes["epci"] = communes["code"].map(
        dict(zip(members["commune"].tolist(), members["epci"].tolist()))
    )
    epcis = epcis[epcis["code"].isin(set(communes["epci"].dropna()))]
    ctx.used[-1].rows = len(epcis)

    step(1)
    ctx.contours, report.contour_source = _area_contours(
        contours, code_column, layer, ctx.area, ctx.cog.code_index, ctx.used
    )
    if ctx.contours is not None:
        geo = gpd.GeoSeries(
            ctx.contours.set_index("code").geometry.reindex(communes["code"]).values,
            crs=contour_reader.WGS84,
        )
        ctx.used[-1].rows = int(geo.notna().sum())
    else:
        geo = gpd.GeoSeries([None] * len(communes), crs=contour_reader.WGS84)
    has_geom = geo.notna().to_numpy()
    communes["lon"], communes["lat"] = contour_reader.representative_points(geo)
    report.communes_without_geometry = sorted(communes.loc[~has_geom, "code"].tolist())
    ctx.surroundings = contour_reader.Surroundings(geo[has_geom])
    ctx.communes = communes
    ctx.point_of = {
        c: (x, y)
        for c, x, y in zip(
            communes["code"].tolist(), communes["lon"].tolist(), communes["lat"].tolist()
        )
        if not (np.isnan(x) or np.isnan(y))
    }
    wkb = shapely.to_wkb(geo.values)
    commune_rows = [
        {
            "code": c.code,
            "name": c.name,
            "departement": c.departement,
            "region": c.region,
            "epci": c.epci if isinstance(c.epci, str) else None,
            "population": None if pd.isna(c.population) else int(c.population),
            "lon": None if np.isnan(c.lon) else float(c.lon),
            "lat": None if np.isnan(c.lat) else float(c.lat),
            "geometry": wkb[i],
            "postal_codes": list(c.postal_codes),
            "contour_source": report.contour_source if has_geom[i] else None,
        }
        for i, c in enumerate(communes.itertuples(index=False))
    ]
    epci_rows = [
        {
            "code": e.code,
            "name": e.name,
            "type": e.type,
            "population": None if pd.isna(e.population) else int(e.population),
        }
        for e in epcis.itertuples(index=False)
    ]

    step(2)
    ifn = ifn_reader.read_ifn(_dataset("ifn-communes", ctx.used), codes=communes["code"].tolist())
    ctx.used[-1].rows = len(ifn)
    report.ifn_missing = sorted(set(communes["code"]) - set(ifn.loc[ifn["ifn"].notna(), "code"]))
    ifn_rows = [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in ifn.to_dict("records")
    ]
    report.communes = len(commune_rows)
    report.population = int(communes["population"].fillna(0).sum())
    report.epcis = len(epci_rows)
    return commune_rows, epci_rows, ifn_rows


@dataclass(slots=True)
class _Services:
    area: list[dict] = field(default_factory=list)
    fringe: list[dict] = field(default_factory=list)
    hours: list[dict] = field(default_factory=list)

    def add(
        self,
        point: ServicePoint,
        departement: str | None,
        inside: bool,
        hours_text: str | None = None,
    ) -> None:
        (self.area if inside else self.fringe).append(_service_row(point, departement, hours_text))
        self.hours.extend(_hour_rows(point))


def _read_france_services(ctx: _Context, out: _Services) -> pd.DataFrame:
    """France Services of the area and near it (step 3); returns the rows for the rota parser."""
    deps = set(ctx.area.departements)
    frame = fs_reader.read_france_services(_dataset("france-services", ctx.used))
    insee = [ctx.cog.code_index.get(c, c) for c in frame["insee_com"].tolist()]
    dep = np.array([ctx.dep_of.get(c) for c in insee], dtype=object)
    inside = np.isin(dep, list(deps))
    lon = to_float(frame["longitude"]).to_numpy()
    lat = to_float(frame["latitude"]).to_numpy()
    keep = inside | ctx.surroundings.within(lon, lat, FRINGE_KM)
    points, odd = fs_reader.service_points(frame[keep], ctx.cog.code_index)
    for point, d, ins in zip(points, dep[keep], inside[keep]):
        out.add(point, d, bool(ins))
    area_ids = set(frame.loc[inside, "id_fs"].map(lambda i: f"fs:{i}"))
    ctx.report.odd_hours.extend(o for o in odd if o.service_id in area_ids)
    ctx.used[-1].rows = int(inside.sum())
    return frame[inside]


def _read_cnfs(ctx: _Context, out: _Services) -> None:
    """CNFS lieux of the area and near it, located by contour, else by postal code (step 4)."""
    deps = set(ctx.area.departements)
    lieux = mediation_reader.read_cnfs(_dataset("cnfs-lieux", ctx.used))
    lon, lat = lieux["lon"].to_numpy(), lieux["lat"].to_numpy()
    insee = _locate_in_polygons(ctx.contours, lon, lat)
    near = ctx.surroundings.within(lon, lat, FRINGE_KM)
    unlocated = np.array([c is None for c in insee], dtype=bool)
    if unlocated.any():  # by postal code: those that may be in the area, and those near it
        insee[unlocated] = mediation_reader.postal_code_communes(
            lieux.loc[unlocated, "postal_code"],
            lieux.loc[unlocated, "town"],
            ctx.cog.communes,
            departements=deps,
            always=near[unlocated],
        )
    dep = np.array([ctx.dep_of.get(c) if c else None for c in insee], dtype=object)
    inside = np.isin(dep, list(deps))
    keep = inside | near
    for i in np.flatnonzero(keep):
        row = lieux.iloc[i]
        x, y = (
            (row.lon, row.lat)
            if not (np.isnan(row.lon) or np.isnan(row.lat))
            else ctx.point_of.get(insee[i], (None, None))
        )
        if x is None and inside[i]:
            ctx.report.mediation_unlocated += 1
        hours_text = _text(row.hours_text)
        hours, odd = mediation_reader.cnfs_hours(hours_text)
        point = ServicePoint(
            id=f"cnfs:{row.id}",
            name=row["name"],
            kind=ServiceKind.MEDIATION,
            lon=x,
            lat=y,
            insee=insee[i],
            address=_text(row.address),
            hours=hours,
            source="cnfs",
            capacity=weekly_minutes(hours) / 60 if hours else None,
        )
        if odd and inside[i]:
            ctx.report.odd_hours.append(OddHoursReport(point.id, None, hours_text or "", odd))
        out.add(point, dep[i], bool(inside[i]), hours_text)
    ctx.used[-1].rows = int(inside.sum())


def _text(value: object) -> str | None:
    """A text cell as str, or None for empty / missing (NaN) values."""
    return value.strip() or None if isinstance(value, str) else None


def _read_aidants_connect(ctx: _Context, out: _Services) -> None:
    """Active Aidants Connect structures of the area, at their commune's point (step 4)."""
    deps = set(ctx.area.departements)
    structures = mediation_reader.read_aidants_connect(
        _dataset("aidants-connect", ctx.used), ctx.cog.code_index
    )
    structures = structures[
        [ctx.dep_of.get(c) in deps if c else False for c in structures["insee"].tolist()]
    ]
    for row in structures.itertuples(index=False):
        x, y = ctx.point_of.get(row.insee, (None, None))
        ctx.report.mediation_unlocated += int(x is None)
        point = ServicePoint(
            id=f"ac:{row.id}",
            name=row.name,
            kind=ServiceKind.MEDIATION,
            lon=x,
            lat=y,
            insee=row.insee,
            address=_text(row.address),
            source="aidants_connect",
            format="France Services" if row.france_services_label else None,
        )
        out.add(point, ctx.dep_of.get(row.insee), True)
    ctx.used[-1].rows = len(structures)


def _read(
    cog: cog_reader.Cog,
    area: Area,
    contours: Path | None,
    code_column: str,
    layer: str | None,
    report: LoadReport,
    step: Callable[[int], None],
) -> _Payload:
    ctx = _Context(cog, area, report)
    commune_rows, epci_rows, ifn_rows = _read_communes(ctx, contours, code_column, layer, step)
    services = _Services()
    step(3)
    fs_rows = _read_france_services(ctx, services)
    step(4)
    _read_cnfs(ctx, services)
    _read_aidants_connect(ctx, services)
    step(5)
    rotas = _parse_rotas(fs_rows, cog, area.departements)
    rota_rows, stop_rows, issue_rows = _rota_rows(rotas)

    report.services_by_kind = dict(sorted(Counter(s["kind"] for s in services.area).items()))
    report.mediation_by_source = dict(
        sorted(
            Counter(
                s["source"] for s in services.area if s["kind"] == ServiceKind.MEDIATION.value
            ).items()
        )
    )
    report.rotas = len(rota_rows)
    report.rota_stops = len(stop_rows)
    report.unresolved_stops = sum(1 for s in stop_rows if s["insee"] is None)
    report.rota_issues = len(issue_rows)
    return _Payload(
        commune_rows,
        epci_rows,
        ifn_rows,
        services.area,
        services.fringe,
        services.hours,
        rota_rows,
        stop_rows,
        issue_rows,
    )


# -- writing ----------------------------------------------------------------------------------


def _write(conn: sa.Connection, area: Area, payload: _Payload, report: LoadReport) -> None:
    deps = list(area.departements)
    sp, oh = ServicePointRow.__table__, OpeningHours.__table__
    rota, stops, issues = Rota.__table__, RotaStopRow.__table__, RotaIssue.__table__
    communes, ifn, epcis, loads = (
        Commune.__table__,
        IfnIndicator.__table__,
        Epci.__table__,
        DatasetLoad.__table__,
    )

    area_rotas = sa.select(rota.c.service_id).where(rota.c.departement.in_(deps))
    conn.execute(sa.delete(issues).where(issues.c.service_id.in_(area_rotas)))
    conn.execute(sa.delete(stops).where(stops.c.service_id.in_(area_rotas)))
    conn.execute(sa.delete(rota).where(rota.c.departement.in_(deps)))
    area_services = sa.select(sp.c.id).where(
        sp.c.departement.in_(deps), sp.c.source.in_(PUBLIC_SOURCES)
    )
    # rotas of other départements may point at these services (none do in the national list)
    conn.execute(sa.delete(issues).where(issues.c.service_id.in_(area_services)))
    conn.execute(sa.delete(stops).where(stops.c.service_id.in_(area_services)))
    conn.execute(sa.delete(rota).where(rota.c.service_id.in_(area_services)))
    conn.execute(sa.delete(oh).where(oh.c.service_id.in_(area_services)))
    conn.execute(sa.delete(sp).where(sp.c.departement.in_(deps), sp.c.source.in_(PUBLIC_SOURCES)))
    area_codes = sa.select(communes.c.code).where(communes.c.departement.in_(deps))
    conn.execute(sa.delete(ifn).where(ifn.c.code.in_(area_codes)))
    conn.execute(sa.delete(communes).where(communes.c.departement.in_(deps)))
    epci_codes = [e["code"] for e in payload.epcis]
    for chunk in _chunks(epci_codes):
        conn.execute(sa.delete(epcis).where(epcis.c.code.in_(chunk)))
    conn.execute(sa.delete(loads).where(loads.c.area == area.key))

    fringe_ids = [s["id"] for s in payload.fringe_services]
    existing: set[str] = set()
    for chunk in _chunks(fringe_ids):
        existing |= set(conn.execute(sa.select(sp.c.id).where(sp.c.id.in_(chunk))).scalars())
    fringe = [s for s in payload.fringe_services if s["id"] not in existing]
    report.nearby_services = len(fringe)
    new_ids = {s["id"] for s in payload.services} | {s["id"] for s in fringe}
    hours = [h for h in payload.hours if h["service_id"] in new_ids]

    now = datetime.now(UTC)
    for table, rows in (
        (communes, payload.communes),
        (epcis, payload.epcis),
        (ifn, payload.ifn),
        (sp, payload.services + fringe),
        (oh, hours),
        (rota, payload.rotas),
        (stops, payload.rota_stops),
        (issues, payload.rota_issues),
        (
            loads,
            [{"area": area.key, "loaded_at": now, **_provenance_row(p)} for p in report.provenance],
        ),
    ):
        if rows:
            conn.execute(table.insert(), rows)


def _provenance_row(p: Provenance) -> dict:
    return {
        "dataset": p.dataset,
        "file": p.file,
        "sha256": p.sha256,
        "vintage": p.vintage,
        "rows": p.rows,
    }


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- entry point ------------------------------------------------------------------------------


def load_area(
    url: str | None = None,
    region: str | int | None = None,
    departement: str | int | None = None,
    contours: str | Path | None = None,
    progress: Progress | None = None,
    *,
    contours_code_column: str = "code",
    contours_layer: str | None = None,
) -> LoadReport:
    """Load (or reload) a région or a département into the database at ``url``.

    ``contours`` replaces the built-in Centre-Val de Loire contours by a user file (any format
    GeoPandas reads) whose ``contours_code_column`` holds INSEE codes. Raises UnknownAreaError
    for an unknown area, DataError for a missing/corrupt/unreadable file, DatabaseError when the
    database cannot be reached; in every case the database is left as it was.
    """
    started = time.perf_counter()
    total = len(_STEPS)

    def step(i: int) -> None:
        if progress:
            progress(_STEPS[i], i, total)

    step(0)
    used: list[Provenance] = []
    cog = _read_cog(_dataset("communes", used))
    area = resolve_area(cog.communes, region, departement)
    db.ready(url)  # fail fast on an unreachable database, before reading the other files
    report = LoadReport(area=area, provenance=used)
    payload = _read(
        cog,
        area,
        Path(contours) if contours else None,
        contours_code_column,
        contours_layer,
        report,
        step,
    )
    step(6)
    with db.transaction(url) as conn:
        _write(conn, area, payload, report)
    if progress:
        progress("Terminé", total, total)
    report.seconds = time.perf_counter() - started
    return report


# -- users' own items -------------------------------------------------------------------------


@dataclass(slots=True)
class ImportReport:
    """What :func:`store_import` wrote for one user file."""

    kind: str
    source: str
    stored: int = 0
    replaced: int = 0  # ids already stored from the same file (a re-import)
    located_by_contour: int = 0  # INSEE code found from the coordinates
    placed_at_commune: int = 0  # coordinates taken from the commune's point
    warnings: list[str] = field(default_factory=list)


_USER_TABLES = {
    "borne": ServicePointRow,
    "service": ServicePointRow,
    "host_site": HostSite,
    "vehicle": Vehicle,
}


def _user_id(kind: str, record_id: str) -> str:
    return f"user:{kind}:{record_id}" if kind in ("borne", "service") else record_id


def _locate_user_items(
    conn: sa.Connection,
    records: list[dict],
    lon_key: str,
    lat_key: str,
    insee_key: str,
    report: ImportReport,
) -> None:
    """Fill a missing INSEE code from loaded contours, and missing coordinates from the commune."""
    c = Commune.__table__.c
    need_insee = [
        r
        for r in records
        if not r.get(insee_key) and r.get(lon_key) is not None and r.get(lat_key) is not None
    ]
    if need_insee:
        rows = conn.execute(sa.select(c.code, c.geometry).where(c.geometry.is_not(None))).all()
        if rows:
            frame = gpd.GeoDataFrame(
                {"code": [r[0] for r in rows]},
                geometry=shapely.from_wkb([r[1] for r in rows]),
                crs=contour_reader.WGS84,
            )
            lon = np.array([r[lon_key] for r in need_insee], dtype=float)
            lat = np.array([r[lat_key] for r in need_insee], dtype=float)
            for record, code in zip(need_insee, _locate_in_polygons(frame, lon, lat)):
                if code:
                    record[insee_key] = code
                    report.located_by_contour += 1
    need_point = sorted(
        {
            r[insee_key]
            for r in records
            if r.get(insee_key) and (r.get(lon_key) is None or r.get(lat_key) is None)
        }
    )
    if need_point:
        points = {
            code: (x, y)
            for code, x, y in conn.execute(
                sa.select(c.code, c.lon, c.lat).where(c.code.in_(need_point))
            )
        }
        for record in records:
            if record.get(insee_key) in points and (
                record.get(lon_key) is None or record.get(lat_key) is None
            ):
                x, y = points[record[insee_key]]
                if x is not None:
                    record[lon_key], record[lat_key] = x, y
                    report.placed_at_commune += 1
        missing = [r["id"] for r in records if r.get(lon_key) is None or r.get(lat_key) is None]
        if missing:
            report.warnings.append(
                f"{len(missing)} item(s) without coordinates (their commune is not loaded): "
                + ", ".join(map(str, missing[:5]))
            )


def _user_rows(
    kind: str, records: list[dict], source: str, dep_of: Mapping[str, str], report: ImportReport
) -> tuple[list[dict], list[dict]]:
    rows, hours = [], []
    for r in records:
        if kind in ("borne", "service"):
            parsed: dict = {}
            if r.get("hours"):
                try:
                    parsed = parse_osm(r["hours"])
                except OddHours:
                    report.warnings.append(
                        f"{r['id']}: hours {r['hours']!r} kept as text "
                        "(no weekdays in OpenStreetMap form)"
                    )
            sid = _user_id(kind, str(r["id"]))
            rows.append(
                {
                    "id": sid,
                    "name": r["name"],
                    "kind": ServiceKind.BORNE.value
                    if kind == "borne"
                    else ServiceKind(r.get("kind") or "other").value,
                    "format": r.get("format"),
                    "source": source,
                    "insee": r.get("insee"),
                    "departement": dep_of.get(r.get("insee") or ""),
                    "lon": r.get("lon"),
                    "lat": r.get("lat"),
                    "address": r.get("address"),
                    "capacity": weekly_minutes(parsed) / 60 if parsed else None,
                    "hours_text": r.get("hours"),
                    "operator": r.get("operator"),
                }
            )
            hours.extend(
                {"service_id": sid, "weekday": d, "start_minute": iv.start, "end_minute": iv.end}
                for d, ivs in sorted(parsed.items())
                for iv in ivs
            )
        elif kind == "host_site":
            rows.append(
                {
                    "id": str(r["id"]),
                    "name": r["name"],
                    "insee": r.get("insee"),
                    "departement": dep_of.get(r.get("insee") or ""),
                    "lon": r.get("lon"),
                    "lat": r.get("lat"),
                    "address": r.get("address"),
                    "pmr": r.get("pmr"),
                    "internet": r.get("internet"),
                    "weekdays": r.get("weekdays"),
                    "hours": r.get("hours"),
                    "capacity": r.get("capacity"),
                    "source": source,
                }
            )
        else:
            rows.append(
                {"id": str(r["id"]), "source": source, **{k: r.get(k) for k in _VEHICLE_FIELDS}}
            )
    return rows, hours


_VEHICLE_FIELDS = (
    "name",
    "base_insee",
    "base_lon",
    "base_lat",
    "features",
    "wheelchair_places",
    "seats",
    "cost_per_km",
    "cost_per_hour",
    "purchase_cost",
    "lifetime_years",
)


def store_import(url: str | None, result: ImportResult, *, replace: bool = False) -> ImportReport:
    """Store a validated user file (see :func:`geodata.userfiles.import_file`) in one transaction.

    Bornes and services become service points ``user:<kind>:<id>`` (source ``user:<file>``),
    host sites and vehicles go to their tables. Items whose id is already stored from the same
    file are replaced (re-importing a file changes nothing); ids stored from another file raise
    DataError naming them, unless ``replace``.
    """
    kind = result.kind
    if kind not in _USER_TABLES:
        raise DataError(f"unknown kind {kind!r} (expected one of {', '.join(_USER_TABLES)})")
    report = ImportReport(kind, result.source, warnings=list(result.warnings))
    source = f"user:{result.source}" if kind in ("borne", "service") else result.source
    table = _USER_TABLES[kind].__table__
    records = [dict(r) for r in result.records]
    ids = [_user_id(kind, str(r["id"])) for r in records]
    france = current_communes()
    dep_of = dict(zip(france["code"].tolist(), france["departement"].tolist()))
    with db.transaction(url) as conn:
        stored: dict[str, str] = {}
        for chunk in _chunks(ids):
            stored.update(
                conn.execute(
                    sa.select(table.c.id, table.c.source).where(table.c.id.in_(chunk))
                ).all()
            )
        clashes = sorted(i for i, s in stored.items() if s != source)
        if clashes and not replace:
            others = sorted({stored[i] for i in clashes})
            raise DataError(
                f"{result.source}: {len(clashes)} id(s) already stored from another file "
                f"({', '.join(others[:3])}): "
                f"{', '.join(clashes[:5])}{', …' if len(clashes) > 5 else ''}; "
                "rename them, or pass --replace to overwrite"
            )
        report.replaced = len(stored) - len(clashes)
        if kind == "vehicle":
            _locate_user_items(conn, records, "base_lon", "base_lat", "base_insee", report)
        else:
            _locate_user_items(conn, records, "lon", "lat", "insee", report)
        rows, hours = _user_rows(kind, records, source, dep_of, report)
        if kind in ("borne", "service"):
            oh = OpeningHours.__table__
            for chunk in _chunks(ids):
                conn.execute(sa.delete(oh).where(oh.c.service_id.in_(chunk)))
        for chunk in _chunks(ids):
            conn.execute(sa.delete(table).where(table.c.id.in_(chunk)))
        conn.execute(table.insert(), rows)
        if hours:
            conn.execute(OpeningHours.__table__.insert(), hours)
        loads = DatasetLoad.__table__
        area = f"user:{kind}"
        conn.execute(sa.delete(loads).where(loads.c.area == area, loads.c.file == result.source))
        conn.execute(
            loads.insert(),
            [
                {
                    "area": area,
                    "dataset": kind,
                    "file": result.source,
                    "sha256": result.sha256,
                    "vintage": None,
                    "loaded_at": datetime.now(UTC),
                    "rows": len(rows),
                }
            ],
        )
    report.stored = len(rows)
    return report
