"""Why a problem cannot be solved, found before any search.

:func:`explain` lists, one readable line per blocking reason, what makes some **mandatory**
stop impossible to serve whatever the engine does: a permanence longer than any shift once the
drive is counted, no allowed day left, a missing vehicle feature, a time window nobody can reach,
a frequency the cycle cannot hold, and aggregate bounds (total presence and travel against the
time the vehicles work; visits that can only happen on one weekday against what the vehicles
working that weekday can do). :func:`warnings` does the same for optional stops, which the
engine will simply leave out. Engines call :func:`raise_if_infeasible` before searching so that
an infeasible problem is never answered by a plan that silently drops a stop.

Every check is a *proof* of infeasibility (a relaxation of the rules the validator enforces,
see ``docs/validator.md``): a line is only printed when no plan can exist, so a feasible
problem always gets an empty list. The checks miss some infeasible problems; the engine and the
validator catch the rest.

It must not search, call an engine, or read files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.errors import InfeasibleError
from planner.french import format_duration_fr, format_range_fr, format_time_fr
from planner.tours.model import Frequency, Lunch, Problem, Stop, TimeWindow, Vehicle
from planner.tours.wording import day_label_en, join_en, weekday_en

__all__ = ["FEATURE_WORDS", "explain", "warnings", "raise_if_infeasible", "single_visit_fits"]

TOL = 1e-6
INF = math.inf

# How a required vehicle feature reads in a sentence ("Migné needs wheelchair access …").
FEATURE_WORDS = {
    "pmr": "wheelchair access",
    "wifi": "internet access",
    "internet": "internet access",
}


def explain(problem: Problem) -> list[str]:
    """One line per reason that makes a mandatory stop impossible to serve ([] when none found)."""
    ctx = _Context(problem)
    lines: list[str] = []
    mandatory = [s for s in problem.stops if s.mandatory]
    if mandatory and not problem.vehicles:
        n = len(mandatory)
        return [
            f"no vehicle is defined, so the {n} mandatory stop{'s' if n > 1 else ''} cannot "
            "be served"
        ]
    blocked: set[str] = set()
    for stop in mandatory:
        reasons = _stop_reasons(ctx, stop, stop.name or stop.id)
        if reasons:
            blocked.add(stop.id)
            lines.extend(reasons)
    lines.extend(_aggregate_reasons(ctx, blocked))
    return lines


def warnings(problem: Problem) -> list[str]:
    """One line per optional stop that no plan can serve, with the reason."""
    ctx = _Context(problem)
    lines: list[str] = []
    for stop in problem.stops:
        if not stop.mandatory:
            who = f"optional stop {stop.name or stop.id}"
            if not problem.vehicles:
                lines.append(f"{who}: there is no vehicle")
                continue
            lines.extend(_stop_reasons(ctx, stop, who))
    return lines


def raise_if_infeasible(problem: Problem) -> None:
    """Raise :class:`InfeasibleError` (with every reason in ``.reasons``) if :func:`explain`
    finds any."""
    reasons = explain(problem)
    if reasons:
        more = f" (and {len(reasons) - 1} more reasons)" if len(reasons) > 1 else ""
        raise InfeasibleError(f"the problem is infeasible: {reasons[0]}{more}", reasons)


# --- one visit of one stop by one vehicle on one day ----------------------------------------


def single_visit_fits(
    vehicle: Vehicle,
    t_out: float,
    duration: float,
    t_back: float,
    windows: Sequence[TimeWindow] = (),
    lunch: Lunch | None | bool = True,
) -> bool:
    """Whether a route base → stop → base can be done in the vehicle's day.

    ``t_out`` and ``t_back`` are the drives there and back, ``windows`` the start windows that
    apply that day (empty: any start). The lunch break (``lunch=True``: the vehicle's own;
    ``None``/``False``: ignore it; or a :class:`Lunch`) is placed at best: at the base before
    leaving or after returning, while waiting on site, or inside the permanence (which is
    paused), under the rules of :func:`planner.tours.validator.lunch_required`.
    """
    if lunch is True:
        lunch = vehicle.lunch
    a, b = vehicle.shift.start, vehicle.shift.end
    max_work = INF if vehicle.max_work is None else vehicle.max_work
    if vehicle.max_drive is not None and t_out + t_back > vehicle.max_drive + TOL:
        return False
    wins = [(w.start, w.end) for w in windows] or [(-INF, INF)]

    def without_lunch(first: float, last: float) -> bool:
        # leave at S - t_out (no waiting), so the day lasts t_out + duration + t_back
        if t_out + duration + t_back > max_work + TOL:
            return False
        return any(
            max(ws, first + t_out) <= min(we, last - duration - t_back) + TOL for ws, we in wins
        )

    if not lunch:
        return without_lunch(a, b)
    length, ls, le = lunch.duration, lunch.window.start, lunch.window.end
    # lunch at the base before leaving, or after coming back: not part of the route
    if without_lunch(max(a, ls + length), b) or without_lunch(a, min(b, le)):
        return True
    if t_out + duration + length + t_back > max_work + TOL:
        return False
    for ws, we in wins:
        # lunch inside the permanence: it starts between S and S + duration
        if max(ws, a + t_out, ls - duration) <= min(we, le, b - duration - length - t_back) + TOL:
            return True
        # lunch while waiting on site, just before the permanence starts
        latest = min(we, le + length, b - duration - t_back)
        if max(ws, a + t_out + length, ls + length) <= latest + TOL:
            return True
    return False


# --- per stop ---------------------------------------------------------------------------------


def _feature_words(features: Iterable[str]) -> str:
    return join_en([FEATURE_WORDS.get(f, f"feature '{f}'") for f in sorted(features)])


def _quoted(features: Iterable[str]) -> str:
    return join_en([f"'{f}'" for f in sorted(features)])


def _window_text(windows: Iterable[TimeWindow]) -> str:
    spans = sorted({(w.start, w.end) for w in windows})
    word = "time window" if len(spans) == 1 else "time windows"
    return f"{word} {join_en([format_range_fr(a, b) for a, b in spans])}"


@dataclass
class _Context:
    """The problem with what several checks share (calendar flag, lower bounds on travel)."""

    problem: Problem
    calendar: bool = field(init=False)  # False for plain (benchmark) horizons

    def __post_init__(self) -> None:
        self.calendar = self.problem.horizon.plain_days is None

    def day_names(self, days: Iterable[int]) -> str:
        """ "Wednesday", "Monday and Thursday", "the last day of the month", "days 2 and 4"."""
        h = self.problem.horizon
        days = sorted(set(days))
        if not self.calendar:
            return ("day " if len(days) == 1 else "days ") + join_en([str(d) for d in days])
        weekdays = sorted({h.days[d].weekday for d in days if h.days[d].weekday is not None})
        names = [weekday_en(w) for w in weekdays]
        if any(h.days[d].weekday is None for d in days):
            names.append("the last day of the month")
        return join_en(names)


def _stop_reasons(ctx: _Context, stop: Stop, who: str) -> list[str]:
    p = ctx.problem
    lines: list[str] = []
    vehicles = p.vehicles
    if stop.vehicles is not None:
        vehicles = tuple(v for v in vehicles if v.id in stop.vehicles)
        if not vehicles:
            return [f"{who} is outside the service area of every vehicle"]
    with_features = [v for v in vehicles if stop.features <= v.features]
    with_seats = [v for v in vehicles if v.seats >= stop.seats]
    with_capacity = [v for v in vehicles if v.capacity is None or v.capacity + TOL >= stop.demand]
    if not with_features:
        missing = {f for f in stop.features if not any(f in v.features for v in vehicles)}
        if missing:
            word = "feature" if len(missing) == 1 else "features"
            lines.append(
                f"{who} needs {_feature_words(missing)} but no vehicle has "
                f"{word} {_quoted(missing)}"
            )
        else:
            lines.append(
                f"{who} needs {_feature_words(stop.features)} but no vehicle has "
                f"features {_quoted(stop.features)} all at once"
            )
    if not with_seats:
        lines.append(
            f"{who} needs {stop.seats} wheelchair places but the vehicles have at most "
            f"{max(v.seats for v in vehicles)}"
        )
    if not with_capacity:
        best = max(v.capacity or 0.0 for v in vehicles)
        lines.append(
            f"{who}: a visit takes a load of {stop.demand:g} but the largest vehicle "
            f"capacity is {best:g}"
        )
    compatible = [v for v in with_features if v in with_seats and v in with_capacity]
    if with_features and with_seats and with_capacity and not compatible:
        lines.append(
            f"{who}: no single vehicle has the features, wheelchair places and "
            "capacity the stop needs together"
        )
    patterns = p.stop_patterns(stop)
    if not patterns:
        lines.append(_pattern_reason(ctx, stop, who))
    if lines:
        return lines
    return _day_and_time_reasons(ctx, stop, who, compatible, patterns)


def _pattern_reason(ctx: _Context, stop: Stop, who: str) -> str:
    """Why a stop has no visit pattern at all in this cycle."""
    h = ctx.problem.horizon
    freq = stop.frequency.value
    if stop.patterns is not None:
        if not stop.patterns:
            return f"{who}: no visit pattern is listed for it"
        return (
            f"{who}: none of its {len(stop.patterns)} listed visit patterns falls only on "
            f"days when its {_window_text(stop.windows)} apply"
        )
    if not ctx.calendar:
        k = h.visits_per_cycle(stop.frequency)
        return f"{who}: {k} visits per cycle are needed but the cycle has {h.n_days} days"
    if stop.frequency is Frequency.FORTNIGHTLY and h.weeks < 2:
        return (
            f"{who}: fortnightly visits need a cycle of 2 or 4 weeks, but this cycle lasts "
            f"{h.weeks} week"
        )
    worked = set(h.weekdays)
    allowed = stop.weekdays
    has_last = any(d.last_of_month for d in h.days) and stop.frequency in (
        Frequency.MONTHLY,
        Frequency.ONCE,
    )
    if allowed is not None and not (allowed & worked) and not has_last:
        return (
            f"{who}: allowed on {join_en([weekday_en(w, True) for w in sorted(allowed)])} "
            f"only, but the cycle's working days are "
            f"{join_en([weekday_en(w, True) for w in sorted(worked)]) or 'none'}"
        )
    on = "" if allowed is None else " on " + join_en([weekday_en(w, True) for w in sorted(allowed)])
    if not h.patterns(stop.frequency, allowed):
        if stop.frequency in (Frequency.MONTHLY, Frequency.ONCE):
            return f"{who}: every allowed day{on} is a day off of the cycle"
        return f"{who}: every {freq} visit pattern{on} hits a day off of the cycle"
    days = sorted({d.index for d in h.days if stop.allowed_on(d.index)})
    where = ctx.day_names(days) if days else "no day of the cycle"
    verb = "applies" if len({(w.start, w.end) for w in stop.windows}) == 1 else "apply"
    return (
        f"{who}: its {_window_text(stop.windows)} {verb} only on {where}, which fits none "
        f"of its {freq} visit patterns{on}"
    )


def _covered(
    ctx: _Context,
    pattern: tuple[int, ...],
    vehicles: Sequence[Vehicle],
    ok: dict[tuple[str, int], bool],
) -> bool:
    """Whether some assignment serves the pattern: one vehicle for every visit on a calendar
    horizon (regularity), any vehicle per day on plain benchmark horizons."""
    if ctx.calendar and len(pattern) > 1:
        return any(all(ok[(v.id, d)] for d in pattern) for v in vehicles)
    return all(any(ok[(v.id, d)] for v in vehicles) for d in pattern)


def _day_and_time_reasons(
    ctx: _Context,
    stop: Stop,
    who: str,
    vehicles: list[Vehicle],
    patterns: tuple[tuple[int, ...], ...],
) -> list[str]:
    p = ctx.problem
    h = p.horizon
    days = sorted({d for pat in patterns for d in pat if 0 <= d < h.n_days})
    works = {(v.id, d): v.works_on(h.days[d]) for v in vehicles for d in days}
    if not any(_covered(ctx, pat, vehicles, works) for pat in patterns):
        return [_days_reason(ctx, stop, who, vehicles, days, works)]
    fits: dict[tuple[str, int], bool] = {}
    cache: dict[tuple[str, tuple[TimeWindow, ...]], bool] = {}
    for v in vehicles:
        t_out, _ = p.travel(v.start_location, stop.location)
        t_back, _ = p.travel(stop.location, v.end_location)
        for d in days:
            if not works[(v.id, d)]:
                fits[(v.id, d)] = False
                continue
            wins = stop.windows_on(d)
            key = (v.id, wins)
            if key not in cache:
                cache[key] = single_visit_fits(v, t_out, stop.duration, t_back, wins)
            fits[(v.id, d)] = cache[key]
    if any(_covered(ctx, pat, vehicles, fits) for pat in patterns):
        return []
    return [_time_reason(ctx, stop, who, vehicles, days, works)]


def _days_reason(
    ctx: _Context,
    stop: Stop,
    who: str,
    vehicles: list[Vehicle],
    days: list[int],
    works: dict[tuple[str, int], bool],
) -> str:
    h = ctx.problem.horizon
    why: list[str] = []
    for v in vehicles:
        missing = [d for d in days if not works[(v.id, d)]]
        if not missing:
            why.append(f"{v.id} works on some of them only")
            continue
        by_weekday = sorted(
            {
                h.days[d].weekday
                for d in missing
                if h.days[d].weekday is not None
                and v.weekdays is not None
                and h.days[d].weekday not in v.weekdays
            }
        )
        parts = []
        if by_weekday:
            parts.append("does not work on " + join_en([weekday_en(w, True) for w in by_weekday]))
        off = [d for d in missing if d in v.days_off]
        if off:
            parts.append("is off on " + join_en([day_label_en(h, d) for d in off]))
        if not parts:
            parts.append("works on none of those days")
        why.append(f"{v.id} " + " and ".join(parts))
    if ctx.calendar and any(len(pat) > 1 for pat in ctx.problem.stop_patterns(stop)):
        note = "; a regular stop keeps one vehicle for every visit"
    else:
        note = ""
    return f"no allowed day left for {who} (allowed: {ctx.day_names(days)}; {'; '.join(why)}{note})"


def _time_reason(
    ctx: _Context,
    stop: Stop,
    who: str,
    vehicles: list[Vehicle],
    days: list[int],
    works: dict[tuple[str, int], bool],
) -> str:
    p = ctx.problem
    findings: list[tuple[str, str, float]] = []  # (code, message, earliest arrival)
    for v in vehicles:
        vdays = [d for d in days if works[(v.id, d)]]
        if vdays:
            findings.append(_diagnose(p, stop, v, vdays))
    if not findings:
        return f"{who}: no vehicle works on its days"
    windows = [w for d in days for w in stop.windows_on(d)]
    if all(code == "unreachable" for code, _, _ in findings):
        base = "any base" if len(findings) > 1 else f"the base of {findings[0][1]}"
        earliest = min(t for _, _, t in findings)
        return (
            f"{who}: {_window_text(windows)} cannot be reached from {base} before "
            f"{format_time_fr(earliest)}"
        )
    messages = [
        f"{_window_text(windows)} cannot be reached from the base of {msg} before "
        f"{format_time_fr(t)}"
        if code == "unreachable"
        else msg
        for code, msg, t in findings
    ]
    return f"{who}: " + "; ".join(messages)


def _diagnose(p: Problem, stop: Stop, v: Vehicle, days: list[int]) -> tuple[str, str, float]:
    """The most telling reason why ``v`` cannot serve ``stop`` on any of ``days``."""
    t_out, _ = p.travel(v.start_location, stop.location)
    t_back, _ = p.travel(stop.location, v.end_location)
    a, b = v.shift.start, v.shift.end
    dur, fmt = stop.duration, format_duration_fr
    limit, limit_name = b - a, f"{fmt(b - a)} shift of {v.id}"
    if v.max_work is not None and v.max_work < limit:
        limit, limit_name = v.max_work, f"{fmt(v.max_work)} maximum working day of {v.id}"
    if v.max_drive is not None and t_out + t_back > v.max_drive + TOL:
        return (
            "drive",
            f"{fmt(t_out)} to get there + {fmt(t_back)} back exceed the "
            f"{fmt(v.max_drive)} driving limit of {v.id}",
            INF,
        )
    trip = f"{fmt(t_out)} from the base + {fmt(dur)} of permanence + {fmt(t_back)} back"
    if t_out + dur + t_back > limit + TOL:
        return ("span", f"{trip} exceeds the {limit_name}", INF)
    if v.lunch is not None and not single_visit_fits(v, t_out, dur, t_back, ()):
        lw = v.lunch.window
        return (
            "lunch",
            f"{fmt(t_out)} from the base + {fmt(dur)} of permanence + "
            f"{fmt(v.lunch.duration)} of lunch break (to start within "
            f"{format_range_fr(lw.start, lw.end)}) + {fmt(t_back)} back do not fit the "
            f"{limit_name} ({format_range_fr(a, b)})",
            INF,
        )
    windows = [w for d in days for w in stop.windows_on(d)]
    earliest = a + t_out
    if windows and all(earliest > w.end + TOL for w in windows):
        return ("unreachable", v.id, earliest)
    if windows:
        first = min(max(w.start, earliest) for w in windows)
        if first + dur + t_back > b + TOL:
            return (
                "late",
                f"starting at {format_time_fr(first)} at the earliest "
                f"({_window_text(windows)}) + {fmt(dur)} of permanence + {fmt(t_back)} back "
                f"ends after the end of the shift of {v.id} ({format_time_fr(b)})",
                INF,
            )
    lunch = ""
    if v.lunch is not None:
        lw = v.lunch.window
        lunch = (
            f" and a lunch break of {fmt(v.lunch.duration)} starting within "
            f"{format_range_fr(lw.start, lw.end)}"
        )
    wins = f" its {_window_text(windows)}" if windows else ""
    return (
        "other",
        f"the permanence ({fmt(dur)}),{wins}{lunch} cannot fit together in the "
        f"shift {format_range_fr(a, b)} of {v.id}",
        INF,
    )


# --- aggregate bounds -----------------------------------------------------------------------


def _min_travel(p: Problem, block: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Per stop, the shortest possible drive into it and out of it (minutes).

    Into a stop: from any vehicle's start or any other stop; out of it: to any vehicle's end or
    any other stop. Every visit has one leg in and one leg out, so these bound any plan's travel.
    """
    n = len(p.stops)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    locs = np.array([s.location for s in p.stops])
    # By blocks of rows, so that memory stays block x n (not a float64 copy of the n x n matrix).
    from_stops = np.full(n, INF)
    to_stops = np.empty(n)
    for start in range(0, n, block):
        rows = np.arange(start, min(n, start + block))
        between = p.durations[np.ix_(locs[rows], locs)].astype(float)
        between[rows - start, rows] = INF  # a stop does not precede its own visit
        np.minimum(from_stops, between.min(axis=0), out=from_stops)
        to_stops[rows] = between.min(axis=1)
    starts = np.array(sorted({v.start_location for v in p.vehicles}))
    ends = np.array(sorted({v.end_location for v in p.vehicles}))
    into = np.minimum(from_stops, p.durations[np.ix_(starts, locs)].min(axis=0).astype(float))
    out = np.minimum(to_stops, p.durations[np.ix_(locs, ends)].min(axis=1).astype(float))
    return into, out


def _aggregate_reasons(ctx: _Context, blocked: set[str]) -> list[str]:
    """Bounds over all mandatory stops together (those already blocked alone are left out)."""
    p = ctx.problem
    h = p.horizon
    if not p.vehicles or not p.stops:
        return []
    index = {s.id: i for i, s in enumerate(p.stops)}
    mandatory = [(s, p.stop_patterns(s)) for s in p.stops if s.mandatory and s.id not in blocked]
    mandatory = [(s, pats) for s, pats in mandatory if pats]
    if not mandatory:
        return []
    into, out = _min_travel(p)
    n_days = h.n_days
    # available minutes per vehicle and day (shift length, capped by the maximum working day)
    works = np.array([[v.works_on(d) for d in h.days] for v in p.vehicles], dtype=bool)
    span = np.array(
        [
            min(v.shift.end - v.shift.start, INF if v.max_work is None else v.max_work)
            for v in p.vehicles
        ]
    )
    avail = works * span[:, None]
    visits = np.array([min(len(q) for q in pats) for _, pats in mandatory], dtype=float)
    dur = np.array([s.duration for s, _ in mandatory])
    ins = np.array([into[index[s.id]] for s, _ in mandatory])
    outs = np.array([out[index[s.id]] for s, _ in mandatory])
    lines: list[str] = []

    presence = float(visits @ dur)
    travel = float(max(visits @ ins, visits @ outs))
    offered = float(avail.sum())
    if presence + travel > offered + TOL:
        per = "; ".join(
            f"{v.id}: {int(works[i].sum())} days × {format_duration_fr(span[i])}"
            for i, v in enumerate(p.vehicles)
        )
        lines.append(
            f"the mandatory visits need at least {format_duration_fr(presence + travel)} "
            f"per cycle ({format_duration_fr(presence)} of permanence + "
            f"{format_duration_fr(travel)} of travel) but the vehicles work at most "
            f"{format_duration_fr(offered)} per cycle ({per})"
        )
    if all(v.max_drive is not None for v in p.vehicles):
        drive_cap = float(works.sum(axis=1) @ np.array([v.max_drive for v in p.vehicles]))
        if travel > drive_cap + TOL:
            lines.append(
                f"the mandatory visits need at least {format_duration_fr(travel)} of "
                f"driving per cycle but the vehicles may drive at most "
                f"{format_duration_fr(drive_cap)}"
            )

    # Visits that can only happen in a group of days (a weekday, or one day of a plain cycle).
    if ctx.calendar:
        keys = [d.weekday if d.weekday is not None else -1 for d in h.days]
    else:
        keys = list(range(n_days))
    groups = sorted(set(keys))
    member = np.zeros((n_days, len(groups)))
    for d, k in enumerate(keys):
        member[d, groups.index(k)] = 1.0
    forced = np.zeros((len(mandatory), len(groups)))
    for i, (_, pats) in enumerate(mandatory):
        incidence = np.zeros((len(pats), n_days))
        for j, pat in enumerate(pats):
            incidence[j, [d for d in pat if 0 <= d < n_days]] = 1.0
        forced[i] = (incidence @ member).min(axis=0)
    need_time = forced.T @ (dur + ins)
    need_visits = forced.sum(axis=0)
    max_stops = np.array(
        [INF if v.max_stops_per_day is None else v.max_stops_per_day for v in p.vehicles]
    )
    for g, key in enumerate(groups):
        if need_visits[g] == 0:
            continue
        days = member[:, g].astype(bool)
        label = _group_label(ctx, key)
        offered_g = float(avail[:, days].sum())
        if need_time[g] > offered_g + TOL and offered_g > 0:
            lines.append(
                f"{label}: the mandatory visits that can only happen then need at least "
                f"{format_duration_fr(need_time[g])} (permanence + travel) but the "
                f"vehicles working then offer at most {format_duration_fr(offered_g)}"
            )
        stop_cap = float(np.where(works[:, days], max_stops[:, None], 0.0).sum())
        if need_visits[g] > stop_cap + TOL:
            cap = (
                "no vehicle works then"
                if stop_cap == 0
                else (
                    f"the vehicles working then can make at most {int(stop_cap)} "
                    "(maximum stops per day)"
                )
            )
            lines.append(
                f"{label}: {int(need_visits[g])} mandatory visits can only happen then but {cap}"
            )
    return lines


def _group_label(ctx: _Context, key: int) -> str:
    if not ctx.calendar:
        return day_label_en(ctx.problem.horizon, key).capitalize()
    if key == -1:
        return "The last day of the month"
    return weekday_en(key, plural=True)
