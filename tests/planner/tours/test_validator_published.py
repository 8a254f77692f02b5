"""The validator's stability figures: published visits kept, moved in time, moved to another day,
counted from the plan alone on hand-made plans."""

from __future__ import annotations

import dataclasses

from planner.tours.validator import validate
from support.published_cases import PUBLISHED_PLAN as PLAN
from support.published_cases import TUE, WED
from support.published_cases import published_problem as _problem


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
