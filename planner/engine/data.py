"""The problem compiled into arrays and lookup tables that the search reads many times.

:class:`Compiled` is built once per solve from a :class:`~planner.tours.model.Problem`: stop and
vehicle attributes as numpy arrays, the allowed (pattern, vehicle) choices of every stop (flat
arrays over a table of patterns), the start windows of every stop on every day, and the
driving-cost matrix of the objective. It never changes during the search and holds no search
state; it must not be used to store solutions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from planner.tours.model import Problem, Stop, Vehicle
from planner.tours.travel import DerivedDurations

INF = math.inf
SMALL_INT_MAX = np.iinfo(np.int16).max  # vehicles and days are stored as int16 in choice arrays
Interval = tuple[float, float]


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sorted union of closed intervals."""
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1e-9:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def _matrix(m: np.ndarray | DerivedDurations) -> np.ndarray | DerivedDurations:
    """A travel matrix as the kernel reads it: float32 and float64 kept as they are (C-ordered,
    no copy when it already is), anything else as float64; derived durations as they are (the
    kernel computes them from the distances, see :class:`~planner.tours.travel.SpeedBands`)."""
    if isinstance(m, DerivedDurations):
        return m
    m = np.asarray(m)
    dtype = m.dtype if m.dtype in (np.float32, np.float64) else np.float64
    return np.ascontiguousarray(m, dtype=dtype)


class KernelVersion(NamedTuple):
    """One compiled version of the kernel (see :func:`kernel_version`)."""

    dtype: type  # of the travel matrices: np.float32 or np.float64
    weighted: bool  # a float64 cost matrix made out of float32 ones
    derived: bool  # durations computed from the distances


def kernel_version(problem: Problem) -> KernelVersion:
    """The ``(dtype, weighted, derived)`` version of the compiled kernel that ``problem`` needs
    (the arguments of :func:`planner.engine.arrays.warm_up`): numba compiles one version per
    dtype of the travel matrices, one more when the objective's weights make a float64 cost
    matrix out of float32 ones (see :class:`Compiled`), and one more for durations derived from
    the distances (:class:`~planner.tours.travel.DerivedDurations`, large problems)."""
    dtype = _matrix(problem.durations).dtype  # as Compiled keeps it (no copy here)
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float64)
    obj = problem.objective
    weighted = dtype == np.float32 and not (obj.hour_weight == 0 and obj.km_weight == 1)
    return KernelVersion(dtype.type, weighted, isinstance(problem.durations, DerivedDurations))


@dataclass(frozen=True, slots=True)
class Choice:
    """One way to serve a stop: a pattern (its day indices) and a vehicle."""

    pattern: tuple[int, ...]
    vehicle: int


class Compiled:
    """Arrays and tables derived from a problem (see the module docstring)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.stops: tuple[Stop, ...] = problem.stops
        self.vehicles: tuple[Vehicle, ...] = problem.vehicles
        self.n_stops = len(problem.stops)
        self.n_vehicles = len(problem.vehicles)
        self.n_days = problem.horizon.n_days
        self.days = problem.horizon.days
        obj = problem.objective
        self.objective = obj
        # The problem's matrices as they are (views, never copies): float32 when the travel data
        # come from a router (their values are float32 at the source, so nothing is rounded),
        # float64 when a benchmark gives exact distances. The kernel reads every element as
        # float64, so both give the same arithmetic. An n x n float64 matrix is 800 MB at 10,000
        # places, a float32 one 400 MB.
        self.dur = _matrix(problem.durations)
        self.dist = _matrix(problem.distances)
        # Driving cost of an arc in objective units (the same for every vehicle), in the same
        # operations and order as km_weight * dist + hour_weight * dur / 60, without their
        # temporaries. With the default weights the cost is the distance itself (no copy;
        # nothing writes into either); otherwise it is computed in float64.
        if obj.hour_weight == 0 and obj.km_weight == 1:
            self.cost = self.dist
        else:
            self.cost = np.multiply(self.dist, obj.km_weight, dtype=np.float64)
            if obj.hour_weight != 0:
                for start in range(0, len(self.cost), 512):  # rows by blocks: no n x n temporary
                    block = slice(start, start + 512)
                    timed = np.multiply(self.dur[block], obj.hour_weight, dtype=np.float64)
                    timed /= 60.0
                    self.cost[block] += timed
        self.tolerance = float(obj.regularity_tolerance)

        stops = problem.stops
        self.loc = np.array([s.location for s in stops], dtype=np.int64)
        self.svc = np.array([s.duration for s in stops], dtype=float)
        self.demand = np.array([s.demand for s in stops], dtype=float)
        self.mandatory = np.array([s.mandatory for s in stops], dtype=bool)
        self.value = np.array(
            [0.0 if s.mandatory else obj.value_weight * s.value for s in stops], dtype=float
        )
        self.index = {s.id: i for i, s in enumerate(stops)}
        self.vindex = {v.id: i for i, v in enumerate(problem.vehicles)}

        vehicles = problem.vehicles
        self.works = np.array(
            [[v.works_on(day) for day in self.days] for v in vehicles], dtype=bool
        ).reshape(len(vehicles), self.n_days)
        self.compat = np.array(
            [
                [
                    s.features <= v.features
                    and s.seats <= v.seats
                    and (s.vehicles is None or v.id in s.vehicles)
                    for v in vehicles
                ]
                for s in stops
            ],
            dtype=bool,
        ).reshape(len(stops), len(vehicles))

        # Patterns, stored once in a table (tuples of day indices; ``pattern_id`` maps one back to
        # its row) and referenced by index; ``patterns[s]`` are stop s's, in the problem's order.
        self.pattern_table: list[tuple[int, ...]] = []
        self.pattern_id: dict[tuple[int, ...], int] = {}
        self.patterns: list[tuple[tuple[int, ...], ...]] = []
        stop_pids: list[np.ndarray] = []
        for s in stops:
            pats = tuple(self._intern(p) for p in problem.stop_patterns(s))
            self.patterns.append(pats)
            stop_pids.append(np.array([self.pattern_id[p] for p in pats], dtype=np.int64))
        self.k = np.array([len(p[0]) if p else 0 for p in self.patterns], dtype=np.int64)
        # pat_ok[p, v]: vehicle v works on every day of pattern p.
        self.pat_ok = np.array(
            [self.works[:, list(p)].all(axis=1) for p in self.pattern_table], dtype=bool
        ).reshape(len(self.pattern_table), len(vehicles))

        # The allowed choices of every stop as flat arrays (CSR): stop s's are the rows
        # ch_ptr[s]:ch_ptr[s + 1] of ch_pat (pattern index) and ch_veh (vehicle), pattern by
        # pattern in the stop's order, vehicles in index order. A few bytes per choice instead of a
        # Python object each (:meth:`choice` builds one on demand).
        # Narrow types (int32 patterns, int16 vehicles): millions of choices at 10,000 stops.
        if len(vehicles) >= SMALL_INT_MAX or self.n_days >= SMALL_INT_MAX:
            raise ValueError(
                f"at most {SMALL_INT_MAX - 1} vehicles and days, "
                f"got {len(vehicles)} vehicles and {self.n_days} days"
            )
        pats_of, vehs_of = [], []
        counts = np.zeros(self.n_stops, dtype=np.int64)
        for s, pids in enumerate(stop_pids):
            i, v = np.nonzero(self.pat_ok[pids] & self.compat[s])
            pats_of.append(pids[i].astype(np.int32))
            vehs_of.append(v.astype(np.int16))
            counts[s] = len(v)
        self.ch_ptr = np.zeros(self.n_stops + 1, dtype=np.int64)
        np.cumsum(counts, out=self.ch_ptr[1:])
        self.ch_pat = np.concatenate(pats_of) if pats_of else np.zeros(0, dtype=np.int32)
        self.ch_veh = np.concatenate(vehs_of) if vehs_of else np.zeros(0, dtype=np.int16)
        del pats_of, vehs_of, stop_pids

        # Start windows per stop and day (None: any time in the shift).
        # Stops without windows share one table, equal window tuples one object.
        self._windows: list[dict[int, tuple[Interval, ...] | None]] = []
        anytime: dict[int, tuple[Interval, ...] | None] = dict.fromkeys(range(self.n_days))
        shared: dict[tuple[Interval, ...], tuple[Interval, ...]] = {}
        for stop in stops:
            if not stop.windows:
                self._windows.append(anytime)
                continue
            per_day: dict[int, tuple[Interval, ...] | None] = {}
            for d in range(self.n_days):
                ws = stop.windows_on(d)
                merged = _merge([(w.start, w.end) for w in ws]) if ws else ()
                per_day[d] = shared.setdefault(merged, merged)
            self._windows.append(per_day)

        self._need_arrays(problem)

        # Routing slots: one per (vehicle, day) the vehicle works.
        self.slots: list[tuple[int, int]] = [
            (v, d) for v in range(len(vehicles)) for d in range(self.n_days) if self.works[v, d]
        ]
        self.slot_of = {vd: r for r, vd in enumerate(self.slots)}

    def _need_arrays(self, problem: Problem) -> None:
        """Need served, in both directions (planner.tours.value): for each stop the communes it
        reaches and the level it brings them (``sr_*``, by stop), for each commune the stops
        that reach it (``rc_*``); the communes' weighted need, existing and best levels. Pairs
        whose level does not beat the commune's existing help are left out: they never count."""
        communes = problem.communes
        m = len(communes)
        self.need = np.array([c.need for c in communes], dtype=np.float64)
        self.base = np.array([c.existing for c in communes], dtype=np.float64)
        self.c_need = self.objective.value_weight * self.need
        pairs = sorted(
            (self.index[r.stop], r.commune, r.level)
            for r in problem.reach
            if r.level > self.base[r.commune] + 1e-12
        )
        s_of = np.array([p[0] for p in pairs], dtype=np.int64)
        c_of = np.array([p[1] for p in pairs], dtype=np.int64)
        lvl = np.array([p[2] for p in pairs], dtype=np.float64)
        self.sr_ptr = np.zeros(self.n_stops + 1, dtype=np.int64)
        np.cumsum(np.bincount(s_of, minlength=self.n_stops), out=self.sr_ptr[1:])
        self.sr_com, self.sr_lvl = c_of, lvl
        order = np.lexsort((s_of, c_of))
        self.rc_ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(c_of, minlength=m), out=self.rc_ptr[1:])
        self.rc_stop, self.rc_lvl = s_of[order], lvl[order]
        self.top = self.base.copy()
        np.maximum.at(self.top, c_of, lvl)

    def _intern(self, pattern: tuple[int, ...]) -> tuple[int, ...]:
        """The table's copy of a pattern (added to the table when new)."""
        pattern = tuple(int(d) for d in pattern)
        pid = self.pattern_id.get(pattern)
        if pid is None:
            pid = self.pattern_id[pattern] = len(self.pattern_table)
            self.pattern_table.append(pattern)
        return self.pattern_table[pid]

    def choice(self, c: int) -> Choice:
        """Choice ``c`` of the flat arrays, as an object (built on demand)."""
        return Choice(self.pattern_table[self.ch_pat[c]], int(self.ch_veh[c]))

    def stop_choices(self, s: int) -> tuple[Choice, ...]:
        """The allowed choices of stop ``s`` as objects (built on demand)."""
        return tuple(self.choice(c) for c in range(self.ch_ptr[s], self.ch_ptr[s + 1]))

    def windows(self, s: int, d: int) -> tuple[Interval, ...] | None:
        """Allowed start intervals of stop ``s`` on day ``d`` (None: unrestricted)."""
        return self._windows[s][d]

    @cached_property
    def multi(self) -> np.ndarray:
        """Stops visited more than once per cycle."""
        return self.k >= 2

    def nearest_stops(self, k: int, block: int = 128) -> np.ndarray:
        """For each stop (row s), the ``k`` other stops of least symmetric travel cost
        (``cost[s, t] + cost[t, s]``), nearest first, ties by index (a stable sort). Computed by
        blocks of rows, so memory stays ``block x n_stops`` instead of three n x n matrices."""
        n = len(self.loc)
        out = np.empty((n, k), dtype=np.int64)
        for start in range(0, n, block):
            rows = self.loc[start : start + block]
            c = np.add(
                self.cost[np.ix_(rows, self.loc)],
                self.cost[np.ix_(self.loc, rows)].T,
                dtype=np.float64,
            )
            c[np.arange(len(rows)), np.arange(start, start + len(rows))] = np.inf
            out[start : start + len(rows)] = np.argsort(c, axis=1, kind="stable")[:, :k]
        return out

    def vehicle_label(self, v: int) -> str:
        return self.vehicles[v].id
