"""The compiled core of the periodic search: route timing, insertion, ruin and recreate.

Everything here is a numba-compiled function over flat numpy arrays, so that the search can run
tens of thousands of ruin-and-recreate iterations per second:

- :func:`schedule` times one route with the planner's exact semantics (start windows per day,
  regularity bands, waiting, lunch break at the base before leaving or after returning, while
  waiting on site or inside a permanence, never while driving; shift, working and driving limits;
  latest departure so that the working day is as short as the order allows). Plans are built from
  its times, so the engine has a single timing rule.
- insertion of a stop on one of its choices (a pattern and a vehicle, or a pattern and any vehicle
  per day on plain benchmark horizons), with O(1) checks on routes without lunch or working-time
  limit and exact re-timing otherwise;
- SISR ruin (Christiaens & Vanden Berghe, 2020: remove strings of close stops from a few close
  routes) and greedy recreate with blinks, accepted by simulated annealing.

The arrays are prepared by :mod:`planner.engine.arrays`; the orchestration (time limits, OR-Tools
polishing, plans) is in :mod:`planner.engine.periodic`. This module knows nothing of the planner's
objects and must stay free of Python-level loops over problems.

Every function is compiled ``nogil``: the parallel portfolio (``SolveOptions.threads``) runs
:func:`search` in several threads at once. The instance ``I`` is only read; every scratch buffer
lives in the state ``S``, so threads with their own states share nothing they write. numba's
random generator is per thread (:func:`seed_rng` seeds the calling thread's).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from planner.engine.records import field_type, inst_ref, state_ref

INF = 1e18
EPS = 1e-7
# Travel matrices (I.T, I.C, I.D) are float32 or float64; every element is read through f8 so
# that the arithmetic is float64 either way (float32 + float32 would stay float32 in numba).
f8 = np.float64


@njit(cache=True, nogil=True, inline="always")
def band_minutes(km, knots, cumulative, pace, access):
    """Minutes for ``km`` road km through speed bands, rounded to float32 like a stored matrix:
    the operations and order of :meth:`planner.tours.travel.SpeedBands.of_km`."""
    if km <= 0.0:
        return 0.0
    i = 0
    while i + 1 < knots.shape[0] and km >= knots[i + 1]:
        i += 1
    t = km - knots[i]
    t = t * pace[i]
    t = cumulative[i] + t
    t = t + access
    return f8(np.float32(t))


def tt(I, a, b):
    """Travel minutes from place a to place b: the duration matrix's cell, or, when durations
    are derived from the distances (no matrix: ``I.T`` is None), computed from the km matrix.

    Compiled code gets one of the two bodies by the type of ``I.T`` (:func:`_tt_typed`), never
    a test per call: that test cost 2.5 times the search's time on every problem. This Python
    body is what runs uncompiled (``NUMBA_DISABLE_JIT``, see first_use)."""
    if I.T is None:
        return band_minutes(f8(I.D[a, b]), I.tb_km, I.tb_min, I.tb_pace, I.tb_access)
    return f8(I.T[a, b])


@overload(tt)  # not inline="always": numba 0.68 mis-scopes band_minutes' loop when inlined so
def _tt_typed(I, a, b):
    """The body of :func:`tt` for the instance's type: derived or stored minutes."""
    if isinstance(field_type(I, "T"), types.NoneType):

        def derived(I, a, b):
            return band_minutes(f8(I.D[a, b]), I.tb_km, I.tb_min, I.tb_pace, I.tb_access)

        return derived

    def stored(I, a, b):
        return f8(I.T[a, b])

    return stored


# --- time windows ---------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def earliest(tw, twn, s, d, t, lo, hi):
    """Earliest start >= t for stop s on day d within its windows and the band [lo, hi]."""
    if t < lo:
        t = lo
    n = twn[s, d]
    if n < 0:
        return t if t <= hi + EPS else INF
    for w in range(n):
        if t <= tw[s, d, w, 1] + EPS:
            x = t if t > tw[s, d, w, 0] else tw[s, d, w, 0]
            return x if x <= hi + EPS else INF
    return INF


@njit(cache=True, nogil=True, inline="always")
def latest(tw, twn, s, d, t, lo, hi):
    """Latest start <= t for stop s on day d within its windows and the band [lo, hi]."""
    if t > hi:
        t = hi
    n = twn[s, d]
    if n < 0:
        return t if t >= lo - EPS else -INF
    for w in range(n - 1, -1, -1):
        if t >= tw[s, d, w, 0] - EPS:
            x = t if t < tw[s, d, w, 1] else tw[s, d, w, 1]
            return x if x >= lo - EPS else -INF
    return -INF


# --- exact timing of a route -----------------------------------------------------------------
#
# A route is a sequence of stops (``seq[:n]``) of slot r (vehicle, day). Lunch modes:
#   0: no lunch to place (the vehicle has none);
#   1: lunch at the base after returning (return no later than the end of the lunch window);
#   2: lunch at the base before leaving (leave no earlier than window start + duration);
#   3: lunch while waiting on site before the visit at position ``lp``;
#   4: lunch inside the visit at position ``lp`` (the permanence is paused and ends later).


@njit(cache=True, nogil=True)
def _act(I, r, seq, n, mode, lp, i):
    """(location, duration) of activity i of a route expanded for its lunch mode.

    In mode 3 the lunch is an extra activity at position ``lp``, at the next visit's place; in
    mode 4 the visit at ``lp`` lasts its duration plus the lunch.
    """
    if mode == 3:
        if i == lp:
            return I.loc[seq[lp]], I.r_lunch[r, 2]
        j = i if i < lp else i - 1
        return I.loc[seq[j]], I.svc[seq[j]]
    s = seq[i]
    if mode == 4 and i == lp:
        return I.loc[s], I.svc[s] + I.r_lunch[r, 2]
    return I.loc[s], I.svc[s]


@njit(cache=True, nogil=True)
def _stop_of(seq, mode, lp, i):
    if mode == 3:
        if i == lp:
            return -1
        return seq[i] if i < lp else seq[i - 1]
    return seq[i]


@njit(cache=True, nogil=True)
def _win_bounds(I, r, s, mode, lp, i, band_lo, band_hi):
    """Band [lo, hi] of activity i (including the lunch constraints of modes 3 and 4)."""
    if s < 0:  # the lunch while waiting
        return I.r_lunch[r, 0], I.r_lunch[r, 1]
    lo = band_lo[s]
    hi = band_hi[s]
    if mode == 4 and i == lp:
        a = I.r_lunch[r, 0] - I.svc[s]
        if a > lo:
            lo = a
        if I.r_lunch[r, 1] < hi:
            hi = I.r_lunch[r, 1]
    return lo, hi


@njit(cache=True, nogil=True)
def _earliest_act(I, r, d, s, t, lo, hi):
    if s < 0:
        if t < lo:
            t = lo
        return t if t <= hi + EPS else INF
    return earliest(I.tw, I.twn, s, d, t, lo, hi)


@njit(cache=True, nogil=True)
def _latest_act(I, r, d, s, t, lo, hi):
    if s < 0:
        if t > hi:
            t = hi
        return t if t >= lo - EPS else -INF
    return latest(I.tw, I.twn, s, d, t, lo, hi)


@njit(cache=True, nogil=True)
def _time_mode(I, r, seq, n, mode, lp, band_lo, band_hi, starts):
    """Latest-departure schedule of a route in one lunch mode: (ok, depart, ret).

    ``starts`` receives the start of every expanded activity (n or n + 1 of them).
    """
    d = I.r_day[r]
    m = n + 1 if mode == 3 else n
    a_bound = I.r_shift[r, 0]
    b_bound = I.r_shift[r, 1]
    if mode == 1:
        if I.r_lunch[r, 1] < b_bound:
            b_bound = I.r_lunch[r, 1]
    elif mode == 2:
        x = I.r_lunch[r, 0] + I.r_lunch[r, 2]
        if x > a_bound:
            a_bound = x
    start_loc = I.r_start[r]
    end_loc = I.r_end[r]
    # Backward pass: latest start of each activity.
    nxt_t = b_bound
    nxt_loc = end_loc
    for i in range(m - 1, -1, -1):
        loc, du = _act(I, r, seq, n, mode, lp, i)
        s = _stop_of(seq, mode, lp, i)
        lo, hi = _win_bounds(I, r, s, mode, lp, i, band_lo, band_hi)
        travel = 0.0 if s < 0 else tt(I, loc, nxt_loc)  # a lunch is taken at the next visit's place
        t = _latest_act(I, r, d, s, nxt_t - travel - du, lo, hi)
        if t <= -INF / 2:
            return False, 0.0, 0.0
        starts[i] = t
        nxt_t = t
        nxt_loc = loc
    loc0, _ = _act(I, r, seq, n, mode, lp, 0)
    depart = starts[0] - tt(I, start_loc, loc0)
    if depart < a_bound - EPS:
        return False, 0.0, 0.0
    # Forward pass from the latest departure.
    t = depart
    prev = start_loc
    for i in range(m):
        loc, du = _act(I, r, seq, n, mode, lp, i)
        s = _stop_of(seq, mode, lp, i)
        lo, hi = _win_bounds(I, r, s, mode, lp, i, band_lo, band_hi)
        travel = tt(I, prev, loc)
        if i > 0 and mode == 3 and i == lp + 1:
            travel = 0.0
        x = _earliest_act(I, r, d, s, t + travel, lo, hi)
        if x >= INF / 2 or x > starts[i] + EPS:
            return False, 0.0, 0.0
        starts[i] = x
        t = x + du
        prev = loc
    ret = t + tt(I, prev, end_loc)
    if ret > b_bound + EPS:
        return False, 0.0, 0.0
    if ret - depart > I.r_maxwork[r] + EPS:
        return False, 0.0, 0.0
    return True, depart, ret


@njit(cache=True, nogil=True)
def _schedule(I, r, seq, n, band_lo, band_hi, starts, best_starts):
    """Best timing of a route over the lunch modes: (ok, mode, lunch position, depart, ret).

    The chosen mode's activity starts are copied into ``best_starts``. Routes that need no
    lunch placement use mode 0. The best mode is the shortest working day, then the earliest
    return.
    """
    if n == 0:
        return True, 0, -1, I.r_shift[r, 0], I.r_shift[r, 0]
    if I.r_lunch[r, 2] < 0:
        ok, dep, ret = _time_mode(I, r, seq, n, 0, -1, band_lo, band_hi, starts)
        if ok:
            for i in range(n):
                best_starts[i] = starts[i]
        return ok, 0, -1, dep, ret
    best_ok = False
    best_mode = 0
    best_lp = -1
    best_dep = 0.0
    best_ret = 0.0
    for mode in range(1, 5):
        top = 1 if mode <= 2 else n
        for lp in range(top):
            ok, dep, ret = _time_mode(I, r, seq, n, mode, lp, band_lo, band_hi, starts)
            if not ok:
                continue
            work = ret - dep  # modes 1 and 2 keep the lunch outside the route
            if (
                (not best_ok)
                or work < best_ret - best_dep - EPS
                or (abs(work - (best_ret - best_dep)) <= EPS and ret < best_ret - EPS)
            ):
                best_ok = True
                best_mode = mode
                best_lp = lp
                best_dep = dep
                best_ret = ret
                m = n + 1 if mode == 3 else n
                for i in range(m):
                    best_starts[i] = starts[i]
        if best_ok and mode == 2:
            # A lunch at the base adds no working time; one inside the route adds its duration,
            # so the day is (almost always) longer: stop here.
            return True, best_mode, best_lp, best_dep, best_ret
    return best_ok, best_mode, best_lp, best_dep, best_ret


# --- route caches -----------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def _update_route(I, S, r):
    """Recompute the caches of route r: earliest/latest starts, load, driving, cost, feasibility.

    Every change of a route ends here, so this is where it is marked changed (``_sync``)."""
    S.changed[r] = True
    n = S.rlen[r]
    d = I.r_day[r]
    C = I.C
    load = 0.0
    drive = 0.0
    cost = 0.0
    prev = I.r_start[r]
    t = I.r_shift[r, 0]
    ok = True
    for i in range(n):
        s = S.route[r, i]
        loc = I.loc[s]
        drive += tt(I, prev, loc)
        cost += f8(C[prev, loc])
        load += I.dem[s]
        x = earliest(I.tw, I.twn, s, d, t + tt(I, prev, loc), S.band_lo[s], S.band_hi[s])
        if x >= INF / 2:
            ok = False
            x = t + tt(I, prev, loc)
        S.es[r, i] = x
        t = x + I.svc[s]
        prev = loc
    if n > 0:
        drive += tt(I, prev, I.r_end[r])
        cost += f8(C[prev, I.r_end[r]])
    nxt_t = I.r_shift[r, 1]
    nxt = I.r_end[r]
    for i in range(n - 1, -1, -1):
        s = S.route[r, i]
        loc = I.loc[s]
        back = nxt_t - tt(I, loc, nxt) - I.svc[s]
        y = latest(I.tw, I.twn, s, d, back, S.band_lo[s], S.band_hi[s])
        if y <= -INF / 2:
            ok = False
            y = nxt_t - tt(I, loc, nxt) - I.svc[s]
        S.ls[r, i] = y
        nxt_t = y
        nxt = loc
    for i in range(n):
        if S.es[r, i] > S.ls[r, i] + EPS:
            ok = False
    if load > I.r_cap[r] + EPS or drive > I.r_maxdrive[r] + EPS or n > I.r_maxstops[r]:
        ok = False
    svc_sum = 0.0
    for i in range(n):
        svc_sum += I.svc[S.route[r, i]]
    if I.r_notw[r] and n > 0 and drive + svc_sum > I.r_maxwork[r] + EPS:
        ok = False
    S.rsvc[r] = svc_sum
    S.rload[r] = load
    S.rdrive[r] = drive
    S.rcost[r] = cost
    work = 0.0
    if ok and n > 0 and (I.has_budget or not I.r_simple[r]):
        # With a budget every route is timed: its working time (leaving to returning) costs.
        ok, _, _, dep, ret = _schedule(I, r, S.route[r], n, S.band_lo, S.band_hi, S.buf1, S.buf2)
        work = ret - dep
    S.rok[r] = ok
    if I.has_budget:
        km = 0.0
        if n > 0:
            prev = I.r_start[r]
            for i in range(n):
                loc = I.loc[S.route[r, i]]
                km += f8(I.D[prev, loc])
                prev = loc
            km += f8(I.D[prev, I.r_end[r]])
        # Yearly euros of this route (Budget.per_km, per_work_hour; work in minutes here).
        S.ryear[r] = I.r_eur_km[r] * km + I.r_eur_min[r] * work


# --- the yearly budget ------------------------------------------------------------------------
#
# A problem's Budget caps the plan's yearly cost, fixed + Σ_routes (€/km × km + €/min × working
# minutes); ``I.bud_var`` is the cap minus the fixed part (INF without a budget). The state keeps
# each route's yearly euros (``S.ryear``, exact: from the route's schedule). Optional insertions
# that would exceed the cap are undone; mandatory ones are never refused (an over-budget state
# pays between ``I.bud_pen`` and twice it in the objective, so the search never keeps it when a
# state within the budget exists, and never drops a mandatory stop to get within it).


@njit(cache=True, nogil=True)
def _yearly_variable(I, S):
    """The state's yearly euros that depend on the plan (km and working hours)."""
    total = 0.0
    for r in range(I.n_slots):
        if S.rlen[r] > 0:
            total += S.ryear[r]
    return total


@njit(cache=True, nogil=True)
def _over_budget(I, S):
    """Euros a year above the budget (0 when within it, or without a budget)."""
    if not I.has_budget:
        return 0.0
    over = _yearly_variable(I, S) - I.bud_var
    return over if over > 1e-6 else 0.0


@njit(cache=True, nogil=True)
def insert_within_budget(I, S, s, c, lo, hi):
    """Insert stop s (see insert_stop); an optional stop that would take the plan above the
    budget is taken out again. Returns whether it stays."""
    _insert_stop(I, S, s, c, lo, hi)
    if I.has_budget and not I.mandatory[s] and _over_budget(I, S) > 0.0:
        _remove_and_update(I, S, s)
        return False
    return True


# --- need served, each commune once -----------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def need_gain(I, S, s):
    """Weighted need that serving stop s would add: what it raises above each commune's level."""
    g = 0.0
    for q in range(I.sr_ptr[s], I.sr_ptr[s + 1]):
        j = I.sr_com[q]
        up = I.sr_lvl[q] - S.lvl[j]
        if up > 0.0:
            g += I.c_need[j] * up
    return g


@njit(cache=True, nogil=True, inline="always")
def raise_levels(I, S, s):
    """Stop s is now served: the communes it reaches get at least its level."""
    for q in range(I.sr_ptr[s], I.sr_ptr[s + 1]):
        j = I.sr_com[q]
        if I.sr_lvl[q] > S.lvl[j]:
            S.lvl[j] = I.sr_lvl[q]


@njit(cache=True, nogil=True, inline="always")
def lower_levels(I, S, s):
    """Stop s is no longer served (``assign[s] < 0``): the communes whose best level was its own
    fall back to the best of their existing help and the other served stops."""
    for q in range(I.sr_ptr[s], I.sr_ptr[s + 1]):
        j = I.sr_com[q]
        if S.lvl[j] > I.sr_lvl[q] + 1e-12:
            continue  # another stop serves this commune better
        best = I.c_base[j]
        for t in range(I.rc_ptr[j], I.rc_ptr[j + 1]):
            if I.rc_lvl[t] > best and S.assign[I.rc_stop[t]] >= 0:
                best = I.rc_lvl[t]
        S.lvl[j] = best


@njit(cache=True, nogil=True)
def _reset_levels(I, S):
    """Recompute every commune's level from the served stops (after loading a state)."""
    for j in range(I.c_base.shape[0]):
        S.lvl[j] = I.c_base[j]
    for s in range(I.n_stops):
        if S.assign[s] >= 0:
            raise_levels(I, S, s)


@njit(cache=True, nogil=True)
def _objective(I, S):
    """Route costs, change penalties, unserved stops' prizes and the weighted need left unserved
    (relative to the best reachable levels, so the total stays >= 0)."""
    total = 0.0
    for j in range(I.c_base.shape[0]):
        total += I.c_need[j] * (I.c_top[j] - S.lvl[j])
    for r in range(I.n_slots):
        total += S.rcost[r]
        if not S.rok[r]:
            total += I.big
    for s in range(I.n_stops):
        c = S.assign[s]
        if c < 0:
            total += I.pen[s]
        else:
            total += I.ch_extra[c]
    over = _over_budget(I, S)
    if over > 0.0:
        # Between bud_pen and 2 bud_pen (< a mandatory stop's penalty), rising with the euros
        # over: worse than any plan within the budget, better than leaving out a mandatory stop.
        total += I.bud_pen * (1.0 + over / (over + 1000.0))
    return total


# --- insertion --------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _full_check_insert(I, S, r, s, p, lo, hi):
    """Exact check of route r with stop s inserted at position p and band [lo, hi] for s."""
    n = S.rlen[r]
    buf = S.seqbuf
    for i in range(p):
        buf[i] = S.route[r, i]
    buf[p] = s
    for i in range(p, n):
        buf[i + 1] = S.route[r, i]
    old_lo = S.band_lo[s]
    old_hi = S.band_hi[s]
    S.band_lo[s] = lo
    S.band_hi[s] = hi
    ok = _schedule(I, r, buf, n + 1, S.band_lo, S.band_hi, S.buf1, S.buf2)[0]
    S.band_lo[s] = old_lo
    S.band_hi[s] = old_hi
    return ok


@njit(cache=True, nogil=True, inline="always")
def _leg(C, p, x, stops):
    """Cost on matrix C of the leg from place p to place x on a route of ``stops`` stops: the
    leg an insertion replaces or a removal leaves. None on an empty route, since an unused
    vehicle drives nothing, even one that ends its day elsewhere than it starts."""
    return f8(C[p, x]) if stops > 0 else 0.0


@njit(cache=True, nogil=True, inline="always")
def best_position(I, S, s, r, blink, lo, hi):
    """Cheapest feasible position of stop s in route r: (delta cost, position, e, l).

    ``e`` and ``l`` are the earliest and latest start of s at that position (for regularity
    bands). Positions are skipped at random with probability ``blink`` (SISR's blinks).
    Returns position -1 when none fits.
    """
    n = S.rlen[r]
    d = I.r_day[r]
    if n + 1 > I.r_maxstops[r]:
        return INF, -1, 0.0, 0.0
    if S.rload[r] + I.dem[s] > I.r_cap[r] + EPS:
        return INF, -1, 0.0, 0.0
    if not I.compat[s, I.r_veh[r]]:
        return INF, -1, 0.0, 0.0
    if I.twn[s, d] == 0:
        return INF, -1, 0.0, 0.0
    C = I.C
    u = I.loc[s]
    svc = I.svc[s]
    simple = I.r_simple[r]
    best = INF
    best_p = -1
    best_e = 0.0
    best_l = 0.0
    # Non-simple routes: collect candidates, then check them exactly by increasing cost.
    ncand = 0
    for p in range(n + 1):
        if blink > 0.0 and np.random.random() < blink:
            continue
        if p == 0:
            prev = I.r_start[r]
            dep = I.r_shift[r, 0]
        else:
            ps = S.route[r, p - 1]
            prev = I.loc[ps]
            dep = S.es[r, p - 1] + I.svc[ps]
        if p == n:
            nxt = I.r_end[r]
            ls_next = I.r_shift[r, 1]
        else:
            nxt = I.loc[S.route[r, p]]
            ls_next = S.ls[r, p]
        delta = f8(C[prev, u]) + f8(C[u, nxt]) - _leg(C, prev, nxt, n)
        if delta >= best and simple:
            continue
        ddrive = tt(I, prev, u) + tt(I, u, nxt)
        if n > 0:  # as in _leg: an empty route's start-to-end leg is not driven
            ddrive -= tt(I, prev, nxt)
        if S.rdrive[r] + ddrive > I.r_maxdrive[r] + EPS:
            continue
        if I.r_notw[r] and S.rdrive[r] + ddrive + S.rsvc[r] + svc > I.r_maxwork[r] + EPS:
            continue
        e = earliest(I.tw, I.twn, s, d, dep + tt(I, prev, u), lo, hi)
        if e >= INF / 2:
            continue
        l = latest(I.tw, I.twn, s, d, ls_next - tt(I, u, nxt) - svc, lo, hi)
        if l < e - EPS:
            continue
        if simple:
            best = delta
            best_p = p
            best_e = e
            best_l = l
        else:
            S.cand_cost[ncand] = delta
            S.cand_pos[ncand] = p
            S.cand_e[ncand] = e
            S.cand_l[ncand] = l
            ncand += 1
    if simple or ncand == 0:
        return best, best_p, best_e, best_l
    order = np.argsort(S.cand_cost[:ncand])
    for k in range(ncand):
        j = order[k]
        if _full_check_insert(I, S, r, s, S.cand_pos[j], lo, hi):
            return S.cand_cost[j], S.cand_pos[j], S.cand_e[j], S.cand_l[j]
    return INF, -1, 0.0, 0.0


@njit(cache=True, nogil=True, inline="always")
def insert_at(I, S, s, r, p):
    n = S.rlen[r]
    for i in range(n, p, -1):
        S.route[r, i] = S.route[r, i - 1]
    S.route[r, p] = s
    S.rlen[r] = n + 1


@njit(cache=True, nogil=True, inline="always")
def remove_stop(I, S, s):
    """Remove every visit of stop s (route caches are not updated: see remove_and_update)."""
    c = S.assign[s]
    if c < 0:
        return
    for j in range(I.ch_k[c]):
        r = S.vslot[s, j]
        n = S.rlen[r]
        q = 0
        for i in range(n):
            if S.route[r, i] != s:
                S.route[r, q] = S.route[r, i]
                q += 1
        S.rlen[r] = q
        S.vslot[s, j] = -1
    S.assign[s] = -1
    S.band_lo[s] = -INF
    S.band_hi[s] = INF
    lower_levels(I, S, s)


@njit(cache=True, nogil=True, inline="always")
def _remove_and_update(I, S, s):
    c = S.assign[s]
    if c < 0:
        return
    k = I.ch_k[c]
    for j in range(k):
        S.try_pos[j] = S.vslot[s, j]  # scratch: the routes to update
    remove_stop(I, S, s)
    for j in range(k):
        _update_route(I, S, S.try_pos[j])


@njit(cache=True, nogil=True)
def _evaluate_stop(I, S, s, blink, stamp):
    """Best way to insert stop s: (cost delta incl. change penalty, choice, slots, positions, lo,
    hi).

    Every visit of a choice starts within the choice's band ``[ch_lo, ch_hi]`` (a published time
    kept, see :class:`~planner.engine.arrays.KernelProblem`), intersected with the regularity
    band of a stop visited several times.

    Slots and positions are written to S.ins_slot / S.ins_pos (one per visit, day order).
    """
    best = INF
    best_c = -1
    best_lo = -INF
    best_hi = INF
    tol = I.tol
    regular = I.regular
    for c in range(I.ch_ptr[s], I.ch_ptr[s + 1]):
        k = I.ch_k[c]
        v = I.ch_veh[c]
        total = I.ch_extra[c]
        clo = I.ch_lo[c]  # the choice's own start band (a published time kept), or none
        chi = I.ch_hi[c]
        ok = True
        emax = -INF
        lmin = INF
        for j in range(k):
            d = I.ch_days[c, j]
            if v >= 0:
                r = I.slot_of[v, d]
                if r < 0 or I.r_frozen[r]:
                    ok = False
                    break
                delta, p, e, l = best_position(I, S, s, r, blink, clo, chi)
                if p < 0:
                    ok = False
                    break
                S.try_slot[j] = r
                S.try_pos[j] = p
            else:
                bd = INF
                bp = -1
                br = -1
                be = 0.0
                bl = 0.0
                for q in range(I.ds_ptr[d], I.ds_ptr[d + 1]):
                    r = I.ds_list[q]
                    if I.r_frozen[r]:
                        continue
                    if S.rlen[r] == 0:
                        cl = I.r_class[r]
                        if S.class_stamp[cl] == stamp:
                            continue
                        S.class_stamp[cl] = stamp
                    delta, p, e, l = best_position(I, S, s, r, blink, clo, chi)
                    if p >= 0 and delta < bd:
                        bd = delta
                        bp = p
                        br = r
                        be = e
                        bl = l
                stamp += 1
                if bp < 0:
                    ok = False
                    break
                delta = bd
                e = be
                l = bl
                S.try_slot[j] = br
                S.try_pos[j] = bp
            total += delta
            if e > emax:
                emax = e
            if l < lmin:
                lmin = l
            if total >= best:
                ok = False
                break
        if not ok:
            continue
        lo = clo
        hi = chi
        if regular and k >= 2 and tol < INF / 2:
            if emax - tol > lmin + EPS:
                continue
            lo = emax - tol
            hi = lo + tol
            if clo > lo:
                lo = clo
            if chi < hi:
                hi = chi
            # Check every day exactly with the band (positions may need to move).
            feasible = True
            for j in range(k):
                r = S.try_slot[j]
                if I.r_simple[r]:
                    continue
                if not _full_check_insert(I, S, r, s, S.try_pos[j], lo, hi):
                    feasible = False
                    break
            if not feasible:
                continue
        if total < best:
            best = total
            best_c = c
            best_lo = lo
            best_hi = hi
            for j in range(k):
                S.ins_slot[j] = S.try_slot[j]
                S.ins_pos[j] = S.try_pos[j]
    return best, best_c, best_lo, best_hi, stamp


@njit(cache=True, nogil=True, inline="always")
def _insert_stop(I, S, s, c, lo, hi):
    """Insert stop s with choice c at S.ins_slot / S.ins_pos and band [lo, hi]."""
    k = I.ch_k[c]
    S.assign[s] = c
    S.band_lo[s] = lo
    S.band_hi[s] = hi
    raise_levels(I, S, s)
    for j in range(k):
        r = S.ins_slot[j]
        insert_at(I, S, s, r, S.ins_pos[j])
        S.vslot[s, j] = r
        _update_route(I, S, r)


# --- ruin and recreate ------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def ruin(I, S, cbar, lmax, removed):
    """SISR ruin: remove strings of stops around a random seed. Returns how many were removed."""
    nrem = 0
    # average route cardinality
    tot = 0
    nr = 0
    for r in range(I.n_slots):
        if S.rlen[r] > 0:
            tot += S.rlen[r]
            nr += 1
    if nr == 0:
        return 0
    avg = tot / nr
    ls_max = lmax if lmax < avg else avg
    ks_max = 4.0 * cbar / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    # seed: a random served, removable stop
    seed = -1
    for _ in range(50):
        s = np.random.randint(I.n_stops)
        if S.assign[s] >= 0 and not I.stop_frozen[s]:
            seed = s
            break
    if seed < 0:
        return 0
    for j in range(I.n_slots):
        S.ruined[j] = False
    ruined = 0
    for q in range(-1, I.neigh.shape[1]):
        c = seed if q < 0 else I.neigh[seed, q]
        if ruined >= ks:
            break
        if S.assign[c] < 0 or I.stop_frozen[c]:
            continue
        # one of c's routes, at random
        k = I.ch_k[S.assign[c]]
        r = S.vslot[c, np.random.randint(k)]
        if S.ruined[r] or I.r_frozen[r]:
            continue
        n = S.rlen[r]
        lmax_t = ls_max if ls_max < n else n
        l = int(np.random.random() * lmax_t) + 1
        if l > n:
            l = n
        # position of c in r
        pos = 0
        for i in range(n):
            if S.route[r, i] == c:
                pos = i
                break
        if np.random.random() < 0.5 or l >= n:
            start = pos - np.random.randint(l)
            if start < 0:
                start = 0
            if start + l > n:
                start = n - l
            for i in range(start, start + l):
                S.strbuf[i - start] = S.route[r, i]
            cnt = l
        else:
            # split string: keep m consecutive stops inside a string of length l + m
            m = 1
            while l + m < n and np.random.random() > 0.5:
                m += 1
            total = l + m
            start = pos - np.random.randint(total)
            if start < 0:
                start = 0
            if start + total > n:
                start = n - total
            keep_from = start + np.random.randint(total - m + 1)
            cnt = 0
            for i in range(start, start + total):
                if keep_from <= i < keep_from + m:
                    continue
                S.strbuf[cnt] = S.route[r, i]
                cnt += 1
        S.ruined[r] = True
        ruined += 1
        for i in range(cnt):
            s = S.strbuf[i]
            if S.assign[s] >= 0 and not I.stop_frozen[s]:
                _remove_and_update(I, S, s)
                removed[nrem] = s
                nrem += 1
    return nrem


@njit(cache=True, nogil=True)
def _recreate(I, S, removed, nrem, blink, stamp):
    """Greedy reinsertion of removed stops in a random SISR order; returns the stamp counter."""
    # order: random, by decreasing number of visits then demand, far first, close first
    u = np.random.random()
    keys = np.empty(nrem)
    for i in range(nrem):
        s = removed[i]
        if u < 0.4:
            keys[i] = np.random.random()
        elif u < 0.7:
            keys[i] = -(I.kmax_s[s] * 1e6 + I.dem[s]) + np.random.random() * 1e-3
        elif u < 0.9:
            keys[i] = -I.depot_dist[s]
        else:
            keys[i] = I.depot_dist[s]
        if I.has_budget and I.mandatory[s]:
            keys[i] -= 1e12  # with a budget, mandatory stops take their share first
    order = np.argsort(keys)
    for q in range(nrem):
        s = removed[order[q]]
        worth = INF
        if not I.mandatory[s]:
            worth = I.pen[s] + need_gain(I, S, s)
            if worth <= 0.0:
                continue  # serves nothing more than what is already served
        cost, c, lo, hi, stamp = _evaluate_stop(I, S, s, blink, stamp)
        if c < 0:
            continue
        if cost >= worth:
            continue  # an optional stop is worth less than it costs
        insert_within_budget(I, S, s, c, lo, hi)
    return stamp


@njit(cache=True, nogil=True)
def _construct(I, S, blink, stamp):
    """Insert every unassigned stop (hardest first); returns the stamp counter."""
    n = 0
    for s in range(I.n_stops):
        if S.assign[s] < 0 and I.ch_ptr[s + 1] > I.ch_ptr[s]:
            S.removed[n] = s
            n += 1
    keys = np.empty(n)
    for i in range(n):
        s = S.removed[i]
        nch = I.ch_ptr[s + 1] - I.ch_ptr[s]
        # most constrained first: fewest choices, then most visits, then farthest
        keys[i] = nch * 1e6 - I.kmax_s[s] * 1e3 - I.depot_dist[s] * 1e-3 / (1.0 + I.depot_dist[s])
        if I.mandatory[s]:
            keys[i] -= 1e9
    order = np.argsort(keys)
    for q in range(n):
        s = S.removed[order[q]]
        worth = INF
        if not I.mandatory[s]:
            worth = I.pen[s] + need_gain(I, S, s)
            if worth <= 0.0:
                continue
        cost, c, lo, hi, stamp = _evaluate_stop(I, S, s, blink, stamp)
        if c < 0:
            continue
        if cost >= worth:
            continue
        insert_within_budget(I, S, s, c, lo, hi)
    return stamp


# --- granular local search --------------------------------------------------------------------
#
# Between a recreate and the acceptance test, the candidate is improved by the moves of the
# vehicle-routing local searches (Vidal et al. 2012, HGS-CVRP, PyVRP): relocate a stop after or
# before one of its nearest stops, swap two stops, and exchange two routes' tails (2-opt*), first
# improvement, until none improves. A move is first priced in O(1) on the cost matrix; only a
# cheaper one is checked exactly (the new sequences timed like update_route, then schedule).
# Moves keep every stop's choice: they only touch stops visited once whose choice leaves the
# vehicle free (``ch_veh < 0``) between two routes of the same day, or move a stop inside its
# route (on calendar horizons, where every choice names its vehicle, only the latter). Plans
# under a budget are left to ruin and recreate (a move changes yearly euros).
# The search runs it from the stops it has just reinserted. Measured on Solomon (10 s of CPU,
# 12 instances): ruin and recreate alone 0.40 % above the best known, with this local search
# 0.20 % (docs/engine.md, "The method"). The helpers are not inline="always": numba 0.68
# miscompiled them inlined with StructRef arguments (a search that never returned), and calls
# taking StructRefs cost next to nothing.


@njit(cache=True, nogil=True)
def _seq_cost(I, r, seq, n):
    """Cost of route r running seq[:n] (the cost matrix from the start to the end place)."""
    if n == 0:
        return 0.0
    C = I.C
    prev = I.r_start[r]
    cost = 0.0
    for i in range(n):
        loc = I.loc[seq[i]]
        cost += f8(C[prev, loc])
        prev = loc
    return cost + f8(C[prev, I.r_end[r]])


@njit(cache=True, nogil=True)
def _seq_feasible(I, S, r, seq, n):
    """Whether route r can run seq[:n]: what update_route checks, on a sequence."""
    if n == 0:
        return True
    if n > I.r_maxstops[r]:
        return False
    d = I.r_day[r]
    v = I.r_veh[r]
    load = 0.0
    drive = 0.0
    svc = 0.0
    prev = I.r_start[r]
    t = I.r_shift[r, 0]
    for i in range(n):
        s = seq[i]
        if not I.compat[s, v]:
            return False
        loc = I.loc[s]
        x = tt(I, prev, loc)
        drive += x
        load += I.dem[s]
        svc += I.svc[s]
        t = earliest(I.tw, I.twn, s, d, t + x, S.band_lo[s], S.band_hi[s])
        if t >= INF / 2:
            return False
        t += I.svc[s]
        prev = loc
    x = tt(I, prev, I.r_end[r])
    drive += x
    if t + x > I.r_shift[r, 1] + EPS:
        return False
    if load > I.r_cap[r] + EPS or drive > I.r_maxdrive[r] + EPS:
        return False
    if I.r_notw[r] and drive + svc > I.r_maxwork[r] + EPS:
        return False
    if not I.r_simple[r]:
        return _schedule(I, r, seq, n, S.band_lo, S.band_hi, S.buf1, S.buf2)[0]
    return True


@njit(cache=True, nogil=True)
def _single(I, S, s):
    """Stop s is served once and may move (inside its route at least)."""
    c = S.assign[s]
    return c >= 0 and I.ch_k[c] == 1 and not I.stop_frozen[s]


@njit(cache=True, nogil=True)
def _free(I, S, s):
    """Stop s may change vehicle on its day (its choice names none)."""
    return _single(I, S, s) and I.ch_veh[S.assign[s]] < 0


@njit(cache=True, nogil=True)
def _place(I, S, r, i):
    """Place of position i of route r: its start before the first stop, its end after the last."""
    if i < 0:
        return I.r_start[r]
    if i >= S.rlen[r]:
        return I.r_end[r]
    return I.loc[S.route[r, i]]


@njit(cache=True, nogil=True)
def _fits(I, S, r, s, before, after):
    """Stop s can start between positions ``before`` (-1: the route's start) and ``after``
    (``rlen``: its end) of route r, by the earliest and latest starts of the route as it is:
    exact on routes without lunch or working-time limit, necessary on the others."""
    d = I.r_day[r]
    if before < 0:
        prev = I.r_start[r]
        dep = I.r_shift[r, 0]
    else:
        ps = S.route[r, before]
        prev = I.loc[ps]
        dep = S.es[r, before] + I.svc[ps]
    if after >= S.rlen[r]:
        nxt = I.r_end[r]
        ls_next = I.r_shift[r, 1]
    else:
        nxt = I.loc[S.route[r, after]]
        ls_next = S.ls[r, after]
    u = I.loc[s]
    e = earliest(I.tw, I.twn, s, d, dep + tt(I, prev, u), S.band_lo[s], S.band_hi[s])
    if e >= INF / 2:
        return False
    back = ls_next - tt(I, u, nxt) - I.svc[s]
    return latest(I.tw, I.twn, s, d, back, S.band_lo[s], S.band_hi[s]) >= e - EPS


@njit(cache=True, nogil=True)
def _joins(I, S, ra, i, rb, k):
    """Route ra's stops up to position i, then route rb's from position k, can keep time (by
    the routes' earliest and latest starts; True when the two routes end differently, which
    the exact check decides)."""
    if I.r_end[ra] != I.r_end[rb] or abs(I.r_shift[ra, 1] - I.r_shift[rb, 1]) > EPS:
        return True
    s = S.route[ra, i]
    t = S.es[ra, i] + I.svc[s]
    if k >= S.rlen[rb]:
        return t + tt(I, I.loc[s], I.r_end[ra]) <= I.r_shift[ra, 1] + EPS
    w = S.route[rb, k]
    x = earliest(
        I.tw, I.twn, w, I.r_day[rb], t + tt(I, I.loc[s], I.loc[w]), S.band_lo[w], S.band_hi[w]
    )
    return x <= S.ls[rb, k] + EPS


@njit(cache=True, nogil=True)
def _commit(I, S, r1, a, na, r2, b, nb):
    """Routes r1 and r2 (r2 < 0: none) become a[:na] and b[:nb]; their caches are updated.

    Only stops visited once can change route, so only their slot is rewritten: a stop visited
    on several days keeps one slot per visit (``vslot[s, j]``), and writing this route into its
    first would lose the others (a stop then visited three times, seen on Cordeau's p02)."""
    for i in range(na):
        S.route[r1, i] = a[i]
        if I.ch_k[S.assign[a[i]]] == 1:
            S.vslot[a[i], 0] = r1
    S.rlen[r1] = na
    _update_route(I, S, r1)
    if r2 >= 0:
        for i in range(nb):
            S.route[r2, i] = b[i]
            if I.ch_k[S.assign[b[i]]] == 1:
                S.vslot[b[i], 0] = r2
        S.rlen[r2] = nb
        _update_route(I, S, r2)


@njit(cache=True, nogil=True)
def _try_pair(I, S, u, v, a, b):
    """First improving move of stop u towards its neighbour v; True when one was made."""
    r1 = S.vslot[u, 0]
    r2 = S.vslot[v, 0]
    C = I.C
    n1 = S.rlen[r1]
    n2 = S.rlen[r2]
    i = 0
    while S.route[r1, i] != u:
        i += 1
    j = 0
    while S.route[r2, j] != v:
        j += 1
    lu = I.loc[u]
    lv = I.loc[v]
    p1 = _place(I, S, r1, i - 1)
    x1 = _place(I, S, r1, i + 1)
    removal = f8(C[p1, lu]) + f8(C[lu, x1]) - _leg(C, p1, x1, n1 - 1)
    old = S.rcost[r1] + (S.rcost[r2] if r2 != r1 else 0.0)
    if r1 == r2:
        # Relocate u just after v, then just before v, inside the route.
        for after in (True, False):
            k = j + 1 if after else j  # u goes before the stop now at position k
            if k == i or k == i + 1:
                continue
            pk = _place(I, S, r1, k - 1)
            xk = _place(I, S, r1, k)
            if f8(C[pk, lu]) + f8(C[lu, xk]) - f8(C[pk, xk]) - removal >= -EPS:
                continue
            m = 0
            for q in range(n1 + 1):
                if q == k:
                    a[m] = u
                    m += 1
                if q < n1 and q != i:
                    a[m] = S.route[r1, q]
                    m += 1
            if _seq_cost(I, r1, a, m) < old - EPS and _seq_feasible(I, S, r1, a, m):
                _commit(I, S, r1, a, m, -1, b, 0)
                return True
        return False
    # Between two routes of the same day.
    p2 = _place(I, S, r2, j - 1)
    x2 = _place(I, S, r2, j + 1)
    if _free(I, S, u):
        # Relocate u after v, then before v.
        for after in (True, False):
            pk = lv if after else p2
            xk = x2 if after else lv
            if f8(C[pk, lu]) + f8(C[lu, xk]) - f8(C[pk, xk]) - removal >= -EPS:
                continue
            if S.rload[r2] + I.dem[u] > I.r_cap[r2] + EPS:
                continue
            if not (_fits(I, S, r2, u, j, j + 1) if after else _fits(I, S, r2, u, j - 1, j)):
                continue
            m = 0
            for q in range(n1):
                if q != i:
                    a[m] = S.route[r1, q]
                    m += 1
            k = j + 1 if after else j
            w = 0
            for q in range(n2 + 1):
                if q == k:
                    b[w] = u
                    w += 1
                if q < n2:
                    b[w] = S.route[r2, q]
                    w += 1
            if (
                _seq_cost(I, r1, a, m) + _seq_cost(I, r2, b, w) < old - EPS
                and _seq_feasible(I, S, r1, a, m)
                and _seq_feasible(I, S, r2, b, w)
            ):
                _commit(I, S, r1, a, m, r2, b, w)
                return True
        # Swap u and v.
        if _free(I, S, v):
            delta = (
                f8(C[p1, lv])
                + f8(C[lv, x1])
                - f8(C[p1, lu])
                - f8(C[lu, x1])
                + f8(C[p2, lu])
                + f8(C[lu, x2])
                - f8(C[p2, lv])
                - f8(C[lv, x2])
            )
            if (
                delta < -EPS
                and _fits(I, S, r1, v, i - 1, i + 1)
                and _fits(I, S, r2, u, j - 1, j + 1)
            ):
                for q in range(n1):
                    a[q] = S.route[r1, q]
                a[i] = v
                for q in range(n2):
                    b[q] = S.route[r2, q]
                b[j] = u
                if (
                    _seq_cost(I, r1, a, n1) + _seq_cost(I, r2, b, n2) < old - EPS
                    and _seq_feasible(I, S, r1, a, n1)
                    and _seq_feasible(I, S, r2, b, n2)
                ):
                    _commit(I, S, r1, a, n1, r2, b, n2)
                    return True
    # 2-opt*: r1 keeps its stops up to u and takes r2's after v, r2 the other way round.
    if f8(C[lu, x2]) + f8(C[lv, x1]) - f8(C[lu, x1]) - f8(C[lv, x2]) >= -EPS:
        return False
    if not (_joins(I, S, r1, i, r2, j + 1) and _joins(I, S, r2, j, r1, i + 1)):
        return False
    for q in range(i + 1, n1):
        if not _free(I, S, S.route[r1, q]):
            return False
    for q in range(j + 1, n2):
        if not _free(I, S, S.route[r2, q]):
            return False
    m = 0
    for q in range(i + 1):
        a[m] = S.route[r1, q]
        m += 1
    for q in range(j + 1, n2):
        a[m] = S.route[r2, q]
        m += 1
    w = 0
    for q in range(j + 1):
        b[w] = S.route[r2, q]
        w += 1
    for q in range(i + 1, n1):
        b[w] = S.route[r1, q]
        w += 1
    if (
        _seq_cost(I, r1, a, m) + _seq_cost(I, r2, b, w) < old - EPS
        and _seq_feasible(I, S, r1, a, m)
        and _seq_feasible(I, S, r2, b, w)
    ):
        _commit(I, S, r1, a, m, r2, b, w)
        return True
    return False


@njit(cache=True, nogil=True)
def _scratch_sequences(S):
    """The two scratch sequences :func:`local_search` builds moved routes in: twice a route
    row, as a 2-opt* route may take another route's whole tail."""
    room = 2 * S.route.shape[1] + 2
    return np.empty(room, dtype=S.route.dtype), np.empty(room, dtype=S.route.dtype)


@njit(cache=True, nogil=True)
def local_search(I, S, g, stops, n, a, b):
    """Improve state S by relocate, swap and 2-opt* moves between each of ``stops[:n]`` and its
    ``g`` nearest stops until no move improves (at most 50 passes); ``a`` and ``b`` are scratch
    sequences (twice a route row). Returns the number of moves made.

    The search passes the stops it has just reinserted, so that a pass costs the same at 100
    stops as at 10,000 (a pass over every stop made a 5,000-stop iteration 50 times dearer)."""
    if g <= 0 or I.has_budget:
        return 0
    g = min(g, I.neigh.shape[1])
    moves = 0
    for _ in range(50):
        improved = False
        for k in range(n):
            u = stops[k]
            if not _single(I, S, u):
                continue
            r1 = S.vslot[u, 0]
            if I.r_frozen[r1] or not S.rok[r1]:
                continue
            for q in range(g):
                v = I.neigh[u, q]
                if v == u or not _single(I, S, v):
                    continue
                r2 = S.vslot[v, 0]
                if I.r_frozen[r2] or not S.rok[r2] or I.r_day[r2] != I.r_day[r1]:
                    continue
                if _try_pair(I, S, u, v, a, b):
                    improved = True
                    moves += 1
                    break
        if not improved:
            break
    return moves


@njit(cache=True, nogil=True)
def _copy_route(src, dst, r):
    """Route r of src into dst: its stops and every cache of it."""
    dst.route[r, :] = src.route[r]
    dst.es[r, :] = src.es[r]
    dst.ls[r, :] = src.ls[r]
    dst.rlen[r] = src.rlen[r]
    dst.rload[r] = src.rload[r]
    dst.rsvc[r] = src.rsvc[r]
    dst.rdrive[r] = src.rdrive[r]
    dst.rcost[r] = src.rcost[r]
    dst.rok[r] = src.rok[r]
    dst.ryear[r] = src.ryear[r]


@njit(cache=True, nogil=True)
def _copy_stops(src, dst):
    """The stops' choices, visit slots and start bands, and the communes' levels."""
    dst.assign[:] = src.assign
    dst.vslot[:, :] = src.vslot
    dst.band_lo[:] = src.band_lo
    dst.band_hi[:] = src.band_hi
    dst.lvl[:] = src.lvl


@njit(cache=True, nogil=True)
def _copy_state(src, dst):
    for r in range(src.rlen.shape[0]):
        _copy_route(src, dst, r)
    _copy_stops(src, dst)


@njit(cache=True, nogil=True)
def _sync(src, dst, changed):
    """Make dst equal to src again where an iteration may have changed it: the routes marked in
    ``changed`` (cleared here), and the stops' choices, visit slots and start bands and the
    communes' levels (arrays as long as the stops and communes, copied whole).

    What the search copies after each iteration, one way or the other: an iteration rewrites a
    handful of routes, and copying the whole state instead cost up to a sixth of the CPU on
    Gehring & Homberger's 200-customer R2 instances (50 rows of 203 stops) for the same plans."""
    for r in range(changed.shape[0]):
        if changed[r]:
            _copy_route(src, dst, r)
            changed[r] = False
    _copy_stops(src, dst)


@njit(cache=True, nogil=True, inline="always")
def _in(arr, n, x):
    for i in range(n):
        if arr[i] == x:
            return True
    return False


@njit(cache=True, nogil=True)
def seed_rng(seed):
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def _search(
    I, cur, cand, best, iterations, t_start, t_end, cbar, lmax, blink, neighbours, stamp, stats
):
    """Run SISR iterations with simulated annealing from ``cur``; keeps ``best`` up to date.

    The temperature decreases geometrically from ``t_start`` to ``t_end`` over the iterations.
    Each recreated candidate goes through :func:`local_search` over each stop's ``neighbours``
    nearest stops (0: none). ``stats``: [iterations done, improvements of the best, accepted moves].
    """
    seq_a, seq_b = _scratch_sequences(cur)
    cur_obj = _objective(I, cur)
    best_obj = _objective(I, best)
    # cand equals cur at the start of every iteration: copied in full once (the caller may
    # have changed cur between calls), then kept equal by syncing what each iteration changed.
    _copy_state(cur, cand)
    cand.changed[:] = False
    for it in range(iterations):
        if iterations > 1:
            frac = it / (iterations - 1)
        else:
            frac = 1.0
        temp = t_start * (t_end / t_start) ** frac if t_start > 0 and t_end > 0 else 0.0
        nrem = ruin(I, cand, cbar, lmax, cand.removed)
        # Stops left out get another chance: mandatory ones every iteration, optional ones at
        # random, about 2 * cbar of them per iteration (there may be many that never fit).
        n_out = 0
        for s in range(I.n_stops):
            if cand.assign[s] < 0 and I.ch_ptr[s + 1] > I.ch_ptr[s] and not I.mandatory[s]:
                n_out += 1
        p_opt = 1.0 if n_out <= 2 * cbar else 2 * cbar / n_out
        for s in range(I.n_stops):
            if (
                cand.assign[s] < 0
                and I.ch_ptr[s + 1] > I.ch_ptr[s]
                and not _in(cand.removed, nrem, s)
            ):
                if I.mandatory[s] or np.random.random() < p_opt:
                    cand.removed[nrem] = s
                    nrem += 1
        stamp = _recreate(I, cand, cand.removed, nrem, blink, stamp)
        local_search(I, cand, neighbours, cand.removed, nrem, seq_a, seq_b)
        obj = _objective(I, cand)
        u = np.random.random()
        threshold = cur_obj - temp * np.log(u) if temp > 0 else cur_obj
        stats[0] += 1
        if obj < threshold - 1e-9 or obj < cur_obj - 1e-9:
            _sync(cand, cur, cand.changed)
            cur_obj = obj
            stats[2] += 1
            if obj < best_obj - 1e-9:
                _copy_state(cand, best)
                best_obj = obj
                stats[1] += 1
        else:
            _sync(cur, cand, cand.changed)
    return stamp


# --- entry points ---------------------------------------------------------------------------
#
# What Python calls: each wraps the instance and the states in StructRefs (planner.engine.records:
# a named tuple costs a reference count per array on every call of a helper) and runs the
# function of the same name with a leading underscore.


@njit(cache=True, nogil=True)
def construct(I, S, blink, stamp):
    return _construct(inst_ref(I), state_ref(S), blink, stamp)


@njit(cache=True, nogil=True)
def evaluate_stop(I, S, s, blink, stamp):
    return _evaluate_stop(inst_ref(I), state_ref(S), s, blink, stamp)


@njit(cache=True, nogil=True)
def insert_stop(I, S, s, c, lo, hi):
    return _insert_stop(inst_ref(I), state_ref(S), s, c, lo, hi)


@njit(cache=True, nogil=True)
def objective(I, S):
    return _objective(inst_ref(I), state_ref(S))


@njit(cache=True, nogil=True)
def over_budget(I, S):
    return _over_budget(inst_ref(I), state_ref(S))


@njit(cache=True, nogil=True)
def recreate(I, S, removed, nrem, blink, stamp):
    return _recreate(inst_ref(I), state_ref(S), removed, nrem, blink, stamp)


@njit(cache=True, nogil=True)
def remove_and_update(I, S, s):
    return _remove_and_update(inst_ref(I), state_ref(S), s)


@njit(cache=True, nogil=True)
def reset_levels(I, S):
    return _reset_levels(inst_ref(I), state_ref(S))


@njit(cache=True, nogil=True)
def schedule(I, r, seq, n, band_lo, band_hi, starts, best_starts):
    return _schedule(inst_ref(I), r, seq, n, band_lo, band_hi, starts, best_starts)


@njit(cache=True, nogil=True)
def search(
    I, cur, cand, best, iterations, t_start, t_end, cbar, lmax, blink, neighbours, stamp, stats
):
    return _search(
        inst_ref(I),
        state_ref(cur),
        state_ref(cand),
        state_ref(best),
        iterations,
        t_start,
        t_end,
        cbar,
        lmax,
        blink,
        neighbours,
        stamp,
        stats,
    )


@njit(cache=True, nogil=True)
def improve(I, S, neighbours):
    """Run :func:`local_search` from every stop of state S (the search runs it on every
    candidate, from the stops it reinserted); returns the number of moves made."""
    a, b = _scratch_sequences(S)
    stops = np.arange(S.assign.shape[0])
    return local_search(inst_ref(I), state_ref(S), neighbours, stops, I.n_stops, a, b)


@njit(cache=True, nogil=True)
def update_route(I, S, r):
    return _update_route(inst_ref(I), state_ref(S), r)


@njit(cache=True, nogil=True)
def yearly_variable(I, S):
    return _yearly_variable(inst_ref(I), state_ref(S))


@njit(cache=True, nogil=True)
def copy_state(src, dst):
    return _copy_state(state_ref(src), state_ref(dst))
