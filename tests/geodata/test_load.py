"""Loading an area: counts on the real data, idempotency, all-or-nothing, users' items kept."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import shapely
import sqlalchemy as sa

from geodata import db, load, query, registry
from geodata.errors import DataError, UnknownAreaError
from geodata.readers import cog, contours
from geodata.userfiles import ImportResult
from support.checks import snapshot


def _count(url: str, sql: str) -> int:
    with db.ready(url).connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def _host_site(id_: str = "salle-1", source: str = "salles.csv") -> ImportResult:
    record = {
        "id": id_,
        "name": "Salle des fêtes",
        "insee": "36236",
        "lon": None,
        "lat": None,
        "address": None,
        "pmr": True,
        "internet": False,
        "weekdays": [0, 3],
        "hours": "09:00-17:00",
        "capacity": 20,
    }
    return ImportResult("host_site", [record], source, "0" * 64, [])


@pytest.mark.data
def test_load_indre_counts(db_url):
    report = load.load_area(db_url, departement="36")
    assert report.area == load.Area("departement:36", ("36",))
    assert (report.communes, report.epcis, report.population) == (241, 15, 216069)
    assert report.communes_without_geometry == [] and report.ifn_missing == []
    assert report.services_by_kind == {
        "france_services": 25,
        "france_services_mobile": 1,
        "mediation": 61,
    }
    assert report.mediation_by_source == {"aidants_connect": 23, "cnfs": 38}
    assert (report.rotas, report.rota_stops, report.unresolved_stops) == (1, 20, 1)
    assert report.nearby_services > 0
    assert {p.dataset for p in report.provenance} == {
        "communes",
        "epci",
        "contours-centre-val-de-loire",
        "ifn-communes",
        "france-services",
        "cnfs-lieux",
        "aidants-connect",
    }
    assert (
        _count(
            db_url,
            "SELECT count(*) FROM communes WHERE departement = '36' AND geometry IS NOT NULL",
        )
        == 241
    )
    assert _count(db_url, "SELECT count(*) FROM ifn_indicators") == 241
    assert _count(db_url, "SELECT count(*) FROM opening_hours WHERE service_id = 'fs:2394'") == 10
    assert _count(db_url, "SELECT count(*) FROM dataset_loads WHERE area = 'departement:36'") == 7


@pytest.mark.data
def test_loading_twice_changes_nothing_and_keeps_users_items(db_url):
    load.load_area(db_url, departement="36")
    load.store_import(db_url, _host_site())
    before = snapshot(db_url)
    load.load_area(db_url, departement="36")
    assert snapshot(db_url) == before
    assert [h["id"] for h in query.host_sites(db_url, departement="36")] == ["salle-1"]


@pytest.mark.data
def test_a_load_failing_halfway_leaves_the_database_as_it_was(db_url, monkeypatch):
    load.load_area(db_url, departement="36")
    before = snapshot(db_url)
    real_write = load._write

    def write_then_fail(conn, area, payload, report):
        real_write(conn, area, payload, report)  # every delete and insert has run
        assert conn.execute(sa.text("SELECT count(*) FROM communes")).scalar_one() == 241
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_write", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load.load_area(db_url, departement="36")
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    "area, needles",
    [
        (
            {"departement": "99"},
            ("unknown département '99'; valid codes: 01, 02", " 2A, 2B,", " 36,"),
        ),
        ({"region": "7"}, ("unknown région '7'; valid codes: 01, 02", " 24,")),
    ],
)
@pytest.mark.data
def test_unknown_area_lists_valid_codes_and_touches_nothing(tmp_path, area, needles):
    url = f"sqlite:///{tmp_path / 'never.sqlite'}"
    with pytest.raises(UnknownAreaError) as info:
        load.load_area(url, **area)
    for needle in needles:
        assert needle in str(info.value)
    assert not (tmp_path / "never.sqlite").exists()


@pytest.mark.data
def test_area_needs_exactly_one_code():
    communes = cog.read_communes(registry.fetch("communes"))
    with pytest.raises(UnknownAreaError, match="exactly one"):
        load.resolve_area(communes)
    with pytest.raises(UnknownAreaError, match="exactly one"):
        load.resolve_area(communes, region="24", departement="36")
    assert load.resolve_area(communes, departement=2).departements == ("02",)


@pytest.mark.data
def test_a_departement_without_contours_loads_without_geometry_and_says_so(sqlite_url):
    report = load.load_area(sqlite_url, departement="23")  # Creuse: outside the built-in contours
    assert report.communes == len(report.communes_without_geometry) > 200
    assert report.contour_source is None
    assert report.services_by_kind.get("france_services", 0) > 0
    mediation = [
        s
        for s in query.services(sqlite_url, departement="23", kinds=["mediation"])
        if s.source == "aidants_connect"
    ]
    assert all(s.lon is None for s in mediation)  # no commune point to put them at
    frame = query.communes(sqlite_url, departement="23")
    assert frame.geometry.isna().all() and frame["lon"].isna().all()


@pytest.mark.data
def test_user_contours_replace_the_built_in_ones(sqlite_url, tmp_path):
    index = cog.read_code_index(registry.fetch("communes"))
    region = contours.read_contours(registry.fetch("contours-centre-val-de-loire"), index)
    indre = region[region["code"].str.startswith("36")]
    left_out = ["36001", "36002", "36003"]
    mine = indre[~indre["code"].isin(left_out)].rename(columns={"code": "insee"})
    path = tmp_path / "indre.geojson"
    mine.to_file(path, driver="GeoJSON")
    report = load.load_area(
        sqlite_url, departement="36", contours=path, contours_code_column="insee"
    )
    assert report.communes_without_geometry == left_out
    assert report.contour_source == "user:indre.geojson"
    frame = query.communes(sqlite_url, departement="36").set_index("code")
    assert frame.loc[left_out].geometry.isna().all()
    assert frame.drop(index=left_out).geometry.notna().all()
    assert any(p.dataset == "user-contours" for p in report.provenance)


@pytest.mark.data
def test_missing_contour_file_is_a_data_error(sqlite_url, tmp_path):
    with pytest.raises(DataError, match="contour file not found"):
        load.load_area(sqlite_url, departement="36", contours=tmp_path / "nope.geojson")


def test_nothing_personal_is_stored(indre_url):
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    phone = re.compile(r"(?<!\d)0[1-9](?:[ .-]?\d{2}){4}(?!\d)")
    engine = db.ready(indre_url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.tables.values():
            text_columns = [c for c in table.columns if isinstance(c.type, sa.String)]
            for row in conn.execute(sa.select(*text_columns)):
                for value in row:
                    assert not (
                        isinstance(value, str) and (email.search(value) or phone.search(value))
                    ), (table.name, value)


@pytest.mark.data
def test_store_import_replaces_own_items_and_refuses_other_files_ids(db_url):
    first = load.store_import(db_url, _host_site())
    assert (first.stored, first.replaced) == (1, 0)
    again = load.store_import(db_url, _host_site())
    assert (again.stored, again.replaced) == (1, 1)
    before = snapshot(db_url)
    with pytest.raises(
        DataError,
        match=r"autres.csv: 1 id\(s\) already stored from another file \(salles.csv\): salle-1",
    ):
        load.store_import(db_url, _host_site(source="autres.csv"))
    assert snapshot(db_url) == before
    load.store_import(db_url, _host_site(source="autres.csv"), replace=True)
    assert [h["source"] for h in query.host_sites(db_url)] == ["autres.csv"]


@pytest.mark.data
def test_bornes_become_service_points_placed_at_their_commune(sqlite_url):
    load.load_area(sqlite_url, departement="36")
    record = {
        "id": "7",
        "name": "Borne de la mairie",
        "insee": "36010",
        "lon": None,
        "lat": None,
        "address": None,
        "operator": "CC Cœur de Brenne",
        "hours": "Mo-Fr 09:00-12:00",
    }
    report = load.store_import(
        sqlite_url, ImportResult("borne", [record], "bornes.csv", "1" * 64, [])
    )
    assert report.placed_at_commune == 1
    borne = next(
        s
        for s in query.services(sqlite_url, departement="36", kinds=["borne"])
        if s.id == "user:borne:7"
    )
    commune = query.communes(sqlite_url, codes=["36010"]).iloc[0]
    assert (borne.lon, borne.lat) == (commune["lon"], commune["lat"])
    assert borne.source == "user:bornes.csv" and borne.capacity == 15.0
    # a later load of the area keeps it
    load.load_area(sqlite_url, departement="36")
    assert any(s.id == "user:borne:7" for s in query.services(sqlite_url, departement="36"))


@pytest.mark.data
def test_vehicles_are_stored(sqlite_url):
    record = {
        "id": "bus-1",
        "name": "La Rur@linette",
        "base_insee": "36044",
        "base_lon": 1.6976,
        "base_lat": 46.8213,
        "features": ["pmr", "wifi"],
        "wheelchair_places": 1,
        "seats": 2,
        "cost_per_km": 0.6,
        "cost_per_hour": 45.0,
        "purchase_cost": 68000.0,
        "lifetime_years": 8.0,
    }
    load.store_import(sqlite_url, ImportResult("vehicle", [record], "flotte.csv", "2" * 64, []))
    (vehicle,) = query.vehicles(sqlite_url)
    assert (
        vehicle["features"] == ["pmr", "wifi"]
        and vehicle["purchase_cost"] == 68000.0
        and vehicle["source"] == "flotte.csv"
    )


@pytest.mark.slow
@pytest.mark.data
def test_load_region_24(sqlite_url):
    report = load.load_area(sqlite_url, region="24")
    print(f"\nregion 24 loaded in {report.seconds:.1f} s: {report}")
    assert report.area.departements == ("18", "28", "36", "37", "41", "45")
    assert report.communes == 1754 and report.communes_without_geometry == []
    assert report.ifn_missing == []
    assert report.services_by_kind["france_services"] == 145
    assert report.services_by_kind["france_services_mobile"] == 7
    assert report.rotas == 11  # 6 buses, 1 itinerant, 4 multi-site
    assert report.rota_stops > 50
    frame = query.communes(sqlite_url, region="24")
    assert len(frame) == 1754 and frame.geometry.notna().all()
    assert shapely.contains_xy(frame.geometry.values, frame["lon"], frame["lat"]).all()
    per_dep = frame.groupby("departement").size().to_dict()
    assert per_dep == {"18": 286, "28": 363, "36": 241, "37": 272, "41": 267, "45": 325}


@pytest.mark.slow
@pytest.mark.data
def test_loading_order_of_neighbouring_departements_does_not_matter(tmp_path):
    a, b = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite", "b.sqlite"))
    for dep in ("36", "18"):
        load.load_area(a, departement=dep)
    for dep in ("18", "36"):
        load.load_area(b, departement=dep)
    snap_a, snap_b = snapshot(a), snapshot(b)
    for table in ("communes", "service_points", "opening_hours", "rotas", "rota_stops"):
        assert snap_a[table] == snap_b[table], table


def test_points_are_located_in_their_contour_and_overlaps_resolve_to_the_smallest_code():
    import geopandas as gpd
    import numpy as np

    # simplified contours may overlap a little: the point in both gets the smaller code
    squares = gpd.GeoDataFrame(
        {"code": ["36002", "36001"]},
        geometry=[shapely.box(1, 0, 2, 1), shapely.box(0, 0, 1.2, 1)],
        crs=4326,
    )
    lon, lat = np.array([0.5, 1.5, 1.1, 5.0, np.nan]), np.array([0.5, 0.5, 0.5, 5.0, 1.0])
    codes = load._locate_in_polygons(squares, lon, lat)
    assert list(codes) == ["36001", "36002", "36001", None, None]


_KILLED_MIDWAY = """
import os, signal, sys
from geodata import load
real_write = load._write
def write_then_die(conn, area, payload, report):
    real_write(conn, area, payload, report)  # every delete and insert has run, not committed
    os.kill(os.getpid(), signal.SIGKILL)
load._write = write_then_die
load.load_area(sys.argv[1], departement="36")
"""


def test_a_load_killed_midway_leaves_the_database_as_it_was(sqlite_url, shared_data):
    """kill -9 after every row is written but before the commit: SQLite's journal rolls back."""
    load.load_area(sqlite_url, departement="36")
    before = snapshot(sqlite_url)
    env = {**os.environ, "ITINERANCE_DATA_DIR": str(shared_data)}
    run = subprocess.run([sys.executable, "-c", _KILLED_MIDWAY, sqlite_url], env=env, timeout=300)
    assert run.returncode == -signal.SIGKILL
    assert snapshot(sqlite_url) == before


def test_two_loads_at_once_on_sqlite_both_succeed_and_agree(tmp_path, shared_data):
    """Two processes load the Indre into the same new SQLite file at the same time: SQLite
    serialises the writers; both succeed and the result is one load's."""
    url = f"sqlite:///{tmp_path / 'together.sqlite'}"
    env = {**os.environ, "ITINERANCE_DATA_DIR": str(shared_data)}
    code = "import sys; from geodata import load; load.load_area(sys.argv[1], departement='36')"
    runs = [subprocess.Popen([sys.executable, "-c", code, url], env=env) for _ in range(2)]
    assert [p.wait(timeout=600) for p in runs] == [0, 0]
    alone = f"sqlite:///{tmp_path / 'alone.sqlite'}"
    load.load_area(alone, departement="36")
    together, single = snapshot(url), snapshot(alone)
    for table in ("communes", "epcis", "ifn_indicators", "service_points", "rota_stops"):
        assert together[table] == single[table], table
