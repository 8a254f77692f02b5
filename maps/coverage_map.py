"""The coverage map: who is far from any help, in French, for a set of communes.

:func:`build_coverage_map` turns communes, their coverage (from :mod:`planner.access.coverage`), the
service points and the parsed rotas of mobile services into a Folium map: communes coloured by
travel time to the nearest fixed France Services, switchable to the IFN and to the coverage
status, each with its own legend; gap communes outlined; service points by kind; mobile
services' stops with their recurrence. :func:`write_coverage_map` writes that map with the same
information as an accessible HTML table page and a CSV.

This module presents results; it must not compute coverage (that is
:mod:`planner.access.coverage`) nor read the database (the CLI hands it the data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.records import ParsedRota, ServiceKind, ServicePoint
from maps._html import esc, fmt_date, fmt_decimal, fmt_int, fmt_minutes, is_missing
from maps.common import check_map_path, itinerance_version, map_html, table_path, write_map_files
from maps.errors import MapError
from maps.geometry import DEFAULT_TOLERANCE_M, feature_collection, simplify_for_web
from maps.layers import (
    OSM_FRANCE_ATTRIBUTION,
    OSM_FRANCE_TILES,
    OUTLINE_PANE,
    GeoJsonLayer,
    LegendEntry,
    LegendItem,
    LegendPanel,
    MapPoint,
    MetaJson,
    PointLayer,
    SharedData,
    base_map,
    swatch,
)
from maps.popups import (
    commune_popup,
    format_text,
    hours_text,
    recurrence_text,
    service_popup,
    stop_popup,
)
from maps.style import (
    BASE_CSS,
    GAP_OUTLINE,
    IFN_CLASSES,
    STATUS_CLASSES,
    STATUS_LABELS,
    STATUS_ORDER,
    SYMBOLS,
    CategoryClasses,
    NumericClasses,
    time_classes,
)
from maps.tables import Table, table_page
from planner.access.coverage import FREQUENCY_LABEL_FR

COMMUNE_CLASS = "itin-commune"  # CSS class of every commune shape (the browser test counts them)
GAP_CLASS = "itin-gap"

DEFAULT_VINTAGES: dict[str, str] = {
    "Communes": "COG 2026 (INSEE)",
    "Contours": "2018 (IGN Admin Express)",
    "France Services": "liste ANCT du 1er août 2024",
    "IFN": "La MedNum",
}

# Columns of planner.access.coverage's per-commune frame (CoverageResult.communes, index "code").
COV_T_FS = "france_services_minutes"
COV_NEAREST_FS = "france_services_name"
COV_T_MEDIATION = "mediation_minutes"
COV_T_BORNE = "borne_minutes"
COV_T_MOBILE = "mobile_stop_minutes"
COV_MOBILE_FREQ = "mobile_frequency"
COV_MOBILE_HOURS = "mobile_hours_month"
COV_COVERED_HUMAN = "covered_human"
NEAREST_ID_COLUMNS = ("france_services_id", "mediation_id", "borne_id")
COV_STATUS = "status"
COV_NEED = "need"

_STATUS_SYNONYMS = {
    "couverte": "covered",
    "covered": "covered",
    "bus": "mobile",
    "mobile": "mobile",
    "borne seulement": "borne_only",
    "borne_only": "borne_only",
    "non couverte": "not_covered",
    "not_covered": "not_covered",
}
_GAP_STATUSES = ("borne_only", "not_covered")

_REQUIRED_COMMUNE_COLUMNS = ("code", "name", "geometry")


@dataclass(frozen=True)
class CoverageMap:
    """A built coverage map and what it holds (counts are what the browser should draw)."""

    map: folium.Map
    frame: pd.DataFrame  # one row per commune, internal column names (see coverage_frame)
    tables: list[Table]
    n_shapes: int
    n_service_markers: int
    n_stop_markers: int
    skipped: list[str]  # human-readable notes of what could not be drawn

    @property
    def n_markers(self) -> int:
        return self.n_service_markers + self.n_stop_markers


# --- data ----------------------------------------------------------------------------------
def _status_ids(cov: pd.DataFrame, threshold: float) -> np.ndarray:
    """Status of each commune: the coverage frame's own when it has one, else derived from the
    travel times (fixed human help, then a mobile stop, then a kiosk)."""
    n = len(cov)
    derived = np.full(n, None, dtype=object)
    times = {
        k: pd.to_numeric(cov.get(k, pd.Series(np.nan, index=cov.index)), errors="coerce").to_numpy()
        for k in (COV_T_FS, COV_T_MEDIATION, COV_T_MOBILE, COV_T_BORNE)
    }
    known = np.zeros(n, dtype=bool)
    for t in times.values():
        known |= ~np.isnan(t)
    with np.errstate(invalid="ignore"):
        fixed = (times[COV_T_FS] <= threshold) | (times[COV_T_MEDIATION] <= threshold)
        mobile = times[COV_T_MOBILE] <= threshold
        borne = times[COV_T_BORNE] <= threshold
    derived[known] = "not_covered"
    derived[known & borne] = "borne_only"
    derived[known & mobile] = "mobile"
    derived[known & fixed] = "covered"
    if COV_STATUS in cov.columns:
        given = [_status_id(v) for v in cov[COV_STATUS]]
        return np.array([g if g is not None else d for g, d in zip(given, derived)], dtype=object)
    return derived


def _status_id(value: object) -> str | None:
    """planner.access.coverage's French status → our class (``couverte par un bus (mensuel)``
    → mobile)."""
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    if text.startswith("couverte par un bus"):
        return "mobile"
    return _STATUS_SYNONYMS.get(text)


def coverage_frame(
    communes: gpd.GeoDataFrame, coverage: pd.DataFrame, threshold: float
) -> pd.DataFrame:
    """One row per commune (in ``communes`` order) with everything the map and tables show."""
    missing = [c for c in _REQUIRED_COMMUNE_COLUMNS if c not in communes.columns]
    if missing:
        raise MapError(
            f"communes: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(_REQUIRED_COMMUNE_COLUMNS)}"
        )
    if len(communes) == 0:
        raise MapError(
            "communes: no commune to map (is the area loaded? see `itinerance data load`)"
        )
    cov = coverage.copy()
    if len(cov) and COV_T_FS not in cov.columns:
        raise MapError(
            f"coverage: no column {COV_T_FS!r}; expected planner.access.coverage's per-commune "
            "frame "
            f"(columns: {', '.join(map(str, cov.columns[:12]))})"
        )
    if "code" in cov.columns:
        cov = cov.set_index("code")
    cov.index = cov.index.astype(str)
    codes = communes["code"].astype(str).to_numpy()
    cov = cov[~cov.index.duplicated()].reindex(codes)

    def col(frame: pd.DataFrame, name: str, numeric: bool = True) -> np.ndarray:
        if name not in frame.columns:
            return np.full(
                len(frame), np.nan if numeric else None, dtype=float if numeric else object
            )
        values = frame[name]
        return (
            pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            if numeric
            else values.to_numpy(dtype=object)
        )

    population = col(communes, "population")
    ifn = col(communes, "ifn")
    need = col(cov, COV_NEED)
    need = np.where(np.isnan(need), population * ifn, need)
    status = _status_ids(cov, threshold)
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": communes["name"].astype(str).to_numpy(),
            "departement": col(communes, "departement", numeric=False),
            "epci_name": col(communes, "epci_name", numeric=False),
            "population": population,
            "ifn": ifn,
            "t_fs": col(cov, COV_T_FS),
            "nearest_fs": col(cov, COV_NEAREST_FS, numeric=False),
            "t_mediation": col(cov, COV_T_MEDIATION),
            "t_borne": col(cov, COV_T_BORNE),
            "t_mobile": col(cov, COV_T_MOBILE),
            "mobile_frequency": col(cov, COV_MOBILE_FREQ, numeric=False),
            "mobile_hours": col(cov, COV_MOBILE_HOURS),
            "status": status,
            "gap": _gaps(cov, status),
            "need": need,
        }
    )
    return frame


def _gaps(cov: pd.DataFrame, status: np.ndarray) -> np.ndarray:
    """Gap communes: no human help within the threshold (a kiosk alone does not count)."""
    if COV_COVERED_HUMAN in cov.columns:
        human = cov[COV_COVERED_HUMAN]
        return np.where(
            human.isna(),
            np.isin(status.astype(str), _GAP_STATUSES),
            ~human.fillna(True).astype(bool),
        )
    return np.isin(status.astype(str), _GAP_STATUSES)


def _frequency_fr(value: object) -> str:
    if is_missing(value) or value in (None, ""):
        return ""
    return FREQUENCY_LABEL_FR.get(str(value).strip().lower(), str(value))


def coverage_table(frame: pd.DataFrame, threshold: float) -> Table:
    """The commune table in French, gap communes first by need, then the others by need."""
    severity = {s: i for i, s in enumerate(reversed(STATUS_ORDER))}
    order = np.lexsort(
        (
            -np.nan_to_num(frame["need"].to_numpy(dtype=float), nan=-1.0),
            frame["status"].map(lambda s: severity.get(s, len(severity))).to_numpy(),
        )
    )
    f = frame.iloc[order]
    thr = fmt_int(threshold)
    table = pd.DataFrame(
        {
            "Commune": f["name"].to_numpy(),
            "Code INSEE": f["code"].to_numpy(),
            "EPCI": f["epci_name"].to_numpy(),
            "Population": f["population"].to_numpy(),
            "IFN (1 à 10)": f["ifn"].to_numpy(),
            "Statut": [STATUS_LABELS.get(s, "non calculé") for s in f["status"]],
            "France Services fixe la plus proche": f["nearest_fs"].to_numpy(),
            "Temps vers la France Services (min)": f["t_fs"].to_numpy(),
            "Temps vers un lieu de médiation (min)": f["t_mediation"].to_numpy(),
            "Temps vers une borne (min)": f["t_borne"].to_numpy(),
            "Temps vers un arrêt itinérant (min)": f["t_mobile"].to_numpy(),
            "Passage de l’itinérant": [_frequency_fr(v) for v in f["mobile_frequency"]],
            "Heures de présence par mois": f["mobile_hours"].to_numpy(),
            "Besoin (population × IFN)": f["need"].to_numpy(),
        }
    )
    kinds = {
        "Population": "int",
        "IFN (1 à 10)": "dec1",
        "Temps vers la France Services (min)": "int",
        "Temps vers un lieu de médiation (min)": "int",
        "Temps vers une borne (min)": "int",
        "Temps vers un arrêt itinérant (min)": "int",
        "Heures de présence par mois": "dec1",
        "Besoin (population × IFN)": "int",
    }
    return Table(
        caption=(
            f"Communes : temps d’accès aux lieux d’aide et statut de couverture (seuil {thr} min)"
        ),
        frame=table,
        kinds=kinds,
        note=(
            "Communes non couvertes d’abord, par besoin décroissant. Statut : « couverte » = une "
            "France Services fixe ou un lieu de médiation à portée ; « bus » = seulement un arrêt "
            "itinérant ; « borne seulement » = seulement une borne interactive ; « non couverte » "
            f"= aucune aide à moins de {thr} min. Un tiret ou une case vide : valeur inconnue."
        ),
    )


def _commune_popup(row: pd.Series, threshold: float) -> str:
    rows: list[tuple[str, str]] = [("Population", f"{fmt_int(row['population'])} hab.")]
    if not is_missing(row["epci_name"]) and row["epci_name"]:
        rows.append(("EPCI", str(row["epci_name"])))
    rows.append(
        (
            "IFN",
            f"{fmt_decimal(row['ifn'])} / 10" if not is_missing(row["ifn"]) else "non disponible",
        )
    )
    fs = fmt_minutes(row["t_fs"])
    if not is_missing(row["nearest_fs"]) and row["nearest_fs"]:
        fs = f"{fs} ({row['nearest_fs']})"
    rows.append(("France Services fixe", fs))
    for key, label in (("t_mediation", "Lieu de médiation"), ("t_borne", "Borne interactive")):
        if not is_missing(row[key]):
            rows.append((label, fmt_minutes(row[key])))
    if not is_missing(row["t_mobile"]):
        parts = [fmt_minutes(row["t_mobile"])]
        if freq := _frequency_fr(row["mobile_frequency"]):
            parts.append(freq)
        if not is_missing(row["mobile_hours"]) and row["mobile_hours"] > 0:
            parts.append(f"{fmt_minutes(60 * row['mobile_hours'])} de présence par mois")
        rows.append(("Arrêt itinérant", ", ".join(parts)))
    rows.append(
        (
            "Statut",
            f"{STATUS_LABELS.get(row['status'], 'non calculé')} (seuil {fmt_int(threshold)} min)",
        )
    )
    return commune_popup(f"{row['name']} ({row['code']})", rows)


# --- points --------------------------------------------------------------------------------
def _kind(service: ServicePoint) -> ServiceKind:
    try:
        return ServiceKind(service.kind)
    except ValueError:
        return ServiceKind.OTHER


def _symbol_html(kind: str) -> tuple[str, int]:
    sym = SYMBOLS[kind]
    return sym.html(), sym.size + 4


@dataclass
class _Points:
    by_kind: dict[ServiceKind, list[MapPoint]]
    stops: list[MapPoint]
    lines: list[list[tuple[float, float]]]
    stop_rows: list[dict[str, str]]
    skipped: list[str]


def _points(
    services: Sequence[ServicePoint],
    rotas: Sequence[ParsedRota],
    frame: pd.DataFrame,
    positions: Mapping[str, tuple[float, float]],
) -> _Points:
    by_kind: dict[ServiceKind, list[MapPoint]] = {}
    no_coords = 0
    by_id = {s.id: s for s in services}
    for service in services:
        kind = _kind(service)
        if (
            service.lat is None
            or service.lon is None
            or is_missing(service.lat)
            or is_missing(service.lon)
        ):
            no_coords += 1
            continue
        popup = service_popup(service, kind.label_fr)
        by_kind.setdefault(kind, []).append(
            MapPoint(float(service.lat), float(service.lon), kind.value, popup, esc(service.name))
        )
    names = dict(zip(frame["code"], frame["name"]))
    stops: list[MapPoint] = []
    lines: list[list[tuple[float, float]]] = []
    stop_rows: list[dict[str, str]] = []
    outside = unresolved = 0
    for rota in rotas:
        grouped: dict[str, list] = {}
        for stop in rota.stops:
            if stop.insee is None:
                unresolved += 1
            elif stop.insee not in positions:
                outside += 1
            else:
                grouped.setdefault(stop.insee, []).append(stop)
        base = by_id.get(rota.service_id)
        base_pos = None
        if base is not None and base.lat is not None and base.lon is not None:
            base_pos = (float(base.lat), float(base.lon))
        elif rota.base_insee in positions:
            base_pos = positions[rota.base_insee]
        for insee, group in grouped.items():
            passages = "; ".join(dict.fromkeys(recurrence_text(s.recurrence) for s in group))
            places = ", ".join(dict.fromkeys(s.place for s in group if s.place)) or None
            commune = names.get(insee, group[0].raw_name)
            lat, lon = positions[insee]
            stops.append(
                MapPoint(
                    lat,
                    lon,
                    "stop",
                    stop_popup(rota.service_name, commune, passages, places),
                    f"{esc(commune)} — {esc(passages)}",
                )
            )
            stop_rows.append(
                {
                    "service": rota.service_name,
                    "commune": commune,
                    "code": insee,
                    "passages": passages,
                    "place": places or "",
                }
            )
            if base_pos is not None and base_pos != (lat, lon):
                lines.append([base_pos, (lat, lon)])
    skipped = []
    if no_coords:
        skipped.append(f"{no_coords} lieu(x) sans coordonnées non représenté(s)")
    if outside:
        skipped.append(f"{outside} arrêt(s) hors de la zone cartographiée non représenté(s)")
    if unresolved:
        skipped.append(
            f"{unresolved} arrêt(s) dont la commune n’a pas été reconnue non représenté(s)"
        )
    return _Points(by_kind, stops, lines, stop_rows, skipped)


def _places_table(services: Sequence[ServicePoint], stop_rows: list[dict[str, str]]) -> Table:
    rows = [
        {
            "Lieu": s.name,
            "Type": _kind(s).label_fr,
            "Format": format_text(s),
            "Commune (code INSEE)": s.insee or "",
            "Adresse": s.address or "",
            "Horaires ou passages": hours_text(s.hours),
        }
        for s in sorted(services, key=lambda s: (list(ServiceKind).index(_kind(s)), s.name))
    ]
    rows += [
        {
            "Lieu": f"Arrêt : {r['commune']}",
            "Type": f"Arrêt de « {r['service']} »",
            "Format": "itinérant",
            "Commune (code INSEE)": r["code"],
            "Adresse": r["place"],
            "Horaires ou passages": r["passages"],
        }
        for r in stop_rows
    ]
    columns = ["Lieu", "Type", "Format", "Commune (code INSEE)", "Adresse", "Horaires ou passages"]
    return Table(
        caption="Lieux d’aide et arrêts des services itinérants représentés sur la carte",
        frame=pd.DataFrame(rows, columns=columns),
        kinds={},
    )


# --- the map -------------------------------------------------------------------------------
_POINT_LAYERS = (
    (ServiceKind.FRANCE_SERVICES, "France Services fixes"),
    (ServiceKind.FRANCE_SERVICES_MOBILE, "Services itinérants : bases et arrêts"),
    (ServiceKind.MEDIATION, "Lieux de médiation numérique"),
    (ServiceKind.BORNE, "Bornes interactives"),
    (ServiceKind.OTHER, "Autres lieux d’aide"),
)


def make_coverage_map(
    communes: gpd.GeoDataFrame,
    coverage: pd.DataFrame,
    services: Sequence[ServicePoint],
    rotas: Sequence[ParsedRota],
    *,
    title: str,
    threshold: float,
    vintages: Mapping[str, str] | None = None,
    area_label: str,
    method_note: str | None = None,
    table_href: str | None = None,
    date: dt.date | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    tiles: str | None = OSM_FRANCE_TILES,
    tiles_attribution: str = OSM_FRANCE_ATTRIBUTION,
    all_services: bool = False,
    provenance: Mapping[str, Any] | None = None,
) -> CoverageMap:
    """The French coverage map of ``communes``, with the frame, tables and counts it holds.

    ``coverage`` is :mod:`planner.access.coverage`'s per-commune frame (keyed by ``code``);
    ``services`` are drawn by kind (only :func:`services_to_show` unless ``all_services``);
    ``rotas`` give the mobile services' stops. ``vintages`` (label → vintage) go in the caption
    (default :data:`DEFAULT_VINTAGES`) with ``method_note`` (how travel times were estimated) and
    ``date``; ``table_href`` links the table page; ``tolerance_m`` simplifies the shapes; ``tiles``
    and ``tiles_attribution`` set the background (None: none); ``provenance`` (how the map was made:
    inputs, data, versions) is embedded as JSON in the page.
    """
    if not isinstance(threshold, (int, float)) or not np.isfinite(threshold) or threshold <= 0:
        raise MapError(f"threshold: expected a positive number of minutes, got {threshold}")
    frame = coverage_frame(communes, coverage, threshold)
    geoms = simplify_for_web(communes.geometry, tolerance_m=tolerance_m)
    has_geom = np.array([g is not None for g in geoms])
    if not has_geom.any():
        raise MapError("communes: no commune has a contour to draw (are contours loaded?)")
    times = time_classes(threshold)
    classes = {"t": times, "i": IFN_CLASSES, "s": STATUS_CLASSES}
    index = {
        "t": times.classify(frame["t_fs"].to_numpy()),
        "i": IFN_CLASSES.classify(frame["ifn"].to_numpy()),
        "s": STATUS_CLASSES.classify(frame["status"].to_numpy()),
    }
    props = [
        {
            "n": esc(row["name"]),
            "h": _commune_popup(row, threshold),
            "g": int(bool(row["gap"])),
            **{k: int(v[n]) for k, v in index.items()},
        }
        for n, (_, row) in enumerate(frame.iterrows())
    ]
    data = SharedData(feature_collection(geoms, props))
    if not all_services:
        services = services_to_show(services, coverage, frame["code"], geoms[has_geom])
    pts = _points(services, rotas, frame, _positions(communes, frame))

    caption = [
        f"Sources — {' ; '.join(f'{k} : {v}' for k, v in (vintages or DEFAULT_VINTAGES).items())}."
    ]
    if method_note:
        caption.append(method_note)
    caption += [s[:1].upper() + s[1:] + "." for s in pts.skipped]
    if not has_geom.all():
        caption.append(f"{int((~has_geom).sum())} commune(s) sans contour non dessinée(s).")
    fmap = base_map(
        tuple(gpd.GeoSeries(geoms[has_geom], crs=4326).total_bounds),  # type: ignore[arg-type]
        page_title=f"{title} — {area_label}",
        title_html=_title_html(frame, title, area_label, threshold, table_href),
        caption_html=_caption_html(caption, threshold, date or dt.date.today()),
        css=BASE_CSS,
        tiles=tiles,
        attribution=tiles_attribution,
    )
    fmap.add_child(data)
    fmap.add_child(MetaJson({"threshold": threshold, "area": area_label, **(provenance or {})}))
    thr = fmt_int(threshold)
    base_style = {"weight": 0.6, "color": "#ffffff", "opacity": 0.9, "fillOpacity": 0.72}
    choropleths: list[tuple[NumericClasses | CategoryClasses, GeoJsonLayer]] = []
    for n, (prop, name) in enumerate(
        (
            ("t", "Temps d’accès à une France Services fixe"),
            ("i", "Indice de fragilité numérique (IFN)"),
            ("s", f"Statut de couverture (seuil {thr} min)"),
        )
    ):
        layer = GeoJsonLayer(
            data,
            name=name,
            class_name=f"{COMMUNE_CLASS} itin-commune-{classes[prop].key}",
            style=base_style,
            class_property=prop,
            fill_palette=classes[prop].palette,
            popup_property="h",
            tooltip_property="n",
            highlight=True,
            overlay=False,
            show=(n == 0),
        )
        fmap.add_child(layer)
        choropleths.append((classes[prop], layer))
    gap_layer = GeoJsonLayer(
        data,
        name="Contour des communes non couvertes",
        class_name=GAP_CLASS,
        style={"fill": False, "color": GAP_OUTLINE, "weight": 3, "opacity": 0.9},
        filter_property="g",
        interactive=False,
        pane=OUTLINE_PANE,
    )
    fmap.add_child(gap_layer)
    point_layers = _add_point_layers(fmap, pts)
    n_gap = int(frame["gap"].sum())
    fmap.add_child(
        LegendPanel(_legends(choropleths, gap_layer, point_layers, pts, threshold, n_gap))
    )
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)

    return CoverageMap(
        map=fmap,
        frame=frame,
        tables=[coverage_table(frame, threshold), _places_table(services, pts.stop_rows)],
        n_shapes=int(has_geom.sum()),
        n_service_markers=sum(len(v) for v in pts.by_kind.values()),
        n_stop_markers=len(pts.stops),
        skipped=pts.skipped,
    )


def services_to_show(
    services: Sequence[ServicePoint],
    coverage: pd.DataFrame,
    codes: Iterable[str],
    shapes: np.ndarray,
) -> list[ServicePoint]:
    """The services worth drawing: those of the area's communes, and those outside it that are
    the nearest of their kind for some commune of the area (the France Services just across the
    border). A service without commune code counts as the area's when it lies in its bounds."""
    area = set(codes)
    nearest: set[str] = set()
    for column in NEAREST_ID_COLUMNS:
        if column in coverage.columns:
            nearest.update(str(v) for v in coverage[column].dropna())
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    keep = []
    for s in services:
        located = s.insee is None and s.lon is not None and s.lat is not None
        if (
            s.insee in area
            or s.id in nearest
            or (
                located and minx <= s.lon <= maxx and miny <= s.lat <= maxy  # type: ignore[operator]
            )
        ):
            keep.append(s)
    return keep


def _positions(communes: gpd.GeoDataFrame, frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """(lat, lon) of each commune for its rota stops: its own point, else a point of its shape."""
    nan = np.full(len(frame), np.nan)
    lon = pd.to_numeric(communes["lon"], errors="coerce").to_numpy() if "lon" in communes else nan
    lat = pd.to_numeric(communes["lat"], errors="coerce").to_numpy() if "lat" in communes else nan
    geometry = communes.geometry.to_crs(4326) if communes.crs is not None else communes.geometry
    inner = geometry.representative_point()
    positions: dict[str, tuple[float, float]] = {}
    for code, x, y, pt in zip(frame["code"], lon, lat, inner):
        if not np.isnan(x) and not np.isnan(y):
            positions[code] = (round(float(y), 5), round(float(x), 5))
        elif pt is not None and not pt.is_empty:
            positions[code] = (round(pt.y, 5), round(pt.x, 5))
    return positions


def _add_point_layers(fmap: folium.Map, pts: _Points) -> list[tuple[ServiceKind, PointLayer]]:
    """One toggleable layer per kind of place (mobile bases with their stops and lines)."""
    layers = []
    for kind, label in _POINT_LAYERS:
        points = pts.by_kind.get(kind, [])
        lines: list[list[tuple[float, float]]] = []
        if kind is ServiceKind.FRANCE_SERVICES_MOBILE:
            points, lines = points + pts.stops, pts.lines
        if not points:
            continue
        symbols = {k: _symbol_html(k) for k in sorted({p.symbol for p in points})}
        layer = PointLayer(
            points,
            name=f"{label} ({len(points)})",
            symbols=symbols,
            class_name=f"itin-point-{kind.value}",
            lines=lines,
        )
        fmap.add_child(layer)
        layers.append((kind, layer))
    return layers


_LEGEND_TEXT = {
    "time": (
        "Temps d’accès à la France Services fixe la plus proche",
        "Seuil de {thr} min{promise}.",
    ),
    "ifn": (
        "Indice de fragilité numérique (1 à 10)",
        "Plus l’indice est élevé, plus la commune est fragile (La MedNum).",
    ),
    "status": (
        "Aide à moins de {thr} min",
        "Aide fixe : France Services ou lieu de médiation. La borne n’est qu’une aide partielle.",
    ),
}


def _promise_fr(threshold: float) -> str:
    """The State's promise (a France Services within 30 minutes), said the right way round."""
    if threshold == 30:
        return " : la promesse de l’État pour les France Services"
    return " (la promesse de l’État pour les France Services : 30 min)"


def _legends(
    choropleths: list[tuple[NumericClasses | CategoryClasses, GeoJsonLayer]],
    gap_layer: GeoJsonLayer,
    point_layers: list[tuple[ServiceKind, PointLayer]],
    pts: _Points,
    threshold: float,
    n_gap: int,
) -> list[LegendEntry]:
    thr = fmt_int(threshold)
    entries = []
    for classes, layer in choropleths:
        title, note = _LEGEND_TEXT[classes.key]
        labels = [*classes.labels, classes.missing_label]
        entries.append(
            LegendEntry(
                key=classes.key,
                title=title.format(thr=thr),
                note=note.format(thr=thr, promise=_promise_fr(threshold)),
                layers=[layer],
                items=[LegendItem(swatch(c), label) for c, label in zip(classes.palette, labels)],
            )
        )
    entries.append(
        LegendEntry(
            key="gap",
            title="Communes non couvertes",
            layers=[gap_layer],
            items=[
                LegendItem(
                    swatch("transparent", GAP_OUTLINE, 3),
                    f"aucune aide humaine à moins de {thr} min",
                )
            ],
            note=None if n_gap else "Aucune commune dans ce cas ici.",
        )
    )
    items = []
    for kind, layer in point_layers:
        items.append(LegendItem(SYMBOLS[kind.value].html(), SYMBOLS[kind.value].label, layer))
        if kind is ServiceKind.FRANCE_SERVICES_MOBILE and pts.stops:
            items.append(LegendItem(SYMBOLS["stop"].html(), SYMBOLS["stop"].label, layer))
    if items:
        entries.append(LegendEntry(key="points", title="Lieux d’aide", items=items))
    return entries


def _title_html(
    frame: pd.DataFrame, title: str, area_label: str, threshold: float, table_href: str | None
) -> str:
    """Title box: what, where, the key figures, and the link to the table alternative."""
    thr = fmt_int(threshold)
    pop = frame["population"].to_numpy(dtype=float)
    t_fs = frame["t_fs"].to_numpy(dtype=float)
    known_pop = np.nansum(pop[~np.isnan(t_fs)])
    far_pop = np.nansum(pop[t_fs > threshold])
    share = f" ({fmt_decimal(100 * far_pop / known_pop)} %)" if known_pop > 0 else ""
    n_gap = int(frame["gap"].sum())
    html = (
        f"<h1>{esc(title)}</h1><p>{esc(area_label)} · {fmt_int(len(frame))} communes · seuil {thr} "
        "min</p>"
        f"<p><strong>{fmt_int(far_pop)} habitant{'s' if far_pop >= 2 else ''}</strong>{share} à "
        f"plus de {thr} min d’une France "
        f"Services fixe ; <strong>{fmt_int(n_gap)} commune{'s' if n_gap > 1 else ''}</strong> sans "
        "aide "
        f"humaine à portée.</p>"
    )
    if table_href:
        html += (
            f'<p><a href="{esc(table_href)}">Les mêmes informations en tableau</a> (sans carte)</p>'
        )
    return html


def _caption_html(lines: list[str], threshold: float, made: dt.date) -> str:
    head = (
        f"Carte établie le {fmt_date(made)} avec itinerance {itinerance_version()}. "
        f"Seuil : {fmt_int(threshold)} min."
    )
    return "".join(f"<p>{esc(line)}</p>" for line in [head, *lines])


def build_coverage_map(*args: Any, **kwargs: Any) -> folium.Map:
    """The French coverage map as a Folium map: :func:`make_coverage_map`'s arguments
    (``communes, coverage, services, rotas, *, title, threshold, vintages, area_label, …``),
    without the frame, tables and counts it also returns."""
    return make_coverage_map(*args, **kwargs).map


def render_map(result: CoverageMap) -> str:
    """The map page as HTML text (French, with its generator named)."""
    return map_html(result.map)


def write_coverage_map(
    communes: gpd.GeoDataFrame,
    coverage: pd.DataFrame,
    services: Sequence[ServicePoint],
    rotas: Sequence[ParsedRota],
    path: Path | str,
    **options,
) -> list[Path]:
    """Build the map (options as :func:`make_coverage_map`) and write, all or nothing:
    ``path`` (the map), ``<stem>-tableau.html`` (the tables) and ``<stem>.csv`` (communes).
    Returns the paths written."""
    path = check_map_path(path)
    tpath = table_path(path)
    result = make_coverage_map(
        communes, coverage, services, rotas, table_href=tpath.name, **options
    )
    title = f"{options['title']} — {options['area_label']}"
    page = table_page(
        title,
        result.tables,
        intro=[
            (
                f"Ces tableaux donnent les mêmes informations que la carte {path.name}, pour une "
                "lecture "
                "sans carte (lecteur d’écran, tableur)."
            ),
        ],
        links=[
            ("Voir la carte", path.name),
            ("Télécharger le tableau des communes (CSV)", path.with_suffix(".csv").name),
        ],
    )
    return write_map_files(path, render_map(result), page, result.tables[0])
