"""Travel-time routers: the :class:`Points` they work on, the :class:`Router` protocol, and the
offline model (great-circle distance × road circuity, speed by trip length).

The offline model is itinerance's default travel model when no road router (OSRM) is configured. It
turns the great-circle ("crow-fly") distance between two points into an estimated road distance and
car travel time, vectorised with numpy so that national matrices (35,000 communes × 2,800 services)
stay fast and memory-bounded (float32, computed in row chunks).

The model, with every parameter in :class:`OfflineModel` (see ``docs/travel-times.md`` for where
each default comes from):

- road distance = crow distance × ``circuity``;
- time = ``access_minutes`` + the road distance driven through successive **speed bands**: the
  first kilometres at village speed, the next on departmental roads, the rest on main roads. A trip
  is slower on average when short, and time is strictly increasing with distance, so the nearest
  point by distance is also the nearest by time (:mod:`planner.access.matrices` relies on it).

It must not touch the disk or the network; caching and OSRM live in :mod:`planner.access.matrices`
and :mod:`planner.access.osrm`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from geodata.errors import DataError
from planner.errors import ParameterError
from planner.tours.travel import SpeedBands

COORD_DECIMALS = 5  # 1e-5 degree, about 1 m: finer differences do not change a road matrix
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius

# Rows of a chunk are chosen so that one chunk's float64 work arrays stay under this many cells.
_CHUNK_CELLS = 1_000_000


# --- points and the router interface ------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """Identified points in WGS84 degrees; the only geometry the travel code sees."""

    ids: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "lon", np.asarray(self.lon, dtype=np.float64).reshape(-1))
        object.__setattr__(self, "lat", np.asarray(self.lat, dtype=np.float64).reshape(-1))
        if not (len(self.ids) == len(self.lon) == len(self.lat)):
            raise ValueError("Points: ids, lon and lat must have the same length")

    @classmethod
    def of(cls, records: Iterable[Any], *, what: str, id_attr: str = "code") -> Points:
        """Points of records having ``lon``/``lat`` and an id attribute.

        Raises :class:`DataError` naming the records without valid coordinates.
        """
        records = list(records)
        ids = tuple(str(getattr(r, id_attr)) for r in records)
        lon = np.array([np.nan if r.lon is None else r.lon for r in records], dtype=np.float64)
        lat = np.array([np.nan if r.lat is None else r.lat for r in records], dtype=np.float64)
        bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
        if bad.any():
            missing = [ids[i] for i in np.flatnonzero(bad)]
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            raise DataError(
                f"{what}: {len(missing)} point(s) without valid coordinates (lon/lat): {shown}; "
                "load their geometry or remove them"
            )
        return cls(ids, lon, lat)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray | Sequence[int]) -> Points:
        index = np.asarray(index, dtype=np.int64)
        return Points(tuple(self.ids[i] for i in index), self.lon[index], self.lat[index])

    def key_bytes(self) -> bytes:
        coords = np.round(np.column_stack((self.lon, self.lat)), COORD_DECIMALS)
        return np.ascontiguousarray(coords).tobytes()


@runtime_checkable
class Router(Protocol):
    """Anything that gives travel minutes and road km between points (offline model, OSRM)."""

    name: str
    cacheable: bool

    def params(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...

    def table(self, sources: Points, destinations: Points) -> tuple[np.ndarray, np.ndarray]: ...


# --- the offline model ---------------------------------------------------------------------


def haversine_km(
    lon1: np.ndarray | float,
    lat1: np.ndarray | float,
    lon2: np.ndarray | float,
    lat2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (numpy broadcasting)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere (n × 3): Euclidean (chord) order there is great-circle order."""
    lon_r, lat_r = np.radians(lon), np.radians(lat)
    cos_lat = np.cos(lat_r)
    return np.column_stack((cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)))


def chord_to_km(chord: np.ndarray | float) -> np.ndarray:
    """Great-circle distance (km) of a chord length on the unit sphere."""
    return (
        2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, dtype=np.float64) / 2, 0.0, 1.0))
    )


def km_to_chord(km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance (km)."""
    return 2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)


@dataclass(frozen=True, slots=True)
class OfflineModel:
    """Crow-fly distance × circuity, driven through speed bands. Defaults: docs/travel-times.md.

    ``bands`` lists ``(up_to_road_km, kmh)``: the part of every trip's road distance below
    ``up_to_road_km`` (and above the previous band's bound) is driven at ``kmh``. The last band
    has no bound (``math.inf``).
    """

    # Road km / crow km. Calibrated assumption within the 1.2-1.4 range measured on road networks
    # (Ballou, Rahardja & Sakai 2002; 1.34 average radial detour in 300 European urban areas,
    # Environment and Planning B, 2023, doi:10.1177/23998083231168870).
    circuity: float = 1.30
    # First 2 road km at 30 km/h (leaving the bourg: 50 km/h limit in built-up areas, junctions),
    # next 8 km at 60 km/h (departmental roads: 80 km/h limit since July 2018, bends, hamlets),
    # beyond at 80 km/h (main roads and expressways mixed with D-roads). Calibrated assumptions.
    bands: tuple[tuple[float, float], ...] = ((2.0, 30.0), (10.0, 60.0), (math.inf, 80.0))
    # Fixed time added to every trip between distinct points (parking, walking in). 0 by default,
    # as in commune-to-commune indicators (the State's 30-minute France Services promise).
    access_minutes: float = 0.0

    name: ClassVar[str] = "offline"
    cacheable: ClassVar[bool] = False  # recomputing is faster than reading a cached matrix

    def __post_init__(self) -> None:
        if not (math.isfinite(self.circuity) and self.circuity >= 1.0):
            raise ParameterError("circuity", f"expected a number >= 1, got {self.circuity}")
        if not (math.isfinite(self.access_minutes) and self.access_minutes >= 0):
            raise ParameterError(
                "access_minutes", f"expected a number >= 0, got {self.access_minutes}"
            )
        if not self.bands or self.bands[-1][0] != math.inf:
            raise ParameterError("bands", "expected (up_to_km, kmh) pairs, the last one up to inf")
        previous = 0.0
        for up_to, kmh in self.bands:
            if not up_to > previous:
                raise ParameterError(
                    "bands", f"band bounds must increase, got {up_to} after {previous}"
                )
            if not (math.isfinite(kmh) and kmh > 0):
                raise ParameterError("bands", f"expected a positive speed in km/h, got {kmh}")
            previous = up_to

    # --- description (matrix cache key, outputs) -------------------------------------------------
    def params(self) -> dict[str, Any]:
        return {
            "circuity": self.circuity,
            "bands": [[b if math.isfinite(b) else "inf", v] for b, v in self.bands],
            "access_minutes": self.access_minutes,
        }

    def describe(self) -> str:
        bands = ", ".join(
            (f"{v:g} km/h up to {b:g} km" if math.isfinite(b) else f"{v:g} km/h beyond")
            for b, v in self.bands
        )
        access = f", +{self.access_minutes:g} min access" if self.access_minutes else ""
        return f"offline model (crow distance × {self.circuity:g}; {bands}{access})"

    # --- the model -------------------------------------------------------------------------------
    @property
    def _knots(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Finite band bounds (road km), cumulative minutes at them, and the last band's speed."""
        bounds = [0.0] + [b for b, _ in self.bands[:-1]]
        minutes = [0.0]
        for (lo, hi), (_, kmh) in zip(pairwise(bounds), self.bands):
            minutes.append(minutes[-1] + (hi - lo) / kmh * 60.0)
        return np.array(bounds), np.array(minutes), self.bands[-1][1]

    def minutes_for_road_km(self, road_km: np.ndarray | float) -> np.ndarray:
        """Driving time (minutes, without access time) for a road distance."""
        road_km = np.asarray(road_km, dtype=np.float64)
        bounds, minutes, last_kmh = self._knots
        last = bounds[-1]
        return (
            np.interp(np.minimum(road_km, last), bounds, minutes)
            + np.maximum(road_km - last, 0.0) / last_kmh * 60.0
        )

    def road_km(self, crow_km: np.ndarray | float) -> np.ndarray:
        return np.asarray(crow_km, dtype=np.float64) * self.circuity

    def minutes(self, crow_km: np.ndarray | float) -> np.ndarray:
        """Travel time (minutes) for a crow-fly distance; 0 for the same point."""
        crow_km = np.asarray(crow_km, dtype=np.float64)
        driving = self.minutes_for_road_km(self.road_km(crow_km))
        return np.where(crow_km > 0, driving + self.access_minutes, 0.0)

    def crow_km_within(self, minutes: float) -> float:
        """Largest crow-fly distance reached in ``minutes`` (inverse of :meth:`minutes`)."""
        driving = minutes - self.access_minutes
        if driving < 0:
            return 0.0
        bounds, cumulative, last_kmh = self._knots
        if driving <= cumulative[-1]:
            road = float(np.interp(driving, cumulative, bounds))
        else:
            road = bounds[-1] + (driving - cumulative[-1]) / 60.0 * last_kmh
        return road / self.circuity

    def speed_bands(self) -> SpeedBands:
        """The model's minutes as a function of road km (what derived durations compute)."""
        bounds, cumulative, _ = self._knots
        paces = tuple(60.0 / kmh for _, kmh in self.bands)
        return SpeedBands(
            tuple(float(b) for b in bounds),
            tuple(float(m) for m in cumulative),
            paces,
            float(self.access_minutes),
        )

    def km_table(self, sources: Points, destinations: Points) -> np.ndarray:
        """Road km (float32, sources × destinations), computed in row chunks."""
        n, m = len(sources), len(destinations)
        km = np.empty((n, m), dtype=np.float32)
        rows = max(1, _CHUNK_CELLS // max(m, 1))
        for start in range(0, n, rows):
            stop = min(n, start + rows)
            crow = haversine_km(
                sources.lon[start:stop, None],
                sources.lat[start:stop, None],
                destinations.lon[None, :],
                destinations.lat[None, :],
            )
            km[start:stop] = self.road_km(crow)
        return km

    def table(self, sources: Points, destinations: Points) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and road km (float32, sources × destinations). The minutes are those of the
        *stored* float32 km (:meth:`SpeedBands.of_km`), so that a duration matrix derived from
        the distances (:class:`~planner.tours.travel.DerivedDurations`) holds the same values."""
        km = self.km_table(sources, destinations)
        bands = self.speed_bands()
        minutes = np.empty_like(km)
        rows = max(1, _CHUNK_CELLS // max(km.shape[1], 1))
        for start in range(0, len(km), rows):
            minutes[start : start + rows] = bands.of_km(km[start : start + rows])
        return minutes, km
