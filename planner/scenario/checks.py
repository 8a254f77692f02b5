"""Checks of a scenario that need no data: impossible values a schema cannot see (a shift
shorter than every permanence, a lunch window outside the shift, a fortnightly stop in a
one-week cycle, duplicate ids…), each raised at the line of the key."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from geodata.names import fold
from planner.dates import period_days
from planner.french import date_range_fr
from planner.french import format_duration_fr as _dur
from planner.french import format_time_fr as _hhmm
from planner.scenario.keys import Loc, key_path
from planner.scenario.schema import StopSpec, VehicleSpec
from planner.scenario.values import DaySel, Permanence
from planner.tours.model import WEEKDAY_NAMES_FR, Frequency, Horizon

if TYPE_CHECKING:
    from planner.scenario.files import ScenarioFile

# --- checks that need no data -------------------------------------------------------------------


def horizon_of(f: ScenarioFile) -> Horizon:
    h = f.scenario.horizon
    weeks = h.weeks if h.weeks is not None else (4 if h.monthly else 1)
    p = f.scenario.period
    if p is not None and h.monthly:
        raise f.error(
            ("period",), "une période datée demande un cycle en semaines (monthly = false)"
        )
    if p is not None and h.weeks is None and h.weekdays:
        # The shortest cycle of weeks that holds the period.
        span = _weeks_spanned(_period(f, ()))
        weeks = next((w for w in (1, 2, 4) if w >= span), 4)
    if h.monthly and weeks != 4:
        raise f.error(("horizon", "weeks"), f"a monthly horizon lasts 4 weeks, not {weeks}")
    if h.last_day_of_month and not h.monthly:
        raise f.error(("horizon", "last_day_of_month"), "needs monthly = true")
    if not h.weekdays:
        raise f.error(("horizon", "weekdays"), "expected at least one working weekday")
    weekdays = tuple(sorted(set(h.weekdays)))
    base = Horizon(
        weeks=weeks, weekdays=weekdays, monthly=h.monthly, last_day_of_month=h.last_day_of_month
    )
    off: set[int] = set()
    for i, sel in enumerate(h.days_off):
        if sel.last:
            raise f.error(
                ("horizon", "days_off", i),
                "to drop the last day of the month, set last_day_of_month = false",
            )
        try:
            days = sel.days(base)
        except ValueError as exc:
            raise f.error(("horizon", "days_off", i), str(exc)) from None
        off.update(base.days[d].week * 7 + base.days[d].weekday for d in days)  # type: ignore[operator]
    horizon = Horizon(
        weeks=weeks,
        weekdays=weekdays,
        days_off=frozenset(off),
        monthly=h.monthly,
        last_day_of_month=h.last_day_of_month,
    )
    if horizon.n_days == 0:
        raise f.error(("horizon", "days_off"), "no working day is left in the cycle")
    if p is None:
        return horizon
    period = _period(f, horizon.days_off)
    span = _weeks_spanned(period)
    if span > weeks:
        raise f.error(
            ("period", "working_days"),
            f"la période {date_range_fr(period[0], period[-1])} "
            f"couvre {span} semaines, plus que le cycle ({weeks} semaine(s)) : "
            "raccourcissez-la ou allongez [horizon] weeks (1, 2 ou 4)",
        )
    return replace(horizon, period=period)


def _weeks_spanned(period: tuple[date, ...]) -> int:
    """How many weeks (Monday to Sunday) a period touches."""
    monday = period[0] - timedelta(days=period[0].weekday())
    return (period[-1] - monday).days // 7 + 1


def _period(f: ScenarioFile, days_off: frozenset[int]) -> tuple[date, ...]:
    """The dated working days of ``[period]``: the cycle's weekdays from ``start``, public
    holidays (of the territory's first département) and the cycle's ``days_off`` skipped."""
    p = f.scenario.period
    assert p is not None
    monday = p.start - timedelta(days=p.start.weekday())
    deps = f.scenario.territory.departements
    return period_days(
        p.start,
        p.working_days,
        f.scenario.horizon.weekdays,
        off=lambda d: (d - monday).days in days_off,
        insee=deps[0] if deps else None,
    )


def _stop_setting(f: ScenarioFile, i: int | None, key: str) -> tuple[Any, Loc]:
    """A stop's setting and where it is set: its ``[[stops.list]]`` entry ``i`` (None: the
    ``[candidates]``), else the ``[stops]`` default."""
    s, c = f.scenario.stops, f.scenario.candidates
    if i is not None and getattr(s.entries[i], key) is not None:
        return getattr(s.entries[i], key), ("stops", "list", i, key)
    if i is None and c is not None and getattr(c, key) is not None:
        return getattr(c, key), ("candidates", key)
    return getattr(s, key), ("stops", key)


def stop_permanence(f: ScenarioFile, i: int | None) -> tuple[Permanence, Loc]:
    """The permanence of stop ``i`` of ``[[stops.list]]`` (None: of candidates) and where it is
    set."""
    return _stop_setting(f, i, "permanence")


def stop_frequency(f: ScenarioFile, i: int | None) -> tuple[Frequency, Loc]:
    """The frequency of stop ``i`` (None: of candidates) and where it is set."""
    return _stop_setting(f, i, "frequency")


def lunch_minutes(f: ScenarioFile) -> float:
    """The longest lunch break of the vehicles (a "journée" permanence holds one on site)."""
    return max((v.lunch.duration for v in f.scenario.vehicles if v.lunch is not None), default=0.0)


def _weekday_list_check(f: ScenarioFile, loc: Loc, weekdays: Iterable[int]) -> None:
    working = set(f.horizon.weekdays)
    for j, wd in enumerate(weekdays):
        if wd not in working:
            raise f.error(
                loc + (j,),
                f"{WEEKDAY_NAMES_FR[wd]} is not a working day of the cycle (see horizon.weekdays)",
            )


def _check_day_in_weekdays(f: ScenarioFile, i: int, sel: DaySel, found: Iterable[int]) -> None:
    """A pinned day must fall on one of the stop's weekdays: both are rules of the room."""
    spec = f.scenario.stops.entries[i]
    weekdays = spec.weekdays if spec.weekdays is not None else f.scenario.stops.weekdays
    if weekdays is None:
        return
    for d in found:
        weekday = f.horizon.days[d].weekday
        if weekday is not None and weekday not in weekdays:
            allowed = ", ".join(WEEKDAY_NAMES_FR[w] for w in sorted(weekdays))
            raise f.error(
                ("stops", "list", i, "day"),
                f"{sel.text!r} falls on a {WEEKDAY_NAMES_FR[weekday]}, but the stop's weekdays "
                f"are {allowed}: change the day or the weekdays",
            )


def fixed_pattern(f: ScenarioFile, i: int) -> tuple[int, ...] | None:
    """Day indices a stop's ``day`` pins it to (None when it has no fixed day).

    Each entry names one day ("2e mardi", "mardi semaine 1", "dernier jour du mois"); a weekly
    stop may name a bare weekday ("mardi": every Tuesday); a fortnightly stop's day brings the
    same weekday two weeks later.
    """
    sels = f.scenario.stops.entries[i].day
    if sels is None:
        return None
    freq, _ = stop_frequency(f, i)
    loc: Loc = ("stops", "list", i, "day")
    days: set[int] = set()
    for sel in sels:
        try:
            found = sel.days(f.horizon)
        except ValueError as exc:
            raise f.error(loc, str(exc)) from None
        _check_day_in_weekdays(f, i, sel, found)
        if len(found) > 1 and freq is not Frequency.WEEKLY:
            raise f.error(
                loc,
                f"{sel.text!r} names every {WEEKDAY_NAMES_FR[sel.weekday or 0]} of the "
                'cycle: pin one ("2e mardi", "mardi semaine 2") or restrict the stop '
                f'with weekdays = ["{WEEKDAY_NAMES_FR[sel.weekday or 0]}"]',
            )
        days.update(found)
        if freq is Frequency.FORTNIGHTLY:
            d = f.horizon.days[found[0]]
            days.update(
                x.index
                for x in f.horizon.days
                if x.weekday == d.weekday and not x.last_of_month and x.week % 2 == d.week % 2
            )
    want = f.horizon.visits_per_cycle(freq)
    if len(days) != want:
        raise f.error(
            loc,
            f"names {len(days)} day(s) of the cycle but a {freq.value} stop is visited "
            f"{want} time(s) per {f.horizon.weeks}-week cycle",
        )
    return tuple(sorted(days))


def check_scenario(f: ScenarioFile) -> None:
    sc = f.scenario
    horizon = f.horizon
    if sc.asis is not None:
        for key in ("stops", "candidates", "requests", "stability"):
            if key in f.data:
                raise f.error(
                    (key,), "an [asis] scenario evaluates a published rota: remove this section"
                )
        if len(sc.vehicles) > 1 or any(v.count > 1 for v in sc.vehicles):
            raise f.error(("vehicles",), "an [asis] rota is run by one vehicle")
    else:
        if not sc.vehicles:
            raise f.error(
                ("vehicles",) if "vehicles" in f.data else (),
                "missing [[vehicles]]: a scenario needs at least one vehicle",
            )
        if not sc.stops.entries and sc.candidates is None and not sc.requests:
            raise f.error(
                ("stops",) if "stops" in f.data else (),
                "nothing to plan: add [[stops.list]], [candidates] or [[requests]]",
            )
    if sc.data.standalone:
        _check_standalone(f)
    elif (
        sc.asis is None
        and sc.territory.empty
        and sc.candidates is not None
        and sc.candidates.communes == "all"
        and not all(v.area for v in sc.vehicles)
    ):
        raise f.error(
            ("candidates", "communes"),
            'communes = "all" needs a [territory] or an area for every vehicle',
        )

    ids: dict[str, Loc] = {}
    for i, v in enumerate(sc.vehicles):
        loc: Loc = ("vehicles", i)
        if v.base is None and sc.asis is None:
            raise f.error(loc + ("base",), "missing required key")
        names = [v.id] if v.count == 1 else [f"{v.id}-{k + 1}" for k in range(v.count)]
        for name in names:
            if name in ids:
                raise f.error(
                    loc + ("id",),
                    f"vehicle id {name!r} is already used at line {f.line_of(ids[name])}",
                )
            ids[name] = loc + ("id",)
        if v.weekdays is not None:
            _weekday_list_check(f, loc + ("weekdays",), v.weekdays)
        for j, sel in enumerate(v.days_off):
            try:
                sel.days(horizon)
            except ValueError as exc:
                raise f.error(loc + ("days_off", j), str(exc)) from None
        start, end = v.shift
        if v.lunch is not None:
            ls, le = v.lunch.window
            if ls < start or le > end:
                raise f.error(
                    loc + ("lunch", "window"),
                    f"the lunch window {_hhmm(ls)}-{_hhmm(le)} is outside the shift "
                    f"{_hhmm(start)}-{_hhmm(end)}",
                )
            if v.lunch.duration > le - ls:
                raise f.error(
                    loc + ("lunch", "duration"),
                    f"the break ({_dur(v.lunch.duration)}) does not fit in its window "
                    f"{_hhmm(ls)}-{_hhmm(le)}",
                )
        for key in ("max_work", "max_drive"):
            value = getattr(v, key)
            if value is not None and value <= 0:
                raise f.error(loc + (key,), f"expected a positive duration, got {value:g} minutes")
        if v.area is not None:
            _check_area(f, i, v.area)

    _check_stops(f)
    _check_requests(f)
    _check_kiosks(f)


def is_commune_code(code: str) -> bool:
    """True for an INSEE commune code among the codes of an ``area``."""
    return len(code) == 5


def _check_area(f: ScenarioFile, i: int, area: list[str]) -> None:
    """A vehicle's ``area``: not empty, no code twice, communes only without a database."""
    loc: Loc = ("vehicles", i, "area")
    if f.scenario.asis is not None:
        raise f.error(loc, "an [asis] rota keeps its published communes: remove area")
    if not area:
        raise f.error(
            loc, 'expected at least one code (e.g. area = ["45"]); remove area to serve anywhere'
        )
    seen: set[str] = set()
    for j, code in enumerate(area):
        if code in seen:
            raise f.error(loc + (j,), f"{code} is listed twice")
        seen.add(code)
        if f.scenario.data.standalone and not is_commune_code(code):
            raise f.error(
                loc + (j,),
                f"{code}: a standalone scenario (data.standalone = true) has no database to "
                "list the communes of a département or an EPCI: give INSEE commune codes",
            )


def _check_kiosks(f: ScenarioFile) -> None:
    k = f.scenario.kiosks
    if k is None:
        return
    loc: Loc = ("kiosks",)
    if f.scenario.data.standalone:
        raise f.error(
            loc, "kiosks are placed in communes of the database: not in a standalone scenario"
        )
    if (k.choose is None) == (not k.communes):
        raise f.error(loc, "give either communes = [...] (the kiosks' communes) or choose = N")
    if k.candidates is not None and k.choose is None:
        raise f.error(loc + ("candidates",), "candidates go with choose = N")
    if k.choose is not None and f.scenario.territory.empty and not k.candidates:
        raise f.error(loc + ("choose",), "choose = N needs a [territory] or kiosks.candidates")
    for key in ("communes", "candidates"):
        seen: set[str] = set()
        for i, code in enumerate(getattr(k, key) or []):
            if code in seen:
                raise f.error(loc + (key, i), f"commune {code} is listed twice")
            seen.add(code)
    if k.choose is not None and k.candidates and k.choose > len(k.candidates):
        raise f.error(
            loc + ("choose",),
            f"choose = {k.choose} but only {len(k.candidates)} candidate communes",
        )


def _work_span(v: VehicleSpec) -> float:
    span = v.shift[1] - v.shift[0]
    return min(span, v.max_work) if v.max_work is not None else span


def _check_standalone(f: ScenarioFile) -> None:
    sc = f.scenario
    why = "a standalone scenario (data.standalone = true) uses no database: give lon and lat"
    for i, v in enumerate(sc.vehicles):
        for key in ("base", "end_base"):
            place = getattr(v, key)
            if place is not None and not place.has_point:
                raise f.error(("vehicles", i, key), why)
    for i, s in enumerate(sc.stops.entries):
        if s.lon is None:
            raise f.error(("stops", "list", i), why)
    for i, r in enumerate(sc.requests):
        if r.lon is None:
            raise f.error(("requests", i), why)
    if sc.candidates is not None:
        raise f.error(
            ("candidates",),
            "candidates are chosen among the communes of the database: not in a standalone "
            "scenario",
        )
    if sc.asis is not None:
        raise f.error(
            ("asis",), "an [asis] rota is read from the database: not in a standalone scenario"
        )
    st = sc.stability
    if st is not None and (st.published is not None or st.rota is not None):
        key = "published" if st.published is not None else "rota"
        raise f.error(
            ("stability", key),
            "a published rota is read from the database: not in a standalone scenario",
        )


def _check_stops(f: ScenarioFile) -> None:
    """Check stop entries against the cycle and the vehicles."""
    sc = f.scenario
    entries: list[int | None] = list(range(len(sc.stops.entries))) + (
        [None] if sc.candidates else []
    )
    lunch = lunch_minutes(f)
    needs = []
    for i in entries:
        perm, perm_loc = stop_permanence(f, i)
        needs.append((perm.minutes + (lunch if perm.with_lunch else 0.0), perm_loc, i))
    if sc.asis is None and needs:
        need, where, _ = min(needs, key=lambda n: n[0])
        for k, v in enumerate(sc.vehicles):
            span = _work_span(v)
            if span < need:
                binding = v.max_work is not None and v.max_work < v.shift[1] - v.shift[0]
                what = (
                    f"max_work ({_dur(span)})"
                    if binding
                    else f"the shift {_hhmm(v.shift[0])}-{_hhmm(v.shift[1])} ({_dur(span)} of work)"
                )
                raise f.error(
                    ("vehicles", k, "max_work" if binding else "shift"),
                    f"{what} is shorter than every permanence (the shortest, {key_path(where)}, "
                    f"lasts {_dur(need)})",
                )
    longest = max((_work_span(v) for v in sc.vehicles), default=None)
    if sc.stops.weekdays is not None:
        _weekday_list_check(f, ("stops", "weekdays"), sc.stops.weekdays)
    ids: dict[str, int] = {}
    for i in entries:
        perm, perm_loc = stop_permanence(f, i)
        freq, freq_loc = stop_frequency(f, i)
        if f.horizon.visits_per_cycle(freq) == 0:
            raise f.error(
                freq_loc,
                f"a {freq.value} stop needs a cycle of at least 2 weeks (horizon.weeks = "
                f"{f.horizon.weeks})",
            )
        if freq is Frequency.MONTHLY and f.horizon.weeks != 4:
            raise f.error(
                freq_loc,
                f"a monthly stop needs a 4-week cycle (horizon.weeks = 4, or monthly = true); "
                f"in a {f.horizon.weeks}-week cycle it would come every {f.horizon.weeks} week(s)",
            )
        if perm.minutes <= 0:
            raise f.error(perm_loc, "a permanence lasts more than 0 minutes")
        need = perm.minutes + (lunch if perm.with_lunch else 0.0)
        if longest is not None and need > longest:
            where = perm_loc if perm_loc in f.lines or i is None else ("stops", "list", i)
            raise f.error(
                where,
                f"the permanence ({_dur(need)}) is longer than every vehicle's shift "
                f"(the longest gives {_dur(longest)} of work)",
            )
        if i is None:
            continue
        spec = sc.stops.entries[i]
        loc: Loc = ("stops", "list", i)
        if not (spec.id or spec.commune or spec.site or spec.name):
            raise f.error(loc, "a stop given by coordinates needs an id or a name")
        sid = stop_id(spec)
        if sid in ids:
            raise f.error(
                loc + (("id",) if spec.id else ("commune",) if spec.commune else ()),
                f"stop {sid!r} is already listed at line {f.line_of(('stops', 'list', ids[sid]))}; "
                "give it another id",
            )
        ids[sid] = i
        if spec.weekdays is not None:
            _weekday_list_check(f, loc + ("weekdays",), spec.weekdays)
        if spec.window is not None:
            _check_room(f, loc + ("window",), spec.window, need)
        for j, w in enumerate(spec.windows or ()):
            _check_room(f, loc + ("windows", j), (w.start, w.end), need)
            if w.day is not None:
                try:
                    w.day.days(f.horizon)
                except ValueError as exc:
                    raise f.error(loc + ("windows", j), str(exc)) from None
        fixed_pattern(f, i)
    if "window" in sc.stops.model_fields_set:
        perm, _ = stop_permanence(f, None)
        _check_room(f, ("stops", "window"), sc.stops.window, perm.minutes)


def _check_room(f: ScenarioFile, loc: Loc, window: tuple[float, float], need: float) -> None:
    if window[1] - window[0] < need - 1e-9:
        raise f.error(
            loc,
            f"the room is available {_hhmm(window[0])}-{_hhmm(window[1])}, "
            f"shorter than the permanence ({_dur(need)})",
        )


def _check_requests(f: ScenarioFile) -> None:
    seen: dict[str, int] = {}
    stop_ids = {stop_id(s) for s in f.scenario.stops.entries}
    for i, r in enumerate(f.scenario.requests):
        loc: Loc = ("requests", i)
        if r.id in seen or r.id in stop_ids:
            raise f.error(loc + ("id",), f"id {r.id!r} is already used by another request or stop")
        seen[r.id] = i
        for j, w in enumerate(r.windows):
            if w.end - w.start < r.duration:
                raise f.error(
                    loc + ("windows", j),
                    f"the window {_hhmm(w.start)}-{_hhmm(w.end)} is shorter "
                    f"than the visit ({_dur(r.duration)})",
                )
            if w.day is not None:
                try:
                    days = w.day.days(f.horizon)
                except ValueError as exc:
                    raise f.error(loc + ("windows", j), str(exc)) from None
                if f.horizon.period and not set(days) & f.horizon.period_day_indices:
                    raise f.error(
                        loc + ("windows", j),
                        f"{w.day.text} ne tombe sur aucun jour de la période [period] "
                        f"({date_range_fr(f.horizon.period[0], f.horizon.period[-1])})",
                    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "stop"


def stop_id(spec: StopSpec) -> str:
    """The id of a ``[[stops.list]]`` entry: ``id``, else its commune code, site id or name."""
    return spec.id or spec.commune or spec.site or _slug(spec.name or "")
