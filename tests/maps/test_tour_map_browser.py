"""The tour map as a reader sees it: headless Chromium, offline (see tests/support/browser.py).

Two plans: a small standalone scenario with two minibuses planned for a few seconds
(:func:`test_tour_map.plan_brenne`), and La Rur@linette as it runs today, read from an Indre
database (19 days, each route its own colour), with the coverage its stops create. Expected
counts are taken from the plans themselves, not from the map code. Screenshots go to
test-artifacts/ (paths printed: run with ``-s``).
"""

from __future__ import annotations

from collections import Counter

import pytest
from test_tour_map import hand_made, plan_brenne

from maps.tour import write_tour_map
from planner.access.area import tour_coverage
from planner.access.routers import OfflineModel
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import plan_scenario
from planner.tours.plan import Plan

pytestmark = pytest.mark.browser

ROUTES = "path.itin-route"
STOPS = ".itin-stop"
BASES = ".itin-base"


def _placed_visits(plan: Plan) -> int:
    """Visits with a position in the plan's own context (home visits without commune have none)."""
    stops = plan.meta.context["stops"]
    return sum(1 for r in plan.routes for v in r.visits if stops[v.stop]["lat"] is not None)


def _open(offline_page, path, name):
    return offline_page.open_map(
        path, shape_selector=ROUTES, marker_selector=STOPS, screenshot=name
    )


def _legend_lines(probe) -> int:
    return probe.page.locator('li[data-legend^="routes-"]:visible').count()


@pytest.fixture(scope="module")
def brenne(tmp_path_factory):
    return plan_brenne(tmp_path_factory.mktemp("brenne-browser"))


def test_two_minibus_plan_draws_every_route_and_stop_and_filters_by_day_and_vehicle(
    brenne, offline_page, tmp_path
):
    _, done = brenne
    plan, problem = done.plan, done.built.problem
    out = tmp_path / "tournees.html"
    write_tour_map(plan, out, problem=problem, title="Tournées de la Brenne")
    probe = _open(offline_page, out, "tour-map-brenne")

    assert probe.js_errors == [] and probe.console_errors == [] and probe.dialogs == []
    assert probe.unexpected_requests == []
    n_routes = len(plan.routes)
    assert n_routes >= 4 and probe.n_shapes == n_routes
    assert probe.n_markers == _placed_visits(plan) == sum(len(r.visits) for r in plan.routes) - 1
    assert probe.visible_count(STOPS) == probe.n_markers  # drawn with a size, not only in the DOM
    assert probe.count(BASES) == 2
    assert probe.visible_legends == ["routes", "markers"]  # no coverage given: the caption says so
    assert (
        "Couverture créée par la tournée non représentée"
        in probe.page.locator(".itin-caption").inner_text()
    )
    assert _legend_lines(probe) == n_routes
    assert probe.screenshot is not None and probe.screenshot.stat().st_size > 10_000

    # hiding one day hides exactly its routes, their stops and their legend lines
    by_day = Counter(r.day for r in plan.routes)
    day, count = by_day.most_common(1)[0]
    label = next(f"{r.day_title}" for r in _routes(problem, plan) if r.day == day)
    visits_that_day = sum(
        len(r.visits) for r in plan.routes if r.day == day and _all_placed(plan, r)
    )
    probe.click_layer(label)
    assert probe.n_shapes == n_routes - count
    assert probe.n_markers == _placed_visits(plan) - visits_that_day
    assert _legend_lines(probe) == n_routes - count
    probe.take_screenshot("tour-map-brenne-one-day-hidden")
    probe.click_layer(label)
    assert probe.n_shapes == n_routes

    # a vehicle: its routes go, the other's stay; both ticks must be on for a route to show
    sud = sum(1 for r in plan.routes if r.vehicle == "sud")
    assert 0 < sud < n_routes
    probe.click_layer("Minibus sud")
    assert probe.n_shapes == n_routes - sud
    probe.click_layer(label)
    nord_that_day = sum(1 for r in plan.routes if r.vehicle == "nord" and r.day == day)
    assert probe.n_shapes == n_routes - sud - nord_that_day
    probe.click_layer("Minibus sud")
    probe.click_layer(label)
    assert probe.n_shapes == n_routes

    # "aucun" then one day: only that day's routes
    probe.page.locator('button[data-group="day"][data-all="0"]').click()
    probe.refresh()
    assert probe.n_shapes == 0 and probe.n_markers == 0 and "routes" not in probe.visible_legends
    probe.click_layer(label)
    assert probe.n_shapes == count
    probe.take_screenshot("tour-map-brenne-one-day")
    probe.page.locator('button[data-group="day"][data-all="1"]').click()
    probe.refresh()
    assert probe.n_shapes == n_routes

    # the weekly stop's popup, in French, with its visits of both weeks
    assert len(plan.visits_of("saint-gaultier")) == 2
    opened = probe.leaflet(
        "map => { let done = false; map.eachLayer(l => { "
        "if (!done && l instanceof L.Marker && l.getTooltip()"
        " && l.getTooltip().getContent().includes('Saint-Gaultier')) "
        "{ l.openPopup(); done = true; } });"
        " return done; }"
    )
    assert opened
    popup = probe.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    for word in (
        "Tournée",
        "Passages",
        "chaque ",
        "Arrivée",
        "Permanence",
        "Trajet",
        "Toutes les visites",
    ):
        assert word in text
    assert text.count("Semaine 1 — ") >= 2 and "Semaine 2 — " in text
    assert "Mme Exemple" not in probe.page.content()
    probe.take_screenshot("tour-map-brenne-popup")
    assert probe.js_errors == []


def _routes(problem, plan):
    from maps.tour import tour_routes

    return tour_routes(plan, problem=problem)[0]


def _all_placed(plan: Plan, route) -> bool:
    stops = plan.meta.context["stops"]
    return all(stops[v.stop]["lat"] is not None for v in route.visits)


@pytest.mark.slow
def test_rurlinette_as_is_draws_nineteen_days_each_its_own_colour_with_its_coverage(
    indre_db, offline_page, tmp_path
):
    done = plan_scenario(load_scenario("scenarios/rurlinette-actuelle.toml"), db=indre_db)
    plan, problem = done.plan, done.built.problem
    assert len(plan.routes) == 19
    found = tour_coverage(indre_db, plan, problem, threshold=15, router=OfflineModel())
    assert found is not None
    out = tmp_path / "rurlinette.html"
    write_tour_map(
        plan,
        out,
        problem=problem,
        communes=found.communes,
        coverage_before=found.before,
        coverage_after=found.after,
        threshold=15,
        title="La Rur@linette aujourd’hui",
    )
    probe = _open(offline_page, out, "tour-map-rurlinette")

    assert probe.js_errors == [] and probe.console_errors == [] and probe.unexpected_requests == []
    assert probe.n_shapes == 19 and probe.n_markers == 19 and probe.count(BASES) == 1
    colours = probe.page.eval_on_selector_all(
        ROUTES, "els => els.map(e => e.getAttribute('stroke'))"
    )
    assert len(set(colours)) == 19
    assert probe.visible_legends == ["routes", "markers", "coverage"]
    created = int(found.after["covered_human"].sum() - found.before["covered_human"].sum())
    assert created > 0 and probe.count("path.itin-created") == created
    assert probe.count("path.itin-tour-commune") == len(found.communes)

    # the 2nd Monday is Migné's: hiding it leaves 18 routes
    probe.click_layer("2e lundi")
    assert probe.n_shapes == 18 and probe.n_markers == 18
    probe.click_layer("2e lundi")
    probe.click_layer("Couverture créée par la tournée")
    assert probe.count("path.itin-created") == 0 and "coverage" not in probe.visible_legends
    probe.click_layer("Couverture créée par la tournée")

    probe.page.locator(STOPS).nth(5).dispatch_event("click")
    popup = probe.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert (
        "du mois" in text and "10:00–12:30 et 13:30–16:00" in text and "depuis Châteauroux" in text
    )
    probe.take_screenshot("tour-map-rurlinette-popup")
    assert probe.js_errors == []


def test_names_holding_html_show_as_text_and_never_run(offline_page, tmp_path):
    problem, plan = hand_made(rosnay_name="<img src=x onerror=alert('arrêt')>Rosnay")
    plan.meta.context["stops"]["rosnay"]["name"] = "<img src=x onerror=alert('arrêt')>Rosnay"
    plan.meta.context["vehicles"]["sud"]["name"] = "<script>alert('bus')</script>Bus sud"
    out = tmp_path / "t.html"
    write_tour_map(plan, out, problem=problem)
    probe = _open(offline_page, out, "tour-map-hostile")
    assert probe.dialogs == [] and probe.js_errors == [] and probe.unexpected_requests == []
    assert probe.n_shapes == 3 and probe.n_markers == 4
    assert (
        probe.page.locator(".itin-filter script, .itin-legends script, .itin-legends img").count()
        == 0
    )
    assert "<script>alert('bus')</script>Bus sud" in probe.page.locator(".itin-filter").inner_text()
    probe.page.locator(".itin-stop-r0").first.dispatch_event("click")
    popup = probe.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "<img src=x onerror=alert('arrêt')>Rosnay" in popup.inner_text()
    assert popup.locator("img, script").count() == 0
    assert probe.dialogs == []
