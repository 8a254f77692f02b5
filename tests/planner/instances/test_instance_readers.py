"""Benchmark readers: Solomon (DIMACS convention) and Cordeau's periodic VRP format."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.errors import DataError
from planner.instances.cordeau import decode_combination, read_cordeau
from planner.instances.solomon import dimacs_matrix, read_solomon


@pytest.fixture(scope="module")
def c101(bench_dir):
    return read_solomon(bench_dir / "solomon" / "solomon_format" / "C101.txt")


def test_solomon_c101_first_customers(c101):
    p = c101.problem
    assert c101.name == "C101" and c101.best_known == pytest.approx(827.3)
    assert len(p.stops) == 100 and len(p.vehicles) == 25
    first = p.stops[0]
    assert (first.id, first.duration, first.demand) == ("1", 90.0, 10.0)
    assert (first.windows[0].start, first.windows[0].end) == (912.0, 967.0)
    assert p.stops[4].windows[0].start == 15.0  # customer 5: 15-67
    v = p.vehicles[0]
    assert (v.capacity, v.shift.start, v.shift.end) == (200.0, 0.0, 1236.0)
    assert p.horizon.n_days == 1


def test_solomon_distances_are_truncated_to_one_decimal(c101):
    d = c101.problem.distances
    # depot (40, 50) -> customer 1 (45, 68): sqrt(349) = 18.681... -> 18.6
    assert d[0, 1] == pytest.approx(18.6)
    # customer 1 (45, 68) -> customer 2 (45, 70): exactly 2
    assert d[1, 2] == pytest.approx(2.0)
    assert np.array_equal(c101.problem.durations, d)
    assert np.all(np.floor(d * 10 + 1e-6) == np.round(d * 10))


def test_dimacs_truncation_never_rounds_up():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.29999]])
    d = dimacs_matrix(xy)
    assert d[0, 1] == pytest.approx(1.4)  # 1.41421...
    assert d[0, 2] == pytest.approx(0.2)  # 0.29999 truncated, not rounded


def test_vrplib_and_solomon_formats_agree(bench_dir, c101):
    other = read_solomon(bench_dir / "solomon" / "vrplib_format" / "C101.vrp")
    assert np.array_equal(other.problem.distances, c101.problem.distances)
    assert other.problem.stops == c101.problem.stops
    assert other.best_known == c101.best_known


def test_solomon_bad_line_names_file_and_line(tmp_path, bench_dir):
    text = (bench_dir / "solomon" / "solomon_format" / "C101.txt").read_text()
    lines = text.splitlines()
    lines[12] = lines[12] + " 7"  # a customer line with 8 numbers
    f = tmp_path / "X1.txt"
    f.write_text("\n".join(lines))
    with pytest.raises(DataError, match=r"X1.txt:13: expected 7 numbers"):
        read_solomon(f)
    with pytest.raises(DataError, match="no such instance file"):
        read_solomon(tmp_path / "missing.txt")


@pytest.mark.bench("pvrp_cordeau/instances/p01")
def test_cordeau_p01_header_and_patterns(bench_dir):
    inst = read_cordeau(bench_dir / "pvrp_cordeau" / "instances" / "p01")
    p = inst.problem
    assert inst.best_known == pytest.approx(524.61)
    assert p.horizon.n_days == 2 and len(p.vehicles) == 3 and len(p.stops) == 51
    assert all(v.capacity == 160 and v.max_work is None for v in p.vehicles)
    # customer 1: "1 2 1 2": one visit, combinations 1 (day 2) and 2 (day 1)
    assert p.stops[0].patterns == ((0,), (1,))
    # customer 51 sits on the depot, needs a full vehicle, on day 1 only (mask 2 = binary 10)
    last = p.stops[50]
    assert last.demand == 160 and last.patterns == ((0,),)
    assert p.distances[0, last.location] == 0.0 and last.location != 0
    assert p.distances[0, 1] == pytest.approx(math.hypot(7, 12))


@pytest.mark.bench("pvrp_cordeau/instances/p02")
def test_cordeau_p02_regular_customers(bench_dir):
    p = read_cordeau(bench_dir / "pvrp_cordeau" / "instances" / "p02").problem
    counts = {}
    for s in p.stops:
        counts[len(s.patterns[0])] = counts.get(len(s.patterns[0]), 0) + 1
    assert counts == {1: 17, 2: 26, 5: 7}
    daily = next(s for s in p.stops if len(s.patterns[0]) == 5)
    assert daily.patterns == ((0, 1, 2, 3, 4),)


def test_decode_combination_puts_day_one_on_the_high_bit():
    assert decode_combination(16, 5) == (0,)
    assert decode_combination(1, 5) == (4,)
    assert decode_combination(0b10100, 5) == (0, 2)


def test_cordeau_rejects_other_problem_types(tmp_path):
    f = tmp_path / "md01"
    f.write_text("2 4 2 1\n0 80\n0 0 0 0 0 0 0\n1 1 1 1 1 1 1 1\n2 2 2 1 1 1 1 1\n")
    with pytest.raises(DataError, match="not a periodic VRP"):
        read_cordeau(f)


def test_best_known_from_a_vrplib_solution_file(tmp_path, bench_dir):
    # An instance with no row in the table: the 'Cost' line of the .sol next to it (the layout
    # of PyVRP's instance collection, e.g. Gehring & Homberger's sets).
    src = (bench_dir / "solomon" / "vrplib_format" / "C101.vrp").read_text()
    f = tmp_path / "X1_2_1.vrp"
    f.write_text(src.replace("C101", "X1_2_1"))
    assert read_solomon(f).best_known is None
    f.with_suffix(".sol").write_text("Route #1: 1 2 3\nCost 2698.6\n")
    assert read_solomon(f).best_known == pytest.approx(2698.6)
    f.with_suffix(".sol").write_text("Route #1: 1 2 3\nCost n/a\n")
    with pytest.raises(DataError, match=r"X1_2_1.sol: 'Cost' is not a number: 'n/a'"):
        read_solomon(f)
