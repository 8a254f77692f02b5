"""Expected visitors of a plan: how many people a year its permanences can expect.

The model (docs/visitors.md) follows the planning model's need counted once:

1. **Demand.** Each commune whose best help is one of the plan's permanences sends
   ``rate × need × level`` visitors a year: its need (population × IFN) times the service level
   of the best served permanence that reaches it (:mod:`planner.access.service`), counted once
   however many permanences reach it. A commune whose existing help (a France Services in
   reach…) is at least as good sends none: its residents go there. A second stop that brings a
   commune no higher level brings it no more visitors. (Visitors count the people who come, so
   the level, not the gain over existing help that the planning model's value counts: the gain
   form was tried first and gave 1 visitor per half-day against Coutances' 4–5, docs/visitors.md.)
2. **Capacity.** A permanence cannot receive more than ``per_agent_hour`` visitors per hour of
   presence and per agent on board. Each commune's visitors go to the served permanences that
   reach it, where there is room: the yearly visitors are the maximum flow from communes
   (their demand) to permanences (their capacity), a small linear programme. Adding a stop,
   making one more frequent or longer never lowers it.
3. **Range.** ``low × central`` to ``high × central``, rounded to tens.

``rate`` is **fitted** on La Rur@linette 2023 (1,230 beneficiaries a year from its published
rota, :data:`REFERENCE_VISITORS`); ``per_agent_hour`` is an assumption (30-minute sessions);
the Coutances bus's 4–5 visitors per half-day is a **check**, never fitted (it only gives the
width of the range). On-demand requests served count one visitor per visit; a request
(booking) happens once in its period, so its visits a year are the period's bookings at the same
rhythm, an extrapolation stated wherever it is shown (:func:`bookings_per_year`).

Pure functions on :class:`~planner.tours.model.Problem` and :class:`~planner.tours.plan.Plan`:
no database, file or network access.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from planner.french import number_fr
from planner.tours.model import WEEKS_PER_MONTH, Horizon, Problem, StopKind
from planner.tours.plan import Plan

__all__ = [
    "CALIBRATION_THRESHOLD",
    "COUTANCES_PER_HALF_DAY",
    "FITTED_RATE",
    "REFERENCE_VISITORS",
    "ExpectedVisitors",
    "VisitorParameters",
    "bookings_per_year",
    "bookings_rhythm_fr",
    "commune_demand",
    "expected_visitors",
    "fit_rate",
    "months_per_year",
    "range_fr",
    "round_tens",
    "stop_capacities",
    "visitors_line_fr",
]

# La Rur@linette (France Services id_fs 2394), 2023: 1,230 beneficiaries across its communes
# (report of the NEC Centre-Val de Loire workshop, April 2024). The figure the rate is fitted on.
REFERENCE_VISITORS = 1230.0
# The Coutances (Manche) France Services bus: 4 to 5 visitors per half-day. A check, not fitted.
COUTANCES_PER_HALF_DAY = (4.0, 5.0)

# Visitors a year per unit of need × level (population × IFN × service level), fitted with
# fit_rate() on scenarios/rurlinette-actuelle.toml as published, on the Indre data, with the
# default [value] levels and capacity (2 agents on board: no permanence is full). Rounded to
# three digits; tests/planner/analysis/test_visitors.py refits it and checks this constant.
FITTED_RATE = 0.0287
# The coverage threshold (minutes) of the calibration: the levels, hence the rate, depend on it.
CALIBRATION_THRESHOLD = 30.0
DEFAULT_PER_AGENT_HOUR = 2.0  # one visitor per agent every 30 minutes at most (assumption)
DEFAULT_LOW = COUTANCES_PER_HALF_DAY[0] / sum(COUTANCES_PER_HALF_DAY) * 2  # 4 / 4.5
DEFAULT_HIGH = COUTANCES_PER_HALF_DAY[1] / sum(COUTANCES_PER_HALF_DAY) * 2  # 5 / 4.5


@dataclass(frozen=True, slots=True)
class VisitorParameters:
    """The model's parameters (``[visitors]`` in a scenario; docs/visitors.md)."""

    rate: float = FITTED_RATE
    per_agent_hour: float = DEFAULT_PER_AGENT_HOUR
    low: float = DEFAULT_LOW
    high: float = DEFAULT_HIGH

    def __post_init__(self) -> None:
        for name in ("rate", "per_agent_hour", "low", "high"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}: expected a number above 0, got {value!r}")
        if self.low > 1 or self.high < 1:
            raise ValueError(f"expected low <= 1 <= high, got low {self.low}, high {self.high}")


@dataclass(frozen=True, slots=True)
class ExpectedVisitors:
    """A plan's expected visitors per year, with the range the calibration allows."""

    central: float
    low: float
    high: float
    demand: float  # visitors the communes would send without any capacity limit
    capacity: float  # visitors the permanences could receive at most
    permanences: float  # permanences (visits of stops) per year
    requests: float  # on-demand visits per year (one visitor each, in every figure above)
    presence_hours: float  # hours of presence at stops per year
    requests_in_period: int = 0  # bookings served in the period (or the cycle), counted once
    requests_factor: float = 0.0  # requests = requests_in_period × this (bookings_per_year)

    @property
    def per_permanence(self) -> float | None:
        """Average visitors per permanence (None without permanences)."""
        n = self.permanences
        return (self.central - self.requests) / n if n > 0 else None

    def to_dict(self) -> dict[str, float]:
        return {
            "per_year": round_tens(self.central),
            "low": round_tens(self.low),
            "high": round_tens(self.high),
            "demand": round(self.demand, 1),
            "capacity": round(self.capacity, 1),
            "permanences_per_year": round(self.permanences, 1),
            "per_permanence": None
            if self.per_permanence is None
            else round(self.per_permanence, 1),
            "requests_per_year": round(self.requests, 1),
            "presence_hours_per_year": round(self.presence_hours, 1),
            "requests_in_period": self.requests_in_period,
            "requests_factor": round(self.requests_factor, 2),
        }


def months_per_year(working_weeks_per_year: float = 47.0) -> float:
    """Months of service a year (47 working weeks, the cost model's default: 10.8 months)."""
    return working_weeks_per_year / WEEKS_PER_MONTH


def bookings_per_year(horizon: Horizon, months: float) -> float:
    """How many periods like the plan's bookings period fit in a year of ``months`` of service:
    the year's working days (``months`` × weeks a month × the cycle's working days a week) over
    the period's working days. Without a period, the bookings of one cycle recur every cycle
    (cycles a month × ``months``). The factor that turns a period's bookings into a yearly
    rhythm: every figure using it says so (:func:`bookings_rhythm_fr`)."""
    if not horizon.period:
        return horizon.cycles_per_month * months
    per_week = horizon.n_days / horizon.weeks
    return months * WEEKS_PER_MONTH * per_week / len(horizon.period)


def bookings_rhythm_fr(in_period: int, factor: float) -> str:
    """ "12 réservation(s) de la période × 23,5 (jours ouvrés d'une année ÷ jours ouvrés de la
    période), à ce rythme": how a yearly figure extrapolates the bookings of a period."""
    return (
        f"{in_period} réservation(s) de la période × {number_fr(factor, 1)} "
        "(jours ouvrés d'une année ÷ jours ouvrés de la période), à ce rythme"
    )


def round_tens(x: float) -> int:
    """``1093.4`` → ``1090``: the range is not more precise than tens."""
    return int(round(x / 10.0) * 10)


def commune_demand(problem: Problem, served: Iterable[str], rate: float) -> np.ndarray:
    """Visitors a year each commune sends to the plan's permanences: ``rate × need × level`` of
    the best served permanence reaching it, when that level beats its existing help; else 0."""
    need = np.array([c.need for c in problem.communes], dtype=np.float64)
    existing = np.array([c.existing for c in problem.communes], dtype=np.float64)
    best = np.zeros(len(problem.communes), dtype=np.float64)
    served = set(served)
    for r in problem.reach:
        if r.stop in served and r.level > best[r.commune]:
            best[r.commune] = r.level
    return np.where(best > existing + 1e-12, rate * need * best, 0.0)


def stop_capacities(
    problem: Problem,
    plan: Plan,
    *,
    months: float,
    per_agent_hour: float,
    staff: Mapping[str, int] | None = None,
) -> dict[str, tuple[float, float, float]]:
    """Per served stop: (permanences a year, hours of presence a year, most visitors a year).
    ``staff`` gives the agents on board per vehicle id (1 when not given).
    A request (booking) counts once: (1, its hours, its capacity), not per year."""
    per_cycle_year = problem.horizon.cycles_per_month * months
    out: dict[str, tuple[float, float, float]] = {}
    for route in plan.routes:
        agents = (staff or {}).get(route.vehicle, 1)
        for visit in route.visits:
            stop = problem.stop_by_id.get(visit.stop)
            if stop is None:
                continue
            per_year = 1.0 if stop.kind is StopKind.REQUEST else per_cycle_year
            hours = stop.duration / 60.0 * per_year
            n, h, cap = out.get(stop.id, (0.0, 0.0, 0.0))
            out[stop.id] = (n + per_year, h + hours, cap + hours * agents * per_agent_hour)
    return out


def _max_flow(
    problem: Problem, demand: np.ndarray, capacity: Mapping[str, float]
) -> tuple[float, float]:
    """(visitors received, total demand): the most visitors the communes' demand can bring to
    the permanences that reach them, within their capacity (a bipartite maximum flow)."""
    from scipy.optimize import linprog  # imported here: loading a scenario does not need it
    from scipy.sparse import coo_matrix

    edges = [
        (r.commune, r.stop)
        for r in problem.reach
        if r.stop in capacity and demand[r.commune] > 0 and capacity[r.stop] > 0
    ]
    total = float(demand.sum())
    if not edges:
        return 0.0, total
    communes = sorted({c for c, _ in edges})
    stops = sorted({s for _, s in edges})
    row_c = {c: n for n, c in enumerate(communes)}
    row_s = {s: len(communes) + n for n, s in enumerate(stops)}
    rows = [row_c[c] for c, _ in edges] + [row_s[s] for _, s in edges]
    cols = list(range(len(edges))) * 2
    a = coo_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(communes) + len(stops), len(edges))
    )
    b = np.array([demand[c] for c in communes] + [capacity[s] for s in stops])
    # Fast path: when no permanence is full, every commune's demand is met.
    by_stop = dict.fromkeys(stops, 0.0)
    for c, s in edges:  # a commune's whole demand on each stop reaching it: the worst case
        by_stop[s] += demand[c]
    if all(by_stop[s] <= capacity[s] + 1e-9 for s in stops):
        return float(sum(demand[c] for c in communes)), total
    res = linprog(-np.ones(len(edges)), A_ub=a.tocsr(), b_ub=b, bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover - a bounded feasible LP always solves
        raise RuntimeError(f"visitors: the flow problem did not solve ({res.message})")
    return float(-res.fun), total


def expected_visitors(
    problem: Problem,
    plan: Plan,
    params: VisitorParameters = VisitorParameters(),
    *,
    months: float | None = None,
    staff: Mapping[str, int] | None = None,
) -> ExpectedVisitors:
    """A plan's expected visitors per year (``months`` of service a year: 10.8 by default;
    ``staff``: agents on board per vehicle id, 1 when not given)."""
    months = months_per_year() if months is None else months
    caps = stop_capacities(
        problem, plan, months=months, per_agent_hour=params.per_agent_hour, staff=staff
    )
    kinds = {s.id: s.kind for s in problem.stops}
    in_period = sum(n for sid, (n, _, _) in caps.items() if kinds[sid] is StopKind.REQUEST)
    factor = bookings_per_year(problem.horizon, months)
    requests = in_period * factor
    permanences = {sid: v for sid, v in caps.items() if kinds[sid] is StopKind.STOP}
    demand = commune_demand(problem, permanences, params.rate) if problem.communes else None
    received, wanted = (
        _max_flow(problem, demand, {s: v[2] for s, v in permanences.items()})
        if demand is not None
        else (0.0, 0.0)
    )
    central = received + requests
    return ExpectedVisitors(
        central=central,
        low=params.low * received + requests,
        high=params.high * received + requests,
        demand=wanted,
        capacity=sum(v[2] for v in permanences.values()),
        permanences=sum(v[0] for v in permanences.values()),
        requests=requests,
        presence_hours=sum(v[1] for v in permanences.values()),
        requests_in_period=round(in_period),
        requests_factor=factor if in_period else 0.0,
    )


def fit_rate(
    problem: Problem,
    plan: Plan,
    target: float = REFERENCE_VISITORS,
    *,
    per_agent_hour: float = DEFAULT_PER_AGENT_HOUR,
    months: float | None = None,
    staff: Mapping[str, int] | None = None,
) -> float:
    """The rate at which ``plan`` expects ``target`` visitors a year (bisection: the visitors
    grow with the rate until the permanences are full). ValueError when even full permanences
    cannot receive ``target``, or when the plan serves no need."""

    def visitors(rate: float) -> float:
        p = VisitorParameters(rate=rate, per_agent_hour=per_agent_hour)
        ev = expected_visitors(problem, plan, p, months=months, staff=staff)
        return ev.central - ev.requests

    low, high = 1e-9, 1.0
    while visitors(high) < target:
        high *= 2
        if high > 1e6:
            raise ValueError(
                f"the plan cannot receive {target:g} visitors a year with its permanences "
                "(or serves no need)"
            )
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if visitors(mid) < target else (low, mid)
    return (low + high) / 2


def range_fr(low: float, high: float) -> str:
    """ "1 090 à 1 370" (tens)."""
    return f"{number_fr(round_tens(low))} à {number_fr(round_tens(high))}"


def visitors_line_fr(
    low: float,
    high: float,
    cost: float | None = None,
    *,
    threshold: float | None = None,
    bookings: tuple[int, float] | None = None,
) -> str:
    """The printout's line: expected visitors per year, the range, where the model comes from
    (and the coverage ``threshold`` when it is not the calibration's, which shifts the figure)
    and, with the yearly ``cost``, the cost per expected visitor. ``bookings`` (bookings of the
    period, factor to a year) says how the bookings' share extrapolates."""
    where = "La Rur@linette 2023"
    if threshold is not None and abs(threshold - CALIBRATION_THRESHOLD) > 1e-9:
        where += (
            f" au seuil de {number_fr(CALIBRATION_THRESHOLD)} min, appliqué ici à "
            f"{number_fr(threshold)} min"
        )
    text = (
        f"Visiteurs attendus : {range_fr(low, high)} par an (modèle calé sur {where}, "
        "docs/visitors.md"
    )
    if bookings is not None and bookings[0] > 0:
        text += f" ; dont un visiteur par visite sur réservation : {bookings_rhythm_fr(*bookings)}"
    text += ")"
    if cost and low > 0:
        text += (
            f" ; coût par visiteur attendu : {number_fr(cost / high)} à {number_fr(cost / low)} €"
        )
    return text + "."
