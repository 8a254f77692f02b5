"""The coverage map as a reader sees it: headless Chromium, offline (see tests/support/browser.py).

Screenshots go to test-artifacts/ (their paths are printed: run with ``-s`` or see the log).
"""

from __future__ import annotations

import pytest

from maps.coverage_map import services_to_show, write_coverage_map
from support.map_inputs import (
    HOSTILE_ADDRESS,
    HOSTILE_NAME,
    HOSTILE_SERVICE,
    INDRE_COMMUNES,
    hostile,
)

pytestmark = pytest.mark.browser

OPTIONS = {"title": "Accès aux lieux d’aide numérique", "threshold": 30}


def _expected_markers(inputs) -> int:
    """Services drawn plus one marker per (service, commune) stop in the area: counted here from
    the inputs, independently of the map code's own counts."""
    codes = set(inputs.communes["code"])
    shown = services_to_show(
        inputs.services, inputs.coverage, codes, inputs.communes.geometry.values
    )
    with_coords = [s for s in shown if s.lat is not None and s.lon is not None]
    stops = {(r.service_id, st.insee) for r in inputs.rotas for st in r.stops if st.insee in codes}
    return len(with_coords) + len(stops)


def test_indre_coverage_map_draws_every_commune_marker_and_legend(
    indre_inputs, offline_page, tmp_path
):
    out = tmp_path / "carte-indre.html"
    write_coverage_map(
        indre_inputs.communes,
        indre_inputs.coverage,
        indre_inputs.services,
        indre_inputs.rotas,
        out,
        area_label="Indre (36)",
        **OPTIONS,
    )
    probe = offline_page.open_map(out, screenshot="coverage-map-indre")

    assert probe.js_errors == [] and probe.console_errors == [] and probe.dialogs == []
    assert probe.unexpected_requests == []
    assert any("leaflet.js" in url for url in probe.requests.served)
    assert probe.n_shapes == INDRE_COMMUNES
    expected = _expected_markers(indre_inputs)
    assert expected > 50 and probe.n_markers == expected
    assert probe.visible_count(".itin-marker") == expected  # drawn with a size, not just in the DOM
    assert probe.visible_legends == ["time", "gap", "points"]
    assert probe.screenshot is not None and probe.screenshot.stat().st_size > 10_000

    # switching the coloured layer switches the legend, and the shapes stay drawn once
    probe.click_layer("Indice de fragilité numérique")
    assert probe.visible_legends == ["ifn", "gap", "points"]
    assert probe.n_shapes == INDRE_COMMUNES
    assert probe.count("path.itin-commune-ifn") == INDRE_COMMUNES
    probe.take_screenshot("coverage-map-indre-ifn")
    probe.click_layer("Statut de couverture")
    assert probe.visible_legends == ["status", "gap", "points"]
    assert probe.count("path.itin-commune-time") == 0
    probe.take_screenshot("coverage-map-indre-status")

    # hiding a kind of place hides its markers and its line in the legend
    mediation = probe.count(".itin-point-mediation")
    assert mediation > 0
    probe.click_layer("Lieux de médiation numérique")
    assert probe.n_markers == expected - mediation
    legend_lines = probe.page.locator('li[data-legend^="points-"]')
    assert (
        legend_lines.count() == 4
        and probe.page.locator('li[data-legend^="points-"]:visible').count() == 3
    )
    probe.click_layer("Contour des communes non couvertes")
    assert "gap" not in probe.visible_legends

    # a commune's popup, in French
    opened = probe.leaflet(
        "map => { let done = false; map.eachLayer(l => { if (!done && l.feature"
        " && l.feature.properties.n === 'Ardentes' && l.getPopup()) { l.openPopup(); done = true; "
        "} });"
        " return done; }"
    )
    assert opened
    popup = probe.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Ardentes (36005)" in text and "Population" in text and "France Services fixe" in text
    assert "Statut" in text
    probe.take_screenshot("coverage-map-indre-popup")
    assert probe.js_errors == []


def test_data_holding_html_or_script_shows_as_text_and_never_runs(
    tiny_inputs, offline_page, tmp_path
):
    bad = hostile(tiny_inputs)
    out = tmp_path / "carte.html"
    write_coverage_map(
        bad.communes,
        bad.coverage,
        bad.services,
        bad.rotas,
        out,
        area_label="<i>Essai</i>",
        **OPTIONS,
    )
    probe = offline_page.open_map(out, screenshot="coverage-map-hostile")
    assert probe.dialogs == [] and probe.js_errors == [] and probe.unexpected_requests == []
    assert probe.n_shapes == 4 and probe.n_markers == 4
    page = probe.page
    assert "<i>Essai</i>" in page.locator(".itin-title").inner_text()

    page.locator("path.itin-commune").nth(1).dispatch_event("click")  # the commune named <script>…
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert HOSTILE_NAME in popup.inner_text()
    assert "<b>gras</b>" in popup.inner_text() and HOSTILE_SERVICE in popup.inner_text()
    assert popup.locator("script, b, img").count() == 0

    page.locator(".itin-point-france_services").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content", has_text="France Services (fixe)")
    popup.wait_for()
    text = popup.inner_text()
    assert HOSTILE_SERVICE in text and HOSTILE_ADDRESS in text
    assert popup.locator("script, img").count() == 0

    page.goto((tmp_path / "carte-tableau.html").as_uri())
    assert HOSTILE_NAME in page.locator("body").inner_text()
    assert page.locator("main script, main b, main img").count() == 0
    assert probe.dialogs == [] and probe.js_errors == []


def test_the_harness_reports_errors_and_unexpected_requests(offline_page, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><script src="https://example.invalid/tracker.js"></script>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script></head>'
        '<body><div class="leaflet-container">x</div>'
        '<img src="https://tile.openstreetmap.org/3/4/2.png">'
        '<script>if (!window.jQuery) { console.error("jquery missing"); } throw new '
        'Error("boom");</script>'
        "</body></html>",
        encoding="utf-8",
    )
    probe = offline_page.open_map(page, screenshot="harness-self-test")
    assert probe.unexpected_requests == ["https://example.invalid/tracker.js"]
    assert probe.requests.served == ["https://code.jquery.com/jquery-3.7.1.min.js"]
    assert probe.requests.tiles == ["https://tile.openstreetmap.org/3/4/2.png"]
    assert probe.console_errors == [] and any("boom" in e for e in probe.js_errors)
