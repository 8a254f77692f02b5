"""Flat arrays for the compiled search kernel, and conversions between its state and plans.

:func:`build_instance` turns a :class:`~planner.engine.data.Compiled` problem into the read-only
``Inst`` arrays of :mod:`planner.engine.kernel` (stops, windows per day, choices, routes' slots,
frozen parts, change penalties); :func:`new_state` allocates a mutable ``State``;
:func:`state_routes` / :func:`load_routes` convert between a state and plain "slot -> stops"
routes; :func:`timed_routes` times every route with the kernel's exact schedule to build
:class:`~planner.tours.plan.Route` objects. No search happens here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from planner.engine import kernel as K
from planner.engine.data import Choice, Compiled
from planner.engine.records import Inst, State
from planner.tours.model import (
    Horizon,
    Location,
    Lunch,
    Objective,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)
from planner.tours.plan import Route, Visit
from planner.tours.travel import DerivedDurations, SpeedBands

BIG = 1e15


class KernelProblem:
    """The kernel's view of a problem: arrays plus the mapping back to choices and slots."""

    def __init__(
        self,
        cp: Compiled,
        *,
        frozen_slots: Iterable[int] = (),
        fixed_choice: Mapping[int, Choice] | None = None,
        frozen_stops: Iterable[int] = (),
        change_penalty: Mapping[int, tuple[Choice, float]] | None = None,
        neighbours: int = 100,
    ):
        self.cp = cp
        fixed_choice = dict(fixed_choice or {})
        change_penalty = dict(change_penalty or {})
        S, R, D = cp.n_stops, len(cp.slots), cp.n_days
        regular = cp.problem.horizon.plain_days is None
        self.regular = regular

        # Choices: (pattern, vehicle) on calendar horizons, (pattern, any vehicle per day) on
        # plain benchmark horizons (where the validator does not ask for one vehicle). They are
        # kept as flat arrays (CSR by stop) over a pattern table, never as one object per choice:
        # the table is the compiled problem's, plus the patterns of fixed choices it lacks.
        self.pattern_table: list[tuple[int, ...]] = list(cp.pattern_table)
        self.pattern_id: dict[tuple[int, ...], int] = dict(cp.pattern_id)
        # Each choice comes with its extra cost (change penalties) and the band its visits must
        # start in; a choice that keeps a published day with a known time comes twice: at the
        # published time (within the tolerance) and at any time for the time-change penalty.
        # A part's None columns take the default (no extra cost, no band): no per-stop arrays of
        # constants for the usual stop with neither a published time nor a change penalty.
        parts: list[tuple[np.ndarray | None, ...]] = []
        counts = np.zeros(S, dtype=np.int64)
        for s in range(S):
            if s in fixed_choice:
                ch = fixed_choice[s]
                pat = np.array([self._pid(ch.pattern)], dtype=np.int32)
                veh = np.array([ch.vehicle], dtype=np.int16)
            elif regular:
                a, b = cp.ch_ptr[s], cp.ch_ptr[s + 1]
                pat, veh = cp.ch_pat[a:b], cp.ch_veh[a:b]
            else:
                pids = [
                    cp.pattern_id[p]
                    for p in cp.patterns[s]
                    if all(
                        any(cp.compat[s, v] and cp.works[v, d] for v in range(cp.n_vehicles))
                        for d in p
                    )
                ]
                pat = np.array(pids, dtype=np.int32)
                veh = -np.ones(len(pids), dtype=np.int16)
            stop = cp.stops[s]
            ref = change_penalty.get(s)
            if ref is None and (stop.published is None or s in fixed_choice):
                parts.append((pat, veh, None, None, None))
                counts[s] = len(pat)
                continue
            out: list[tuple[int, int, float, float, float]] = []
            for p, v in zip(pat.tolist(), veh.tolist(), strict=True):
                ch = Choice(self.pattern_table[p], v)
                extra = 0.0
                if ref is not None:
                    if regular and ch.vehicle != ref[0].vehicle:
                        moved = len(ref[0].pattern)  # another vehicle: every visit moves
                    else:
                        moved = len(set(ref[0].pattern) - set(ch.pattern))
                    extra += ref[1] * moved
                if stop.published is None or s in fixed_choice:
                    out.append((p, v, extra, -K.INF, K.INF))
                else:
                    out.extend(
                        (p, v, e, lo, hi)
                        for _, e, lo, hi in _published_variants(cp, stop, ch, extra, regular)
                    )
            cols = list(zip(*out, strict=True)) if out else [(), (), (), (), ()]
            parts.append(
                (
                    np.array(cols[0], dtype=np.int32),
                    np.array(cols[1], dtype=np.int16),
                    np.array(cols[2], dtype=np.float64),
                    np.array(cols[3], dtype=np.float64),
                    np.array(cols[4], dtype=np.float64),
                )
            )
            counts[s] = len(out)
        ptr = np.zeros(S + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        nc = max(int(ptr[-1]), 1)

        self.ch_pat = _column(parts, 0, nc, np.int32, -1)
        ch_veh = _column(parts, 1, nc, np.int16, -1)
        ch_extra = _column(parts, 2, nc, np.float64, 0.0)
        ch_lo = _column(parts, 3, nc, np.float64, -K.INF)
        ch_hi = _column(parts, 4, nc, np.float64, K.INF)
        del parts
        pat_k = np.array([len(p) for p in self.pattern_table], dtype=np.int64)
        used = self.ch_pat[: ptr[-1]]
        kmax = max(int(pat_k[used].max()) if len(used) else 0, 1)
        pat_days = -np.ones((len(self.pattern_table) + 1, kmax), dtype=np.int16)  # last: none
        for i, p in enumerate(self.pattern_table):
            if pat_k[i] <= kmax:
                pat_days[i, : len(p)] = p
        ch_days = pat_days[self.ch_pat]
        ch_k = np.append(pat_k, 0).astype(np.int16)[self.ch_pat]
        self.ch_lo = ch_lo
        self.ch_hi = ch_hi

        # Windows per stop and day.
        W = 1
        for s in range(S):
            for d in range(D):
                w = cp.windows(s, d)
                if w is not None:
                    W = max(W, len(w))
        tw = np.zeros((S, D, W, 2), dtype=np.float64)
        twn = -np.ones((S, D), dtype=np.int64)
        for s in range(S):
            for d in range(D):
                w = cp.windows(s, d)
                if w is None:
                    continue
                twn[s, d] = len(w)
                for j, (a, b) in enumerate(w):
                    tw[s, d, j] = (a, b)

        # Penalties: optional stops are worth their value; mandatory ones dominate everything.
        maxarc = float(np.max(cp.cost)) if cp.cost.size else 1.0
        total_k = float(cp.k.sum()) if S else 0.0
        worth = float(cp.value.sum()) + float(cp.c_need @ (cp.top - cp.base))
        big_m = 10.0 * (2.0 * (total_k + 1) * max(maxarc, 1.0) + worth + 1.0)
        pen = np.where(cp.mandatory, big_m, cp.value).astype(np.float64)
        self.big_m = big_m

        vehicles = cp.vehicles
        r_veh = np.array([v for v, _ in cp.slots], dtype=np.int64)
        r_day = np.array([d for _, d in cp.slots], dtype=np.int64)
        r_start = np.array([vehicles[v].start_location for v, _ in cp.slots], dtype=np.int64)
        r_end = np.array([vehicles[v].end_location for v, _ in cp.slots], dtype=np.int64)
        r_shift = np.array(
            [(vehicles[v].shift.start, vehicles[v].shift.end) for v, _ in cp.slots],
            dtype=np.float64,
        ).reshape(R, 2)

        def num(x, default=K.INF):
            return default if x is None else float(x)

        r_cap = np.array([num(vehicles[v].capacity) for v, _ in cp.slots], dtype=np.float64)
        r_maxwork = np.array([num(vehicles[v].max_work) for v, _ in cp.slots], dtype=np.float64)
        r_maxdrive = np.array([num(vehicles[v].max_drive) for v, _ in cp.slots], dtype=np.float64)
        shortest_visit = float(cp.svc.min()) if S else 0.0
        r_maxstops = np.array(
            [
                min(
                    S + 1 if veh.max_stops_per_day is None else veh.max_stops_per_day,
                    _route_room(veh.shift.end - veh.shift.start, shortest_visit, S),
                )
                for veh in (vehicles[v] for v, _ in cp.slots)
            ],
            dtype=np.int64,
        )
        r_lunch = np.zeros((R, 3), dtype=np.float64)
        r_lunch[:, 2] = -1.0
        for r, (v, _) in enumerate(cp.slots):
            lu = vehicles[v].lunch
            if lu is not None:
                r_lunch[r] = (lu.window.start, lu.window.end, lu.duration)
        frozen_slots = set(frozen_slots)
        r_frozen = np.array([r in frozen_slots for r in range(R)], dtype=np.bool_)
        day_has_tw = np.array([bool((twn[:, d] >= 0).any()) for d in range(D)], dtype=np.bool_)
        r_notw = np.array([not day_has_tw[d] for _, d in cp.slots], dtype=np.bool_)
        r_simple = np.array(
            [r_lunch[r, 2] < 0 and (r_maxwork[r] >= K.INF / 2 or r_notw[r]) for r in range(R)],
            dtype=np.bool_,
        )
        classes: dict[tuple, int] = {}
        r_class = np.zeros(R, dtype=np.int64)
        for r, (v, d) in enumerate(cp.slots):
            veh = vehicles[v]
            key = (
                d,
                r_start[r],
                r_end[r],
                tuple(r_shift[r]),
                r_cap[r],
                r_maxwork[r],
                r_maxdrive[r],
                r_maxstops[r],
                tuple(r_lunch[r]),
                veh.features,
                veh.seats,
                bool(r_frozen[r]),
            )
            r_class[r] = classes.setdefault(key, len(classes))
        self.n_classes = max(len(classes), 1)
        slot_of = -np.ones((cp.n_vehicles, D), dtype=np.int64)
        for r, (v, d) in enumerate(cp.slots):
            slot_of[v, d] = r
        ds_ptr = np.zeros(D + 1, dtype=np.int64)
        ds_list = np.zeros(max(R, 1), dtype=np.int64)
        by_day: list[list[int]] = [[] for _ in range(D)]
        for r, (_, d) in enumerate(cp.slots):
            by_day[d].append(r)
        q = 0
        for d in range(D):
            for r in by_day[d]:
                ds_list[q] = r
                q += 1
            ds_ptr[d + 1] = q
        kn = max(1, min(neighbours, S - 1)) if S > 1 else 1
        neigh = cp.nearest_stops(kn) if S > 1 else np.zeros((S, 1), dtype=np.int64)
        frozen_stops = set(frozen_stops)
        stop_frozen = np.array([s in frozen_stops for s in range(S)], dtype=np.bool_)
        kmax_s = np.zeros(S, dtype=np.int64)
        np.maximum.at(kmax_s, np.repeat(np.arange(S), np.diff(ptr)), ch_k[: ptr[-1]])
        base = vehicles[0].start_location if vehicles else 0
        depot_dist = cp.cost[base, cp.loc].astype(np.float64) if S else np.zeros(0)
        tol = cp.tolerance if math.isfinite(cp.tolerance) else K.INF
        budget = cp.problem.budget
        r_eur_km = np.zeros(max(R, 1), dtype=np.float64)
        r_eur_min = np.zeros(max(R, 1), dtype=np.float64)
        if budget is not None:
            for r, (v, _) in enumerate(cp.slots):
                vid = vehicles[v].id
                r_eur_km[r] = budget.per_km.get(vid, 0.0)
                r_eur_min[r] = budget.per_work_hour.get(vid, 0.0) / 60.0
            dist = cp.dist
            bud_var = float(budget.max_per_year - budget.fixed_per_year)
        else:
            # The dummy has the distances' dtype: with or without a budget, the kernel's
            # arguments have the same types, so numba compiles (and caches) one version.
            dist = np.zeros((1, 1), dtype=cp.dist.dtype)
            bud_var = K.INF
        if isinstance(cp.dur, DerivedDurations):
            # The kernel computes minutes from the km matrix (a view) and the speed bands. No
            # duration matrix (None) makes this another compiled version of the kernel: a test
            # of a flag on every travel time would slow every problem down (2.5 times measured,
            # docs/engine.md "Memory").
            dur = None
            dist = cp.dist
            tb_km, tb_min, tb_pace = cp.dur.bands.arrays()
            tb_access = cp.dur.bands.access
        else:
            dur = cp.dur
            tb_km = tb_min = tb_pace = np.zeros(1, dtype=np.float64)
            tb_access = 0.0

        self.inst = Inst(
            dur,  # float32 or float64 (see Compiled): views of the problem's matrices; or None
            np.ascontiguousarray(cp.cost),
            cp.loc.astype(np.int64),
            cp.svc.astype(np.float64),
            cp.demand.astype(np.float64),
            tw,
            twn,
            pen,
            cp.mandatory.astype(np.bool_),
            ptr,
            ch_days,
            ch_veh,
            ch_k,
            ch_extra,
            r_veh,
            r_day,
            r_start,
            r_end,
            r_shift,
            r_cap,
            r_maxwork,
            r_maxdrive,
            r_maxstops,
            r_lunch,
            r_frozen,
            r_class,
            r_simple,
            r_notw,
            slot_of,
            cp.compat.astype(np.bool_),
            ds_ptr,
            ds_list,
            neigh,
            stop_frozen,
            kmax_s,
            depot_dist,
            R,
            S,
            kmax,
            float(tol),
            regular,
            BIG,
            cp.sr_ptr,
            cp.sr_com,
            cp.sr_lvl,
            cp.rc_ptr,
            cp.rc_stop,
            cp.rc_lvl,
            cp.c_need,
            cp.base,
            cp.top,
            ch_lo,
            ch_hi,
            dist,
            r_eur_km,
            r_eur_min,
            bud_var,
            big_m / 3.0,  # twice this stays below a mandatory stop's penalty
            budget is not None,
            tb_km,
            tb_min,
            tb_pace,
            float(tb_access),
        )
        self.kmax = kmax
        # Route rows hold the longest route a shift allows, not every stop: at 10,000 stops and
        # 200 slots, rows of S + 2 would take 48 MB per state and the search keeps several.
        self.lmax = int(min(S + 1, r_maxstops.max(initial=0))) + 2

    def _pid(self, pattern: Sequence[int]) -> int:
        """Index of a pattern in the table (added when new)."""
        pattern = tuple(int(d) for d in pattern)
        pid = self.pattern_id.get(pattern)
        if pid is None:
            pid = self.pattern_id[pattern] = len(self.pattern_table)
            self.pattern_table.append(pattern)
        return pid

    def choice(self, c: int) -> Choice:
        """Choice ``c`` (an index into the ``ch_*`` arrays) as an object, built on demand."""
        return Choice(self.pattern_table[self.ch_pat[c]], int(self.inst.ch_veh[c]))

    def stop_choices(self, s: int) -> list[Choice]:
        """Stop ``s``'s choices (every variant) as objects, built on demand."""
        I = self.inst
        return [self.choice(c) for c in range(I.ch_ptr[s], I.ch_ptr[s + 1])]

    # --- states ------------------------------------------------------------------------------

    def new_state(self) -> State:
        I = self.inst
        R, S, L, k = I.n_slots, I.n_stops, self.lmax, self.kmax
        f8 = np.float64
        i8 = np.int64
        st = State(
            np.zeros((max(R, 1), L), dtype=i8),
            np.zeros(max(R, 1), dtype=i8),
            np.zeros((max(R, 1), L), dtype=f8),
            np.zeros((max(R, 1), L), dtype=f8),
            np.zeros(max(R, 1), dtype=f8),
            np.zeros(max(R, 1), dtype=f8),
            np.zeros(max(R, 1), dtype=f8),
            np.zeros(max(R, 1), dtype=f8),
            np.ones(max(R, 1), dtype=np.bool_),
            -np.ones(max(S, 1), dtype=i8),
            -np.ones((max(S, 1), k), dtype=i8),
            np.full(max(S, 1), -K.INF, dtype=f8),
            np.full(max(S, 1), K.INF, dtype=f8),
            np.zeros(L + 2, dtype=f8),
            np.zeros(L + 2, dtype=f8),
            np.zeros(L + 2, dtype=i8),
            np.zeros(L + 2, dtype=f8),
            np.zeros(L + 2, dtype=i8),
            np.zeros(L + 2, dtype=f8),
            np.zeros(L + 2, dtype=f8),
            np.zeros(k, dtype=i8),
            np.zeros(k, dtype=i8),
            np.zeros(k, dtype=i8),
            np.zeros(k, dtype=i8),
            np.zeros(self.n_classes, dtype=i8),
            np.zeros(max(R, 1), dtype=np.bool_),
            np.zeros(L, dtype=i8),
            np.zeros(max(S, 1), dtype=i8),
            I.c_base.copy(),
            np.zeros(max(R, 1), dtype=f8),
            np.zeros(max(R, 1), dtype=np.bool_),
        )
        return st

    def routes(self, st: State) -> dict[int, list[int]]:
        """Slot -> stops of a state (non-empty routes only)."""
        return {
            r: [int(x) for x in st.route[r, : st.rlen[r]]]
            for r in range(self.inst.n_slots)
            if st.rlen[r] > 0
        }

    def load(
        self,
        st: State,
        routes: Mapping[int, Sequence[int]],
        bands: Mapping[int, tuple[float, float]] | None = None,
        starts: Mapping[int, Sequence[float]] | None = None,
    ) -> list[int]:
        """Fill a state from routes; returns the stops whose visits match none of their choices
        (they are left out). Visits of one stop must be in its pattern's days.

        When a choice comes in variants with different start bands (a published time kept or
        not), the first variant whose band holds every start in ``starts`` (stop -> start times)
        is taken; without starts, the variant with no band. A stop's band is its ``bands`` entry
        (regularity) intersected with its choice's.
        """
        cp = self.cp
        I = self.inst
        st.rlen[:] = 0
        st.assign[:] = -1
        st.vslot[:] = -1
        st.band_lo[:] = -K.INF
        st.band_hi[:] = K.INF
        # A route longer than any shift allows (a plan made with longer shifts, say) cannot be
        # feasible and does not fit a route row: its tail is cut, and the stops cut from it are
        # left out like any mismatch.
        room = self.lmax - 2
        cut: set[int] = set()
        kept_routes: dict[int, list[int]] = {}
        for r, seq in routes.items():
            kept_routes[r] = list(seq[:room])
            cut.update(int(s) for s in seq[room:])
        routes = kept_routes
        where: dict[int, list[tuple[int, int]]] = {}
        for r, seq in routes.items():
            for s in seq:
                where.setdefault(s, []).append((cp.slots[r][1], r))
        bad: list[int] = sorted(cut - where.keys())
        keep: dict[int, int] = {}
        for s, lst in where.items():
            lst.sort()
            days = tuple(d for d, _ in lst)
            vs = {cp.slots[r][0] for _, r in lst}
            ts = starts.get(s) if starts else None
            c = None
            pid = self.pattern_id.get(days, -2)
            for cc in range(I.ch_ptr[s], I.ch_ptr[s + 1]):
                v = int(I.ch_veh[cc])
                if self.ch_pat[cc] != pid or (v >= 0 and vs != {v}):
                    continue
                lo, hi = I.ch_lo[cc], I.ch_hi[cc]
                if ts is None:
                    fits = lo <= -K.INF / 2 and hi >= K.INF / 2
                else:
                    fits = all(lo - 1e-6 <= t <= hi + 1e-6 for t in ts)
                if fits:
                    c = cc
                    break
            if c is None:
                bad.append(s)
                continue
            keep[s] = c
        for r, seq in routes.items():
            n = 0
            for s in seq:
                if s in keep:
                    st.route[r, n] = s
                    n += 1
            st.rlen[r] = n
        for s, c in keep.items():
            st.assign[s] = c
            for j, (_, r) in enumerate(where[s]):
                st.vslot[s, j] = r
            lo, hi = bands[s] if bands and s in bands else (-K.INF, K.INF)
            st.band_lo[s] = max(lo, I.ch_lo[c])
            st.band_hi[s] = min(hi, I.ch_hi[c])
        for r in range(I.n_slots):
            K.update_route(I, st, r)
        K.reset_levels(I, st)
        return bad

    def need_served(self, st: State) -> float:
        """Need served by a state, each commune once (before ``value_weight``)."""
        cp = self.cp
        return float(cp.need @ (st.lvl - cp.base)) if len(cp.need) else 0.0

    def objective(self, st: State) -> float:
        return float(K.objective(self.inst, st))

    def yearly_cost(self, st: State) -> float | None:
        """The state's yearly cost by the problem's Budget (None without one)."""
        budget = self.cp.problem.budget
        if budget is None:
            return None
        return budget.total(float(K.yearly_variable(self.inst, st)))

    def route_cost(self, st: State) -> float:
        return float(st.rcost[: self.inst.n_slots].sum())

    def timed_routes(self, st: State) -> tuple[list[Route], list[int]]:
        """Plan routes with exact times; also the slots that could not be timed (bugs)."""
        I = self.inst
        out: list[Route] = []
        bad: list[int] = []
        for r in range(I.n_slots):
            n = int(st.rlen[r])
            if n == 0:
                continue
            seq = st.route[r, :n].copy()
            starts = np.zeros(n + 2)
            best = np.zeros(n + 2)
            ok, mode, lp, dep, ret = K.schedule(I, r, seq, n, st.band_lo, st.band_hi, starts, best)
            if not ok:
                bad.append(r)
                continue
            out.append(self._route(r, seq, n, int(mode), int(lp), float(dep), float(ret), best))
        return out, bad

    def _route(self, r, seq, n, mode, lp, dep, ret, starts) -> Route:
        cp = self.cp
        v, d = cp.slots[r]
        veh = cp.vehicles[v]
        T = cp.dur
        visits: list[Visit] = []
        lunch = None
        prev = veh.start_location
        t = dep
        i_act = 0
        for i in range(n):
            s = int(seq[i])
            loc = int(cp.loc[s])
            arrival = t + float(T[prev, loc])
            if mode == 3 and i == lp:
                ls = float(starts[i_act])
                lunch = (ls, ls + float(veh.lunch.duration))
                i_act += 1
            start = float(starts[i_act])
            i_act += 1
            dur = float(cp.svc[s])
            if mode == 4 and i == lp:
                lstart = max(start, veh.lunch.window.start)
                lunch = (lstart, lstart + float(veh.lunch.duration))
                dur += float(veh.lunch.duration)
            end = start + dur
            visits.append(Visit(cp.stops[s].id, arrival, start, end))
            t = end
            prev = loc
        back = t + float(T[prev, veh.end_location])
        if mode == 1:
            ls = max(back, veh.lunch.window.start)
            lunch = (ls, ls + float(veh.lunch.duration))
        elif mode == 2:
            ls = veh.lunch.window.start
            lunch = (ls, ls + float(veh.lunch.duration))
        return Route(veh.id, d, dep, back, visits, lunch)


def _route_room(shift_minutes: float, shortest_visit: float, n_stops: int) -> int:
    """Most stops one route of a shift can hold: every visit lies inside the shift and lasts at
    least the shortest visit, so a longer route is infeasible anyway (the kernel refuses it as
    it refuses one above ``max_stops_per_day``)."""
    if shortest_visit <= 0 or not math.isfinite(shift_minutes):
        return n_stops + 1
    return min(n_stops + 1, max(0, math.floor(shift_minutes / shortest_visit + 1e-9)))


def _column(parts: list[tuple[np.ndarray | None, ...]], j: int, n: int, dtype, fill) -> np.ndarray:
    """Column ``j`` of the stops' choice parts, concatenated and padded with ``fill`` to ``n``;
    a part whose column is None (its length is that of column 0) takes ``fill``."""
    out = np.full(n, fill, dtype=dtype)
    at = 0
    for part in parts:
        size = len(part[0])
        if part[j] is not None:
            out[at : at + size] = part[j]
        at += size
    return out


def _published_variants(
    cp: Compiled, stop, ch: Choice, extra: float, regular: bool
) -> list[tuple[Choice, float, float, float]]:
    """(choice, extra cost, band lo, band hi) variants of a choice of a stop with published days.

    A visit moved away from a published day costs the day-change penalty (every visit when the
    vehicle is not the published one); when the published start is known and changing it costs
    something, a choice that keeps published days comes as a variant whose visits start within the
    tolerance of the published time, and a variant at any time that pays the time-change penalty
    for each visit kept on a published day. The band holds for every visit of the choice (also
    on days that were not published): a regular stop starts at about the same time every week
    anyway.
    """
    obj = cp.objective
    pub = stop.published
    pub_days = set(pub.days)
    other_vehicle = (
        regular
        and pub.vehicle is not None
        and (ch.vehicle < 0 or cp.vehicles[ch.vehicle].id != pub.vehicle)
    )
    kept = set() if other_vehicle else pub_days & set(ch.pattern)
    extra += obj.day_change_penalty * (len(pub_days) - len(kept))
    if pub.start is None or obj.time_change_penalty <= 0 or not kept:
        return [(ch, extra, -K.INF, K.INF)]
    tol = obj.time_tolerance
    return [
        (ch, extra, pub.start - tol, pub.start + tol),
        (ch, extra + obj.time_change_penalty * len(kept), -K.INF, K.INF),
    ]


def tiny_problem(
    dtype: type = np.float32, weighted: bool = False, derived: bool = False
) -> Problem:
    """A two-stop problem whose kernel arrays have the types of the ``(dtype, weighted,
    derived)`` version (see :func:`planner.engine.data.kernel_version`); it goes through every
    kernel function. ``derived`` needs float32 (what the offline model's distances are)."""
    m = np.array([[0.0, 10.0, 12.0], [10.0, 0.0, 5.0], [12.0, 5.0, 0.0]], dtype=dtype)
    bands = SpeedBands(km=(0.0, 5.0), minutes=(0.0, 6.0), pace=(1.2, 0.8), access=2.0)
    return Problem(
        horizon=Horizon.plain(2),
        locations=tuple(Location(str(i), str(i)) for i in range(3)),
        durations=DerivedDurations(m, bands) if derived else m,
        distances=m,
        stops=(
            Stop("a", "a", 1, 30.0, windows=(TimeWindow(500.0, 700.0),)),
            Stop("b", "b", 2, 30.0, patterns=((0, 1),)),
        ),
        vehicles=(
            Vehicle("v", "v", 0, 0, lunch=Lunch(TimeWindow(720.0, 780.0), 45.0), max_work=600.0),
        ),
        objective=Objective(hour_weight=1.0) if weighted else Objective(),
    )


_WARM: set[tuple[str, bool, bool]] = set()  # kernel versions loaded in this process


def warm_up(
    part: str = "all", dtype: type = np.float32, weighted: bool = False, derived: bool = False
) -> None:
    """Load the compiled kernel (numba's cache) once per process, on a two-stop problem.

    The first call into numba costs seconds (its start-up, then loading each function from the
    on-disk cache, or compiling it the very first time); doing it here keeps that cost out of the
    engine's time limit. ``part`` = ``"search"`` or ``"build"`` loads only the functions of the
    search loop, or only the others, so that two processes can compile the kernel in parallel
    the first time (:func:`planner.engine.warm_up_in_background`). numba compiles one version
    per dtype of the travel matrices: ``dtype`` float32 is the one of every scenario (routers
    give float32), float64 the one of the routing benchmarks' exact distances; ``weighted``
    (an objective with an hour weight, so a float64 cost matrix) is one more version, and
    ``derived`` (minutes computed from the distances, large problems) one more.
    """
    key = (np.dtype(dtype).name, weighted, derived)
    if key in _WARM:
        return
    problem = tiny_problem(dtype, weighted, derived)
    kp = KernelProblem(Compiled(problem))
    I = kp.inst
    cur, cand, best = kp.new_state(), kp.new_state(), kp.new_state()
    K.seed_rng(0)
    stamp = 1
    if part != "search":
        for r in range(I.n_slots):
            K.update_route(I, cur, r)
        stamp = K.construct(I, cur, 0.0, 1)
        K.copy_state(cur, best)
        K.objective(I, cur)
        K.over_budget(I, cur)
        K.yearly_variable(I, cur)
        K.reset_levels(I, cur)
        kp.timed_routes(best)
        # What the repair of published days calls (periodic._restore_published).
        K.copy_state(best, cand)
        K.remove_and_update(I, cand, 0)
        _, c, lo, hi, stamp = K.evaluate_stop(I, cand, 0, 0.0, stamp)
        if c >= 0:
            K.insert_stop(I, cand, 0, c, lo, hi)
        stamp = K.recreate(I, cand, np.zeros(1, dtype=np.int64), 0, 0.0, stamp)
    if part != "build":
        stats = np.zeros(3, dtype=np.int64)
        stamp = K.search(I, cur, cand, best, 2, 1.0, 1.0, 10.0, 10.0, 0.01, 10, stamp, stats)
        K.evaluate_stop(I, cur, 0, 0.0, stamp)
    if part == "all":
        _WARM.add(key)
