"""GeoJSON and GeoPackage of a plan (planner.outputs.geoexport), read back with pyogrio."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pyogrio
import pytest

from planner.outputs.calendar import Schedule
from planner.outputs.geoexport import routes_frame, stops_frame, write_geo
from tests.planner.outputs.test_calendar import (
    BASE,
    DAY,
    HOME,
    MONTHLY,
    PERSONAL,
    PLACES,
    as_json_plan,
    day_of,
    tiny_built,
)

START = date(2027, 1, 4)


def schedule(request_commune: str | None = "36124") -> Schedule:
    h = MONTHLY
    built, plan = tiny_built(
        h,
        {
            day_of(h, 1, 0): [("r1", 540, 585), ("36124", *DAY)],
            day_of(h, 2, 1): [("36173", 600, 720), ("36215", 840, 960)],
        },
        request_commune=request_commune,
    )
    return Schedule.from_plan(as_json_plan(built, plan))


@pytest.fixture
def written(tmp_path):
    s = schedule()
    paths = write_geo(s, tmp_path, START)
    return s, tmp_path, paths


def test_three_files_two_layers_in_wgs84(written):
    _, folder, paths = written
    assert sorted(p.name for p in paths) == [
        "arrets.geojson",
        "itinerance.gpkg",
        "tournees.geojson",
    ]
    layers = {name: kind for name, kind in pyogrio.list_layers(folder / "itinerance.gpkg")}
    assert layers == {"arrets": "Point", "tournees": "LineString"}
    for path in (folder / "arrets.geojson", folder / "tournees.geojson"):
        assert gpd.read_file(path).crs.to_epsg() == 4326
    assert gpd.read_file(folder / "itinerance.gpkg", layer="tournees").crs.to_epsg() == 4326


def test_stops_carry_name_insee_pattern_vehicle_and_hours(written):
    _, folder, _ = written
    stops = gpd.read_file(folder / "itinerance.gpkg", layer="arrets").set_index("insee")
    migne = stops.loc["36124"]
    migne = migne[migne["type"] == "permanence"].iloc[0]
    assert migne["nom"] == "Migné" and migne["vehicule"] == "Bus France services Essai"
    assert migne["jours"] == "le 2e lundi du mois"
    assert migne["horaires"] == "de 10 h à 12 h 30 et de 13 h 30 à 16 h"
    assert (migne["debut"], migne["fin"]) == ("10:00", "16:00")
    assert migne["rrule"] == "FREQ=MONTHLY;BYDAY=2MO"
    assert migne.geometry.x == pytest.approx(PLACES["36124"][1])
    assert stops.loc["36215", "jours"] == "le 3e mardi du mois"


def test_routes_go_base_stops_base_with_km_and_minutes_of_the_plan(written):
    s, folder, _ = written
    routes = gpd.read_file(folder / "tournees.geojson")
    assert len(routes) == 2
    day = routes[routes["jour"] == "3e mardi du mois"].iloc[0]
    coords = list(day.geometry.coords)
    assert coords[0] == pytest.approx((BASE[2], BASE[3])) and coords[-1] == coords[0]
    assert coords[1] == pytest.approx(PLACES["36173"][1:]) and coords[2] == pytest.approx(
        PLACES["36215"][1:]
    )
    legs = s.legs[("van", day_of(MONTHLY, 2, 1))]
    assert day["km"] == pytest.approx(sum(leg.km for leg in legs), abs=0.01)
    assert day["conduite_min"] == pytest.approx(sum(leg.minutes for leg in legs), abs=0.1)
    assert day["ordre"] == "Châteauroux → Rosnay → Ségry → Châteauroux"
    assert "segments droits" in day["trace"] and "modèle hors ligne" in day["trace"]


def test_home_visits_only_at_their_communes_point_and_never_named(written):
    _, folder, _ = written
    stops = gpd.read_file(folder / "arrets.geojson")
    visit = stops[stops["type"] == "visite à domicile"]
    assert len(visit) == 1
    assert visit.iloc[0]["nom"] == "Visite à domicile" and visit.iloc[0]["arret"] in ("", None)
    assert visit.iloc[0].geometry.x == pytest.approx(PLACES["36124"][1])
    for path in folder.iterdir():
        data = path.read_bytes()
        assert str(HOME[0]).encode() not in data and str(HOME[1]).encode() not in data
        assert all(v.encode() not in data for v in PERSONAL.values())


def test_a_home_visit_without_commune_is_not_a_point_and_the_line_skips_it():
    s = schedule(request_commune=None)
    stops = stops_frame(s, START)
    assert "visite à domicile" not in set(stops["type"])
    routes = routes_frame(s)
    monday = routes[routes["jour"] == "2e lundi du mois"].iloc[0]
    assert len(monday.geometry.coords) == 3  # base → Migné → base
    assert monday["arrets"] == 2 and "visite à domicile →" in monday["ordre"]


def test_provenance_is_in_both_formats(written):
    _, folder, _ = written
    collection = json.loads((folder / "arrets.geojson").read_text(encoding="utf-8"))
    assert "graine 7" in collection["description"] and "essai.toml" in collection["description"]
    meta = pyogrio.read_info(folder / "itinerance.gpkg", layer="tournees")["layer_metadata"]
    assert json.loads(meta["itinerance_provenance"])["seed"] == 7
