"""Travel times defined from road distances, for problems too large to hold two matrices.

A :class:`~planner.tours.model.Problem` holds an n × n duration matrix and an n × n distance
matrix: 400 MB each in float32 at 10,000 places. When the times come from the offline model,
a time is a strictly increasing function of the road distance (speed bands, plus an access time
between distinct points), so the duration matrix can be *derived* from the distance matrix
instead of stored: :class:`DerivedDurations` reads like the matrix (``m[i, j]``, slices,
``np.ix_``, ``shape``, ``dtype``) and computes each value from the stored float32 road km by
:meth:`SpeedBands.minutes`, rounded to float32 as a stored matrix would be. The offline model
defines its matrices' times the same way (:meth:`planner.access.routers.OfflineModel.table`),
so a derived matrix and a stored one hold the same values, bit for bit; the search kernel
computes them with the same operations in the same order (``kernel.band_minutes``), which a test
checks on every band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

_CHUNK = 1 << 18  # cells converted at a time by SpeedBands.of_km (about 2 MB of float64 each)


@dataclass(frozen=True)
class SpeedBands:
    """Minutes for a road distance: the part of a trip between ``km[i]`` and ``km[i + 1]`` is
    driven at ``pace[i]`` minutes per km (the last band has no upper bound); ``access`` minutes
    are added to every trip between distinct points (road km > 0); 0 km takes 0 minutes.

    ``km[0]`` is 0; ``minutes[i]`` is the time to drive ``km[i]`` (cumulative)."""

    km: tuple[float, ...]
    minutes: tuple[float, ...]
    pace: tuple[float, ...]
    access: float = 0.0

    def __post_init__(self) -> None:
        if not (len(self.km) == len(self.minutes) == len(self.pace)) or not self.km:
            raise ValueError("SpeedBands: km, minutes and pace must have the same length")
        if self.km[0] != 0.0 or any(b <= a for a, b in zip(self.km, self.km[1:])):
            raise ValueError("SpeedBands: km must start at 0 and increase")

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The knots as float64 arrays (what the kernel reads)."""
        return (
            np.array(self.km, dtype=np.float64),
            np.array(self.minutes, dtype=np.float64),
            np.array(self.pace, dtype=np.float64),
        )

    def of_km(self, km: np.ndarray | float) -> np.ndarray:
        """Float32 minutes for road distances (any shape).

        Computed in float64 as ``minutes[i] + (km - km[i]) * pace[i] + access``, in that order
        (``kernel.band_minutes`` does the same operations), then rounded to float32."""
        km = np.asarray(km)
        flat = km.reshape(-1)
        out = np.empty(flat.shape, dtype=np.float32)
        knots, cumulative, pace = self.arrays()
        # By chunks, so that a large block costs its float32 result, not five float64 copies.
        for start in range(0, len(flat), _CHUNK):
            d = flat[start : start + _CHUNK].astype(np.float64)
            band = np.searchsorted(knots, d, side="right") - 1
            np.maximum(band, 0, out=band)
            t = d - knots[band]
            t *= pace[band]
            t = cumulative[band] + t
            t += self.access
            t[d <= 0.0] = 0.0
            out[start : start + len(d)] = t
        return out.reshape(km.shape)


class DerivedDurations:
    """A read-only duration matrix computed on demand from a distance matrix (see the module
    docstring): indexing it indexes the distances and converts what it reads, so a block, a
    row or a cell costs what it holds, never the whole matrix."""

    __slots__ = ("distances", "bands")

    def __init__(self, distances: np.ndarray, bands: SpeedBands):
        if distances.dtype != np.float32 or distances.ndim != 2:
            raise ValueError("DerivedDurations: expected a 2-D float32 distance matrix")
        self.distances = distances
        self.bands = bands

    @property
    def shape(self) -> tuple[int, ...]:
        return self.distances.shape

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    @property
    def ndim(self) -> int:
        return 2

    def __len__(self) -> int:
        return len(self.distances)

    def __getitem__(self, key: Any) -> Any:
        out = self.bands.of_km(self.distances[key])
        return out[()] if out.ndim == 0 else out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The whole matrix (n × n float32): only for small problems and tests."""
        out = self.bands.of_km(self.distances)
        return out if dtype is None else out.astype(dtype)

    def __getstate__(self) -> tuple[np.ndarray, SpeedBands]:
        return self.distances, self.bands

    def __setstate__(self, state: tuple[np.ndarray, SpeedBands]) -> None:
        self.distances, self.bands = state

    def __repr__(self) -> str:
        return f"DerivedDurations({self.shape[0]} x {self.shape[1]}, {self.bands})"
