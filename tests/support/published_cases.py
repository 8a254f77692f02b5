"""A hand-made problem with published days and a plan that keeps, moves in time, moves in day
or drops them: one case of each status (validator and report tests)."""

from __future__ import annotations

from planner.tours.model import Objective, Published
from planner.tours.plan import Plan, Route, Visit
from support.engine_cases import Horizon, grid_problem, stop, van

MON, TUE, WED = 0, 1, 2


def published_problem():
    return grid_problem(
        [(0, 0), (10, 0), (0, 10), (10, 10), (5, 5)],
        [
            stop("same", 1, published=Published((MON,), start=600.0)),
            stop("later", 2, published=Published((MON,), start=600.0)),
            stop("moved", 3, published=Published((TUE,), start=600.0)),
            stop("other_van", 4, published=Published((WED,), vehicle="v2")),
            stop("gone", 4, published=Published((MON, WED)), mandatory=False),
            stop("new", 1),
        ],
        [van("v1"), van("v2")],
        horizon=Horizon(weeks=1, weekdays=(0, 1, 2)),
        objective=Objective(time_tolerance=15.0),
    )


def _visit(stop_id, start):
    return Visit(stop_id, start, start, start + 30)


PUBLISHED_PLAN = Plan(
    routes=[
        Route("v1", MON, 0, 2000, [_visit("same", 610.0), _visit("later", 700.0)]),
        Route("v1", WED, 0, 2000, [_visit("moved", 600.0), _visit("other_van", 700.0)]),
        Route("v2", TUE, 0, 2000, [_visit("new", 600.0)]),
    ],
    unserved=["gone"],
)
