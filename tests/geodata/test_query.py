"""Queries the planner and the maps use, on Indre loaded from the real data (SQLite and PG)."""

from __future__ import annotations

import pytest
import shapely

from geodata import load, query
from geodata.errors import DataError, UnknownAreaError
from geodata.records import CommunePoint, ServiceKind


def test_communes_frame_of_a_departement(indre_url):
    frame = query.communes(indre_url, departement="36")
    assert list(frame.columns) == list(query.COMMUNE_COLUMNS)
    assert len(frame) == 241 and frame["code"].is_monotonic_increasing
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.notna().all() and frame["ifn"].notna().all()
    assert shapely.contains_xy(frame.geometry.values, frame["lon"], frame["lat"]).all()
    chateauroux = frame.set_index("code").loc["36044"]
    assert chateauroux["epci_name"] == "CA Châteauroux Métropole"
    assert chateauroux["population"] == 42963
    assert chateauroux["ifn"] == pytest.approx(6.124781837857752)
    assert chateauroux["ifn_no_thd"] == 5.0


def test_communes_by_epci_region_and_codes(indre_url):
    assert len(query.communes(indre_url, region="24")) == 241  # only Indre is loaded
    epci = query.communes(indre_url, epci="243600327")
    assert "36044" in set(epci["code"]) and (epci["epci"] == "243600327").all()
    assert list(query.communes(indre_url, codes=["36236", "36044"])["code"]) == ["36044", "36236"]


def test_unloaded_area_says_how_to_load_it(indre_url):
    with pytest.raises(
        UnknownAreaError,
        match=r"département 18 is not loaded; run `itinerance data load --departement 18` first",
    ):
        query.communes(indre_url, departement="18")
    with pytest.raises(UnknownAreaError, match="--region 11"):
        query.services(indre_url, region="11")
    with pytest.raises(UnknownAreaError, match="data load --departement 36"):
        query.communes("sqlite://")  # an empty database


def test_commune_points_for_the_planner(indre_url):
    points = query.commune_points(indre_url, departement=36)
    assert len(points) == 241 and all(isinstance(p, CommunePoint) for p in points)
    vicq = next(p for p in points if p.code == "36236")
    assert vicq.name == "Vicq-Exemplet" and vicq.population > 0 and vicq.ifn is not None
    assert vicq.epci is not None and 46.3 < vicq.lat < 47.3


def test_services_by_kind_with_hours(indre_url):
    services = query.services(indre_url, departement="36")
    counts = {k: sum(s.kind == k for s in services) for k in ServiceKind}
    assert (
        counts[ServiceKind.FRANCE_SERVICES] == 25
        and counts[ServiceKind.FRANCE_SERVICES_MOBILE] == 1
    )
    assert counts[ServiceKind.MEDIATION] == 61
    bus = next(s for s in services if s.id == "fs:2394")
    assert [(iv.start, iv.end) for iv in bus.hours[0]] == [(600, 750), (810, 960)]
    assert bus.capacity == 25.0 and bus.format == "Bus_équivalent" and bus.insee == "36044"
    only_mobile = query.services(
        indre_url, departement="36", kinds=[ServiceKind.FRANCE_SERVICES_MOBILE]
    )
    assert [s.id for s in only_mobile] == ["fs:2394"]


def test_services_near_the_area_count_with_a_margin(indre_url):
    inside = {s.id for s in query.services(indre_url, departement="36", kinds=["france_services"])}
    near = query.services(indre_url, departement="36", kinds=["france_services"], bbox_margin_km=20)
    extra = [s for s in near if s.id not in inside]
    assert extra, "France Services of neighbouring départements within 20 km"
    assert {s.insee[:2] for s in extra} <= {"18", "23", "37", "41", "86", "87"}
    wider = query.services(
        indre_url, departement="36", kinds=["france_services"], bbox_margin_km=45
    )
    assert len(wider) > len(near) > len(inside)


def test_services_frame_is_a_point_layer(indre_url):
    frame = query.services_frame(indre_url, departement="36", kinds=["mediation"])
    assert len(frame) == 61 and frame.crs.to_epsg() == 4326
    assert (frame.geometry.x == frame["lon"]).all() and "weekly_hours" in frame


def test_rotas_round_trip(indre_url):
    (rota,) = query.rotas(indre_url, departement="36")
    assert rota.service_id == "fs:2394" and rota.base_insee == "36044"
    assert [s.order for s in rota.stops] == list(range(1, 21))
    first = rota.stops[0]
    assert (first.match.insee, first.recurrence.weekday, first.recurrence.nth) == ("36236", 0, 1)
    avail = next(s for s in rota.stops if s.raw_name == "Avail")
    assert avail.match.insee is None and avail.match.candidates  # reported, never assigned
    assert any("Avail" in issue for issue in rota.issues)
    assert rota.hours[4][0].start == 600
    assert query.rotas(indre_url, service_id="2394")[0].stops == rota.stops
    with pytest.raises(DataError, match="no parsed rota for service '999'"):
        query.rotas(indre_url, service_id="999")


def test_stored_rotas_equal_the_parsed_ones_and_backends_agree(db_url, indre_url):
    from geodata import registry
    from geodata.names import CommuneIndex
    from geodata.readers import france_services
    from geodata.rota import parse_france_services_rotas

    load.load_area(db_url, departement="36")
    cog = load._read_cog(registry.fetch("communes"))
    indre = cog.communes[cog.communes["departement"] == "36"]
    index = CommuneIndex(
        indre[["code", "name", "departement"]].itertuples(index=False, name=None),
        aliases=[a for a in cog.aliases if a[2] == "36"],
    )
    rows = france_services.read_france_services(registry.fetch("france-services"))
    parsed = parse_france_services_rotas(rows[rows["insee_dep"] == "36"].to_dict("records"), index)
    stored = query.rotas(db_url, departement="36")
    assert [(r.service_id, r.stops, r.issues, r.raw_text) for r in stored] == [
        (r.service_id, r.stops, r.issues, r.raw_text) for r in parsed
    ]
    # the same queries answer the same on this backend and on the SQLite reference
    mine, reference = (
        query.communes(db_url, departement="36"),
        query.communes(indre_url, departement="36"),
    )
    assert mine.drop(columns="geometry").equals(reference.drop(columns="geometry"))
    assert mine.geometry.geom_equals_exact(reference.geometry, tolerance=0).all()
    near = dict(departement="36", bbox_margin_km=30)
    assert query.services(db_url, **near) == [
        s for s in query.services(indre_url, **near) if not s.source.startswith("user:")
    ]


def test_status_lists_files_and_counts(indre_url):
    st = query.status(indre_url)
    assert {item["dataset"] for item in st.loads if item["area"] == "departement:36"} >= {
        "communes",
        "france-services",
    }
    communes = next(i for i in st.loads if i["dataset"] == "communes")
    assert (
        communes["sha256"].startswith("6cafec09")
        and communes["vintage"] == "COG 2026"
        and communes["rows"] == 241
    )
    (dep,) = st.departements
    assert dep["departement"] == "36" and dep["communes"] == dep["with_contour"] == 241
    assert (
        dep["services"]["france_services"] == 25
        and dep["rota_stops"] == 20
        and dep["unresolved_stops"] == 1
    )
