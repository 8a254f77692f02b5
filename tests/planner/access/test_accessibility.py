"""2SFCA on a 3-commune, 2-service case computed by hand (one minute per km, see test_coverage)."""

from __future__ import annotations

import math

import pytest

from geodata.records import Interval, ServiceKind, ServicePoint
from planner.access.accessibility import (
    DEFAULT_WEEKLY_HOURS,
    decay_weights,
    two_step_fca,
    weekly_hours,
)
from planner.errors import ParameterError
from planner.tours.model import WEEKS_PER_MONTH, Frequency
from tests.planner.access.test_coverage import MINUTE_PER_KM, commune, north, stop


def fs(sid: str, km: float, capacity: float | None) -> ServicePoint:
    return ServicePoint(sid, sid, ServiceKind.FRANCE_SERVICES, *north(km), None, capacity=capacity)


# A at 0 km reaches s1 (5 min); B at 10 km reaches s1 (5) and s2 (25); C at 40 km reaches s2 (5).
COMMUNES = [commune("A", 0, 1000, 5.0), commune("B", 10, 2000, 6.0), commune("C", 40, 500, 9.0)]
SERVICES = [fs("s1", 5, 30.0), fs("s2", 35, 10.0)]


def test_binary_2sfca_matches_the_hand_computation():
    # R1 = 30 / (1000 + 2000) = 0.01 ; R2 = 10 / (2000 + 500) = 0.004 (hours per inhabitant)
    scores = two_step_fca(COMMUNES, SERVICES, threshold=30, router=MINUTE_PER_KM)
    assert scores["score"].to_dict() == pytest.approx({"A": 10.0, "B": 14.0, "C": 4.0})
    assert scores["services_within"].to_dict() == {"A": 1, "B": 2, "C": 1}


def test_gaussian_decay_matches_the_hand_computation():
    def w(t: float) -> float:
        return (math.exp(-0.5 * (t / 30) ** 2) - math.exp(-0.5)) / (1 - math.exp(-0.5))

    r1 = 30 / (w(5) * 1000 + w(5) * 2000)
    r2 = 10 / (w(25) * 2000 + w(5) * 500)
    scores = two_step_fca(COMMUNES, SERVICES, threshold=30, router=MINUTE_PER_KM, decay="gaussian")
    assert scores.loc["B", "score"] == pytest.approx(1000 * (w(5) * r1 + w(25) * r2), rel=1e-4)
    assert scores.loc["C", "score"] == pytest.approx(1000 * w(5) * r2, rel=1e-4)


def test_need_as_demand_divides_by_population_times_ifn():
    scores = two_step_fca(COMMUNES, SERVICES, threshold=30, router=MINUTE_PER_KM, demand="need")
    # R1 = 30 / (5000 + 12000); A's score = 1000 × R1
    assert scores.loc["A", "score"] == pytest.approx(1000 * 30 / 17000)


def test_a_commune_out_of_every_catchment_scores_zero():
    scores = two_step_fca(
        COMMUNES + [commune("Z", 200, 10, 5.0)], SERVICES, threshold=30, router=MINUTE_PER_KM
    )
    assert scores.loc["Z", "score"] == 0.0


def test_mobile_stops_supply_their_weekly_equivalent_hours():
    bus = stop("bus", 0, Frequency.MONTHLY, 6.0)
    scores = two_step_fca(COMMUNES[:1], [], [bus], threshold=30, router=MINUTE_PER_KM)
    assert scores.loc["A", "score"] == pytest.approx(1000 * 6.0 / WEEKS_PER_MONTH / 1000)


def test_supply_comes_from_capacity_then_hours_then_the_charter_default():
    hours = {0: (Interval(540, 720), Interval(810, 1020))}  # 3 h + 3.5 h
    assert weekly_hours(fs("a", 0, 40.0)) == 40.0
    assert (
        weekly_hours(ServicePoint("b", "b", ServiceKind.FRANCE_SERVICES, 1, 46, None, hours=hours))
        == 6.5
    )
    assert weekly_hours(fs("c", 0, None)) == DEFAULT_WEEKLY_HOURS == 24.0


def test_bad_options_are_refused():
    with pytest.raises(ParameterError, match="decay"):
        decay_weights([1.0], 30, "linear")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="threshold"):
        two_step_fca(COMMUNES, SERVICES, threshold=0)
