"""The tour map without a browser: what it draws, says and writes, from hand-made plans, a small
standalone scenario planned for real, and the ``itinerance map tour`` command.

The hand-made case (:func:`hand_made`) is a two-week cycle with two vehicles: "Bus sud" serves
Rosnay every Monday (a weekly stop: two visits) and a home visit once; "Bus nord" serves Ciron on
the first Monday with its lunch break taken on site. Its times are chosen so that every figure
the map shows can be checked by hand.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from maps.errors import MapError
from maps.style import ROUTE_COLOURS, readable_text_on, route_style
from maps.tour import (
    created_coverage,
    make_tour_map,
    permanence_text,
    tour_routes,
    write_tour_map,
)
from maps.tour.style import CREATED_CLASS
from planner.engine.base import SolveOptions
from planner.files import OutputError
from planner.scenario.context import Context, StopInfo, VehicleInfo
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import Planned, plan_scenario
from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Lunch,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.tours.plan import Plan, PlanMeta, Route, Visit
from planner.tours.schedule import schedule_meta
from support.checks import assert_one_line_error

HOME = (46.70091, 1.12371)  # the home of the on-demand visit: must never reach an output by default
GAMMA = (46.7262, 1.1512)  # the point of its commune (99004, "Gamma")


def _locations() -> tuple[Location, ...]:
    return (
        Location("base:sud", "Le Blanc", 1.0968, 46.6354, "99001"),
        Location("base:nord", "Mézières-en-Brenne", 1.2551, 46.8081, "99002"),
        Location("rosnay", "Rosnay", 1.2043, 46.7106, "99003"),
        Location("ciron", "Ciron", 1.2420, 46.6256, "99005"),
        Location("request:visite-1", "Visite visite-1", HOME[1], HOME[0], "99004"),
    )


def hand_made(*, rosnay_name: str = "Rosnay", schedule: bool = True) -> tuple[Problem, Plan]:
    """The hand-made problem and plan of the module docstring, the plan's meta holding its
    context and (unless ``schedule=False``, as in plans of older versions) its schedule block,
    as ``itinerance plan`` writes them."""
    locations = _locations()
    n = len(locations)
    durations = np.full((n, n), 20.0)
    distances = np.full((n, n), 15.0)
    np.fill_diagonal(durations, 0.0)
    np.fill_diagonal(distances, 0.0)
    durations[0, 2], distances[0, 2] = 25.0, 18.0  # Le Blanc → Rosnay
    durations[2, 4], distances[2, 4] = 12.0, 9.0  # Rosnay → the home visit
    lunch = Lunch(TimeWindow(720, 780), 60)
    problem = Problem(
        horizon=Horizon(weeks=2),
        locations=locations,
        durations=durations,
        distances=distances,
        stops=(
            Stop("rosnay", rosnay_name, 2, 150, Frequency.WEEKLY, insee="99003"),
            Stop("ciron", "Ciron", 3, 300, Frequency.MONTHLY, insee="99005"),
            Stop(
                "visite-1",
                "Visite visite-1 (Gamma)",
                4,
                60,
                Frequency.ONCE,
                kind=StopKind.REQUEST,
                insee="99004",
            ),
        ),
        vehicles=(
            Vehicle("sud", "Bus sud", 0, 0, lunch=lunch),
            Vehicle("nord", "Bus nord", 1, 1, lunch=lunch),
        ),
        name="Essai de la Brenne",
    )
    routes = [
        # Semaine 1 — lundi, Bus sud: Le Blanc 8:35 → Rosnay 9:00–11:30 → home visit 11:42–12:42
        Route(
            "sud",
            0,
            515.0,
            790.0,
            [Visit("rosnay", 540.0, 540.0, 690.0), Visit("visite-1", 702.0, 702.0, 762.0)],
            lunch=(762.0, 822.0),
        ),
        # Semaine 2 — lundi, Bus sud: Rosnay again
        Route("sud", 5, 515.0, 715.0, [Visit("rosnay", 540.0, 540.0, 690.0)]),
        # Semaine 1 — lundi, Bus nord: Ciron, arriving 9:40, open 10:00–16:00 with lunch 12:30–13:30
        Route("nord", 0, 560.0, 980.0, [Visit("ciron", 580.0, 600.0, 960.0)], lunch=(750.0, 810.0)),
    ]
    ctx = Context(name=problem.name)
    for stop in problem.stops:
        loc = locations[stop.location]
        request = stop.kind is StopKind.REQUEST
        point = GAMMA if request else (loc.lat, loc.lon)
        ctx.stops[stop.id] = StopInfo(
            stop.id,
            stop.name,
            "request" if request else "stop",
            stop.insee,
            "Gamma" if request else stop.name,
            point[1],
            point[0],
        )
    for v in problem.vehicles:
        ctx.vehicles[v.id] = VehicleInfo(v.id, v.name, locations[v.start_location].name, None)
    meta = PlanMeta(
        engine="periodic",
        seed=7,
        time_limit=2.0,
        created="2026-03-02T10:00:00+00:00",
        inputs=[{"role": "scenario", "path": "brenne.toml", "sha256": "ab" * 32}],
        travel="offline model (crow distance × 1.3; 30 km/h up to 2 km)",
        validation={"ok": True, "violations": 0},
        context=ctx.to_dict(),
    )
    plan = Plan(routes=routes, unserved=[], problem=problem.name, meta=meta)
    if schedule:
        plan.meta.schedule = schedule_meta(problem, plan)
    return problem, plan


def tiny_communes() -> gpd.GeoDataFrame:
    """Square communes 99001–99005 around the hand-made places (for bases and coverage)."""
    pts = {
        "99001": (46.6354, 1.0968),
        "99002": (46.8081, 1.2551),
        "99003": (46.7106, 1.2043),
        "99004": GAMMA,
        "99005": (46.6256, 1.2420),
    }
    rows = []
    for code, (lat, lon) in pts.items():
        square = Polygon(
            [
                (lon - 0.02, lat - 0.02),
                (lon + 0.02, lat - 0.02),
                (lon + 0.02, lat + 0.02),
                (lon - 0.02, lat + 0.02),
            ]
        )
        rows.append(
            {"code": code, "name": f"Commune {code}", "lon": lon, "lat": lat, "geometry": square}
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def _html(result) -> str:
    return result.map.get_root().render()


# --- what is drawn ----------------------------------------------------------------------------
def test_routes_come_in_day_then_vehicle_order_each_with_its_own_colour_and_french_day():
    problem, plan = hand_made()
    routes, notes, _ = tour_routes(plan, problem=problem)
    assert [r.label for r in routes] == [
        "Semaine 1 — lundi · Bus sud",
        "Semaine 1 — lundi · Bus nord",
        "Semaine 2 — lundi · Bus sud",
    ]
    assert len({r.style.colour for r in routes}) == 3
    assert notes == []
    sud = routes[0]
    # base → Rosnay → home visit (at its commune's point, not the home) → base
    assert sud.path == [(46.6354, 1.0968), (46.7106, 1.2043), GAMMA, (46.6354, 1.0968)]
    assert [v.order for v in sud.visits] == [1, 2]
    assert sud.visits[1].name == "Visite à domicile" and sud.visits[1].commune == "Gamma"


def test_driving_times_come_from_the_plans_legs_else_from_its_own_times():
    problem, plan = hand_made()
    for routes in (tour_routes(plan, problem=problem)[0], tour_routes(plan)[0]):
        sud = routes[0]
        assert [v.drive_minutes for v in sud.visits] == [25.0, 12.0]
        assert [v.previous for v in sud.visits] == ["Le Blanc", "Rosnay"]
        assert sud.km == pytest.approx(18.0 + 9.0 + 15.0)
        assert sud.drive_minutes == pytest.approx(25 + 12 + 20)
    _, old = hand_made(schedule=False)
    without, _, _ = tour_routes(old)
    # arrival minus leaving the previous place: 540 - 515, 702 - 690; no distance without legs
    assert [v.drive_minutes for v in without[0].visits] == [25.0, 12.0]
    assert without[0].km is None
    nord = next(r for r in without if r.vehicle == "nord")
    assert nord.visits[0].drive_minutes == 20.0  # 580 - 560


def test_the_plan_alone_gives_day_names_and_bases_from_its_schedule():
    _, plan = hand_made()
    routes, notes, horizon = tour_routes(plan)
    assert horizon.weeks == 2
    assert [r.day_title for r in routes] == ["Semaine 1 — lundi"] * 2 + ["Semaine 2 — lundi"]
    assert routes[0].base == (46.6354, 1.0968) and routes[1].base == (46.8081, 1.2551)
    assert notes == []


def test_a_break_between_two_stops_is_not_counted_as_driving():
    _, plan = hand_made(schedule=False)
    route = plan.routes[0]
    route.lunch = (690.0, 750.0)  # lunch at Rosnay's door after closing, then drive
    route.visits[1] = Visit("visite-1", 762.0, 762.0, 822.0)
    routes, _, _ = tour_routes(plan)
    assert routes[0].visits[1].drive_minutes == 12.0  # 762 - 690 - 60


def test_permanence_is_split_around_a_lunch_taken_on_site():
    assert permanence_text(600, 960, (750, 810)) == "10:00–12:30 et 13:30–16:00"
    assert permanence_text(540, 690, None) == "9:00–11:30"
    assert permanence_text(540, 690, (720, 780)) == "9:00–11:30"  # lunch after closing: no split


def test_route_colours_stay_distinct_for_twenty_routes_and_styles_for_thirty():
    styles = [route_style(k) for k in range(30)]
    assert len({s.colour for s in styles[:20]}) == 20 == len(ROUTE_COLOURS)
    assert len({(s.colour, s.dash) for s in styles}) == 30
    assert styles[0].dash is None and styles[10].dash and styles[20].dash != styles[10].dash
    assert readable_text_on("#ffff00") == "#111111" and readable_text_on("#1a1a2e") == "#ffffff"


def test_an_older_plan_alone_has_numbered_days_and_bases_placed_at_their_commune():
    _, plan = hand_made(schedule=False)
    for v in plan.meta.context["vehicles"].values():
        v["base_insee"] = "99001"
    result = make_tour_map(plan, communes=tiny_communes(), date=None)
    assert [r.day_title for r in result.routes] == ["Jour 1", "Jour 1", "Jour 6"]
    assert result.routes[0].base == (46.6354, 1.0968)
    assert result.n_route_lines == 3 and result.n_base_markers == 1
    assert any("Jours numérotés" in n for n in result.notes)
    bare = make_tour_map(plan)  # no communes either: stops still drawn, base legs not
    assert bare.n_base_markers == 0 and bare.n_stop_markers == 4
    assert any("Base sans position connue" in n for n in bare.notes)


def test_the_map_counts_what_it_draws_and_says_it_in_french():
    problem, plan = hand_made()
    result = make_tour_map(plan, problem=problem, title="Tournées de la Brenne")
    assert result.n_route_lines == 3 and result.n_stop_markers == 4 and result.n_base_markers == 2
    html = _html(result)
    assert html.count('"className":"itin-route itin-route-r') == 3
    assert "Semaine 1 — lundi · Bus nord" in html and "Tournées de la Brenne" in html
    # the provenance of the plan is in the caption: engine, seed, date, scenario and its sha256
    assert "moteur periodic, graine 7, 2 s de recherche" in html and "2 mars 2026" in html
    assert "brenne.toml (sha256 abababababab…)" in html
    assert "Traits droits dans l’ordre de passage" in html and "vol d’oiseau × 1,3" in html
    assert "Couverture créée par la tournée non représentée" in html
    # the "Jours" and "Véhicules" groups of the control, each entry once
    assert html.count('data-kind=\\"day\\" value=\\"0\\"') == 1 and 'value=\\"nord\\"' in html


def test_popups_give_days_in_words_arrival_permanence_driving_and_every_visit():
    problem, plan = hand_made()
    html = _html(make_tour_map(plan, problem=problem))
    popups = re.findall(r'<div class=\\"itin-popup\\">.*?<\\/div>', html)
    rosnay = [p for p in popups if "1 · Rosnay" in p]
    assert len(rosnay) == 2  # one marker per visit, each listing both visits
    assert all("chaque lundi" in p and "Semaine 2 — lundi · Bus sud" in p for p in rosnay)
    assert "25 min depuis Le Blanc" in rosnay[0]
    ciron = next(p for p in popups if "1 · Ciron" in p)
    assert "10:00–12:30 et 13:30–16:00" in ciron and "un lundi sur deux (semaine 1)" in ciron
    assert "9:40 (ouverture à 10:00)" in ciron


def test_home_visits_show_only_their_commune_and_time_slot_unless_asked():
    problem, plan = hand_made()
    plan.meta.context["stops"]["visite-1"]["name"] = "Mme Exemple, 3 rue des Lilas"  # as if leaked
    html = _html(make_tour_map(plan, problem=problem))
    assert "Mme Exemple" not in html and "Lilas" not in html
    assert f"{HOME[0]}" not in html and f"{HOME[1]}" not in html
    assert "Visite à domicile" in html and "Gamma (99004)" in html and "11:42–12:42" in html
    asked = _html(make_tour_map(plan, problem=problem, include_personal_data=True))
    assert f"{HOME[0]}" in asked and "Mme Exemple" in asked


def test_data_holding_html_is_escaped_everywhere():
    problem, plan = hand_made(rosnay_name="<script>alert(1)</script>Rosnay")
    plan.meta.context["stops"]["rosnay"]["name"] = "<script>alert(1)</script>Rosnay"
    plan.meta.context["vehicles"]["nord"]["name"] = "<b>Bus</b> nord"
    html = _html(make_tour_map(plan, problem=problem, title="<i>Titre</i>"))
    assert (
        "<script>alert(1)" not in html and "<b>Bus</b>" not in html and "<i>Titre</i>" not in html
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Rosnay" in html
    assert "&lt;b&gt;Bus&lt;/b&gt; nord" in html


def test_bad_inputs_are_one_line_map_errors():
    _, plan = hand_made()
    with pytest.raises(MapError, match="threshold: expected a positive number"):
        make_tour_map(plan, threshold=0)
    with pytest.raises(MapError, match="no route to draw"):
        make_tour_map(Plan(routes=[], problem="vide", meta=plan.meta))
    bare = Plan(routes=plan.routes, problem="sans contexte")
    with pytest.raises(MapError, match="no meta.context"):
        make_tour_map(bare)
    with pytest.raises(MapError, match="covered_human"):
        make_tour_map(
            plan,
            communes=tiny_communes(),
            coverage_before=pd.DataFrame({"x": [1]}),
            coverage_after=pd.DataFrame({"x": [1]}),
        )


# --- coverage the tour creates ------------------------------------------------------------------
def _coverage(human: list[bool], minutes: list[float]) -> pd.DataFrame:
    codes = ["99001", "99002", "99003", "99004", "99005"]
    return pd.DataFrame(
        {
            "name": [f"Commune {c}" for c in codes],
            "population": [100, 200, 300, 400, 500],
            "need": [1.0, 2.0, 3.0, 4.0, 5.0],
            "covered_human": human,
            "mobile_stop_minutes": minutes,
            "status": ["couverte" if h else "non couverte" for h in human],
        },
        index=pd.Index(codes, name="code"),
    )


def test_created_coverage_is_help_after_and_not_before():
    before = _coverage([True, False, False, True, False], [np.nan] * 5)
    after = _coverage([True, True, False, True, True], [40.0, 12.0, 45.0, 8.0, 25.0])
    frame = created_coverage(before, after, threshold=30)
    assert list(frame.index[frame["created"]]) == ["99002", "99005"]
    assert list(frame.index[frame["gap"]]) == ["99003"]
    assert list(frame.index[frame["reached"] & ~frame["created"]]) == [
        "99004"
    ]  # near a stop, covered before


def test_coverage_layer_shades_created_communes_and_the_title_counts_them():
    problem, plan = hand_made()
    before = _coverage([True, False, False, True, False], [np.nan] * 5)
    after = _coverage([True, True, False, True, True], [40.0, 12.0, 45.0, 8.0, 25.0])
    result = make_tour_map(
        plan,
        problem=problem,
        communes=tiny_communes(),
        coverage_before=before,
        coverage_after=after,
    )
    assert result.coverage_shapes == {"created": 2, "reached": 1, "gap": 1}
    html = _html(result)
    assert "2 communes (700 hab.)<\\/strong> mises à moins de 30 min" in html
    assert CREATED_CLASS in html and "Couverture non calculée" not in html
    created_table = result.tables[2].frame
    assert list(created_table["Code INSEE"]) == ["99005", "99002"]  # by decreasing need


# --- files ------------------------------------------------------------------------------------
def test_write_tour_map_writes_map_table_page_and_csv_of_the_stops(tmp_path):
    problem, plan = hand_made()
    out = tmp_path / "tournees.html"
    written = write_tour_map(plan, out, problem=problem)
    assert written == [out, tmp_path / "tournees-tableau.html", tmp_path / "tournees.csv"]
    assert '<html lang="fr">' in out.read_text(encoding="utf-8")
    page = (tmp_path / "tournees-tableau.html").read_text(encoding="utf-8")
    assert 'href="tournees.html"' in page and "<caption>Arrêts par jour" in page
    raw = (tmp_path / "tournees.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Jour", "Véhicule", "N°", "Étape"]
    assert len(rows) == 1 + 4  # one line per visit
    assert [
        "Semaine 1 — lundi",
        "Bus sud",
        "2",
        "Visite à domicile",
        "Gamma (99004)",
        "11:42",
        "11:42–12:42",
    ] == rows[2][:7]
    assert rows[3][6] == "10:00–12:30 et 13:30–16:00"


def test_nothing_is_written_when_the_output_cannot_be(tmp_path):
    problem, plan = hand_made()
    with pytest.raises(MapError, match=r"expected an output file name ending in \.html"):
        write_tour_map(plan, tmp_path / "tournees.png", problem=problem)
    with pytest.raises(OutputError, match="does not exist"):
        write_tour_map(plan, tmp_path / "absent" / "tournees.html", problem=problem)
    assert list(tmp_path.iterdir()) == []


# --- a real plan and the CLI ------------------------------------------------------------------
BRENNE = """\
schema_version = 1
name = "Deux minibus dans la Brenne"

[data]
standalone = true

[horizon]
weeks = 2

[solver]
time_limit = 3
deterministic = true

[[vehicles]]
id = "sud"
name = "Minibus sud"
base = { name = "Le Blanc", lon = 1.0968, lat = 46.6354 }
shift = "08:30-17:30"
lunch = { window = "12:00-14:00", duration = 60 }
max_stops_per_day = 2

[[vehicles]]
id = "nord"
name = "Minibus nord"
base = { name = "Mézières-en-Brenne", lon = 1.2551, lat = 46.8081 }
shift = "08:30-17:30"
lunch = { window = "12:00-14:00", duration = 60 }
max_stops_per_day = 2

[stops]
permanence = "demi-journée"
frequency = "fortnightly"
window = "09:00-17:00"

[[stops.list]]
id = "saint-gaultier"
name = "Saint-Gaultier"
lon = 1.4302
lat = 46.6484
frequency = "weekly"

[[stops.list]]
id = "rosnay"
name = "Rosnay"
lon = 1.2043
lat = 46.7106

[[stops.list]]
id = "ciron"
name = "Ciron"
lon = 1.2420
lat = 46.6256

[[stops.list]]
id = "martizay"
name = "Martizay"
lon = 1.0387
lat = 46.8071

[[stops.list]]
id = "saulnay"
name = "Saulnay"
lon = 1.2588
lat = 46.8711

[[stops.list]]
id = "azay"
name = "Azay-le-Ferron"
lon = 1.0703
lat = 46.8513

[[requests]]
id = "visite-1"
lon = 1.1237
lat = 46.7009
duration = 60
windows = ["jeudi semaine 1 09:00-12:00"]
requester_name = "Mme Exemple"
"""


def plan_brenne(folder: Path) -> tuple[Path, Planned]:
    """Plan the two-minibus scenario (3 s, deterministic) and write its plan beside it."""
    scenario = folder / "brenne.toml"
    scenario.write_text(BRENNE, encoding="utf-8")
    done = plan_scenario(
        load_scenario(scenario), options=SolveOptions(time_limit=3, deterministic=True)
    )
    assert done.report.ok, done.report.lines(5)
    (folder / "plan.json").write_text(done.plan.to_json(), encoding="utf-8")
    return scenario, done


@pytest.fixture(scope="module")
def brenne(tmp_path_factory) -> tuple[Path, Planned]:
    return plan_brenne(tmp_path_factory.mktemp("brenne"))


def test_map_tour_command_writes_three_files_from_a_plan(brenne, run_cli, tmp_path):
    scenario, done = brenne
    out = tmp_path / "tournees.html"
    code, stdout, err = run_cli("map", "tour", scenario.parent / "plan.json", "-o", out)
    assert code == 0, err
    assert "carte des tournées" in stdout and "arrêts par jour (CSV)" in stdout
    html = out.read_text(encoding="utf-8")
    # the scenario recorded in the plan was found: days have their names, bases their place
    assert "Semaine 1 — " in html and "Jour 1" not in html
    assert "Mme Exemple" not in html
    visits = sum(len(r.visits) for r in done.plan.routes)
    rows = (tmp_path / "tournees.csv").read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(rows) == 1 + visits


def test_map_tour_command_bad_inputs_give_one_error_line_and_no_file(brenne, run_cli, tmp_path):
    scenario, _ = brenne
    plan = scenario.parent / "plan.json"
    code, _, err = run_cli("map", "tour", plan, "-o", tmp_path / "t.html", "--threshold", "-5")
    assert_one_line_error(code, err, "threshold")
    code, _, err = run_cli("map", "tour", plan, "-o", tmp_path / "absent" / "t.html")
    assert_one_line_error(code, err, "does not exist")
    code, _, err = run_cli("map", "tour", plan, "-o", tmp_path / "t.pdf")
    assert_one_line_error(code, err, ".html")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = run_cli("map", "tour", bad, "-o", tmp_path / "t.html")
    assert_one_line_error(code, err, "not valid JSON")
    other = tmp_path / "other.toml"
    other.write_text(BRENNE.replace('id = "rosnay"', 'id = "rosnay-bis"'), encoding="utf-8")
    code, _, err = run_cli("map", "tour", plan, "-o", tmp_path / "t.html", "--scenario", other)
    assert_one_line_error(code, err, "does not match scenario", "rosnay")
    assert list(tmp_path.glob("t*")) == []


def test_map_tour_command_without_its_scenario_warns_and_still_names_the_days(
    brenne, run_cli, tmp_path
):
    _, done = brenne
    moved = Plan.from_dict(done.plan.to_dict())
    moved.meta.inputs = [{"role": "scenario", "path": "ailleurs/brenne.toml"}]
    plan = tmp_path / "plan.json"
    plan.write_text(moved.to_json(), encoding="utf-8")
    code, _, err = run_cli("map", "tour", plan, "-o", tmp_path / "t.html")
    assert code == 0 and "scénario de" in err and "introuvable" in err
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "Semaine 1 — " in html and "Minibus nord" in html


def test_the_title_prints_the_validators_need_served_counted_once():
    """The map's figures line repeats the validator's need served (the figure every output
    prints), never a sum over stops."""
    from maps.tour.build import _figures_line
    from planner.tours.meta import PlanMeta

    figures = {
        "km_per_month": 1234.4,
        "drive_hours_per_month": 20.0,
        "presence_hours_per_month": {"a": 5.0},
        "need_served": 18084.55,
        "need_possible": 25921.65,
    }
    line = _figures_line(PlanMeta(validation={"figures": figures}))
    assert line is not None
    assert "Besoin servi" in line and "18\u202f085 sur 25\u202f922" in line
    del figures["need_possible"]
    assert "Besoin" not in (_figures_line(PlanMeta(validation={"figures": figures})) or "")
