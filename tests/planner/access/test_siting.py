"""Maximal covering and set covering: hand-made instances with a known optimum, and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geodata.errors import UnknownAreaError
from geodata.records import ServiceKind
from planner.access.coverage import STATUS_BORNE_ONLY, CoverageInputs
from planner.access.siting import (
    SolverOptions,
    _undominated,
    maximal_covering,
    set_covering,
    solve_lscp,
    solve_mclp,
)
from planner.errors import ParameterError
from tests.planner.access.test_coverage import MINUTE_PER_KM, commune, service

# On the line (1 min per km), threshold 20: the France Services at 0 km covers A and B already.
# F at 55 km reaches C (15) and D (15); E at 100 km reaches only itself.
COMMUNES = (
    commune("A", 0, 100, 1.0),
    commune("B", 10, 100, 1.0),
    commune("C", 40, 300, 1.0),
    commune("D", 70, 50, 1.0),
    commune("E", 100, 200, 1.0),
    commune("F", 55, 10, 1.0),
)
FS = (service("fs", ServiceKind.FRANCE_SERVICES, 0),)
ONE_WORKER = SolverOptions(workers=1, time_limit=20)


@pytest.fixture
def inputs() -> CoverageInputs:
    return CoverageInputs(COMMUNES, FS, threshold=20, router=MINUTE_PER_KM)


def test_one_new_stop_goes_where_it_covers_most_need(inputs):
    result = maximal_covering(inputs, 1, options=ONE_WORKER)
    assert result.chosen == ("F",)
    assert result.need_covered == pytest.approx(360)  # C 300 + D 50 + F 10
    assert set(result.newly_covered) == {"C", "D", "F"}
    assert result.status == "OPTIMAL" and result.gap == 0.0


def test_two_new_stops_are_listed_by_decreasing_gain(inputs):
    result = maximal_covering(inputs, 2, options=ONE_WORKER)
    assert result.chosen == ("F", "E")
    assert result.gains == pytest.approx((360, 200))
    assert result.population_covered == 560


def test_already_covered_communes_bring_nothing(inputs):
    result = maximal_covering(inputs, 1, candidates=["A", "B"], options=ONE_WORKER)
    assert result.need_covered == 0 and result.chosen == ()


def test_before_after_figures_of_the_chosen_stops(inputs):
    result = maximal_covering(inputs, 2, options=ONE_WORKER)
    diff = result.comparison.difference
    assert diff.loc["human", "population_covered"] == 560
    assert result.comparison.after.totals.loc["human", "communes_not_covered"] == 0
    assert result.comparison.after.communes.loc["C", "status"] == "couverte par un bus (mensuel)"


def test_existing_fs_only_counts_a_mobile_stop_coverage_as_need(inputs):
    from planner.access.coverage import MobileStop
    from planner.tours.model import Frequency
    from tests.planner.access.test_coverage import north

    with_bus = inputs.with_additions(
        [MobileStop("bus", "b", "Bus", "X", *north(40), Frequency.MONTHLY, 3.0)]
    )
    assert "C" not in maximal_covering(with_bus, 2, options=ONE_WORKER).newly_covered
    assert "C" in maximal_covering(with_bus, 2, existing="fs", options=ONE_WORKER).newly_covered


def test_kiosks_reach_only_ten_minutes_and_stay_partial(inputs):
    result = maximal_covering(inputs, 1, kind="borne", options=ONE_WORKER)
    assert result.threshold == 10
    assert result.chosen == ("C",)  # F's 15-minute reach no longer counts
    assert result.need_covered == pytest.approx(300)
    assert result.comparison.after.communes.loc["C", "status"] == STATUS_BORNE_ONLY
    assert result.comparison.difference.loc["human", "population_covered"] == 0


def test_set_covering_finds_the_fewest_stops(inputs):
    result = set_covering(inputs, options=ONE_WORKER)
    assert sorted(result.chosen) == ["E", "F"]
    assert result.status == "OPTIMAL" and result.uncoverable == ()


def test_set_covering_reports_communes_no_candidate_reaches(inputs):
    result = set_covering(inputs, candidates=["F", "C"], options=ONE_WORKER)
    assert result.chosen == ("F",)
    assert result.uncoverable == ("E",)


def test_more_stops_than_candidates_is_an_error(inputs):
    with pytest.raises(ParameterError, match="asked for 3, but there are only 2 candidate"):
        maximal_covering(inputs, 3, candidates=["E", "F"])


def test_unknown_candidate_codes_are_named(inputs):
    with pytest.raises(UnknownAreaError, match="99999"):
        maximal_covering(inputs, 1, candidates=["E", "99999"])


def test_a_non_positive_time_limit_is_refused():
    with pytest.raises(ParameterError, match="time limit"):
        SolverOptions(time_limit=0)


def test_fractional_weights_are_reported_in_real_units():
    cover = np.array([[1, 0], [1, 1], [0, 1]], dtype=bool)
    weights = np.array([0.3333, 0.25, 0.6667])
    selection = solve_mclp(cover, weights, 1, ONE_WORKER)
    assert selection.chosen == (1,)
    assert selection.objective == pytest.approx(0.9167)


def test_dominated_candidates_are_dropped_but_ties_keep_one():
    cover = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 0, 1, 0]], dtype=bool)
    from scipy import sparse

    # column 1 is inside column 0; columns 0 and 3 are equal (0 stays); column 2 is alone
    assert _undominated(sparse.csr_matrix(cover)).tolist() == [0, 2]


def _brute_mclp(cover: np.ndarray, weights: np.ndarray, k: int) -> float:
    m = cover.shape[1]
    return max(
        float(weights[cover[:, list(c)].any(axis=1)].sum()) if c else 0.0
        for r in range(k + 1)
        for c in itertools.combinations(range(m), r)
    )


def _brute_lscp(cover: np.ndarray) -> int:
    m, need = cover.shape[1], cover.any(axis=1)
    for r in range(m + 1):
        for c in itertools.combinations(range(m), r):
            if (cover[:, list(c)].any(axis=1) >= need).all():
                return r
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(12))
def test_maximal_and_set_covering_match_brute_force_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(4, 14)), int(rng.integers(2, 8))
    cover = rng.random((n, m)) < 0.3
    weights = rng.integers(0, 50, n) + rng.random(n).round(2)
    k = int(rng.integers(1, m + 1))
    selection = solve_mclp(cover, weights, k, ONE_WORKER)
    assert selection.objective == pytest.approx(_brute_mclp(cover, weights, k), abs=1e-6)
    assert len(selection.chosen) <= k
    lscp, uncoverable = solve_lscp(cover, ONE_WORKER)
    assert lscp.objective == _brute_lscp(cover)
    assert uncoverable.tolist() == (~cover.any(axis=1)).tolist()


@pytest.mark.parametrize("seed", range(12))
def test_scip_finds_the_brute_force_optimum_too(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(4, 14)), int(rng.integers(2, 8))
    cover = rng.random((n, m)) < 0.3
    weights = rng.integers(0, 50, n) + rng.random(n).round(2)
    k = int(rng.integers(1, m + 1))
    selection = solve_mclp(cover, weights, k, SolverOptions(time_limit=20, solver="scip"))
    assert selection.status == "OPTIMAL" and selection.gap == pytest.approx(0.0, abs=1e-9)
    assert selection.objective == pytest.approx(_brute_mclp(cover, weights, k), abs=1e-6)
    assert len(selection.chosen) <= k


def test_an_unknown_solver_is_refused():
    with pytest.raises(ParameterError, match="solver: expected one of cp-sat, scip, got 'cbc'"):
        SolverOptions(solver="cbc")
