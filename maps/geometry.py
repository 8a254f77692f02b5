"""Commune shapes made light enough for a web map: simplified, rounded, as compact GeoJSON.

Simplification works in metres (a local UTM projection) and, when the shapes form a clean
coverage (no overlaps, as commune maps do), keeps shared borders shared
(:func:`shapely.coverage_simplify`), so no slivers open between neighbours. Coordinates are then
rounded (4 decimals ≈ 10 m). This module changes shapes for display only; it must not be used
for any computation of areas, distances or coverage.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

DEFAULT_TOLERANCE_M = 100.0  # below one screen pixel up to zoom 10 (≈ 105 m per pixel at 46° N)
DEFAULT_DECIMALS = 4  # ≈ 11 m in latitude, 8 m in longitude in France


def simplify_for_web(
    geometry: gpd.GeoSeries,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    decimals: int = DEFAULT_DECIMALS,
) -> np.ndarray:
    """Simplified copies of ``geometry`` in WGS84 (an array of shapely geometries, None kept).

    Shared borders stay shared when the input is a valid polygon coverage; otherwise each shape
    is simplified on its own with its topology preserved.
    """
    geoms = geometry.to_crs(4326) if geometry.crs is not None else geometry
    values = np.asarray(geoms.values, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in values], dtype=bool)
    out = np.full(len(values), None, dtype=object)
    if not present.any():
        return out
    part = gpd.GeoSeries(values[present], crs=4326)
    if tolerance_m > 0:
        metric = part.to_crs(part.estimate_utm_crs())
        # Reprojection may move a vertex shared by two communes by 1e-10 m differently for each;
        # snapping to the millimetre makes shared borders identical again.
        arr = shapely.transform(np.asarray(metric.values), lambda xy: np.round(xy, 3))
        if shapely.coverage_is_valid(arr):
            simple = shapely.coverage_simplify(arr, tolerance_m)
        else:
            simple = shapely.simplify(arr, tolerance_m, preserve_topology=True)
        part = gpd.GeoSeries(simple, crs=metric.crs).to_crs(4326)
    rounded = shapely.transform(np.asarray(part.values), lambda xy: np.round(xy, decimals))
    out[present] = rounded
    return out


def feature_collection(geoms: np.ndarray, properties: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection, one feature per geometry that is not None."""
    features = [
        {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
        for geom, props in zip(geoms, properties)
        if geom is not None
    ]
    return {"type": "FeatureCollection", "features": features}
