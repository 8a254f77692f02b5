"""Putting plans into words: French for the people who read rotas, short English for diagnostics.

What it is for
--------------
- :func:`describe_pattern_fr` states how a plan serves a stop, the way a mobility manager would
  print it on a poster: "2e mardi du mois, 10:00–12:30", "chaque jeudi, 13:30–16:00",
  "un lundi sur deux (semaines 1 et 3), 9:00–12:00",
  "dernier jour du mois, 10:00–16:00 (pause déjeuner 12:30–13:30)".
- The vocabulary of days and patterns (ordinals, weekdays, day labels, lists joined with "et")
  shared by the CLI rota printout, timetables, posters, the validator and the feasibility
  explanations.

Clock times and durations (two styles, "10:30" and "10 h 30") are written by
:mod:`planner.french`; this module imports them and re-exports them for its older callers.

It must not: decide anything about a plan (the validator checks, the engines plan), or read files;
it only reads the :class:`~planner.tours.model.Problem` and :class:`~planner.tours.plan.Plan` it is
given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from planner.errors import PlanError
from planner.french import TimeStyle, day_month_year_fr, format_range_fr
from planner.tours.model import WEEKDAY_NAMES_FR, Horizon, Problem, StopKind
from planner.tours.plan import Plan

__all__ = [
    "WEEKDAY_NAMES_FR",
    "WEEKDAY_NAMES_EN",
    "ordinal_fr",
    "ordinal_en",
    "weekday_fr",
    "weekday_en",
    "join_fr",
    "join_en",
    "day_label_fr",
    "day_label_en",
    "describe_days_fr",
    "describe_pattern_fr",
]

WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Visits whose start (and end) times differ by less than this are printed as one slot.
SAME_SLOT_MINUTES = 1.0


def ordinal_fr(n: int, feminine: bool = False) -> str:
    """French abbreviated ordinal: ``1er`` (``1re`` when feminine), ``2e``, ``3e``…"""
    if n < 1:
        raise ValueError(f"ordinals start at 1, got {n}")
    if n == 1:
        return "1re" if feminine else "1er"
    return f"{n}e"


def ordinal_en(n: int) -> str:
    """English abbreviated ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st…"""
    if n < 1:
        raise ValueError(f"ordinals start at 1, got {n}")
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def weekday_fr(weekday: int, plural: bool = False) -> str:
    """``lundi`` … ``dimanche`` (Monday = 0); ``lundis`` when plural."""
    name = WEEKDAY_NAMES_FR[weekday]
    return name + "s" if plural else name


def weekday_en(weekday: int, plural: bool = False) -> str:
    """``Monday`` … ``Sunday`` (Monday = 0); ``Mondays`` when plural."""
    name = WEEKDAY_NAMES_EN[weekday]
    return name + "s" if plural else name


def _join(items: Sequence[str], last: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def join_fr(items: Sequence[str]) -> str:
    """``"a"``, ``"a et b"``, ``"a, b et c"``."""
    return _join(items, "et")


def join_en(items: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return _join(items, "and")


def day_label_fr(horizon: Horizon, day: int) -> str:
    """One day of the cycle in French: "2e mardi" (monthly), "mardi" (1-week cycle),
    "mardi (semaine 2)" (2- or 4-week cycle), "dernier jour du mois", "jour 3" (plain days)."""
    d = horizon.days[day]
    if horizon.plain_days is not None:
        return f"jour {day + 1}"
    if d.last_of_month or d.weekday is None:
        return "dernier jour du mois"
    if horizon.monthly:
        return f"{ordinal_fr(d.week + 1)} {weekday_fr(d.weekday)}"
    if horizon.weeks == 1:
        return weekday_fr(d.weekday)
    return f"{weekday_fr(d.weekday)} (semaine {d.week + 1})"


def day_label_en(horizon: Horizon, day: int) -> str:
    """One day of the cycle in English, for diagnostics: "day 3 (2nd Tuesday)",
    "day 1 (Monday)", "day 8 (Tuesday, week 2)", "day 21 (last day of the month)", "day 4"."""
    if not 0 <= day < horizon.n_days:
        return f"day {day}"
    d = horizon.days[day]
    if horizon.plain_days is not None:
        return f"day {day}"
    if d.last_of_month or d.weekday is None:
        what = "last day of the month"
    elif horizon.monthly:
        what = f"{ordinal_en(d.week + 1)} {weekday_en(d.weekday)}"
    elif horizon.weeks == 1:
        what = weekday_en(d.weekday)
    else:
        what = f"{weekday_en(d.weekday)}, week {d.week + 1}"
    return f"day {day} ({what})"


def _weekday_group_fr(horizon: Horizon, weekday: int, weeks: list[int]) -> str:
    """French words for the days of one weekday in the given (0-based) weeks of the cycle."""
    name = weekday_fr(weekday)
    if weeks == list(range(horizon.weeks)):
        return f"chaque {name}"
    if horizon.monthly:
        ords = join_fr([ordinal_fr(w + 1) for w in weeks])
        return f"{ords} {weekday_fr(weekday, plural=len(weeks) > 1)} du mois"
    numbers = join_fr([str(w + 1) for w in weeks])
    if len(weeks) == 1:
        every = "sur deux" if horizon.weeks == 2 else "toutes les quatre semaines"
        return f"un {name} {every} (semaine {numbers})"
    if len(weeks) * 2 == horizon.weeks and all(b - a == 2 for a, b in pairwise(weeks)):
        return f"un {name} sur deux (semaines {numbers})"
    return f"le {name} des semaines {numbers}"


def dated_day_fr(horizon: Horizon, day: int) -> str:
    """A day of the cycle with its date when it has one (a day of the bookings period):
    "mardi 5 janvier 2027"; else its label in the cycle ("mardi (semaine 1)")."""
    d = horizon.days[day]
    if d.date is None:
        return day_label_fr(horizon, day)
    return f"{weekday_fr(d.date.weekday())} {day_month_year_fr(d.date)}"


def describe_days_fr(horizon: Horizon, days: Iterable[int]) -> str:
    """French words for a set of days of the cycle (a visit pattern), without times.

    "chaque jeudi", "2e mardi du mois", "1er et 3e lundis du mois",
    "un lundi sur deux (semaines 1 et 3)", "dernier jour du mois", "jours 2 et 5".
    """
    days = sorted(set(days))
    if not days:
        return "jamais"
    if horizon.plain_days is not None:
        nums = [str(d + 1) for d in days]
        return f"jour {nums[0]}" if len(nums) == 1 else f"jours {join_fr(nums)}"
    by_weekday: dict[int, list[int]] = {}
    last = False
    for i in days:
        d = horizon.days[i]
        if d.last_of_month or d.weekday is None:
            last = True
        else:
            by_weekday.setdefault(d.weekday, []).append(d.week)
    parts = [_weekday_group_fr(horizon, wd, sorted(ws)) for wd, ws in sorted(by_weekday.items())]
    if last:
        parts.append("dernier jour du mois")
    return join_fr(parts)


def describe_pattern_fr(
    problem: Problem, stop_id: str, plan: Plan, style: TimeStyle = "timetable"
) -> str:
    """How ``plan`` serves a stop, in French: days, hours and the lunch break taken on site.

    "2e mardi du mois, 10:00–12:30"; "chaque jeudi, 13:30–16:00";
    "dernier jour du mois, 10:00–16:00 (pause déjeuner 12:30–13:30)". When visits do not share
    the same hours, each day is given with its own: "1er lundi du mois, 10:00–12:30 ;
    3e lundi du mois, 13:30–16:00". A stop the plan does not serve is "non desservi".
    """
    if stop_id not in problem.stop_by_id:
        raise PlanError(f"unknown stop {stop_id!r}: not in problem {problem.name or '(unnamed)'}")
    horizon = problem.horizon
    visits = [(r, v) for r, v in plan.visits_of(stop_id) if 0 <= r.day < horizon.n_days]
    if not visits:
        return "non desservi"

    def slot(route_lunch: tuple[float, float] | None, start: float, end: float) -> str:
        text = format_range_fr(start, end, style)
        if route_lunch is not None and start <= route_lunch[0] and route_lunch[1] <= end:
            text += f" (pause déjeuner {format_range_fr(*route_lunch, style)})"
        return text

    def same(a: float, b: float) -> bool:
        return abs(a - b) < SAME_SLOT_MINUTES

    if problem.stop_by_id[stop_id].kind is StopKind.REQUEST:  # a booking: once, on its date
        return " ; ".join(
            f"{dated_day_fr(horizon, r.day)}, {slot(r.lunch, v.start, v.end)}" for r, v in visits
        )
    v0 = visits[0][1]
    slots = [slot(r.lunch, v.start, v.end) for r, v in visits]
    uniform = all(
        same(v.start, v0.start) and same(v.end, v0.end) and s == slots[0]
        for (_, v), s in zip(visits, slots, strict=True)
    )
    if uniform:
        return f"{describe_days_fr(horizon, [r.day for r, _ in visits])}, {slots[0]}"
    return " ; ".join(
        f"{describe_days_fr(horizon, [r.day])}, {s}"
        for (r, _), s in zip(visits, slots, strict=True)
    )
