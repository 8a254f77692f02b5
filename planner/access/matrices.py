"""Travel-time matrices: the choice of router, an on-disk cache, and nearest/within queries.

Coverage, 2SFCA and siting all ask the same two questions — "how far is the nearest service of this
kind?" and "which services are within the threshold?" — so they share :func:`reach`, which answers
both for any router:

- with the offline model (time strictly increasing with crow distance) it uses a k-d tree on the
  unit sphere: nearest by distance is nearest by time, and "within ``t`` minutes" is "within the
  crow distance reached in ``t`` minutes". No full matrix is built, so national scale stays fast;
- with a road router (OSRM) it computes the full matrix once, through the cache.

Matrices are cached in :func:`geodata.settings.cache_dir` under the sha256 of the router's name,
its parameters and the coordinates (rounded to 1e-5 degree, about a metre), so a second run does
not call the router again. Files are written to a temporary name and renamed.

This module must not know about communes or services: it works on :class:`Points`.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from geodata import settings
from planner.access.osrm import OsrmRouter
from planner.access.routers import (
    OfflineModel,
    Points,
    Router,
    chord_to_km,
    km_to_chord,
    unit_vectors,
)
from planner.files import write_file
from planner.tours.travel import DerivedDurations

CACHE_FORMAT = 1


@dataclass(frozen=True)
class TravelMatrix:
    """Durations (minutes) and road distances (km), float32, sources × destinations."""

    minutes: np.ndarray
    km: np.ndarray
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    router: str  # human-readable description of the router and its parameters

    @property
    def shape(self) -> tuple[int, int]:
        return self.minutes.shape  # type: ignore[return-value]


def choose_router(osrm_url: str | None = None, **offline: Any) -> Router:
    """The one place that picks a router: OSRM at ``osrm_url`` when one is given, else the
    offline model with the ``offline`` parameters (``circuity``, ``bands``, ``access_minutes``).
    Raises :class:`~planner.errors.RouterError` for a malformed URL and
    :class:`~planner.errors.ParameterError` for an offline parameter out of range."""
    if osrm_url is not None:
        return OsrmRouter(osrm_url)
    return OfflineModel(**offline)


# --- cache ---------------------------------------------------------------------------------------
def cache_key(router: Router, sources: Points, destinations: Points) -> str:
    """sha256 of the router's name and parameters and the rounded coordinates."""
    h = hashlib.sha256()
    head = {"format": CACHE_FORMAT, "router": router.name, "params": router.params()}
    h.update(json.dumps(head, sort_keys=True, default=str).encode())
    h.update(b"|sources|%d|" % len(sources))
    h.update(sources.key_bytes())
    h.update(b"|destinations|%d|" % len(destinations))
    h.update(destinations.key_bytes())
    return h.hexdigest()


@dataclass
class MatrixCache:
    """Matrices stored as ``<key>.npz`` in a folder (default :func:`geodata.settings.cache_dir`)."""

    folder: Path = field(default_factory=settings.cache_dir)

    def path(self, key: str) -> Path:
        return Path(self.folder) / f"{key}.npz"

    def get(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        path = self.path(key)
        if not path.exists():
            return None
        try:
            with np.load(path) as data:
                return data["minutes"], data["km"]
        except (OSError, ValueError, KeyError):
            return None  # unreadable entry (e.g. a foreign file): recompute and overwrite it

    def put(self, key: str, minutes: np.ndarray, km: np.ndarray) -> Path:
        Path(self.folder).mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, minutes=minutes, km=km)
        return write_file(self.path(key), buffer.getvalue())


def travel_matrix(
    router: Router, sources: Points, destinations: Points, *, cache: MatrixCache | bool = True
) -> TravelMatrix:
    """The full matrix from ``router``, read from / written to the cache when the router is
    worth it (a road router; the offline model is faster to recompute)."""
    store = (MatrixCache() if cache is True else cache) if router.cacheable else None
    key = cache_key(router, sources, destinations) if store else None
    hit = store.get(key) if store and key else None
    if hit is not None and hit[0].shape == (len(sources), len(destinations)):
        minutes, km = hit
    else:
        minutes, km = router.table(sources, destinations)
        minutes, km = minutes.astype(np.float32, copy=False), km.astype(np.float32, copy=False)
        if store and key:
            store.put(key, minutes, km)
    return TravelMatrix(minutes, km, sources.ids, destinations.ids, router.describe())


# From this many places on, the offline model's durations are derived from the distances
# rather than stored (see planner.tours.travel): 64 MB per float32 matrix.
DERIVE_DURATIONS_FROM = 4096


def location_matrices(
    locations: Sequence[Any], router: Router | None = None, *, derive: bool | None = None
) -> tuple[np.ndarray | DerivedDurations, np.ndarray]:
    """Durations (minutes) and road distances (km) between places, float32 (the routers' own
    precision, so nothing is rounded: 400 MB each at 10,000 places) with a zero diagonal: the two
    matrices a :class:`~planner.tours.model.Problem` needs, in the order of ``locations``
    (anything with ``id``, ``lon`` and ``lat``, such as :class:`~planner.tours.model.Location`).
    ``router`` defaults to the offline model. DataError naming the places without valid
    coordinates.

    With the offline model, the durations are a :class:`~planner.tours.travel.DerivedDurations`
    (the same values, computed from the distances when read, no second matrix) when ``derive``
    is true, or by default from :data:`DERIVE_DURATIONS_FROM` places on."""
    points = Points.of(locations, what="places", id_attr="id")
    router = router or OfflineModel()
    if derive is None:
        derive = len(points.ids) >= DERIVE_DURATIONS_FROM
    if derive and isinstance(router, OfflineModel):
        distances = router.km_table(points, points)
        np.fill_diagonal(distances, 0.0)
        return DerivedDurations(distances, router.speed_bands()), distances
    m = travel_matrix(router, points, points)
    # Writable copies only when the matrices are read-only (a cache hit); else the router's own.
    durations = m.minutes if m.minutes.flags.writeable else m.minutes.copy()
    distances = m.km if m.km.flags.writeable else m.km.copy()
    del m
    np.fill_diagonal(durations, 0.0)
    np.fill_diagonal(distances, 0.0)
    return durations, distances


# --- nearest and within-threshold queries ---------------------------------------------------------
@dataclass(frozen=True)
class Reach:
    """For each source: its nearest destination, and every destination within a time limit.

    ``nearest`` is -1 (and ``minutes``/``km`` are inf) when there is no destination. Pairs are
    sorted by source then time.
    """

    nearest: np.ndarray  # int64 index into destinations
    minutes: np.ndarray  # float32, time to the nearest
    km: np.ndarray  # float32, road km to the nearest
    pair_source: np.ndarray  # int64
    pair_destination: np.ndarray  # int64
    pair_minutes: np.ndarray  # float32


def _empty_reach(n: int) -> Reach:
    none = np.empty(0, dtype=np.int64)
    return Reach(
        np.full(n, -1, dtype=np.int64),
        np.full(n, np.inf, dtype=np.float32),
        np.full(n, np.inf, dtype=np.float32),
        none,
        none.copy(),
        np.empty(0, dtype=np.float32),
    )


def _sorted_pairs(src: np.ndarray, dst: np.ndarray, minutes: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.lexsort((dst, minutes, src))
    return (
        src[order].astype(np.int64),
        dst[order].astype(np.int64),
        minutes[order].astype(np.float32),
    )


def reach(
    router: Router,
    sources: Points,
    destinations: Points,
    within: float | None = None,
    *,
    cache: MatrixCache | bool = True,
) -> Reach:
    """Nearest destination of every source, and all (source, destination) pairs within
    ``within`` minutes."""
    n = len(sources)
    if len(destinations) == 0 or n == 0:
        return _empty_reach(n)
    if isinstance(router, OfflineModel):
        return _reach_offline(router, sources, destinations, within)
    matrix = travel_matrix(router, sources, destinations, cache=cache)
    nearest = np.argmin(matrix.minutes, axis=1)
    rows = np.arange(n)
    if within is None:
        pairs: tuple[np.ndarray, ...] = (
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.float32),
        )
    else:
        src, dst = np.nonzero(matrix.minutes <= within)
        pairs = _sorted_pairs(src, dst, matrix.minutes[src, dst])
    return Reach(
        nearest.astype(np.int64), matrix.minutes[rows, nearest], matrix.km[rows, nearest], *pairs
    )


def _reach_offline(
    model: OfflineModel, sources: Points, destinations: Points, within: float | None
) -> Reach:
    src_xyz = unit_vectors(sources.lon, sources.lat)
    tree = cKDTree(unit_vectors(destinations.lon, destinations.lat))
    chord, nearest = tree.query(src_xyz, k=1)
    crow = chord_to_km(chord)
    minutes = model.minutes(crow).astype(np.float32)
    km = model.road_km(crow).astype(np.float32)
    if within is None or within < 0:
        pairs: tuple[np.ndarray, ...] = (
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.float32),
        )
    else:
        # A hair of slack on the radius, then the exact time test: no pair is lost to rounding.
        # (The "coo_matrix" output keeps zero distances, i.e. a service in the commune's point.)
        radius = km_to_chord(model.crow_km_within(within) * (1 + 1e-9) + 1e-9)
        found = cKDTree(src_xyz).sparse_distance_matrix(tree, radius, output_type="coo_matrix")
        t = model.minutes(chord_to_km(found.data))
        keep = t <= within
        src, dst, t = found.row[keep], found.col[keep], t[keep]
        pairs = _sorted_pairs(src, dst, t)
    return Reach(nearest.astype(np.int64), minutes, km, *pairs)
