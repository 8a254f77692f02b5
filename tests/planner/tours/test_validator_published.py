"""The validator's stability figures: published visits kept, moved in time, moved to another day,
counted from the plan alone on hand-made plans."""

from __future__ import annotations

import dataclasses

from planner.tours.model import Objective, Published
from planner.tours.plan import Plan, Route, Visit
from planner.tours.validator import validate
from support.engine_cases import Horizon, grid_problem, stop, van

MON, TUE, WED = 0, 1, 2


def _problem():
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


PLAN = Plan(
    routes=[
        Route("v1", MON, 0, 2000, [_visit("same", 610.0), _visit("later", 700.0)]),
        Route("v1", WED, 0, 2000, [_visit("moved", 600.0), _visit("other_van", 700.0)]),
        Route("v2", TUE, 0, 2000, [_visit("new", 600.0)]),
    ],
    unserved=["gone"],
)


def test_published_visits_are_counted_kept_time_changed_or_day_changed():
    f = validate(_problem(), PLAN).figures
    assert f.published_stops == 5
    assert f.published_visits == 6
    assert f.published_kept == 1  # "same": 10 minutes off, within the tolerance
    assert f.published_time_changed == 1  # "later": Monday at 11:40 instead of 10:00
    assert f.published_day_changed == 4  # "moved", "other_van" (v1, not v2), "gone" twice
    assert f.published_stops_same_days == 2


def test_each_published_stop_gets_a_status_and_its_days():
    f = validate(_problem(), PLAN).figures
    changes = {c.stop: c for c in f.published_changes}
    assert {s: c.status for s, c in changes.items()} == {
        "same": "unchanged",
        "later": "time",
        "moved": "day",
        "other_van": "day",
        "gone": "unserved",
    }
    assert (changes["moved"].days_before, changes["moved"].days_after) == ([TUE], [WED])
    assert changes["later"].start_after == 700.0
    assert "published_changes" in f.to_dict()


def test_a_change_is_not_a_violation():
    problem = _problem()
    unpublished = dataclasses.replace(
        problem, stops=tuple(dataclasses.replace(s, published=None) for s in problem.stops)
    )
    messages = [v.message for v in validate(problem, PLAN).violations]
    assert messages == [v.message for v in validate(unpublished, PLAN).violations]
    assert validate(unpublished, PLAN).figures.published_stops == 0
