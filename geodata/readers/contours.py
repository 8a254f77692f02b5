"""Commune contours → one geometry per *current* commune, and a point inside each.

The built-in contours (Centre-Val de Loire, IGN Admin Express **COG 2018**) predate 22 mergers:
each old polygon is dissolved into the current commune that absorbed it (through the code index of
:func:`geodata.readers.cog.read_code_index`), so every current commune of the region gets exactly
one geometry. Users may bring their own contour file (GeoJSON, GeoPackage, Shapefile) with any
code column; it goes through the same dissolve. This module reads files only; it never decides
which communes an area holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.errors import DataError

__all__ = ["read_contours", "representative_points", "normalise_insee", "Surroundings"]

WGS84 = "EPSG:4326"


def normalise_insee(values: pd.Series) -> pd.Series:
    """INSEE codes as 5-character strings (``1001`` or ``1001.0`` → ``01001``; 2A/2B kept)."""
    text = values.astype(str)
    fine = text.str.fullmatch(r"\d{5}|2[AB]\d{3}")
    if fine.all():
        return text
    fixed = text[~fine].str.strip().str.upper().str.replace(r"\.0$", "", regex=True)
    fixed = fixed.where(~fixed.str.fullmatch(r"\d{4}"), "0" + fixed)
    return text.where(fine, fixed)


def read_contours(
    path: Path,
    code_index: Mapping[str, str],
    *,
    code_column: str = "code",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Contours dissolved into current communes: columns ``code``, ``geometry`` (EPSG:4326).

    ``code_index`` maps any commune code to its current commune (codes it does not know are kept
    as they are, so they simply match no current commune).
    """
    try:
        frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types for unreadable files
        raise DataError(f"{path}: cannot read contours: {' '.join(str(exc).split())}") from None
    if code_column not in frame.columns:
        raise DataError(
            f"{path}: no column {code_column!r} with commune codes "
            f"(columns: {', '.join(c for c in frame.columns if c != 'geometry')}); "
            "pass the right one with --contours-code-column"
        )
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise DataError(f"{path}: contours have no CRS and are not longitude/latitude")
        frame = frame.set_crs(WGS84)
    elif not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    codes = normalise_insee(frame[code_column])
    current = codes.map(lambda c: code_index.get(c, c))
    geoms = shapely.make_valid(frame.geometry.values)
    parts = gpd.GeoDataFrame({"code": current.to_numpy()}, geometry=geoms, crs=WGS84)
    several = parts["code"].duplicated(keep=False).to_numpy()
    if several.any():  # only merged communes need a union
        merged = parts[several].dissolve(by="code", as_index=False)
        merged["geometry"] = shapely.make_valid(merged.geometry.values)
        parts = pd.concat([parts[~several], merged], ignore_index=True)
    return gpd.GeoDataFrame(
        parts.sort_values("code", ignore_index=True)[["code", "geometry"]], crs=WGS84
    )


def representative_points(geometries: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of a point guaranteed inside each geometry (NaN where none)."""
    points = shapely.point_on_surface(geometries.values)
    missing = shapely.is_missing(points) | shapely.is_empty(points)
    lon = np.where(missing, np.nan, shapely.get_x(points))
    lat = np.where(missing, np.nan, shapely.get_y(points))
    return lon, lat


def _utm_crs(minx: float, miny: float, maxx: float, maxy: float) -> str:
    """The UTM zone of a box's centre (metric, fine for distances of tens of km)."""
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    zone = min(int((lon + 180) // 6) + 1, 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


class Surroundings:
    """Polygons (e.g. an area's communes) in a metric CRS, to find points near them.

    >>> import shapely
    >>> s = Surroundings(gpd.GeoSeries([shapely.box(1.0, 46.0, 1.1, 46.1)], crs=WGS84))
    >>> s.within(np.array([1.05, 1.2, 3.0]), np.array([46.05, 46.05, 46.05]), 10.0).tolist()
    [True, True, False]
    """

    def __init__(self, polygons: gpd.GeoSeries):
        polygons = polygons[polygons.notna()]
        self.empty = polygons.empty
        if not self.empty:
            self.crs = _utm_crs(*shapely.total_bounds(polygons.values))
            self.tree = shapely.STRtree(polygons.to_crs(self.crs).values)

    def within(self, lon: np.ndarray, lat: np.ndarray, distance_km: float) -> np.ndarray:
        """Mask of the points within ``distance_km`` of any polygon (NaN points: False)."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        mask = np.zeros(len(lon), dtype=bool)
        ok = ~(np.isnan(lon) | np.isnan(lat))
        if self.empty or not ok.any():
            return mask
        points = gpd.GeoSeries(gpd.points_from_xy(lon[ok], lat[ok]), crs=WGS84).to_crs(self.crs)
        hits = self.tree.query(points.values, predicate="dwithin", distance=distance_km * 1000.0)[0]
        mask[np.flatnonzero(ok)[np.unique(hits)]] = True
        return mask
