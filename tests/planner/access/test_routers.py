"""The offline travel model, matrices, their cache and nearest/within queries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geodata.errors import DataError
from geodata.records import CommunePoint
from planner.access.matrices import MatrixCache, cache_key, reach, travel_matrix
from planner.access.routers import OfflineModel, Points, haversine_km
from planner.errors import ParameterError

CHATEAUROUX = (1.69026, 46.80226)  # rcarlier centroids (COG 2024)
ISSOUDUN = (2.00771, 46.94468)


def test_chateauroux_issoudun_is_about_29_km_as_the_crow_flies():
    # between the two centroids; the town centres are about 27 km apart
    assert haversine_km(*CHATEAUROUX, *ISSOUDUN) == pytest.approx(28.86, abs=0.05)


def test_one_degree_of_latitude_is_111_km():
    assert haversine_km(0.0, 45.0, 0.0, 46.0) == pytest.approx(111.2, abs=0.1)


def test_default_model_gives_a_plausible_time_for_chateauroux_issoudun():
    minutes = float(OfflineModel().minutes(haversine_km(*CHATEAUROUX, *ISSOUDUN)))
    assert 25 <= minutes <= 40  # route planners give about half an hour


def test_time_strictly_increases_with_distance_and_is_zero_at_the_same_point():
    d = np.linspace(0, 200, 4001)
    t = OfflineModel().minutes(d)
    assert t[0] == 0
    assert np.all(np.diff(t) > 0)


def test_short_trips_are_slower_on_average_than_long_ones():
    model = OfflineModel()
    crow = np.array([1.0, 5.0, 20.0, 80.0])
    average_kmh = model.road_km(crow) / (model.minutes(crow) / 60)
    assert np.all(np.diff(average_kmh) > 0)
    assert average_kmh[0] == pytest.approx(30.0)  # the first 1.3 road km are in the village band


def test_circuity_and_access_time_change_the_time_as_documented():
    base = OfflineModel()
    slower = OfflineModel(circuity=1.5)
    with_access = OfflineModel(access_minutes=5)
    assert float(slower.minutes(20.0)) > float(base.minutes(20.0))
    assert float(with_access.minutes(20.0)) == pytest.approx(float(base.minutes(20.0)) + 5)
    assert float(with_access.minutes(0.0)) == 0.0  # no access time inside the same point


def test_band_arithmetic_by_hand():
    model = OfflineModel(circuity=1.0, bands=((2.0, 30.0), (10.0, 60.0), (math.inf, 80.0)))
    # 2 km at 30 km/h = 4 min; 8 km at 60 = 8 min; 10 km at 80 = 7.5 min
    assert float(model.minutes(20.0)) == pytest.approx(19.5)


def test_crow_distance_within_is_the_inverse_of_minutes():
    model = OfflineModel(access_minutes=2)
    for minutes in (3.0, 10.0, 30.0, 90.0):
        assert float(model.minutes(model.crow_km_within(minutes))) == pytest.approx(minutes)
    assert (
        model.crow_km_within(1.5) == 0.0
    )  # less than the access time: nothing but the point itself


@pytest.mark.parametrize(
    "kwargs",
    [
        {"circuity": 0.9},
        {"access_minutes": -1},
        {"bands": ((5.0, 30.0),)},
        {"bands": ((5.0, 30.0), (2.0, 50.0), (math.inf, 80.0))},
        {"bands": ((5.0, 0.0), (math.inf, 80.0))},
    ],
)
def test_invalid_parameters_are_rejected_with_a_plain_error_naming_the_parameter(kwargs):
    with pytest.raises(ValueError, match=f"^{next(iter(kwargs))}: expected|^bands: band") as caught:
        OfflineModel(**kwargs)
    assert isinstance(caught.value, ParameterError) and caught.value.parameter == next(iter(kwargs))


def _points(n: int, seed: int = 0, prefix: str = "p") -> Points:
    rng = np.random.default_rng(seed)
    return Points(
        tuple(f"{prefix}{i}" for i in range(n)),
        rng.uniform(1.0, 2.5, n),
        rng.uniform(46.3, 47.3, n),
    )


def test_matrix_matches_the_model_cell_by_cell_across_chunks(monkeypatch):
    from planner.access import routers as travel

    monkeypatch.setattr(travel, "_CHUNK_CELLS", 7)  # force many small chunks
    src, dst = _points(13, 1), _points(5, 2)
    matrix = travel_matrix(OfflineModel(), src, dst)
    assert matrix.minutes.dtype == np.float32 and matrix.shape == (13, 5)
    i, j = 11, 3
    crow = haversine_km(src.lon[i], src.lat[i], dst.lon[j], dst.lat[j])
    assert matrix.minutes[i, j] == pytest.approx(float(OfflineModel().minutes(crow)), rel=1e-6)
    assert matrix.km[i, j] == pytest.approx(1.3 * float(crow), rel=1e-6)


def test_reach_offline_agrees_with_the_brute_force_matrix():
    src, dst = _points(300, 3), _points(40, 4)
    model = OfflineModel()
    full = travel_matrix(model, src, dst).minutes
    found = reach(model, src, dst, within=20.0)
    assert np.array_equal(found.nearest, np.argmin(full, axis=1))
    assert np.allclose(found.minutes, full.min(axis=1), rtol=1e-5)
    expected = set(zip(*np.nonzero(full <= 20.0)))
    assert set(zip(found.pair_source.tolist(), found.pair_destination.tolist())) == expected
    assert len(expected) > 50  # the case is not trivial


def test_reach_counts_a_service_at_the_communes_own_point():
    src = Points(("a",), [1.5], [46.5])
    found = reach(OfflineModel(), src, Points(("s",), [1.5], [46.5]), within=5.0)
    assert found.minutes[0] == 0.0
    assert found.pair_destination.tolist() == [0]


def test_reach_without_destinations_says_none():
    found = reach(OfflineModel(), _points(3), Points((), [], []), within=30.0)
    assert found.nearest.tolist() == [-1, -1, -1]
    assert np.isinf(found.minutes).all()


def test_points_without_coordinates_are_named_in_the_error():
    communes = [
        CommunePoint("36044", "Châteauroux", "36", 1.69, 46.80, 43000),
        CommunePoint("36999", "Nulle-Part", "36", None, None, 10),
    ]
    with pytest.raises(DataError, match="36999"):
        Points.of(communes, what="communes")


class SpyRouter:
    """A router that counts its calls (stands for OSRM in cache tests)."""

    name = "spy"
    cacheable = True

    def __init__(self, speed: float = 1.0):
        self.calls = 0
        self.speed = speed

    def params(self):
        return {"speed": self.speed}

    def describe(self):
        return "spy"

    def table(self, sources, destinations):
        self.calls += 1
        km = haversine_km(
            sources.lon[:, None],
            sources.lat[:, None],
            destinations.lon[None],
            destinations.lat[None],
        )
        return km / self.speed, km


def test_second_run_reads_the_cache_instead_of_calling_the_router(tmp_path):
    router = SpyRouter()
    src, dst = _points(7, 5), _points(3, 6)
    first = travel_matrix(router, src, dst, cache=MatrixCache(tmp_path))
    second = travel_matrix(router, src, dst, cache=MatrixCache(tmp_path))
    assert router.calls == 1
    assert np.array_equal(first.minutes, second.minutes)
    assert list(tmp_path.glob("*.npz")) and not list(tmp_path.glob("*.tmp"))


def test_default_cache_folder_comes_from_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ITINERANCE_CACHE_DIR", str(tmp_path / "matrices"))
    router = SpyRouter()
    travel_matrix(router, _points(2), _points(2, 1))
    travel_matrix(router, _points(2), _points(2, 1))
    assert router.calls == 1
    assert len(list((tmp_path / "matrices").glob("*.npz"))) == 1


def test_cache_key_changes_with_router_parameters_and_points():
    src, dst = _points(4), _points(3, 1)
    key = cache_key(SpyRouter(1.0), src, dst)
    assert key == cache_key(SpyRouter(1.0), src, dst)
    assert key != cache_key(SpyRouter(2.0), src, dst)
    assert key != cache_key(SpyRouter(1.0), dst, src)
    moved = Points(src.ids, src.lon + 0.001, src.lat)
    assert key != cache_key(SpyRouter(1.0), moved, dst)


def test_a_failed_cache_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        MatrixCache(tmp_path).put("k" * 64, np.zeros((1, 1)), np.zeros((1, 1)))
    assert list(tmp_path.iterdir()) == []


def test_location_matrices_are_the_routers_float32_values_with_a_zero_diagonal():
    from types import SimpleNamespace

    from planner.access.matrices import location_matrices

    places = [
        SimpleNamespace(id="a", lon=1.691, lat=46.811),
        SimpleNamespace(id="b", lon=1.993, lat=46.949),
        SimpleNamespace(id="c", lon=1.691, lat=46.811),  # the same point as a
    ]
    durations, distances = location_matrices(places)
    assert durations.dtype == np.float32 and distances.dtype == np.float32
    model = OfflineModel()
    crow = haversine_km(1.691, 46.811, 1.993, 46.949)
    assert durations[0, 1] == np.float32(model.minutes(np.array([crow]))[0])
    assert distances[0, 1] == np.float32(model.road_km(np.array([crow]))[0])
    assert distances[0, 1] > crow  # road km: the crow-fly distance times a detour factor
    assert (np.diag(durations) == 0).all() and (np.diag(distances) == 0).all()
    np.testing.assert_array_equal(durations, durations.T)
